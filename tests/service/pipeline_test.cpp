#include "service/pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/alert.hpp"
#include "engine/load.hpp"
#include "story/wire_texts.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

constexpr const char* rules_yaml = R"(
lists:
  sanction_terms: [sanction*]
  china: [China, Chinese, Beijing]
rules:
  - id: t.sanctions-china
    title: Sanctions and China
    severity: high
    tags: [sanctions]
    when: near(@sanction_terms, @china, within=10)
  - id: t.huawei
    title: Huawei mentioned
    severity: low
    tags: [entity]
    when: '"huawei"'
)";

timestamp t(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }

item make_item(const std::string& id, const std::string& title, const std::string& content) {
  item it;
  it.id = id;
  it.title = title;
  it.content = content;
  it.link = "https://example.invalid/" + id;
  return it;
}

// Records which alerts each sink was routed, without delivering. `updates`: a machine sink
// (JSON lines, webhooks), which takes every revision and is not read by people.
class null_sink final : public sinks::sink {
 public:
  null_sink(std::string name, sinks::filter f, bool updates = false)
      : sink(std::move(name), std::move(f)), updates_(updates) {}
  void deliver(const sinks::alert_view&, sinks::done_fn done) override {
    done(sinks::outcome::ok());
  }
  bool supports_updates() const override { return updates_; }
  bool for_people() const override { return !updates_; }

 private:
  bool updates_;
};

namespace wire = sanctwatch::testing::wire;

item wire_item(const std::string& id, const std::string& link, const std::string& title,
               const std::string& body) {
  item it;
  it.id = id;
  it.link = link;
  it.title = title;
  it.content = body;
  it.published = timestamp{std::chrono::seconds{1717236000}};
  return it;
}

feed_document one(item it) {
  feed_document d;
  d.items.push_back(std::move(it));
  return d;
}

class pipeline_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = engine::load_ruleset({{"rules.yaml", rules_yaml}});
    ASSERT_TRUE(loaded.errors.empty()) << engine::format_error(loaded.errors.front());
    rules_ = loaded.rules;
  }
  sanctwatch::testing::temp_dir dir_;
  store::store db_{dir_.file("state.db")};
  std::shared_ptr<const engine::ruleset> rules_;
};

}  // namespace

TEST_F(pipeline_test, new_items_alert_once_and_route_by_filter) {
  auto all = std::make_shared<null_sink>("all", sinks::filter{});
  auto high = std::make_shared<null_sink>("high", sinks::filter{severity::high});
  pipeline p(db_, {all, high});
  p.set_ruleset(rules_);
  feed_document doc;
  doc.items = {make_item("1", "US weighs sanctions on Chinese banks", ""),
               make_item("2", "Huawei unveils a phone", ""),
               make_item("3", "Weather: sunny in Beijing", "")};
  auto s = p.process({"f", "Feed", "https://example.invalid/feed"}, doc, t(100));
  EXPECT_EQ(s.items, 3);
  EXPECT_EQ(s.new_items, 3);
  EXPECT_EQ(s.alerts, 2);
  auto rows = db_.due(t(100), 10);
  ASSERT_EQ(rows.size(), 3u);  // sanctions -> all + high; huawei (low) -> all only

  // The same document again: nothing new, nothing recorded.
  s = p.process({"f", "Feed", ""}, doc, t(200));
  EXPECT_EQ(s.new_items, 0);
  EXPECT_EQ(s.changed, 0);
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(db_.alerts(std::nullopt, "", 10).size(), 2u);
}

// A feed longer than one recording transaction (500 items): every item is recorded once, every
// alert once, and a second reading finds nothing new.
TEST_F(pipeline_test, long_feeds_are_recorded_across_transactions) {
  auto all = std::make_shared<null_sink>("all", sinks::filter{});
  pipeline p(db_, {all});
  p.set_ruleset(rules_);
  feed_document doc;
  for (int i = 0; i < 1201; ++i)
    doc.items.push_back(make_item(std::to_string(i),
                                  i % 100 == 0 ? "Huawei story number " + std::to_string(i)
                                               : "Weather report number " + std::to_string(i),
                                  ""));
  auto s = p.process({"f", "Feed", ""}, doc, t(100));
  EXPECT_EQ(s.new_items, 1201);
  EXPECT_EQ(s.alerts, 13);
  EXPECT_EQ(db_.due(t(100), 100).size(), 13u);
  s = p.process({"f", "Feed", ""}, doc, t(200));
  EXPECT_EQ(s.new_items, 0);
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(db_.alerts(std::nullopt, "", 100).size(), 13u);
}

// One alert per story: an edit that makes another rule fire is a revision of the story's
// alert that reports the rule as new ("changes"), and reaches people too -- those whose filter
// takes the new rule. Machine sinks get every revision.
TEST_F(pipeline_test, an_edit_that_fires_another_rule_updates_the_alert_for_people_too) {
  auto jsonl = std::make_shared<null_sink>("jsonl", sinks::filter{}, /*updates=*/true);
  auto chat = std::make_shared<null_sink>("chat", sinks::filter{});
  auto pager = std::make_shared<null_sink>("pager", sinks::filter{severity::high});
  pipeline p(db_, {jsonl, chat, pager});
  p.set_ruleset(rules_);
  feed_document doc;
  doc.items = {make_item("1", "US weighs sanctions on Chinese banks", "")};
  EXPECT_EQ(p.process({"f", "", ""}, doc, t(100)).alerts, 1);
  doc.items[0].content = "Huawei and two other firms could be targeted.";
  auto s = p.process({"f", "", ""}, doc, t(200));
  EXPECT_EQ(s.changed, 1);
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 1);
  EXPECT_EQ(s.rules_fired, std::vector<std::string>{"t.huawei"});
  auto list = db_.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 1u);
  const auto doc1 = nlohmann::json::parse(list[0].document);
  EXPECT_EQ(doc1["revision"], 1);
  ASSERT_EQ(doc1["rules"].size(), 2u);
  EXPECT_EQ(doc1["rules"][0]["id"], "t.sanctions-china");  // still the headline: more severe
  EXPECT_EQ(doc1["rules"][1]["id"], "t.huawei");
  EXPECT_EQ(doc1["changes"]["rules_added"], nlohmann::json::array({"t.huawei"}));
  EXPECT_EQ(doc1["tags"], nlohmann::json::array({"sanctions", "entity"}));
  // The new finding's sentence comes first in the evidence.
  EXPECT_EQ(doc1["evidence"][0]["text"], "Huawei and two other firms could be targeted.");
  EXPECT_EQ(db_.alerts(std::nullopt, "t.huawei", 10).size(), 1u);
  std::vector<std::string> routed;
  for (const auto& r : db_.due(t(200), 20)) routed.push_back(r.sink + "/" + std::to_string(r.revision));
  std::sort(routed.begin(), routed.end());
  // The pager takes only high: the low rule the edit added is not news for it.
  EXPECT_EQ(routed, (std::vector<std::string>{"chat/0", "chat/1", "jsonl/0", "jsonl/1", "pager/0"}));
  // The same edit again adds nothing.
  s = p.process({"f", "", ""}, doc, t(300));
  EXPECT_EQ(s.updates, 0);
}

// A silence: the alerts it matches are recorded, marked, and routed to machine sinks only; the
// others, and alerts outside its time, reach people as before. A revision made while it holds
// is kept from people too.
TEST_F(pipeline_test, a_silenced_alert_is_recorded_and_reaches_machine_sinks_only) {
  auto jsonl = std::make_shared<null_sink>("jsonl", sinks::filter{}, /*updates=*/true);
  auto chat = std::make_shared<null_sink>("chat", sinks::filter{});
  pipeline p(db_, {jsonl, chat});
  p.set_ruleset(rules_);
  db_.add_silence({"mute-huawei", R"(["rule=t.huawei"])", t(50), t(1000), "product news",
                   "analyst", t(50)});
  db_.add_silence({"later", R"(["tag=sanctions"])", t(5000), t(6000), "", "analyst", t(50)});
  feed_document doc;
  doc.items = {make_item("1", "US weighs sanctions on Chinese banks", ""),
               make_item("2", "Huawei unveils a phone", "")};
  EXPECT_EQ(p.process({"f", "", ""}, doc, t(100)).alerts, 2);
  std::map<std::string, std::vector<std::string>> routed;  // rule -> sinks
  for (const auto& r : db_.due(t(100), 20)) {
    const auto j = nlohmann::json::parse(r.document);
    routed[j["rules"][0]["id"]].push_back(r.sink);
    if (j["rules"][0]["id"] == "t.huawei") {
      EXPECT_EQ(j["silenced"], true);
      EXPECT_EQ(j["silenced_by"], nlohmann::json::array({"mute-huawei"}));
    } else {
      EXPECT_FALSE(j.contains("silenced"));
      EXPECT_FALSE(j.contains("silenced_by"));
    }
  }
  for (auto& [rule, sinks] : routed) std::sort(sinks.begin(), sinks.end());
  EXPECT_EQ(routed["t.sanctions-china"], (std::vector<std::string>{"chat", "jsonl"}));
  EXPECT_EQ(routed["t.huawei"], std::vector<std::string>{"jsonl"});
  // Recorded all the same: the alert list has both.
  EXPECT_EQ(db_.alerts(std::nullopt, "", 10).size(), 2u);
  for (const auto& r : db_.due(t(100), 20)) db_.mark_delivered(r.alert_id, r.sink, t(100), 200, r.revision);

  // An edit of the sanctions story naming Huawei: its revision is silenced too, so people are
  // not told, while machines get it marked.
  doc.items = {make_item("1", "US weighs sanctions on Chinese banks",
                         "Huawei could be among the targets.")};
  EXPECT_EQ(p.process({"f", "", ""}, doc, t(200)).updates, 1);
  std::vector<std::string> revision_sinks;
  for (const auto& r : db_.due(t(200), 20)) {
    revision_sinks.push_back(r.sink);
    EXPECT_EQ(nlohmann::json::parse(r.document)["silenced_by"],
              nlohmann::json::array({"mute-huawei"}));
  }
  EXPECT_EQ(revision_sinks, std::vector<std::string>{"jsonl"});
  for (const auto& r : db_.due(t(200), 20)) db_.mark_delivered(r.alert_id, r.sink, t(200), 200, r.revision);

  // Once the silence is over, a new Huawei story reaches people again, unmarked.
  db_.expire_silence("mute-huawei", t(300));
  doc.items = {make_item("3", "Huawei opens a lab", "")};
  EXPECT_EQ(p.process({"f", "", ""}, doc, t(400)).alerts, 1);
  std::vector<std::string> after;
  for (const auto& r : db_.due(t(400), 20)) {
    after.push_back(r.sink);
    EXPECT_FALSE(nlohmann::json::parse(r.document).contains("silenced"));
  }
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, (std::vector<std::string>{"chat", "jsonl"}));
}

// A sink that collects digests gets queue entries instead of outbox rows, for the alerts and the
// updates it would have been sent, and nothing else.
TEST_F(pipeline_test, digest_sinks_get_their_alerts_and_updates_queued_not_routed) {
  auto jsonl = std::make_shared<null_sink>("jsonl", sinks::filter{}, /*updates=*/true);
  auto mail = std::make_shared<null_sink>("mail", sinks::filter{});
  auto pager = std::make_shared<null_sink>("pager", sinks::filter{severity::high});
  mail->set_digest(std::chrono::hours{1});
  pager->set_digest(std::chrono::hours{1});
  pipeline p(db_, {jsonl, mail, pager});
  p.set_ruleset(rules_);
  feed_document doc;
  doc.items = {make_item("1", "US weighs sanctions on Chinese banks", ""),
               make_item("2", "Huawei unveils a phone", "")};
  EXPECT_EQ(p.process({"f", "", ""}, doc, t(100)).alerts, 2);
  // An edit that fires another rule: an update with changes for people, the low rule not
  // news for the pager.
  doc.items[0].content = "Huawei and two other firms could be targeted.";
  EXPECT_EQ(p.process({"f", "", ""}, doc, t(200)).updates, 1);
  std::vector<std::string> routed;
  for (const auto& r : db_.due(t(200), 20))
    routed.push_back(r.sink + "/" + std::to_string(r.revision));
  std::sort(routed.begin(), routed.end());
  EXPECT_EQ(routed, (std::vector<std::string>{"jsonl/0", "jsonl/0", "jsonl/1"}));
  ASSERT_EQ(db_.queued("mail", t(200)).size(), 3u);  // both alerts, and the update
  EXPECT_EQ(db_.queued("mail", t(200))[2].revision, 1);
  ASSERT_EQ(db_.queued("pager", t(200)).size(), 1u);  // the high alert only
  EXPECT_EQ(db_.queued("pager", t(200))[0].revision, 0);
}

TEST_F(pipeline_test, same_item_in_two_feeds_is_two_items_when_stories_are_off) {
  pipeline p(db_, {}, {.enabled = false});
  p.set_ruleset(rules_);
  feed_document doc;
  doc.items = {make_item("1", "Sanctions on Chinese banks", "")};
  EXPECT_EQ(p.process({"a", "", ""}, doc, t(100)).alerts, 1);
  EXPECT_EQ(p.process({"b", "", ""}, doc, t(100)).alerts, 1);
}

TEST_F(pipeline_test, alert_documents_name_the_feed_and_ruleset) {
  pipeline p(db_, {std::make_shared<null_sink>("all", sinks::filter{})});
  p.set_ruleset(rules_);
  feed_document doc;
  doc.feed.title = "Wire";
  doc.items = {make_item("1", "Sanctions on Chinese banks", "")};
  p.process({"wire", "", "https://example.invalid/feed"}, doc, t(100));
  auto rows = db_.due(t(100), 10);
  ASSERT_EQ(rows.size(), 1u);
  auto j = nlohmann::json::parse(rows[0].document);
  EXPECT_EQ(j["schema"], "sanctwatch.alert/2");
  EXPECT_EQ(j["rules"][0]["id"], "t.sanctions-china");
  EXPECT_EQ(j["item"]["feed"]["id"], "wire");
  EXPECT_EQ(j["item"]["feed"]["title"], "Wire");
  EXPECT_EQ(j["ruleset"], rules_->hash);
  EXPECT_EQ(j["created_at"], "1970-01-01T00:01:40Z");
}

TEST_F(pipeline_test, story_grouping_three_edited_copies_make_one_alert_with_three_sources) {
  auto jsonl = std::make_shared<null_sink>("jsonl", sinks::filter{}, /*updates=*/true);
  auto chat = std::make_shared<null_sink>("chat", sinks::filter{});
  pipeline p(db_, {jsonl, chat});
  p.set_ruleset(rules_);
  // The same article text with different links and small edits, in three feeds.
  auto s = p.process(
      {"wire", "", ""},
      one(wire_item("w-1", "https://wire.example/world/us-china-banks-1", wire::title, wire::body)),
      t(1000));
  EXPECT_EQ(s.alerts, 1);
  EXPECT_EQ(s.updates, 0);
  s = p.process(
      {"daily", "", ""},
      one(wire_item("d-77", "https://daily.example/news/2024/us-weighs-sanctions?utm_source=rss",
                    wire::title_2, wire::body_2)),
      t(2000));
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 1);
  s = p.process({"herald", "", ""},
                one(wire_item("h-5", "https://herald.example/a/5", wire::title_3, wire::body_3)),
                t(3000));
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 1);

  auto list = db_.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 1u);
  const auto doc = nlohmann::json::parse(list[0].document);
  EXPECT_EQ(doc["id"], engine::story_alert_id("w-1", "wire"));
  EXPECT_FALSE(doc.contains("changes"));  // copies that add sources only
  EXPECT_EQ(doc["type"], "alert.updated");
  EXPECT_EQ(doc["revision"], 2);
  EXPECT_EQ(doc["item"]["id"], "w-1");  // the alert stays about the first copy
  ASSERT_EQ(doc["sources"].size(), 3u);
  EXPECT_EQ(doc["sources"][0]["feed"], "wire");
  EXPECT_EQ(doc["sources"][1]["feed"], "daily");
  EXPECT_EQ(doc["sources"][1]["link"],
            "https://daily.example/news/2024/us-weighs-sanctions?utm_source=rss");
  EXPECT_EQ(doc["sources"][2]["feed"], "herald");
  EXPECT_EQ(doc["sources"][2]["published"], "2024-06-01T10:00:00Z");

  // The alert went to both sinks; its two updates only to the sink that takes updates.
  auto rows = db_.due(t(3000), 20);
  std::vector<std::string> routed;
  for (const auto& r : rows) {
    routed.push_back(r.sink + "/" + std::to_string(r.revision));
    const auto j = nlohmann::json::parse(r.document);
    EXPECT_EQ(j["id"], doc["id"]);  // every revision: the same alert id
    EXPECT_EQ(j["revision"], r.revision);
    EXPECT_EQ(j["sources"].size(), static_cast<std::size_t>(r.revision) + 1);
    EXPECT_EQ(j["type"], r.revision == 0 ? "alert.created" : "alert.updated");
  }
  std::sort(routed.begin(), routed.end());
  EXPECT_EQ(routed, (std::vector<std::string>{"chat/0", "jsonl/0", "jsonl/1", "jsonl/2"}));
}

// A feed carrying one story 10,000 times (distinct guids and links): one alert, and the copies
// of this poll announced as one revision whose document lists the first sources and counts
// them all -- work and output linear in the copies, not quadratic.
TEST_F(pipeline_test, ten_thousand_copies_of_one_story_make_one_alert_and_one_revision) {
  auto jsonl = std::make_shared<null_sink>("jsonl", sinks::filter{}, /*updates=*/true);
  pipeline p(db_, {jsonl});
  p.set_ruleset(rules_);
  feed_document doc;
  for (int i = 0; i < 10000; ++i)
    doc.items.push_back(wire_item("c-" + std::to_string(i),
                                  "https://copies.example/a/" + std::to_string(i), wire::title,
                                  wire::body));
  auto s = p.process({"copies", "", ""}, doc, t(1000));
  EXPECT_EQ(s.new_items, 10000);
  EXPECT_EQ(s.alerts, 1);
  EXPECT_EQ(s.updates, 1);
  auto list = db_.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 1u);
  const auto j = nlohmann::json::parse(list[0].document);
  EXPECT_EQ(j["revision"], 1);
  EXPECT_EQ(j["sources_total"], 10000);
  EXPECT_EQ(j["sources"].size(), pipeline::max_listed_sources);
  EXPECT_EQ(db_.source_count(list[0].id), 10000);
  // The alert and one update: two deliveries, not 10,000.
  EXPECT_EQ(db_.due(t(1000), 100).size(), 2u);

  // The next poll's new copies: one more revision, the count goes on.
  feed_document more;
  for (int i = 10000; i < 10010; ++i)
    more.items.push_back(wire_item("c-" + std::to_string(i),
                                   "https://copies.example/a/" + std::to_string(i), wire::title,
                                   wire::body));
  s = p.process({"copies", "", ""}, more, t(2000));
  EXPECT_EQ(s.updates, 1);
  const auto j2 = nlohmann::json::parse(db_.alerts(std::nullopt, "", 10)[0].document);
  EXPECT_EQ(j2["revision"], 2);
  EXPECT_EQ(j2["sources_total"], 10010);
}

TEST_F(pipeline_test, story_grouping_two_stories_on_the_same_topic_make_two_alerts) {
  pipeline p(db_, {});
  p.set_ruleset(rules_);
  EXPECT_EQ(
      p.process({"wire", "", ""},
                one(wire_item("1", "https://wire.example/1", wire::title, wire::body)), t(1000))
          .alerts,
      1);
  EXPECT_EQ(
      p.process({"eu", "", ""},
                one(wire_item("2", "https://eu.example/2", wire::other_title, wire::other_body)),
                t(2000))
          .alerts,
      1);
  EXPECT_EQ(
      p.process({"cn", "", ""},
                one(wire_item("3", "https://cn.example/3", wire::reply_title, wire::reply_body)),
                t(3000))
          .alerts,
      1);
  const auto list = db_.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 3u);
  for (const auto& a : list) EXPECT_EQ(nlohmann::json::parse(a.document)["sources"].size(), 1u);
}

TEST_F(pipeline_test, short_items_group_by_canonical_link_only) {
  pipeline p(db_, {});
  p.set_ruleset(rules_);
  item a = make_item("a1", "Sanctions on Chinese banks", "");
  a.link = "http://www.wire.example/story/9/?utm_source=rss&fbclid=x#top";
  item b = make_item("b7", "Sanctions on Chinese banks", "");
  b.link = "https://wire.example/story/9";
  item c = make_item("c3", "Sanctions on Chinese banks", "");  // same words, other link
  c.link = "https://wire.example/story/10";
  EXPECT_EQ(p.process({"a", "", ""}, one(a), t(100)).alerts, 1);
  auto s = p.process({"b", "", ""}, one(b), t(200));
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 1);
  EXPECT_EQ(p.process({"c", "", ""}, one(c), t(300)).alerts, 1);  // too short to compare text
}

TEST_F(pipeline_test, a_copy_after_the_window_is_a_new_story) {
  pipeline p(db_, {}, {.enabled = true, .window = std::chrono::hours{72}});
  p.set_ruleset(rules_);
  EXPECT_EQ(p.process({"a", "", ""},
                      one(wire_item("1", "https://a.example/1", wire::title, wire::body)), t(0))
                .alerts,
            1);
  const auto late = t(72 * 3600 + 1);
  EXPECT_EQ(p.process({"b", "", ""},
                      one(wire_item("2", "https://a.example/1", wire::title_2, wire::body_2)), late)
                .alerts,
            1);
  // Within the window of the second story's last copy: joins it.
  auto s = p.process({"c", "", ""},
                     one(wire_item("3", "https://c.example/3", wire::title_3, wire::body_3)),
                     late + std::chrono::hours{1});
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 1);
  EXPECT_EQ(db_.alerts(std::nullopt, "", 10).size(), 2u);
}

TEST_F(pipeline_test, with_stories_off_every_copy_alerts) {
  pipeline p(db_, {}, {.enabled = false});
  p.set_ruleset(rules_);
  int alerts = 0;
  alerts += p.process({"a", "", ""},
                      one(wire_item("1", "https://a.example/1", wire::title, wire::body)), t(1))
                .alerts;
  alerts += p.process({"b", "", ""},
                      one(wire_item("2", "https://a.example/1", wire::title_2, wire::body_2)), t(2))
                .alerts;
  alerts += p.process({"c", "", ""},
                      one(wire_item("3", "https://c.example/3", wire::title_3, wire::body_3)), t(3))
                .alerts;
  EXPECT_EQ(alerts, 3);
  const auto list = db_.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 3u);
  for (const auto& a : list) {
    const auto j = nlohmann::json::parse(a.document);
    EXPECT_EQ(j["sources"].size(), 1u);
    EXPECT_EQ(j["id"], engine::story_alert_id(j["item"]["id"], j["item"]["feed"]["id"]));
  }
}

TEST_F(pipeline_test, a_copy_already_listed_or_edited_adds_nothing) {
  auto jsonl = std::make_shared<null_sink>("jsonl", sinks::filter{}, true);
  pipeline p(db_, {jsonl});
  p.set_ruleset(rules_);
  p.process({"a", "", ""}, one(wire_item("1", "https://a.example/1", wire::title, wire::body)),
            t(100));
  p.process({"b", "", ""}, one(wire_item("2", "https://b.example/2", wire::title_2, wire::body_2)),
            t(200));
  // Feed b republishes the same article under a new guid, with a tracking parameter.
  auto s = p.process(
      {"b", "", ""},
      one(wire_item("2-v2", "https://b.example/2?utm_medium=rss", wire::title_2, wire::body_2)),
      t(300));
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 0);
  // Feed b edits its copy: still the same story, the rule already fired for it.
  auto edited =
      wire_item("2", "https://b.example/2", wire::title_2, wire::body_2 + " Updated at 10:00.");
  s = p.process({"b", "", ""}, one(edited), t(400));
  EXPECT_EQ(s.changed, 1);
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 0);
  // The edit makes a second rule fire: the story's alert (named by its first item) reports it.
  edited.content += " Huawei is among the firms named.";
  s = p.process({"b", "", ""}, one(edited), t(500));
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 1);
  const auto huawei = db_.alerts(std::nullopt, "t.huawei", 10);
  ASSERT_EQ(huawei.size(), 1u);
  EXPECT_EQ(huawei[0].id, engine::story_alert_id("1", "a"));
  const auto doc = nlohmann::json::parse(huawei[0].document);
  EXPECT_EQ(doc["sources"].size(), 2u);
  EXPECT_EQ(doc["rules"].size(), 2u);
  EXPECT_EQ(db_.due(t(500), 20).size(), 3u);  // the alert and its two updates
}

TEST_F(pipeline_test, restarts_keep_stories) {
  {
    pipeline p(db_, {});
    p.set_ruleset(rules_);
    p.process({"a", "", ""}, one(wire_item("1", "https://a.example/1", wire::title, wire::body)),
              t(100));
  }
  store::store reopened(dir_.file("state.db"));
  pipeline p(reopened, {});
  p.set_ruleset(rules_);
  auto s =
      p.process({"b", "", ""},
                one(wire_item("2", "https://b.example/2", wire::title_3, wire::body_3)), t(200));
  EXPECT_EQ(s.alerts, 0);
  EXPECT_EQ(s.updates, 1);
}

TEST(pipeline_keys, story_ids_are_stable_and_distinct) {
  item a = make_item("1", "T", "");
  EXPECT_EQ(story_id("f", a), story_id("f", a));
  EXPECT_EQ(story_id("f", a).size(), 16u);
  EXPECT_NE(story_id("f", a), story_id("g", a));
  item b = make_item("f1", "T", "");
  item c = make_item("1", "T", "");
  EXPECT_NE(story_id("f", b), story_id("", c));  // ("f", "1") is not ("", "f1")
}

TEST(pipeline_keys, content_hash_ignores_dates_but_not_text) {
  item a = make_item("1", "Title", "Body");
  item b = a;
  b.published = t(5);
  EXPECT_EQ(content_hash(a), content_hash(b));
  b.content = "Body, updated";
  EXPECT_NE(content_hash(a), content_hash(b));
  EXPECT_EQ(item_key(a), item_key(b));
}

}  // namespace sanctwatch::service
