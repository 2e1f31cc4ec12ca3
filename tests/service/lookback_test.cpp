// Look-back screening on a real state file: items the pipeline kept, a list refresh that adds
// entities, one alert per story marked `lookback: true`, never raised twice.
#include "service/lookback.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "alert_schema.hpp"
#include "engine/alert.hpp"
#include "service/pipeline.hpp"
#include "sinks/text_render.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

// The rules an operator writes: one screening every entity list, one that needs no entity.
constexpr const char* rules_yaml = R"(
lists:
  measures: [sanction*, designat*, blacklist*]
rules:
  - id: lb.entity-mention
    title: Listed entity mentioned
    severity: medium
    tags: [entity]
    when: entity(@*)
  - id: lb.measures
    title: Measures announced
    severity: low
    tags: [sanctions]
    when: '@measures'
)";

timestamp t(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }
constexpr std::chrono::seconds day{24 * 3600};

class null_sink final : public sinks::sink {
 public:
  explicit null_sink(std::string name) : sink(std::move(name), {}) {}
  void deliver(const sinks::alert_view&, sinks::done_fn done) override {
    done(sinks::outcome::ok());
  }
};

item story(const std::string& id, const std::string& link, const std::string& title,
           const std::string& body) {
  item it;
  it.id = id;
  it.link = link;
  it.title = title;
  it.content = body;
  it.published = t(1000 * 24 * 3600);
  return it;
}

entities::entity organization(const std::string& id, const std::string& name) {
  entities::entity e;
  e.id = id;
  e.type = entities::entity_type::organization;
  e.primary_name = name;
  e.names.push_back({name, entities::strength::strong, entities::alias_kind::primary});
  e.programs = {"TEST-PROGRAM"};
  return e;
}

entities::entity_list added(std::vector<entities::entity> es) {
  entities::entity_list l;
  l.name = "designations";
  l.entities = std::move(es);
  return l;
}

// A port operator and a shipyard the tests invent; neither is on any list yet.
const char* port_text =
    "Dockhands at the Vellmora Harbour Logistics terminal worked through the night as cargo "
    "volumes rose for a third straight month, the operator said.";
const char* yard_text =
    "Orders at the Pellucid Keel Shipworks yard doubled after two tankers were commissioned for "
    "delivery next spring.";

class lookback_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(rules_dir_);
    std::ofstream(rules_dir_ + "/rules.yaml") << rules_yaml;
    cfg_.file = dir_.file("sanctwatch.yaml");
    cfg_.rules = {rules_dir_};
    config::entity_source src;
    src.name = "designations";
    src.source = "designations.yaml";
    src.format = "yaml";
    cfg_.entity_lists.push_back(src);
    // The daemon's ruleset before the refresh: the list without the new entities.
    auto live = lookback_ruleset({rules_dir_}, "designations", added({}));
    ASSERT_TRUE(live.rules) << engine::format_error(live.errors.front());
    live_ = live.rules;
  }

  // Polls one feed document through the real pipeline at `now` (texts kept).
  void poll(store::store& db, const std::string& feed, std::vector<item> items, timestamp now) {
    pipeline p(db, sinks_);
    p.set_ruleset(live_);
    feed_document doc;
    doc.feed.title = "Feed " + feed;
    doc.items = std::move(items);
    p.process({feed, "", "https://" + feed + ".example.test/rss"}, doc, now);
  }

  sanctwatch::testing::temp_dir dir_;
  std::string rules_dir_ = dir_.file("rules");
  std::string state_ = dir_.file("state.db");
  config::config cfg_;
  std::shared_ptr<const engine::ruleset> live_;
  std::vector<std::shared_ptr<sinks::sink>> sinks_ = {std::make_shared<null_sink>("out")};
};

}  // namespace

TEST_F(lookback_test, an_item_seen_before_naming_a_new_entity_raises_exactly_one_alert) {
  const timestamp refresh = t(1010 * 24 * 3600);
  {
    store::store db(state_);
    // The story through two feeds (one alert), an unrelated item, and one too old to look at.
    poll(db, "wire",
         {story("w1", "https://news.example.test/port", "Night shift at the port", port_text),
          story("w2", "https://news.example.test/yard", "Shipyard orders", yard_text)},
         refresh - 5 * day);
    poll(db, "mirror",
         {story("m1", "https://news.example.test/port?utm_source=mirror", "Night shift at the port",
                port_text)},
         refresh - 4 * day);
    poll(db, "old",
         {story("o1", "https://news.example.test/old-port", "Earlier port report", port_text)},
         refresh - 40 * day);
    ASSERT_EQ(db.kept_count(), 4);
    ASSERT_EQ(db.pending_count(), 0);  // nothing fired before the refresh

    const auto r = run_lookback(
        db, cfg_, sinks_, "designations",
        added({organization("designations:101", "VELLMORA HARBOUR LOGISTICS LLC")}), refresh);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.screened, 3u);  // the old item is outside the 30-day look-back
    EXPECT_EQ(r.hits, 2u);      // both copies of the port story
    EXPECT_EQ(r.alerts, 1u);
    EXPECT_EQ(db.pending_count(), 1);
    const auto listed = db.alerts(std::nullopt, "", 10);
    ASSERT_EQ(listed.size(), 1u);
    const auto doc = nlohmann::json::parse(listed[0].document);
    EXPECT_EQ(doc["lookback"], true);
    EXPECT_EQ(doc["type"], "alert.created");
    EXPECT_EQ(doc["rules"][0]["id"], "lb.entity-mention");
    ASSERT_EQ(doc["entities"].size(), 1u);
    EXPECT_EQ(doc["entities"][0]["id"], "designations:101");
    EXPECT_EQ(doc["entities"][0]["matched"], "Vellmora Harbour Logistics");
    EXPECT_EQ(doc["sources_total"], 2);
    EXPECT_EQ(doc["item"]["feed"]["title"], "Feed wire");
    ASSERT_FALSE(doc["evidence"].empty());
    EXPECT_NE(doc["evidence"][0]["text"].get<std::string>().find("Vellmora"), std::string::npos);
    EXPECT_NE(doc["id"], engine::story_alert_id("w1", "wire"));  // never the story's own alert
    const auto view = sinks::view_of(listed[0].document);
    ASSERT_TRUE(view);
    const auto block = sinks::render_text(*view, {false});
    ASSERT_TRUE(block);
    EXPECT_NE(block->find("look-back: newly listed, in the news on 1972-09-27"), std::string::npos)
        << *block;
    if (sanctwatch::testing::alert_validator_available()) {
      const auto lines = dir_.file("lookback.jsonl");
      std::ofstream(lines) << doc.dump() << "\n";
      const auto [rc, report] = sanctwatch::testing::validate_alert_lines(lines);
      EXPECT_EQ(rc, 0) << report;
    }

    // The next refresh adding the same entity again (its id seen anew): nothing.
    const auto again = run_lookback(
        db, cfg_, sinks_, "designations",
        added({organization("designations:101", "VELLMORA HARBOUR LOGISTICS LLC")}), refresh + day);
    EXPECT_EQ(again.hits, 2u);
    EXPECT_EQ(again.alerts, 0u);
  }
  // A restart: the state file remembers.
  store::store db(state_);
  const auto restarted = run_lookback(
      db, cfg_, sinks_, "designations",
      added({organization("designations:101", "VELLMORA HARBOUR LOGISTICS LLC")}), refresh);
  EXPECT_EQ(restarted.alerts, 0u);
  EXPECT_EQ(db.alerts(std::nullopt, "", 10).size(), 1u);

  // A later refresh adding another entity named by a kept item raises for that one only.
  const auto yard =
      run_lookback(db, cfg_, sinks_, "designations",
                   added({organization("designations:102", "PELLUCID KEEL SHIPWORKS JSC"),
                          organization("designations:101", "VELLMORA HARBOUR LOGISTICS LLC")}),
                   refresh + 2 * day);
  EXPECT_EQ(yard.alerts, 1u);
  const auto all = db.alerts(std::nullopt, "", 10);
  ASSERT_EQ(all.size(), 2u);
  const auto newest = nlohmann::json::parse(all[0].document);
  EXPECT_EQ(newest["entities"][0]["id"], "designations:102");
  EXPECT_EQ(newest["lookback"], true);
}

TEST_F(lookback_test, names_the_items_do_not_mention_raise_nothing_and_lookback_zero_is_off) {
  const timestamp refresh = t(1010 * 24 * 3600);
  store::store db(state_);
  poll(db, "wire", {story("w1", "https://news.example.test/port", "Night shift", port_text)},
       refresh - day);
  // Another configured list, which rules may name: known, empty for the look-back.
  config::entity_source other;
  other.name = "watch";
  other.source = "watch.yaml";
  other.format = "yaml";
  cfg_.entity_lists.push_back(other);
  const auto other_list = run_lookback(
      db, cfg_, sinks_, "designations",
      added({organization("designations:9", "SOMETHING ELSE ENTIRELY HOLDINGS")}), refresh);
  EXPECT_EQ(other_list.hits, 0u);
  cfg_.entity_lists[0].lookback = std::chrono::seconds{0};
  const auto off = run_lookback(
      db, cfg_, sinks_, "designations",
      added({organization("designations:101", "VELLMORA HARBOUR LOGISTICS LLC")}), refresh);
  EXPECT_EQ(off.screened, 0u);
  EXPECT_EQ(off.alerts, 0u);
  EXPECT_EQ(db.pending_count(), 0);
}

TEST_F(lookback_test, the_pipeline_keeps_texts_only_when_asked) {
  store::store db(state_);
  pipeline p(db, sinks_);
  p.set_ruleset(live_);
  p.set_keep_text(false);
  feed_document doc;
  doc.items.push_back(story("w1", "https://news.example.test/port", "Night shift", port_text));
  p.process({"wire", "", ""}, doc, t(1000));
  EXPECT_EQ(db.kept_count(), 0);
  EXPECT_TRUE(db.content_hash("wire", item_key(doc.items[0])));
}

}  // namespace sanctwatch::service
