// The real binary under load. A feed that floods one story (10,000 and 20,000 copies of one
// article, distinct guids and links): one alert whose sources count every copy, at most one
// revision per poll, SIGTERM honoured mid-document with the rest taken by the next run. A slow
// webhook receiver: waiting for it costs no CPU.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>
#include <sstream>

#include <nlohmann/json.hpp>

#include "http/fetch.hpp"
#include "http/test_server.hpp"
#include "process.hpp"
#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch {
namespace {

using namespace std::chrono_literals;

const char* story_title = "US threatens sanctions on Chinese banks that help Russia";
const char* story_body =
    "Washington warned on Tuesday it could impose sanctions on Chinese banks that help Moscow "
    "buy weapons, officials said, in a sharp escalation of pressure on Beijing.";

std::string copies(int n) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Flood</title>";
  for (int i = 0; i < n; ++i)
    out += "<item><guid>copy-" + std::to_string(i) + "</guid><link>https://flood.example/a/" +
           std::to_string(i) + "</link><title>" + story_title + "</title><description>" +
           story_body + "</description></item>";
  return out + "</channel></rss>";
}

// Items recorded so far, read from the state file while the daemon writes it (WAL readers do
// not block the writer).
long items_recorded(const std::string& db) {
  sqlite3* h = nullptr;
  long n = -1;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(h, 1000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM items", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return n;
}

// Every line of the alerts file, parsed.
std::vector<nlohmann::json> alert_lines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

class load_e2e : public ::testing::Test {
 protected:
  void write_config(int max_new_items) {
    std::ofstream out(config_);
    out << "state: {path: " << db_ << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "feeds:\n  - {id: flood, url: \"" << server_.url("/flood")
        << "\", interval: 1m, max_new_items: " << max_new_items << "}\n"
        << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n";
  }

  sanctwatch::test::test_server server_;
  sanctwatch::testing::temp_dir dir_;
  std::string config_ = dir_.file("sanctwatch.yaml");
  std::string alerts_ = dir_.file("alerts.jsonl");
  std::string db_ = dir_.file("state.db");
};

}  // namespace

TEST_F(load_e2e, ten_thousand_copies_make_one_alert_counting_every_source) {
  server_.route("/flood", sanctwatch::test::http_reply{.body = copies(10000)});
  write_config(10000);
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Per rule that fired: the alert, and at most one update for this poll's other copies.
  std::map<std::string, std::vector<nlohmann::json>> by_id;
  for (auto& j : alert_lines(alerts_)) by_id[j["id"]].push_back(std::move(j));
  ASSERT_FALSE(by_id.empty());
  for (const auto& [id, revisions] : by_id) {
    EXPECT_LE(revisions.size(), 2u) << id;
    const auto& last = revisions.back();
    EXPECT_EQ(last["sources_total"], 10000) << id;
    EXPECT_LE(last["sources"].size(), 100u) << id;
  }
  EXPECT_EQ(items_recorded(db_), 10000);
}

TEST_F(load_e2e, sigterm_mid_document_stops_within_seconds_and_the_next_run_resumes) {
  server_.route("/flood", sanctwatch::test::http_reply{.body = copies(20000)});
  write_config(20000);
  const std::string log = dir_.file("daemon.log");
  const pid_t pid = testing::spawn_sanctwatch({"run", "-c", config_}, log);
  ASSERT_GT(pid, 0);
  // Mid-document: some copies recorded, not all.
  const bool started = testing::eventually([&] { return items_recorded(db_) > 0; }, 60s);
  ASSERT_TRUE(started) << testing::slurp(log);
  const long before = items_recorded(db_);
  kill(pid, SIGTERM);
  const int status = testing::wait_exit(pid, 5s);
  if (status == -1) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  ASSERT_NE(status, -1) << "no exit within 5 s of SIGTERM\n" << testing::slurp(log);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << testing::slurp(log);
  const long stopped_at = items_recorded(db_);
  EXPECT_GE(stopped_at, before);
  EXPECT_LT(stopped_at, 20000) << "the document was through before the signal";
  EXPECT_NE(testing::slurp(log).find("interrupted"), std::string::npos) << testing::slurp(log);

  // The next run takes the rest: every copy recorded once, one alert per rule, its count whole.
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(items_recorded(db_), 20000);
  r = testing::run_sanctwatch("alerts --format json -c '" + config_ + "'", false);
  std::istringstream lines(r.out);
  int alerts = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    ++alerts;
    EXPECT_EQ(j["alert"]["sources_total"], 20000) << line.substr(0, 300);
  }
  EXPECT_GE(alerts, 1);
}

// Waiting costs nothing: while a slow receiver holds deliveries the daemon does not spin, and
// with nothing due it sleeps. CPU time comes from /proc/PID/stat; nothing here times speed.
TEST_F(load_e2e, waiting_for_slow_deliveries_and_idling_cost_no_cpu) {
  server_.route("/flood", sanctwatch::test::http_reply{.body = copies(1)});
  std::atomic<int> hooks{0};
  server_.route("/hook", [&](const sanctwatch::test::http_request&) {
    ++hooks;
    return sanctwatch::test::http_reply{.status = 204, .delay = 5000ms};
  });
  write_config(10);
  std::ofstream(config_, std::ios::app)
      << "  - {type: webhook, url: \"" << server_.url("/hook") << "\", secret: whsec_dGVzdA==}\n";
  const std::string log = dir_.file("daemon.log");
  const pid_t pid = testing::spawn_sanctwatch({"run", "-c", config_}, log);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(testing::eventually([&] { return hooks.load() >= 1; }, 30s)) << testing::slurp(log);
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  // Deliveries in flight for the next 3 s: at most a tenth of that in CPU (a spin is all of it).
  long before = testing::cpu_ticks(pid);
  std::this_thread::sleep_for(3s);
  long used = testing::cpu_ticks(pid) - before;
  EXPECT_LE(used, 3 * ticks_per_second / 10) << "ticks while deliveries were in flight";
  // Every delivery done (the state says so), nothing due for a minute: under 0.1% of 10 s
  // (one tick).
  std::string listed;
  ASSERT_TRUE(testing::eventually(
      [&] {
        listed = testing::run_sanctwatch("alerts --format json -c '" + config_ + "'", false).out;
        return listed.find("\"state\":\"delivered\"") != std::string::npos &&
               listed.find("\"state\":\"pending\"") == std::string::npos;
      },
      30s))
      << listed;
  std::this_thread::sleep_for(6s);  // the slow replies come back
  before = testing::cpu_ticks(pid);
  std::this_thread::sleep_for(10s);
  used = testing::cpu_ticks(pid) - before;
  EXPECT_LE(used, 1) << "ticks while idle";
  kill(pid, SIGTERM);
  EXPECT_NE(testing::wait_exit(pid, 10s), -1);
}

// A full disk: the state file refuses writes (here a file size limit set on the running
// daemon: a write past 4 KiB of any file fails, which is what a full filesystem looks like to
// it). The daemon keeps running and says so, and once writes work again it resumes by itself:
// every alert delivered, none twice.
TEST_F(load_e2e, a_full_disk_degrades_the_daemon_until_writes_work_again) {
  // The feed answers late, so that the limit is in place before the poll's writes.
  server_.route("/flood", sanctwatch::test::http_reply{.body = copies(1), .delay = 3000ms});
  write_config(10);
  std::ofstream(config_, std::ios::app) << "metrics: {listen: \"127.0.0.1:0\"}\n";
  const std::string log = dir_.file("daemon.log");
  const pid_t pid = testing::spawn_sanctwatch({"run", "-c", config_}, log);
  ASSERT_GT(pid, 0);
  std::string metrics_url;
  ASSERT_TRUE(testing::eventually([&] {
    const auto logged = testing::slurp(log);
    const auto at = logged.find("metrics on ");
    if (at == std::string::npos) return false;
    metrics_url = logged.substr(at + 11, logged.find('\n', at) - at - 11);
    return true;
  }, 30s)) << testing::slurp(log);
  rlimit small{4096, RLIM_INFINITY};
  ASSERT_EQ(prlimit(pid, RLIMIT_FSIZE, &small, nullptr), 0);
  auto scrape = [&] {
    auto r = http::fetch(metrics_url);
    return r ? r->body : std::string();
  };
  auto healthz = [&] {
    auto r = http::fetch(metrics_url.substr(0, metrics_url.rfind('/')) + "/healthz");
    return r ? std::string("200") : r.err().message;
  };
  // Degraded, and still running.
  ASSERT_TRUE(testing::eventually(
      [&] { return scrape().find("\nsanctwatch_degraded 1\n") != std::string::npos; }, 30s))
      << scrape();
  EXPECT_NE(healthz().find("503"), std::string::npos) << healthz();
  EXPECT_EQ(kill(pid, 0), 0);
  EXPECT_EQ(testing::slurp(alerts_), "");

  // Space again: the daemon finds out by itself, polls, records and delivers once.
  rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  ASSERT_EQ(prlimit(pid, RLIMIT_FSIZE, &unlimited, nullptr), 0);
  ASSERT_TRUE(testing::eventually(
      [&] { return scrape().find("\nsanctwatch_degraded 0\n") != std::string::npos; }, 60s));
  EXPECT_EQ(healthz(), "200");
  ASSERT_TRUE(testing::eventually([&] { return !alert_lines(alerts_).empty(); }, 60s))
      << testing::slurp(log);
  std::this_thread::sleep_for(2s);
  std::set<std::string> ids;
  for (const auto& j : alert_lines(alerts_))
    EXPECT_TRUE(ids.insert(j["id"].get<std::string>() + "/" + std::to_string(j["revision"].get<int>())).second)
        << "delivered twice: " << j["id"];
  kill(pid, SIGTERM);
  const int status = testing::wait_exit(pid, 10s);
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace sanctwatch
