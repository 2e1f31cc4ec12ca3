// Digests through the real binary: `run` with an email sink that has `digest`, feeds served on
// loopback and a real SMTP server (aiosmtpd); one message for the alerts of several items, and
// after kill -9 with a digest queued or sealed but not sent, exactly one digest with every
// alert once. Skips when /usr/bin/python3 or aiosmtpd is missing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

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
#include "sinks/mail_tools.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using sanctwatch::test::http_reply;
using testing::eventually;
using testing::slurp;

const std::vector<std::pair<std::string, std::string>> stories = {
    {"1", "US threatens sanctions on Chinese banks that help Russia evade sanctions"},
    {"2", "Treasury imposed sanctions on three Hong Kong firms over Russia"}};

std::string rss() {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (const auto& [id, title] : stories)
    out += "<item><guid>" + id + "</guid><title>" + title + "</title><description>" + title +
           "</description></item>";
  return out + "</channel></rss>";
}

int count_lines(const std::string& p) {
  const auto s = slurp(p);
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

std::size_t occurrences(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// Kills and reaps a daemon a test started, however the test ends.
struct daemon_reaper {
  pid_t pid = 0;
  void kill9() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = 0;
  }
  ~daemon_reaper() { kill9(); }
};

class digest_e2e : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = testing::python_missing(true); !why.empty()) GTEST_SKIP() << why;
    server_.route("/wire", http_reply{.body = rss()});
  }

  void write_config(const testing::smtp_server& smtp, const std::string& period) {
    std::ofstream(config_)
        << "state: {path: " << dir_.file("state.db") << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "feeds:\n  - {id: wire, url: \"" << server_.url("/wire") << "\", interval: 1h}\n"
        << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n"
        << "  - {type: email, name: desk, url: \"" << smtp.url()
        << "\", from: \"sanctwatch <alerts@example.org>\", to: [risk@example.org],"
        << " starttls: false, timeout: 5s, digest: " << period << "}\n";
  }

  pid_t start() { return testing::spawn_sanctwatch({"run", "-c", config_}, log_); }

  // What `sanctwatch alerts --format json` lists: alerts by id, digests by id.
  std::pair<std::map<std::string, json>, std::map<std::string, json>> listed() {
    const auto r = testing::run_sanctwatch("alerts --format json -c '" + config_ + "'", false);
    std::map<std::string, json> alerts, digests;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      const json j = json::parse(line, nullptr, false);
      if (j.contains("digest"))
        digests[j["digest"]["id"]] = j;
      else if (j.contains("alert"))
        alerts[j["alert"]["id"]] = j;
    }
    return {alerts, digests};
  }

  // The one message received: every alert's headline exactly once in both parts.
  json expect_one_digest_with_every_alert(const testing::smtp_server& smtp) {
    EXPECT_EQ(smtp.received(), 1) << slurp(log_);
    const json p = testing::parse_email(smtp.message(1), dir_);
    EXPECT_TRUE(p.is_object());
    if (!p.is_object()) return p;
    EXPECT_EQ(p["defects"], json::array());
    EXPECT_TRUE(
        p["headers"]["Subject"].get<std::string>().starts_with("[sanctwatch] digest: 2 alerts"))
        << p["headers"];
    const std::string text = p["parts"][0]["content"], html = p["parts"][1]["content"];
    for (const auto& [id, title] : stories) {
      EXPECT_EQ(occurrences(text, "] " + title + "\n"), 1u) << title << "\n" << text;
      EXPECT_EQ(occurrences(html, "</strong> " + title), 1u) << title << "\n" << html;
    }
    return p;
  }

  // Every recorded alert is in one delivered digest, and the digests follow the schema.
  void expect_state_consistent(std::size_t digests_expected) {
    const auto [alerts, digests] = listed();
    EXPECT_EQ(alerts.size(), stories.size());
    EXPECT_EQ(digests.size(), digests_expected);
    for (const auto& [id, a] : alerts) {
      ASSERT_EQ(a["digests"].size(), 1u) << a.dump();
      EXPECT_TRUE(digests.count(a["digests"][0]["digest"].get<std::string>())) << a.dump();
    }
    std::ofstream out(dir_.file("digests.jsonl"));
    for (const auto& [id, d] : digests) {
      ASSERT_EQ(d["deliveries"].size(), 1u);
      EXPECT_EQ(d["deliveries"][0]["sink"], "desk");
      EXPECT_EQ(d["deliveries"][0]["state"], "delivered") << d.dump();
      out << d["digest"].dump() << "\n";
    }
    out.close();
    if (testing::alert_validator_available()) {
      const auto [status, report] = testing::validate_digest_lines(dir_.file("digests.jsonl"));
      EXPECT_EQ(status, 0) << report;
    }
  }

  sanctwatch::test::test_server server_;
  testing::temp_dir dir_;
  std::string config_ = dir_.file("sanctwatch.yaml");
  std::string alerts_ = dir_.file("alerts.jsonl");
  std::string log_ = dir_.file("daemon.log");
};

}  // namespace

TEST_F(digest_e2e, the_alerts_of_several_items_arrive_as_one_message) {
  testing::smtp_server smtp(dir_, {});
  ASSERT_GT(smtp.port(), 0);
  write_config(smtp, "2s");
  daemon_reaper d{start()};
  ASSERT_GT(d.pid, 0);
  ASSERT_TRUE(eventually([&] { return count_lines(alerts_) >= 2; })) << slurp(log_);
  EXPECT_EQ(smtp.received(), 0);  // collected, not sent one by one
  ASSERT_TRUE(eventually([&] { return smtp.received() >= 1; })) << slurp(log_);
  const json p = expect_one_digest_with_every_alert(smtp);
  EXPECT_NE(slurp(log_).find("digest digest-"), std::string::npos) << slurp(log_);
  // Nothing else arrives: the period passes again with nothing collected.
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(smtp.received(), 1);
  kill(d.pid, SIGTERM);
  EXPECT_GE(testing::wait_exit(d.pid, 10000ms), 0);
  d.pid = 0;
  expect_state_consistent(1);
  // The Message-ID is the digest's.
  const auto [alerts, digests] = listed();
  ASSERT_EQ(digests.size(), 1u);
  EXPECT_EQ(p["headers"]["Message-ID"], "<sanctwatch." + digests.begin()->first + "@example.org>");
}

TEST_F(digest_e2e, kill_9_with_alerts_queued_sends_one_digest_after_the_restart) {
  testing::smtp_server smtp(dir_, {});
  ASSERT_GT(smtp.port(), 0);
  write_config(smtp, "3s");
  daemon_reaper d{start()};
  ASSERT_GT(d.pid, 0);
  // The alerts and their queue entries are one transaction: once the JSON lines are written,
  // the entries are there.
  ASSERT_TRUE(eventually([&] { return count_lines(alerts_) >= 2; })) << slurp(log_);
  d.kill9();
  ASSERT_EQ(smtp.received(), 0) << "sealed and sent before the kill: the period is too short here";
  d.pid = start();
  ASSERT_GT(d.pid, 0);
  ASSERT_TRUE(eventually([&] { return smtp.received() >= 1; })) << slurp(log_);
  expect_one_digest_with_every_alert(smtp);
  kill(d.pid, SIGTERM);
  EXPECT_GE(testing::wait_exit(d.pid, 10000ms), 0);
  d.pid = 0;
  EXPECT_EQ(smtp.received(), 1);
  expect_state_consistent(1);
}

TEST_F(digest_e2e, kill_9_with_a_digest_sealed_but_not_sent_sends_it_once_after_the_restart) {
  // The relay answers 451 to the first recipient: the sealed digest waits for its retry.
  testing::smtp_server smtp(dir_, {"--fail-rcpt", "1"});
  ASSERT_GT(smtp.port(), 0);
  write_config(smtp, "1s");
  daemon_reaper d{start()};
  ASSERT_GT(d.pid, 0);
  std::string digest_id;
  ASSERT_TRUE(eventually([&] {
    for (const auto& [id, j] : listed().second)
      if (j["deliveries"][0]["attempts"].get<int>() >= 1 &&
          j["deliveries"][0]["state"] == "pending") {
        digest_id = id;
        return true;
      }
    return false;
  })) << slurp(log_);
  d.kill9();
  ASSERT_EQ(smtp.received(), 0);
  d.pid = start();
  ASSERT_GT(d.pid, 0);
  // The retry is due 5 s (+-10%) after the refusal.
  ASSERT_TRUE(eventually([&] { return smtp.received() >= 1; }, 20000ms)) << slurp(log_);
  const json p = expect_one_digest_with_every_alert(smtp);
  EXPECT_EQ(p["headers"]["Message-ID"], "<sanctwatch." + digest_id + "@example.org>");
  kill(d.pid, SIGTERM);
  EXPECT_GE(testing::wait_exit(d.pid, 10000ms), 0);
  d.pid = 0;
  EXPECT_EQ(smtp.received(), 1);
  expect_state_consistent(1);
}

}  // namespace sanctwatch::service
