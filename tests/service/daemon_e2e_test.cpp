// The real binary: `poll` across process restarts, `run` with SIGHUP reloads and SIGTERM,
// against feeds served on loopback.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "http/fetch.hpp"
#include "alert_schema.hpp"
#include "http/test_server.hpp"
#include "process.hpp"
#include "run_binary.hpp"
#include "service/raw_connection.hpp"
#include "sinks/signing.hpp"
#include "story/wire_texts.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace sanctwatch::service {
namespace {

using testing::eventually;
constexpr auto spawn = testing::spawn_sanctwatch;

using namespace std::chrono_literals;
using sanctwatch::test::http_reply;

std::string rss(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (const auto& [id, title] : items)
    out += "<item><guid>" + id + "</guid><title>" + title + "</title><description>" + title +
           "</description></item>";
  return out + "</channel></rss>";
}

struct rss_item {
  std::string guid, link, title, description;
};

std::string rss_full(const std::vector<rss_item>& items) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (const auto& i : items)
    out += "<item><guid>" + i.guid + "</guid><link>" + i.link + "</link><title>" + i.title +
           "</title><description>" + i.description + "</description></item>";
  return out + "</channel></rss>";
}

using sanctwatch::testing::slurp;

int count_lines(const std::string& p) {
  const auto s = slurp(p);
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// utime + stime of a process in seconds: fields 14 and 15 of /proc/PID/stat, counted after
// the command name, which may hold spaces.
double cpu_seconds(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields;  // fields[0] is field 3
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() < 13) return -1;
  return static_cast<double>(std::stoull(fields[11]) + std::stoull(fields[12])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// "Max open files  SOFT  HARD  files" of /proc/PID/limits.
std::pair<std::string, std::string> fd_limits(pid_t pid) {
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/limits"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Max open files", 0) == 0) {
      std::istringstream words(line.substr(14));
      std::string soft, hard;
      words >> soft >> hard;
      return {soft, hard};
    }
  return {};
}

std::size_t open_fds(pid_t pid) {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec))
    ++n;
  return n;
}

// Kills and reaps a daemon a test started, however the test ends; pid 0 once it was reaped.
struct daemon_reaper {
  pid_t pid;
  ~daemon_reaper() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

// `sanctwatch run -c CONFIG` through sh after `shell_setup` (ulimit ...), output to `log`.
pid_t spawn_daemon(const std::string& config, const std::string& log,
                   const std::string& shell_setup = "") {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::string script = shell_setup + "exec '" + SANCTWATCH_BINARY + "' run -c '" + config + "'";
  std::vector<char*> argv = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"), script.data(),
                             nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", &fa, nullptr, argv.data(), environ) != 0) pid = 0;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

const char* threat = "US threatens sanctions on Chinese banks that help Russia evade sanctions";
const char* designation = "Treasury imposed sanctions on three Hong Kong firms over Russia";

class daemon_e2e : public ::testing::Test {
 protected:
  void write_config(const std::vector<std::string>& feed_paths, const std::string& extra = "") {
    std::ofstream out(config_);
    out << "state: {path: " << dir_.file("state.db") << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "feeds:\n";
    for (const auto& p : feed_paths)
      out << "  - {id: " << p.substr(1) << ", url: \"" << server_.url(p) << "\", interval: 1m}\n";
    out << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n" << extra;
  }

  // The metrics address the daemon logged ("127.0.0.1:PORT"; port 0 in the config).
  static std::string metrics_address(const std::string& log) {
    std::string address;
    eventually([&] {
      const std::string text = slurp(log);
      const auto at = text.find("metrics on http://");
      if (at == std::string::npos) return false;
      address = text.substr(at + 18, text.find("/metrics", at) - at - 18);
      return true;
    });
    return address;
  }

  sanctwatch::test::test_server server_;
  sanctwatch::testing::temp_dir dir_;
  std::string config_ = dir_.file("sanctwatch.yaml");
  std::string alerts_ = dir_.file("alerts.jsonl");
};

}  // namespace

TEST_F(daemon_e2e, poll_delivers_once_across_restarts) {
  server_.route("/wire", http_reply{.body = rss({{"1", threat}, {"2", "Weather in Paris"}})});
  write_config({"/wire"});
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const int first = count_lines(alerts_);
  EXPECT_GE(first, 1) << r.out;
  // A new process, the same state: nothing is alerted or delivered twice.
  r = testing::run_sanctwatch("poll --all -c '" + config_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(count_lines(alerts_), first);
  // The feed gains an item: only its alerts are new.
  server_.route("/wire", http_reply{.body = rss({{"3", designation}, {"1", threat}})});
  r = testing::run_sanctwatch("poll --all -c '" + config_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_GT(count_lines(alerts_), first);
  EXPECT_EQ(slurp(alerts_).find("\"id\":\"3\"") != std::string::npos, true);
  r = testing::run_sanctwatch("feeds -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("wire"), std::string::npos);
  EXPECT_NE(r.out.find(" ok "), std::string::npos) << r.out;
}

TEST_F(daemon_e2e, poll_reports_failed_feeds_and_keeps_going) {
  server_.route("/good", http_reply{.body = rss({{"1", threat}})});
  server_.route("/broken", http_reply{.status = 500});
  write_config({"/broken", "/good"});
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("feed broken: HTTP 500"), std::string::npos) << r.out;
  EXPECT_GE(count_lines(alerts_), 1);
  r = testing::run_sanctwatch("feeds -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("failing"), std::string::npos) << r.out;
}

TEST_F(daemon_e2e, alerts_lists_deliveries_and_replay_requeues) {
  server_.route("/wire", http_reply{.body = rss({{"1", threat}, {"2", designation}})});
  write_config({"/wire"});
  ASSERT_EQ(testing::run_sanctwatch("poll -c '" + config_ + "'").exit_code, 0);
  const int delivered = count_lines(alerts_);
  ASSERT_GE(delivered, 2);

  auto r = testing::run_sanctwatch("alerts --format json -c '" + config_ + "'", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["alert"]["schema"], "sanctwatch.alert/2");
    ASSERT_EQ(j["deliveries"].size(), 1u);
    EXPECT_EQ(j["deliveries"][0]["sink"], "jsonl");
    EXPECT_EQ(j["deliveries"][0]["state"], "delivered");
    ++n;
  }
  EXPECT_EQ(n, delivered);
  // As text: each alert as people read it, then where it went.
  r = testing::run_sanctwatch("alerts -c '" + config_ + "'", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("[HIGH] "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  rules: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  > "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  deliveries: jsonl: delivered"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("alerts --since 2d --rule no.such.rule -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");

  r = testing::run_sanctwatch("replay --dead -c '" + config_ + "'");
  EXPECT_NE(r.out.find("re-queued 0 deliveries"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("replay --since 1h --sink jsonl -c '" + config_ + "'");
  EXPECT_NE(r.out.find("re-queued " + std::to_string(delivered) + " deliveries to jsonl"),
            std::string::npos)
      << r.out;
  ASSERT_EQ(testing::run_sanctwatch("poll -c '" + config_ + "'").exit_code, 0);
  EXPECT_EQ(count_lines(alerts_), 2 * delivered);  // re-sent with the same ids

  EXPECT_EQ(testing::run_sanctwatch("replay -c '" + config_ + "'").exit_code, 2);
  EXPECT_EQ(testing::run_sanctwatch("alerts --since yesterday -c '" + config_ + "'").exit_code, 2);
}

namespace wire = sanctwatch::testing::wire;

// The same article text with different links and small edits in three feeds, each beside
// another story on the same topic (two feeds) or alone.
void serve_story_feeds(sanctwatch::test::test_server& server) {
  server.route(
      "/wire",
      http_reply{.body = rss_full({{"w-1", "https://wire.example/world/us-china-banks-idUS1",
                                    wire::title, wire::body},
                                   {"w-2", "https://wire.example/world/eu-package",
                                    wire::other_title, wire::other_body}})});
  server.route(
      "/daily",
      http_reply{.body = rss_full({{"d-77",
                                    "https://www.daily.example/news/2024/us-weighs-sanctions/"
                                    "?utm_source=rss&amp;utm_medium=feed",
                                    wire::title_2, wire::body_2}})});
  server.route("/herald", http_reply{.body = rss_full({{"h-5", "https://herald.example/a/5",
                                                        wire::title_3, wire::body_3},
                                                       {"h-6", "https://herald.example/a/6",
                                                        wire::reply_title, wire::reply_body}})});
}

// Every line of a JSON lines file.
std::vector<nlohmann::json> json_lines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(slurp(path));
  for (std::string line; std::getline(lines, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST_F(daemon_e2e, story_grouping_one_alert_with_three_sources_and_updates) {
  std::mutex m;
  std::vector<std::pair<std::string, nlohmann::json>> hooked;  // webhook-id, body
  server_.route("/hook", [&](const sanctwatch::test::http_request& r) {
    std::lock_guard<std::mutex> lock(m);
    hooked.emplace_back(r.header("webhook-id"), nlohmann::json::parse(r.body));
    return http_reply{.status = 204};
  });
  setenv("SANCTWATCH_TEST_HOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
  serve_story_feeds(server_);
  write_config({"/wire", "/daily", "/herald"},
               "  - {type: webhook, url: \"" + server_.url("/hook") +
                   "\", secret: \"${SANCTWATCH_TEST_HOOK_SECRET}\"}\n");
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;

  // The latest revision of each alert, and every line by alert id.
  std::map<std::string, nlohmann::json> latest;
  std::map<std::string, std::vector<int>> revisions;
  for (const auto& j : json_lines(alerts_)) {
    const std::string id = j["id"];
    const int rev = j["revision"];
    revisions[id].push_back(rev);
    EXPECT_EQ(j["type"], rev == 0 ? "alert.created" : "alert.updated") << j.dump();
    if (!latest.count(id) || latest[id]["revision"].get<int>() < rev) latest[id] = j;
  }
  // One alert per story. All three copies fire sanctions.threat (other rules fire on some of
  // them): the story's alert reports them all and lists the three outlets, one revision per
  // copy.
  std::map<std::string, std::set<std::string>> rules_by_story;
  for (const auto& [id, j] : latest) {
    std::set<std::string> feeds;
    for (const auto& s : j["sources"]) feeds.insert(s["feed"].get<std::string>());
    const std::string title = j["item"]["title"];
    const bool wire_copy = title == wire::title || title == wire::title_2 || title == wire::title_3;
    const std::string story = wire_copy ? "wire" : title;
    EXPECT_TRUE(rules_by_story[story].empty()) << "two alerts for one story: " << j.dump();
    for (const auto& rule : j["rules"]) rules_by_story[story].insert(rule["id"].get<std::string>());
    EXPECT_EQ(feeds.size(), j["sources"].size()) << "an outlet listed twice: " << j.dump();
    EXPECT_EQ(revisions[id].size(), j["sources"].size()) << j.dump();  // one revision per copy
    if (wire_copy) {
      for (const auto& f : feeds) EXPECT_TRUE(f == "wire" || f == "daily" || f == "herald") << f;
      EXPECT_EQ(feeds, (std::set<std::string>{"wire", "daily", "herald"})) << j.dump();
    } else {
      EXPECT_EQ(j["sources"].size(), 1u) << j.dump();
    }
  }
  EXPECT_EQ(rules_by_story.size(), 3u);  // two different stories on the topic: their own alerts
  EXPECT_TRUE(rules_by_story["wire"].count("sanctions.threat"));

  // The webhook got the same documents; each revision under its own webhook-id.
  std::lock_guard<std::mutex> lock(m);
  std::set<std::string> webhook_ids;
  for (const auto& [wid, body] : hooked) {
    EXPECT_TRUE(webhook_ids.insert(wid).second) << "webhook-id repeated: " << wid;
    const int rev = body["revision"];
    EXPECT_EQ(wid, rev == 0 ? body["id"].get<std::string>()
                            : body["id"].get<std::string>() + "-" + std::to_string(rev));
  }
  EXPECT_EQ(hooked.size(), json_lines(alerts_).size());

  // `alerts` shows each alert once, at its latest revision, with every delivery.
  r = testing::run_sanctwatch("alerts --format json --rule sanctions.threat -c '" + config_ + "'",
                              false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  bool found = false;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["alert"]["sources"].size() != 3u) continue;
    found = true;
    EXPECT_EQ(j["deliveries"].size(), 6u) << j.dump();  // 2 sinks x 3 revisions
    for (const auto& d : j["deliveries"]) EXPECT_EQ(d["state"], "delivered") << d.dump();
  }
  EXPECT_TRUE(found) << r.out;

  // Every line, created and updated, follows the published schema.
  if (testing::alert_validator_available()) {
    const auto [status, report] = testing::validate_alert_lines(alerts_);
    EXPECT_EQ(status, 0) << report;
  }

  // Polling again changes nothing: no new alert, no repeated update.
  const auto before = json_lines(alerts_).size();
  ASSERT_EQ(testing::run_sanctwatch("poll --all -c '" + config_ + "'").exit_code, 0);
  EXPECT_EQ(json_lines(alerts_).size(), before);
  unsetenv("SANCTWATCH_TEST_HOOK_SECRET");
}

TEST_F(daemon_e2e, story_grouping_off_alerts_every_copy) {
  serve_story_feeds(server_);
  write_config({"/wire", "/daily", "/herald"}, "stories: {enabled: false}\n");
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::map<std::string, int> per_rule;
  std::set<std::string> ids;
  for (const auto& j : json_lines(alerts_)) {
    EXPECT_EQ(j["revision"], 0);
    EXPECT_EQ(j["sources"].size(), 1u);
    EXPECT_TRUE(ids.insert(j["id"].get<std::string>()).second);
    const std::string title = j["item"]["title"];
    if (title == wire::title || title == wire::title_2 || title == wire::title_3)
      for (const auto& rule : j["rules"]) ++per_rule[rule["id"].get<std::string>()];
  }
  EXPECT_EQ(per_rule["sanctions.threat"], 3);  // one alert per copy, as before
}

TEST_F(daemon_e2e, bad_stories_config_is_a_located_error) {
  write_config({"/wire"}, "stories: {enabled: maybe, window: 3 days, windw: 1h}\n");
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  // Line 7: after state, rules, feeds, one feed, sinks and the jsonl sink.
  EXPECT_NE(r.out.find(config_ + ":7:20: error: stories.enabled must be true or false"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(config_ + ":7:35: error: stories.window must be a duration"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(config_ + ":7:43: error: unknown key 'windw' in stories"), std::string::npos)
      << r.out;
}

TEST_F(daemon_e2e, kill_9_during_deliveries_loses_no_alert) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  setenv("SANCTWATCH_TEST_HOOK_SECRET", secret.c_str(), 1);
  std::mutex m;
  std::set<std::string> received;
  std::atomic<int> bad_signatures{0};
  std::atomic<bool> slow{true};
  server_.route("/hook", [&](const sanctwatch::test::http_request& r) {
    const auto status = sinks::signing::verify(
        secret, r.header("webhook-id"), r.header("webhook-timestamp"),
        r.header("webhook-signature"), r.body, std::chrono::system_clock::now());
    if (status != sinks::signing::verify_status::ok) ++bad_signatures;
    if (slow) return http_reply{.status = 200, .delay = 4000ms};  // still in flight at the kill
    std::lock_guard<std::mutex> lock(m);
    received.insert(r.header("webhook-id"));
    return http_reply{.status = 204};
  });
  server_.route("/wire", http_reply{.body = rss({{"1", threat}, {"2", designation}})});
  write_config({"/wire"}, "  - {type: webhook, url: \"" + server_.url("/hook") +
                              "\", secret: \"${SANCTWATCH_TEST_HOOK_SECRET}\"}\n");
  const std::string log = dir_.file("daemon.log");
  const pid_t pid = spawn({"run", "-c", config_}, log);
  ASSERT_GT(pid, 0);
  const bool in_flight = eventually([&] { return server_.count("/hook") >= 1; });
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ASSERT_TRUE(in_flight) << slurp(log);

  // After the crash: the next run sends every pending delivery, with the same ids.
  slow = false;
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = testing::run_sanctwatch("alerts --format json -c '" + config_ + "'", false);
  std::istringstream lines(r.out);
  std::string line;
  int alerts = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    ++alerts;
    const std::string id = j["alert"]["id"];
    std::lock_guard<std::mutex> lock(m);
    EXPECT_TRUE(received.count(id)) << "alert " << id << " never reached the webhook";
    for (const auto& d : j["deliveries"]) EXPECT_EQ(d["state"], "delivered") << d.dump();
  }
  EXPECT_GE(alerts, 2);
  EXPECT_EQ(bad_signatures.load(), 0);
  unsetenv("SANCTWATCH_TEST_HOOK_SECRET");
}

TEST_F(daemon_e2e, missing_secret_is_a_config_error_that_names_no_value) {
  unsetenv("SANCTWATCH_TEST_UNSET_SECRET");
  write_config({"/wire"},
               "  - {type: webhook, url: \"http://127.0.0.1:9/x\", secret: "
               "\"${SANCTWATCH_TEST_UNSET_SECRET}\"}\n");
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("sink 'webhook': secret #1: environment variable "
                       "SANCTWATCH_TEST_UNSET_SECRET is not set"),
            std::string::npos)
      << r.out;
}

TEST_F(daemon_e2e, bad_config_is_a_located_error) {
  std::ofstream(config_)
      << "feeds:\n  - {id: x, url: \"http://x\", intervall: 5m}\nsinks: []\nrules: [r]\n";
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find(config_ + ":2:30: error: unknown key 'intervall'"), std::string::npos)
      << r.out;
}

TEST_F(daemon_e2e, run_reloads_on_sighup_and_stops_on_sigterm) {
  server_.route("/a", http_reply{.body = rss({{"1", threat}})});
  server_.route("/b", http_reply{.body = rss({{"2", designation}})});
  write_config({"/a"}, "metrics: {listen: \"127.0.0.1:0\"}\n");
  const std::string log = dir_.file("daemon.log");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::string bin = SANCTWATCH_BINARY;
  std::vector<char*> argv = {bin.data(), const_cast<char*>("run"), const_cast<char*>("-c"),
                             config_.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  auto stop = [&] {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  };

  EXPECT_TRUE(eventually([&] { return count_lines(alerts_) >= 1; })) << slurp(log);
  const int before = count_lines(alerts_);

  // The metrics endpoint (port 0 in the config: the log names the real one).
  const auto logged = slurp(log);
  const auto at = logged.find("metrics on ");
  ASSERT_NE(at, std::string::npos) << logged;
  const std::string url = logged.substr(at + 11, logged.find('\n', at) - at - 11);
  auto scraped = http::fetch(url);
  ASSERT_TRUE(scraped) << scraped.err().message;
  EXPECT_NE(scraped->body.find("sanctwatch_polls_total{feed=\"a\",result=\"ok\"} 1"),
            std::string::npos)
      << scraped->body;
  EXPECT_NE(scraped->body.find("sanctwatch_alerts_total{rule="), std::string::npos);
  for (const char* line : {"sanctwatch_feed_error_streak{feed=\"a\"} 0\n", "sanctwatch_outbox_dead 0\n",
                           "sanctwatch_build_info{version=", "\nprocess_open_fds ",
                           "\nprocess_resident_memory_bytes "})
    EXPECT_NE(scraped->body.find(line), std::string::npos) << line << "\n" << scraped->body;

  // A broken edit is refused and the daemon keeps running on the old config.
  std::ofstream(config_) << "feeds: [\n";
  kill(pid, SIGHUP);
  EXPECT_TRUE(eventually([&] { return slurp(log).find("reload failed") != std::string::npos; }))
      << slurp(log);

  // A good edit adds a feed, which is polled at once.
  write_config({"/a", "/b"});
  kill(pid, SIGHUP);
  EXPECT_TRUE(eventually([&] { return server_.count("/b") >= 1 && count_lines(alerts_) > before; }))
      << slurp(log);
  EXPECT_NE(slurp(log).find("reloaded: 2 feeds"), std::string::npos) << slurp(log);
  // The edit also dropped `metrics:`: the endpoint stays until a restart, and the log says so.
  EXPECT_NE(slurp(log).find("reload: metrics changed; that takes effect at the next restart"),
            std::string::npos)
      << slurp(log);

  kill(pid, SIGTERM);
  int status = 0;
  bool exited = eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 10000ms);
  if (!exited) stop();
  ASSERT_TRUE(exited) << "no exit after SIGTERM\n" << slurp(log);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(log);
  EXPECT_NE(slurp(log).find("received SIGTERM, stopping"), std::string::npos);
}

// Idle metrics clients: the server caps them (the excess is turned away at once, not
// queued), closes the idle ones after request_timeout, spends no CPU on them meanwhile, and
// answers a new client afterwards. The descriptor soft limit is raised to the hard one.
TEST_F(daemon_e2e, idle_metrics_clients_are_capped_closed_and_cost_no_cpu) {
  server_.route("/a", http_reply{.body = rss({{"1", threat}})});
  write_config({"/a"},
               "metrics: {listen: \"127.0.0.1:0\", request_timeout: 2s, max_connections: 8}\n");
  const std::string log = dir_.file("daemon.log");
  const pid_t pid = spawn_daemon(config_, log, "ulimit -Sn 256 && ");
  ASSERT_GT(pid, 0);
  daemon_reaper reap{pid};
  const std::string address = metrics_address(log);
  ASSERT_FALSE(address.empty()) << slurp(log);
  ASSERT_TRUE(eventually([&] { return count_lines(alerts_) >= 1; })) << slurp(log);
  const auto [soft, hard] = fd_limits(pid);
  EXPECT_EQ(soft, hard) << "the soft descriptor limit was not raised";

  // 8 are served (and say nothing), 100 more are over the cap.
  std::vector<std::unique_ptr<sanctwatch::testing::raw_connection>> clients;
  for (int i = 0; i < 108; ++i) {
    clients.push_back(std::make_unique<sanctwatch::testing::raw_connection>(address));
    ASSERT_TRUE(clients.back()->ok()) << i;
  }
  const double cpu_before = cpu_seconds(pid);
  const auto t0 = std::chrono::steady_clock::now();
  int turned_away = 0;
  for (std::size_t i = 8; i < clients.size(); ++i) {
    bool closed = false;
    const std::string answer = clients[i]->read_until_closed(5000ms, &closed);
    turned_away += closed && (answer.empty() || answer.rfind("HTTP/1.1 503 ", 0) == 0);
  }
  EXPECT_EQ(turned_away, 100);
  std::this_thread::sleep_for(1000ms);  // the 8 stay open and idle (timeout 2 s)
  const double cpu = cpu_seconds(pid) - cpu_before;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(cpu, 0.2 * wall) << "daemon CPU " << cpu << " s in " << wall << " s";

  // The idle ones are closed by the server (a read returns 0), well within a generous bound.
  for (int i = 0; i < 8; ++i) {
    bool closed = false;
    EXPECT_EQ(clients[i]->read_until_closed(20000ms, &closed), "") << i;
    EXPECT_TRUE(closed) << i;
  }
  sanctwatch::testing::raw_connection fresh(address);
  const std::string health = fresh.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << health;
  EXPECT_EQ(health.substr(health.size() - 3), "ok\n") << health;
  sanctwatch::testing::raw_connection future(address);
  const std::string v99 = future.exchange("GET /healthz HTTP/9.9\r\n\r\n");
  EXPECT_EQ(v99.rfind("HTTP/1.1 505 HTTP Version Not Supported\r\n", 0), 0u) << v99;

  // An idle client does not hold up SIGTERM.
  sanctwatch::testing::raw_connection idle(address);
  ASSERT_TRUE(idle.ok());
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_TRUE(eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 10000ms))
      << slurp(log);
  reap.pid = 0;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(log);
}

// At a low descriptor limit more metrics clients than descriptors cannot take the ones the
// feeds and the state database need: the cap is lowered to keep a reserve, and a feed added
// while they hang on is polled, recorded and delivered.
TEST_F(daemon_e2e, metrics_clients_cannot_take_the_descriptors_of_feeds_and_state) {
  server_.route("/a", http_reply{.body = rss({{"1", threat}})});
  server_.route("/b", http_reply{.body = rss({{"2", designation}})});
  const std::string metrics =
      "metrics: {listen: \"127.0.0.1:0\", request_timeout: 60s, max_connections: 200}\n";
  write_config({"/a"}, metrics);
  const std::string log = dir_.file("daemon.log");
  const pid_t pid = spawn_daemon(config_, log, "ulimit -n 256 && ");
  ASSERT_GT(pid, 0);
  daemon_reaper reap{pid};
  const std::string address = metrics_address(log);
  ASSERT_FALSE(address.empty()) << slurp(log);
  ASSERT_TRUE(eventually([&] { return count_lines(alerts_) >= 1; })) << slurp(log);
  // 256 descriptors, 2 x 64 transfers + 64 kept: 64 for metrics clients.
  EXPECT_NE(slurp(log).find("metrics.max_connections lowered to 64"), std::string::npos)
      << slurp(log);

  std::vector<std::unique_ptr<sanctwatch::testing::raw_connection>> clients;
  for (int i = 0; i < 400; ++i) {
    clients.push_back(std::make_unique<sanctwatch::testing::raw_connection>(address));
    ASSERT_TRUE(clients.back()->ok()) << i;
  }
  // Every client over the cap is closed at once.
  for (std::size_t i = 64; i < clients.size(); ++i) {
    bool closed = false;
    clients[i]->read_until_closed(5000ms, &closed);
    EXPECT_TRUE(closed) << i;
  }
  EXPECT_LT(open_fds(pid), 64u + 40u);
  const double cpu_before = cpu_seconds(pid);
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1000ms);
  const double cpu = cpu_seconds(pid) - cpu_before;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(cpu, 0.2 * wall) << "daemon CPU " << cpu << " s in " << wall << " s";

  const int before = count_lines(alerts_);
  write_config({"/a", "/b"}, metrics);
  kill(pid, SIGHUP);
  EXPECT_TRUE(eventually([&] { return server_.count("/b") >= 1 && count_lines(alerts_) > before; }))
      << slurp(log);
  EXPECT_EQ(slurp(log).find("unable to open"), std::string::npos) << slurp(log);
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), 0) << "the daemon died\n" << slurp(log);
}

}  // namespace sanctwatch::service
