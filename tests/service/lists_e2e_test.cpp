// An entity list from a URL through the real binary: `run` takes v1 as a baseline, v2 (3 added,
// 1 removed, 1 alias added) after SIGHUP as exactly five list events for the sink that asks for
// them and one summary for people, refuses v3 (corrupt) and v4 (half the entries) keeping v2,
// `lists` says so, and after a restart without the server `poll` still screens with v2.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "alert_schema.hpp"
#include "http/test_server.hpp"
#include "process.hpp"
#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using sanctwatch::test::http_reply;
using sanctwatch::test::http_request;
using testing::eventually;
using testing::slurp;

std::string fixture(const std::string& name) {
  return slurp(std::string(SANCTWATCH_TEST_DATA) + "/lists/" + name);
}

std::vector<json> lines_of(const std::string& path, const std::string& schema_prefix) {
  std::vector<json> out;
  std::istringstream in(slurp(path));
  for (std::string line; std::getline(in, line);) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("schema", "").rfind(schema_prefix, 0) == 0) out.push_back(j);
  }
  return out;
}

std::size_t occurrences(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

std::string rss(const std::string& guid, const std::string& title) {
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><item><guid>" +
         guid + "</guid><title>" + title + "</title><description>" + title +
         "</description></item></channel></rss>";
}

struct daemon_reaper {
  pid_t pid = 0;
  ~daemon_reaper() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

class lists_e2e : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<test::test_server>();
    server_->route("/sdn.xml", [this](const http_request& r) {
      const int v = version_.load();
      const std::string etag = "\"v" + std::to_string(v) + "\"";
      if (r.header("if-none-match") == etag) return http_reply{.status = 304};
      const char* file = v == 1   ? "sdn_v1.xml"
                         : v == 2 ? "sdn_v2.xml"
                         : v == 3 ? "sdn_v3_corrupt.xml"
                                  : "sdn_v4.xml";
      return http_reply{.headers = {{"ETag", etag}}, .body = fixture(file)};
    });
    std::ofstream(dir_.file("wire.xml")) << rss("1", "Markets rallied on Tuesday");
    std::ofstream(config_) << "state: {path: " << dir_.file("state.db") << "}\n"
                           << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
                           << "network: {allow_private: [127.0.0.0/8]}\n"
                           << "feeds:\n  - {id: wire, url: \"file:" << dir_.file("wire.xml")
                           << "\", interval: 1h}\n"
                           << "entity_lists:\n"
                           << "  - {name: ofac-sdn, source: \"" << server_->url("/sdn.xml")
                           << "\", format: ofac-sdn-xml, refresh: 6h, max_shrink: 20%}\n"
                           << "sinks:\n"
                           << "  - {type: jsonl, name: everything, path: " << events_
                           << ", events: [alerts, lists]}\n"
                           << "  - {type: jsonl, name: alerts-only, path: " << alerts_ << "}\n"
                           << "  - {type: stdout, format: text, events: [lists]}\n";
  }

  json meta() { return json::parse(slurp(dir_.file("lists/ofac-sdn.json")), nullptr, false); }

  // SIGHUP until `done` holds: a reload looks at the lists now, unless a look is under way.
  bool reload_until(pid_t pid, const std::function<bool()>& done) {
    for (int i = 0; i < 10; ++i) {
      kill(pid, SIGHUP);
      if (eventually(done, 3000ms)) return true;
    }
    return false;
  }

  testing::temp_dir dir_;
  std::unique_ptr<test::test_server> server_;
  std::atomic<int> version_{1};
  const std::string config_ = dir_.file("sanctwatch.yaml");
  const std::string events_ = dir_.file("events.jsonl");
  const std::string alerts_ = dir_.file("alerts.jsonl");
  const std::string log_ = dir_.file("daemon.log");
};

TEST_F(lists_e2e, refresh_events_refusals_and_a_restart_without_network) {
  daemon_reaper d;
  d.pid = testing::spawn_sanctwatch({"run", "-c", config_}, log_);
  ASSERT_GT(d.pid, 0);
  // v1: the baseline, no events.
  ASSERT_TRUE(eventually([&] {
    const json m = meta();
    return m.is_object() && m["fetched_at"].is_number() && m["entries"] == 8;
  })) << slurp(log_);
  EXPECT_TRUE(eventually([&] { return slurp(log_).find("(first copy)") != std::string::npos; }))
      << slurp(log_);

  // v2: one event per entity for the machine sink, one summary for people.
  version_ = 2;
  ASSERT_TRUE(reload_until(d.pid, [&] {
    return lines_of(events_, "sanctwatch.list-event").size() >= 5;
  })) << slurp(log_);
  std::this_thread::sleep_for(300ms);  // nothing more comes
  const auto events = lines_of(events_, "sanctwatch.list-event");
  ASSERT_EQ(events.size(), 5u) << slurp(events_);
  std::map<std::string, std::string> by_entity;
  for (const auto& e : events) by_entity[e["entity"]["id"]] = e["type"];
  EXPECT_EQ(by_entity, (std::map<std::string, std::string>{{"ofac-sdn:1003", "list.changed"},
                                                           {"ofac-sdn:1008", "list.removed"},
                                                           {"ofac-sdn:2001", "list.added"},
                                                           {"ofac-sdn:2002", "list.added"},
                                                           {"ofac-sdn:2003", "list.added"}}));
  for (const auto& e : events) EXPECT_EQ(e["list_version"], "2024-05-08");
  EXPECT_TRUE(lines_of(alerts_, "sanctwatch.list").empty()) << "a sink that did not ask got events";
  EXPECT_TRUE(lines_of(events_, "sanctwatch.list-refresh").empty()) << "the summary is for people";
  ASSERT_TRUE(eventually([&] {
    return occurrences(slurp(log_),
                       "ofac-sdn: 3 added, 1 removed, 1 changed (version 2024-05-08)") == 1;
  })) << slurp(log_);
  EXPECT_NE(slurp(log_).find("added: ZORVANEXTRADE (ofac-sdn:2001; RUSSIA-EO14024)"),
            std::string::npos);
  if (testing::alert_validator_available()) {
    const std::string cmd = std::string("/usr/bin/python3 '") + SANCTWATCH_SOURCE_DIR +
                            "/tests/tools/validate_list_events.py' '" + SANCTWATCH_SOURCE_DIR +
                            "/docs/list-event.schema.json' '" + events_ + "' 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(events_);
  }

  // v3, an error page, and v4, half the entries: refused, v2 kept, no events.
  version_ = 3;
  ASSERT_TRUE(reload_until(d.pid, [&] {
    return meta()["status"].get<std::string>().find("parse failed") != std::string::npos;
  })) << meta().dump();
  version_ = 4;
  ASSERT_TRUE(reload_until(d.pid, [&] {
    return meta()["status"].get<std::string>().find("shrank from 10 to 5") != std::string::npos;
  })) << meta().dump();
  EXPECT_EQ(meta()["entries"], 10);
  EXPECT_EQ(meta()["version"], "2024-05-08");
  EXPECT_EQ(lines_of(events_, "sanctwatch.list-event").size(), 5u);
  // The copy's metadata is written before the loop logs the refusal.
  EXPECT_TRUE(eventually([&] {
    return slurp(log_).find(
               "new version refused: shrank from 10 to 5 entries (50%), more than "
               "max_shrink 20%; keeping the last good copy (2024-05-08, 10 "
               "entries)") != std::string::npos;
  })) << slurp(log_);

  const auto shown = testing::run_sanctwatch("lists -c '" + config_ + "'");
  EXPECT_EQ(shown.exit_code, 1) << shown.out;  // the last look was refused
  EXPECT_NE(shown.out.find("ofac-sdn"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("stale"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("2024-05-08"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("refused: shrank from 10 to 5"), std::string::npos) << shown.out;

  kill(d.pid, SIGTERM);
  EXPECT_EQ(testing::wait_exit(d.pid, 15000ms), 0) << slurp(log_);
  d.pid = 0;

  // No server any more: the copy in the state directory is v2 and screens the news.
  server_.reset();
  std::ofstream(dir_.file("wire.xml"))
      << rss("2", "Treasury sanctions Zorvanextrade for helping Russia evade sanctions");
  const auto polled = testing::run_sanctwatch("poll --all -c '" + config_ + "'");
  EXPECT_EQ(polled.exit_code, 0) << polled.out;
  const auto alerts = lines_of(alerts_, "sanctwatch.alert");
  ASSERT_EQ(alerts.size(), 1u) << polled.out << slurp(alerts_);
  EXPECT_NE(alerts[0].dump().find("ofac-sdn:2001"), std::string::npos) << alerts[0].dump(2);
}

TEST_F(lists_e2e, a_name_in_the_news_before_its_designation_raises_one_lookback_alert) {
  // Seen under v1, when the firm is on no list.
  std::ofstream(dir_.file("wire.xml"))
      << rss("early", "Zorvanextrade shipped drone parts to Moscow in breach of export controls");
  const auto lookbacks = [&] {
    std::size_t n = 0;
    for (const auto& a : lines_of(alerts_, "sanctwatch.alert"))
      if (a.value("lookback", false)) ++n;
    return n;
  };
  daemon_reaper d;
  d.pid = testing::spawn_sanctwatch({"run", "-c", config_}, log_);
  ASSERT_GT(d.pid, 0);
  ASSERT_TRUE(eventually([&] {
    const json m = meta();
    return m.is_object() && m["entries"] == 8 &&
           slurp(log_).find("feed wire: 1 items, 1 new") != std::string::npos;
  })) << slurp(log_);
  EXPECT_EQ(lookbacks(), 0u);

  // v2 designates it: one look-back alert for the item seen before.
  version_ = 2;
  ASSERT_TRUE(reload_until(d.pid, [&] { return lookbacks() >= 1; })) << slurp(log_);
  json lookback;
  for (const auto& a : lines_of(alerts_, "sanctwatch.alert"))
    if (a.value("lookback", false)) lookback = a;
  EXPECT_NE(lookback.dump().find("ofac-sdn:2001"), std::string::npos) << lookback.dump(2);
  // The next refresh (nothing new) raises nothing.
  kill(d.pid, SIGHUP);
  ASSERT_TRUE(eventually([&] { return occurrences(slurp(log_), "reload") >= 2; }));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(lookbacks(), 1u) << slurp(alerts_);
  kill(d.pid, SIGTERM);
  EXPECT_EQ(testing::wait_exit(d.pid, 15000ms), 0) << slurp(log_);
  d.pid = 0;

  // Nor does a restart, which reads v2 from the kept copy and from the server again.
  const std::string log2 = dir_.file("daemon2.log");
  d.pid = testing::spawn_sanctwatch({"run", "-c", config_}, log2);
  ASSERT_GT(d.pid, 0);
  ASSERT_TRUE(eventually([&] { return slurp(log2).find("sanctwatch started") != std::string::npos; }))
      << slurp(log2);
  kill(d.pid, SIGHUP);
  ASSERT_TRUE(eventually([&] { return slurp(log2).find("reloaded") != std::string::npos; }))
      << slurp(log2);
  std::this_thread::sleep_for(1000ms);
  kill(d.pid, SIGTERM);
  EXPECT_EQ(testing::wait_exit(d.pid, 15000ms), 0) << slurp(log2);
  d.pid = 0;
  EXPECT_EQ(lookbacks(), 1u) << slurp(alerts_);
  if (testing::alert_validator_available()) {
    const auto [status, report] = testing::validate_alert_lines(alerts_);
    EXPECT_EQ(status, 0) << report;
  }
}

}  // namespace
}  // namespace sanctwatch::service
