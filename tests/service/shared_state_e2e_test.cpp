// Three real daemons on one real PostgreSQL database, 300 feeds on loopback and a webhook
// receiver: together they behave like one daemon. One of them is killed with SIGKILL mid-run,
// or the database itself is restarted mid-run; afterwards every feed has been polled, the
// alerts are those a single daemon records on the same feeds (same ids, one per story, none
// twice) and the receiver has every one of them.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "http/test_server.hpp"
#include "pg_server.hpp"
#include "process.hpp"
#include "run_binary.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

namespace sanctwatch {
namespace {

using namespace std::chrono_literals;
using test::http_reply;
using test::http_request;

constexpr int feed_count = 300;
// Feeds 10, 20, ... carry a copy of the previous feed's story (same link, same text): one
// alert with two sources, whichever daemon sees which copy first.
bool has_copy(int n) { return n > 0 && n % 10 == 0; }

// Made-up words, different for every feed, so no two stories look alike to the fingerprint.
std::string words(unsigned seed, int n) {
  static const char* syllables[] = {"ka", "lo", "mi", "re", "tu", "san", "vor", "pel",
                                    "dri", "no", "zu", "ba", "quen", "tal", "ri", "mo"};
  std::mt19937 rng(seed);
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += ' ';
    for (int k = 0; k < 3; ++k) out += syllables[rng() % 16];
  }
  return out;
}

// Feed n's sanctions story: its own firm, city and a tail of its own words.
std::string story_item(int n) {
  const std::string firm = words(static_cast<unsigned>(n) + 100000, 2);
  return "<item><guid>story-" + std::to_string(n) + "</guid><link>https://news.example/" +
         std::to_string(n) + "/sanctions</link><title>Treasury sanctions " + firm +
         "</title><description>The Treasury Department imposed sanctions on " + firm +
         ", a trading firm, accusing it of moving oil for the government in Tehran. " +
         words(static_cast<unsigned>(n), 40) + ".</description></item>";
}

std::string feed_body(int n) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed " +
                    std::to_string(n) + "</title>" + story_item(n);
  if (has_copy(n)) {
    std::string copy = story_item(n - 1);
    copy.replace(copy.find("story-"), 6, "copy-");
    out += copy;
  }
  out += "<item><guid>local-" + std::to_string(n) + "</guid><link>https://news.example/" +
         std::to_string(n) + "/council</link><title>Council approves bike lanes</title>"
         "<description>The city council approved new bike lanes for district " +
         std::to_string(n) + ". " + words(static_cast<unsigned>(n) + 7777, 20) +
         ".</description></item>";
  return out + "</channel></rss>";
}

class shared_state_e2e : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pg_.available()) GTEST_SKIP() << pg_.why();
    for (int n = 0; n < feed_count; ++n) {
      http_reply r{200, {{"Content-Type", "application/rss+xml"}}, feed_body(n)};
      r.delay = 150ms;  // a run takes seconds, so a daemon can die in the middle of it
      feeds_.route("/feed/" + std::to_string(n), r);
    }
    hook_.route("/hook", [this](const http_request& req) {
      auto j = nlohmann::json::parse(req.body, nullptr, false);
      std::lock_guard lock(mu_);
      if (j.is_object() && j.contains("id")) ++received_[j["id"].get<std::string>()];
      return http_reply{200, {}, "ok"};
    });
  }
  void TearDown() override {
    for (pid_t p : pids_)
      if (p > 0) {
        ::kill(p, SIGKILL);
        testing::wait_exit(p, 5s);
      }
  }

  // A config for one of the daemons (`node`), or for the reference run on a SQLite file.
  std::string config(const std::string& name, const std::string& state) {
    const std::string path = dir_.file(name + ".yaml");
    std::ofstream out(path);
    out << (name.rfind("d", 0) == 0 ? "node: " + name + "\n" : "") << "state: " << state << "\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "network: {max_parallel: 4}\n"
        << "defaults: {full_text: never}\n"
        << "feeds:\n";
    for (int n = 0; n < feed_count; ++n)
      out << "  - {id: f" << n << ", url: \"" << feeds_.url("/feed/" + std::to_string(n))
          << "\", interval: 1h}\n";
    out << "sinks:\n  - {type: webhook, name: hook, url: \"" << hook_.url("/hook")
        << "\", secret: whsec_dGVzdA==}\n";
    return path;
  }

  pid_t start_daemon(const std::string& name) {
    const std::string cfg =
        config(name, "{url: \"" + pg_.uri() + "\", lease: 10s}");
    const pid_t p = testing::spawn_sanctwatch({"run", "-c", cfg}, dir_.file(name + ".log"));
    pids_.push_back(p);
    return p;
  }

  std::string log_of(const std::string& name) {
    std::ifstream in(dir_.file(name + ".log"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // Feeds polled, and deliveries not yet delivered, as the database says now.
  std::pair<int, std::int64_t> progress() {
    try {
      store::store s(pg_.uri());
      int polled = 0;
      for (const auto& f : s.feeds()) polled += f.last_success ? 1 : 0;
      std::int64_t undelivered = 0;
      for (const auto& a : s.alerts(std::nullopt, "", 100000))
        for (const auto& d : a.deliveries) undelivered += d.state != store::delivery_state::delivered;
      return {polled, undelivered};
    } catch (const store::db_error&) {
      return {-1, -1};  // the server is down this moment
    }
  }

  // Alert id -> the feeds of its sources, as recorded.
  static std::map<std::string, std::set<std::string>> alerts_in(const std::string& location) {
    store::store s(location);
    std::map<std::string, std::set<std::string>> out;
    for (const auto& a : s.alerts(std::nullopt, "", 100000)) {
      auto j = nlohmann::json::parse(a.document);
      for (const auto& src : j["sources"]) out[a.id].insert(src["feed"].get<std::string>());
    }
    return out;
  }

  // What one daemon records on the same feeds: the reference.
  std::map<std::string, std::set<std::string>> single_daemon_alerts() {
    const std::string db = dir_.file("single.db");
    const auto r =
        testing::run_sanctwatch("poll --all -c '" + config("single", "{path: " + db + "}") + "'");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return alerts_in(db);
  }

  // After a run: every feed polled, one alert per story as a single daemon has them, each
  // delivered to the receiver.
  void expect_one_daemons_work(const std::map<std::string, std::set<std::string>>& reference) {
    ASSERT_TRUE(testing::eventually(
        [&] {
          const auto [polled, undelivered] = progress();
          return polled == feed_count && undelivered == 0;
        },
        120s))
        << "polled/undelivered: " << progress().first << "/" << progress().second << "\n"
        << log_of("d1") << log_of("d2") << log_of("d3");
    for (int n = 0; n < feed_count; ++n)
      EXPECT_GE(feeds_.count("/feed/" + std::to_string(n)), 1u) << n;
    const auto shared = alerts_in(pg_.uri());
    // Stories with one copy have the same ids as the reference; a story with two copies is
    // named by whichever copy came first, so it is compared by its sources.
    std::map<std::set<std::string>, int> shared_by_sources, reference_by_sources;
    for (const auto& [id, feeds] : shared) ++shared_by_sources[feeds];
    for (const auto& [id, feeds] : reference) {
      ++reference_by_sources[feeds];
      if (feeds.size() == 1) {
        EXPECT_TRUE(shared.count(id)) << id << " missing";
      }
    }
    EXPECT_EQ(shared.size(), reference.size());
    EXPECT_EQ(shared_by_sources, reference_by_sources);
    EXPECT_EQ(reference.size(), static_cast<std::size_t>(feed_count)) << "one alert per story";
    std::lock_guard lock(mu_);
    for (const auto& [id, feeds] : shared) EXPECT_TRUE(received_.count(id)) << id << " not received";
  }

  testing::pg_server pg_;
  sanctwatch::test::test_server feeds_, hook_;
  sanctwatch::testing::temp_dir dir_;
  std::vector<pid_t> pids_;
  std::mutex mu_;
  std::map<std::string, int> received_;
};

}  // namespace

TEST_F(shared_state_e2e, a_daemon_killed_mid_run_leaves_its_feeds_to_the_others) {
  const auto reference = single_daemon_alerts();
  start_daemon("d1");
  const pid_t victim = start_daemon("d2");
  start_daemon("d3");
  // Mid-run: some feeds done, most not, the victim busy.
  ASSERT_TRUE(testing::eventually([&] { return progress().first >= 40; }, 60s))
      << log_of("d1") << log_of("d2");
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  testing::wait_exit(victim, 5s);
  expect_one_daemons_work(reference);
  // The survivors took over what the dead daemon held (its leases lapsed after 10 s).
  const auto logs = log_of("d1") + log_of("d3");
  EXPECT_NE(logs.find("taken over from d2"), std::string::npos) << logs;
  // `status` shows the two survivors live and d2 silent, with its leases gone.
  const auto status = testing::run_sanctwatch("status -c '" + dir_.file("d1.yaml") + "'");
  EXPECT_EQ(status.exit_code, 0) << status.out;
  EXPECT_NE(status.out.find("2 live daemon(s)"), std::string::npos) << status.out;
}

TEST_F(shared_state_e2e, the_database_restarted_mid_run_loses_nothing) {
  const auto reference = single_daemon_alerts();
  start_daemon("d1");
  start_daemon("d2");
  start_daemon("d3");
  ASSERT_TRUE(testing::eventually([&] { return progress().first >= 40; }, 60s)) << log_of("d1");
  ASSERT_TRUE(pg_.stop());
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(pg_.start());
  expect_one_daemons_work(reference);
  // Each daemon said it lost the database and came back without a restart.
  for (const char* d : {"d1", "d2", "d3"}) {
    const auto log = log_of(d);
    EXPECT_NE(log.find("state database reachable again"), std::string::npos) << d << "\n" << log;
  }
  for (pid_t p : pids_) EXPECT_EQ(::kill(p, 0), 0) << "a daemon ended";
}

}  // namespace sanctwatch
