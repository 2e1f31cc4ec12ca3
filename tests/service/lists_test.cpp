// Entity lists from URLs: versions, shrink refusals, diffs, list events, the last good copy on
// disk, and the refresher against a loopback server serving v1 -> v2 -> v3 (corrupt) -> v4
// (half the entries), with the worker compiling off the io thread.
#include <gtest/gtest.h>

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/match.hpp"
#include "http/test_server.hpp"
#include "service/lists.hpp"
#include "service/metrics.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using sanctwatch::test::http_reply;
using sanctwatch::test::http_request;
using testing::slurp;

std::string fixture(const std::string& name) {
  return slurp(std::string(SANCTWATCH_TEST_DATA) + "/lists/" + name);
}

timestamp at(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }

entities::entity_list imported(const std::string& file) {
  list_copy c;
  c.meta.name = "sdn";
  c.meta.format = "ofac-sdn-xml";
  c.bytes = std::make_shared<const std::string>(fixture(file));
  auto l = import_copy(c);
  EXPECT_TRUE(l) << (l ? "" : l.err().message);
  return l ? *l : entities::entity_list{};
}

std::set<std::string> ids(const std::vector<entities::entity>& v) {
  std::set<std::string> out;
  for (const auto& e : v) out.insert(e.id);
  return out;
}

TEST(list_version, reads_the_publish_date_each_publisher_states) {
  EXPECT_EQ(list_version("ofac-sdn-xml", fixture("sdn_v1.xml")), "2024-05-01");
  EXPECT_EQ(list_version(
                "eu-fsf-xml",
                "<?xml version=\"1.0\"?><export generationDate=\"2024-05-14T10:00:00.000+02:00\">"),
            "2024-05-14");
  EXPECT_EQ(
      list_version("un-sc-xml", "<CONSOLIDATED_LIST dateGenerated=\"2024-03-01T00:00:01.000Z\">"),
      "2024-03-01");
  EXPECT_EQ(list_version("uk-csv", "\xef\xbb\xbfLast Updated,14/05/2024\nName 6,Name 1\n"),
            "2024-05-14");
  // Formats that state none, and dates that are not dates.
  EXPECT_EQ(list_version("ofac-sdn-csv", "36,\"AEROCARIBBEAN AIRLINES\",-0-\n"), "");
  EXPECT_EQ(list_version("ofac-sdn-xml", "<Publish_Date>soon</Publish_Date>"), "");
  EXPECT_EQ(list_version("un-sc-xml", "<CONSOLIDATED_LIST dateGenerated=\"2024\">"), "");
}

TEST(shrink_refusal, refuses_more_than_max_shrink_only) {
  EXPECT_FALSE(shrink_refusal(10, 8, 0.2));   // 20%: the limit itself passes
  EXPECT_TRUE(shrink_refusal(10, 7, 0.2));    // 30%
  EXPECT_FALSE(shrink_refusal(10, 20, 0.2));  // growth
  EXPECT_FALSE(shrink_refusal(0, 0, 0.2));    // nothing before: a baseline
  const auto why = shrink_refusal(10, 5, 0.2);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "shrank from 10 to 5 entries (50%), more than max_shrink 20%");
}

TEST(diff_lists, finds_added_removed_and_changed_by_entity_id) {
  const auto v1 = imported("sdn_v1.xml"), v2 = imported("sdn_v2.xml");
  ASSERT_EQ(v1.entities.size(), 8u);
  ASSERT_EQ(v2.entities.size(), 10u);
  const auto c = diff_lists(v1, v2);
  EXPECT_EQ(ids(c.added),
            (std::set<std::string>{"ofac-sdn:2001", "ofac-sdn:2002", "ofac-sdn:2003"}));
  EXPECT_EQ(ids(c.removed), (std::set<std::string>{"ofac-sdn:1008"}));
  EXPECT_EQ(ids(c.changed), (std::set<std::string>{"ofac-sdn:1003"}));  // a new alias
  // Look-back screens the new alias alone, not the names it had.
  ASSERT_EQ(c.new_names.size(), 1u);
  ASSERT_EQ(c.new_names[0].names.size(), 1u);
  EXPECT_EQ(c.new_names[0].names[0].text, "BLURAVIN HOLDINGS");
  EXPECT_TRUE(diff_lists(v2, v2).empty());
  EXPECT_TRUE(diff_lists(v2, v2).new_names.empty());
}

TEST(list_events, one_per_entity_with_stable_ids_and_severities) {
  auto c = diff_lists(imported("sdn_v1.xml"), imported("sdn_v2.xml"));
  c.list = "sdn";
  c.version = "2024-05-08";
  c.content_hash = "00112233aabbccdd";
  const auto events = list_events(c, at(1715000000));
  ASSERT_EQ(events.size(), 5u);
  std::map<std::string, std::string> severity;
  std::set<std::string> seen;
  for (const auto& e : events) {
    const json j = json::parse(e.document);
    EXPECT_EQ(j["schema"], "sanctwatch.list-event/1");
    EXPECT_EQ(j["id"], e.id);
    EXPECT_EQ(j["list"], "sdn");
    EXPECT_EQ(j["list_version"], "2024-05-08");
    EXPECT_EQ(j["detected_at"], "2024-05-06T12:53:20Z");
    EXPECT_EQ(j["entity"]["id"], e.entity_id);
    EXPECT_TRUE(seen.insert(e.id).second) << e.id;
    severity[e.entity_id] = j["severity"];
    if (e.entity_id == "ofac-sdn:1003") {
      EXPECT_EQ(j["type"], "list.changed");
      EXPECT_EQ(j["entity"]["aliases"], json::array({"BLURAVIN HOLDINGS"}));
      EXPECT_EQ(j["entity"]["programs"], json::array({"IRAN"}));
      EXPECT_EQ(j["entity"]["type"], "organization");
    }
  }
  EXPECT_EQ(severity["ofac-sdn:2001"], "high");
  EXPECT_EQ(severity["ofac-sdn:1003"], "medium");
  EXPECT_EQ(severity["ofac-sdn:1008"], "low");
  // The same refresh seen again (a restart before delivery) makes the same ids.
  const auto again = list_events(c, at(1715009999));
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(again[i].id, events[i].id);
  // Another version of the list: other ids.
  c.version = "2024-05-09";
  EXPECT_NE(list_events(c, at(1715000000))[0].id, events[0].id);

  const auto summary = list_refresh_summary(c, at(1715000000));
  const json s = json::parse(summary.document);
  EXPECT_EQ(s["schema"], "sanctwatch.list-refresh/1");
  EXPECT_EQ(s["severity"], "high");
  EXPECT_EQ(s["line"].get<std::string>().rfind("sdn: 3 added, 1 removed, 1 changed: ", 0), 0u)
      << s["line"];
  EXPECT_NE(
      s["text"].get<std::string>().find("added: ZORVANEXTRADE (ofac-sdn:2001; RUSSIA-EO14024)"),
      std::string::npos)
      << s["text"];
}

TEST(list_copy, survives_a_round_trip_through_the_state_directory) {
  testing::temp_dir dir;
  list_copy c;
  c.meta.name = "ofac sdn/../x";  // any config name is a safe file name
  c.meta.source = "https://example.org/sdn.csv";
  c.meta.format = "ofac-sdn-csv";
  c.meta.etag = "\"v1\"";
  c.meta.entries = 8;
  c.meta.fetched_at = at(1715000000);
  c.bytes = std::make_shared<const std::string>("sdn bytes");
  c.aliases = std::make_shared<const std::string>("alt bytes");
  c.meta.content_hash = "";  // unknown: not checked
  ASSERT_FALSE(write_list_copy(dir.path().string(), c));
  auto back = read_list_copy(dir.path().string(), c.meta.name);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back->bytes, "sdn bytes");
  EXPECT_EQ(*back->aliases, "alt bytes");
  EXPECT_FALSE(back->addresses);
  EXPECT_EQ(back->meta.etag, "\"v1\"");
  EXPECT_EQ(back->meta.entries, 8);
  EXPECT_EQ(back->meta.fetched_at, at(1715000000));
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().parent_path(), dir.path()) << e.path();
  EXPECT_FALSE(read_list_copy(dir.path().string(), "other"));
}

// The refresher on a real loop with a loopback server; the test drives versions and waits
// for each report.
class refresher_test : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route("/sdn.xml", [this](const http_request& r) {
      const int v = version_.load();
      const std::string etag = "\"v" + std::to_string(v) + "\"";
      if (r.header("if-none-match") == etag) return http_reply{.status = 304};
      const char* file = v == 1   ? "sdn_v1.xml"
                         : v == 2 ? "sdn_v2.xml"
                         : v == 3 ? "sdn_v3_corrupt.xml"
                                  : "sdn_v4.xml";
      return http_reply{.headers = {{"ETag", etag}}, .body = fixture(file), .gzip = v == 2};
    });
    config::entity_source src;
    src.name = "sdn";
    src.source = server_.url("/sdn.xml");
    src.format = "ofac-sdn-xml";
    inputs_.lists.push_back(src);
    inputs_.rule_files.push_back({"rules/t.yaml", R"(rules:
  - id: t.entity
    title: An entity
    severity: high
    when: entity(@*)
)"});
    http::client_options o;
    std::string why;
    o.allow_private = {*parse_ip_network("127.0.0.0/8", why)};
    client_ = std::make_unique<http::client>(io_, o);
    refresher_ =
        std::make_unique<list_refresher>(*client_, dir_.file("state.db"), [this] { return now_; });
    refresher_->on_report([this](const refresh_report& r) {
      if (r.list.empty()) return;
      reports_.push_back(r);
      if (r.rules) rules_ = r.rules;
    });
    refresher_->add_change_listener([this](const list_change& c) { changes_.push_back(c); });
  }
  void TearDown() override {
    refresher_.reset();
    client_.reset();
  }

  // Runs the loop until one more report arrived (the worker posts it back).
  refresh_report next_report() {
    const auto want = reports_.size() + 1;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (reports_.size() < want && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(20ms);
      io_.restart();
    }
    EXPECT_EQ(reports_.size(), want);
    return reports_.empty() ? refresh_report{} : reports_.back();
  }

  // Whether the rules in use find `name` in a sentence.
  bool screens(const std::string& name) {
    if (!rules_) return false;
    core_item it;
    it.title = "Treasury sanctions " + name + " for sanctions evasion";
    return !engine::match(*rules_, it).empty();
  }

  using core_item = sanctwatch::item;
  testing::temp_dir dir_;
  test::test_server server_;
  std::atomic<int> version_{1};
  asio::io_context io_;
  std::unique_ptr<http::client> client_;
  std::unique_ptr<list_refresher> refresher_;
  compile_inputs inputs_;
  timestamp now_ = at(1715000000);
  std::vector<refresh_report> reports_;
  std::vector<list_change> changes_;
  std::shared_ptr<const engine::ruleset> rules_;
};

TEST_F(refresher_test, v1_baseline_v2_events_v3_corrupt_and_v4_shrunk_refused_restart_keeps_v2) {
  refresher_->configure(inputs_, {}, {});
  auto r = next_report();  // v1: the first copy, a baseline without events
  ASSERT_TRUE(r.changed) << r.failure << ": " << r.message;
  EXPECT_TRUE(r.baseline);
  EXPECT_EQ(r.meta.entries, 8);
  EXPECT_EQ(r.meta.version, "2024-05-01");
  EXPECT_TRUE(changes_.empty());
  EXPECT_TRUE(screens("Peltranovik"));
  EXPECT_FALSE(screens("Zorvanextrade"));

  refresher_->check_all_now();  // unchanged: a conditional GET answered 304
  r = next_report();
  EXPECT_FALSE(r.changed);
  EXPECT_TRUE(r.failure.empty());
  EXPECT_EQ(server_.requests().back().header("if-none-match"), "\"v1\"");

  version_ = 2;
  now_ = at(1715100000);
  refresher_->check_all_now();
  r = next_report();
  ASSERT_TRUE(r.changed) << r.failure << ": " << r.message;
  EXPECT_FALSE(r.baseline);
  EXPECT_EQ(r.meta.entries, 10);
  EXPECT_EQ(r.meta.version, "2024-05-08");
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(ids(changes_[0].added),
            (std::set<std::string>{"ofac-sdn:2001", "ofac-sdn:2002", "ofac-sdn:2003"}));
  EXPECT_EQ(ids(changes_[0].removed), (std::set<std::string>{"ofac-sdn:1008"}));
  EXPECT_EQ(ids(changes_[0].changed), (std::set<std::string>{"ofac-sdn:1003"}));
  EXPECT_EQ(list_events(changes_[0], now_).size(), 5u);
  EXPECT_TRUE(screens("Zorvanextrade"));
  EXPECT_TRUE(screens("Bluravin Holdings"));
  EXPECT_FALSE(screens("Peltranovik"));

  version_ = 3;  // an error page where the list should be
  refresher_->check_all_now();
  r = next_report();
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(r.failure, "parse") << r.message;
  EXPECT_EQ(r.message.rfind(server_.url("/sdn.xml") + ": ", 0), 0u) << r.message;  // located
  EXPECT_EQ(r.meta.entries, 10);  // the last good copy, still in use
  EXPECT_EQ(r.meta.version, "2024-05-08");
  EXPECT_NE(r.meta.status.find("refused"), std::string::npos) << r.meta.status;

  version_ = 4;  // half the entries
  refresher_->check_all_now();
  r = next_report();
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(r.failure, "shrink");
  EXPECT_EQ(r.message, "shrank from 10 to 5 entries (50%), more than max_shrink 20%");
  EXPECT_EQ(changes_.size(), 1u);  // refusals make no events
  EXPECT_TRUE(screens("Zorvanextrade"));
  EXPECT_TRUE(screens("Trivascoline"));  // not in v4: v2 is still the list in use

  // A restart without the server: the copy in the state directory is v2, and compiles.
  refresher_.reset();
  auto copy = read_list_copy(lists_dir(dir_.file("state.db")), "sdn");
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->meta.version, "2024-05-08");
  EXPECT_EQ(copy->meta.entries, 10);
  EXPECT_NE(copy->meta.status, "ok");  // the last look was refused
  const auto meta = read_list_meta(lists_dir(dir_.file("state.db")), "sdn");
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->changed_at, at(1715100000));
  auto out = compile_ruleset(inputs_, {{"sdn", copy}});
  ASSERT_TRUE(out.rules);
  rules_ = out.rules;
  EXPECT_TRUE(screens("Halkyrionex"));
  EXPECT_FALSE(screens("Peltranovik"));
}

TEST_F(refresher_test, an_unreachable_list_keeps_the_copy_and_says_why) {
  version_ = 2;
  refresher_->configure(inputs_, {}, {});
  ASSERT_TRUE(next_report().changed);
  server_.route("/sdn.xml", http_reply{.status = 503, .body = "busy"});
  refresher_->check_all_now();
  const auto r = next_report();
  EXPECT_EQ(r.failure, "fetch");
  EXPECT_NE(r.message.find("HTTP 503"), std::string::npos) << r.message;
  EXPECT_EQ(r.meta.entries, 10);
  EXPECT_TRUE(screens("Zorvanextrade"));
}

// ofac-sdn-csv from URLs: alt.csv and add.csv fetched beside sdn.csv, each conditionally, and
// a change in a companion alone (a new alias) is a new version.
TEST(refresher, an_ofac_csv_list_fetches_its_companions_each_conditionally) {
  const std::string data = SANCTWATCH_TEST_DATA;
  test::test_server server;
  std::atomic<int> alt_version{1};
  for (const char* f : {"sdn.csv", "add.csv"})
    server.route(std::string("/") + f,
                 [body = slurp(data + "/entities/" + f)](const http_request& r) {
                   if (r.header("if-none-match") == "\"x\"") return http_reply{.status = 304};
                   return http_reply{.headers = {{"ETag", "\"x\""}}, .body = body};
                 });
  server.route("/alt.csv", [&, body = slurp(data + "/entities/alt.csv")](const http_request& r) {
    const std::string etag = "\"a" + std::to_string(alt_version.load()) + "\"";
    if (r.header("if-none-match") == etag) return http_reply{.status = 304};
    return http_reply{.headers = {{"ETag", etag}},
                      .body = alt_version == 1 ? body
                                               : body + (body.ends_with('\n') ? "" : "\n") +
                                                     "103,6,aka,\"SEA STAR ONE TANKER\",-0- \n"};
  });
  testing::temp_dir dir;
  asio::io_context io;
  std::string why;
  http::client client(io, {.allow_private = {*parse_ip_network("127.0.0.0/8", why)}});
  compile_inputs in;
  config::entity_source src;
  src.name = "sdn";
  src.format = "ofac-sdn-csv";
  src.source = server.url("/sdn.csv");
  src.aliases = server.url("/alt.csv");
  src.addresses = server.url("/add.csv");
  in.lists.push_back(src);
  in.rule_files.push_back(
      {"rules/t.yaml", "rules:\n  - {id: t, title: T, severity: high, when: \"entity(@*)\"}\n"});
  std::vector<refresh_report> reports;
  std::vector<list_change> changes;
  {
    list_refresher lr(client, dir.file("state.db"), [] { return at(1715000000); });
    lr.on_report([&](const refresh_report& r) { reports.push_back(r); });
    lr.add_change_listener([&](const list_change& c) { changes.push_back(c); });
    const auto wait_for = [&](std::size_t n) {
      const auto deadline = std::chrono::steady_clock::now() + 20s;
      while (reports.size() < n && std::chrono::steady_clock::now() < deadline) {
        io.run_for(20ms);
        io.restart();
      }
      return reports.size() >= n;
    };
    lr.configure(in, {}, {});
    ASSERT_TRUE(wait_for(1));
    ASSERT_TRUE(reports[0].changed) << reports[0].message;
    EXPECT_EQ(reports[0].meta.entries, 5) << reports[0].message;
    EXPECT_EQ(server.count("/alt.csv"), 1u);
    EXPECT_EQ(server.count("/add.csv"), 1u);
    alt_version = 2;
    lr.check_all_now();
    ASSERT_TRUE(wait_for(2));
    EXPECT_TRUE(reports[1].changed) << reports[1].failure << reports[1].message;
    // The second look: every file asked for conditionally, one after the other.
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 6u);
    for (std::size_t i = 3; i < 6; ++i)
      EXPECT_TRUE(reqs[i].has_header("if-none-match")) << reqs[i].path;
    for (std::size_t i = 0; i < 3; ++i)
      EXPECT_FALSE(reqs[i].has_header("if-none-match")) << reqs[i].path;
  }
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(ids(changes[0].changed), (std::set<std::string>{"ofac-sdn:103"}));
  auto copy = read_list_copy(lists_dir(dir.file("state.db")), "sdn");
  ASSERT_TRUE(copy && copy->aliases && copy->addresses);
  EXPECT_NE(copy->aliases->find("SEA STAR ONE TANKER"), std::string::npos);
}

TEST(list_metrics, failures_entries_and_last_change_per_list) {
  metrics m;
  m.list_refresh_failed("ofac-sdn", "shrink");
  m.list_refresh_failed("ofac-sdn", "shrink");
  m.set_list("ofac-sdn", 10, 1715100000);
  const std::string out = m.render();
  EXPECT_NE(
      out.find(
          "sanctwatch_entity_list_refresh_failures_total{list=\"ofac-sdn\",reason=\"shrink\"} 2\n"),
      std::string::npos);
  EXPECT_NE(out.find("sanctwatch_entity_list_entries{list=\"ofac-sdn\"} 10\n"), std::string::npos);
  EXPECT_NE(
      out.find("sanctwatch_entity_list_changed_timestamp_seconds{list=\"ofac-sdn\"} 1715100000\n"),
      std::string::npos);
}

}  // namespace
}  // namespace sanctwatch::service
