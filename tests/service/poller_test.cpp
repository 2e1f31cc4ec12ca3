// The poller against a real HTTP server on loopback, a real SQLite file and real rules.
#include "service/poller.hpp"

#include <gtest/gtest.h>

#include <asio.hpp>

#include "engine/load.hpp"
#include "http/test_server.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using namespace std::chrono_literals;
using sanctwatch::test::http_reply;
using sanctwatch::test::http_request;

constexpr const char* rules_yaml = R"(
lists:
  sanction_terms: [sanction*]
rules:
  - id: t.sanctions
    title: Sanctions
    severity: high
    tags: [sanctions]
    when: '@sanction_terms'
)";

std::string rss(const std::vector<std::pair<std::string, std::string>>& items, int ttl = 0) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  if (ttl) out += "<ttl>" + std::to_string(ttl) + "</ttl>";
  for (const auto& [id, title] : items)
    out += "<item><guid>" + id + "</guid><title>" + title + "</title></item>";
  return out + "</channel></rss>";
}

ip_network loopback() {
  std::string why;
  return *parse_ip_network("127.0.0.0/8", why);
}

class poller_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = engine::load_ruleset({{"rules.yaml", rules_yaml}});
    ASSERT_TRUE(loaded.errors.empty());
    pipe_.set_ruleset(loaded.rules);
    poll_.on_result([this](const poll_result& r) { results_.push_back(r); });
  }

  feed_spec spec(const std::string& id, const std::string& path) {
    feed_spec f;
    f.id = id;
    f.url = server_.url(path);
    f.interval = 900s;
    return f;
  }

  // Starts due (or all) feeds and runs the loop until every poll is back (bounded).
  void poll(bool all = true) {
    results_.clear();
    poll_.poll_due(all);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (poll_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(50ms);
    }
    ASSERT_EQ(poll_.in_flight(), 0u) << "polls did not finish";
  }

  store::feed_state state(const std::string& id) { return db_.load_feed(id).value(); }

  sanctwatch::test::test_server server_;
  sanctwatch::testing::temp_dir dir_;
  asio::io_context io_;
  // The test server is on loopback: redirects between its paths must be allowed there.
  http::client client_{io_, {.allow_private = {loopback()}}};
  store::store db_{dir_.file("state.db")};
  pipeline pipe_{db_, {}};
  timestamp now_ =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  poll_settings settings_{};
  poller poll_{client_, db_, pipe_, settings_, [this] { return now_; }};
  std::vector<poll_result> results_;
};

}  // namespace

TEST_F(poller_test, conditional_get_round_trips_validators_and_304_costs_no_parsing) {
  server_.route("/f.xml", [](const http_request& r) {
    if (r.header("if-none-match") == "W/\"v1\"" &&
        r.header("if-modified-since") == "Tue, 14 May 2024 15:12:00 GMT")
      return http_reply{.status = 304};
    return http_reply{
        .headers = {{"ETag", "W/\"v1\""}, {"Last-Modified", "Tue, 14 May 2024 15:12:00 GMT"}},
        .body = rss({{"1", "New sanctions on X"}, {"2", "Weather"}})};
  });
  poll_.set_feeds({spec("f", "/f.xml")});
  poll();
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].ok);
  EXPECT_EQ(results_[0].stats.new_items, 2);
  EXPECT_EQ(results_[0].stats.alerts, 1);
  EXPECT_EQ(state("f").etag, "W/\"v1\"");
  EXPECT_EQ(state("f").items_total, 2);

  poll();
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].ok);
  EXPECT_TRUE(results_[0].not_modified);
  EXPECT_EQ(results_[0].stats.items, 0);
  EXPECT_EQ(server_.requests().back().header("if-none-match"), "W/\"v1\"");
  EXPECT_EQ(state("f").error_streak, 0);
  EXPECT_GE(*state("f").next_poll, now_ + 810s);
}

TEST_F(poller_test, only_new_items_alert_when_the_feed_changes) {
  std::atomic<int> version{1};
  server_.route("/f.xml", [&](const http_request&) {
    if (version == 1) return http_reply{.body = rss({{"a", "Sanctions on A"}, {"b", "Weather"}})};
    return http_reply{
        .body = rss({{"c", "Sanctions on C"}, {"a", "Sanctions on A"}, {"b", "Weather"}})};
  });
  poll_.set_feeds({spec("f", "/f.xml")});
  poll();
  EXPECT_EQ(results_[0].stats.alerts, 1);
  version = 2;
  poll();
  EXPECT_EQ(results_[0].stats.new_items, 1);
  EXPECT_EQ(results_[0].stats.alerts, 1);
  auto alerts = db_.alerts(std::nullopt, "", 10);
  ASSERT_EQ(alerts.size(), 2u);
}

TEST_F(poller_test, gzip_bodies_are_decoded) {
  server_.route("/f.xml", http_reply{.body = rss({{"1", "Sanctions"}}), .gzip = true});
  poll_.set_feeds({spec("f", "/f.xml")});
  poll();
  EXPECT_TRUE(results_[0].ok) << results_[0].error;
  EXPECT_EQ(results_[0].stats.alerts, 1);
}

TEST_F(poller_test, permanent_redirects_move_the_feed_temporary_ones_do_not) {
  server_.route("/old.xml", http_reply::redirect(301, "/new.xml"));
  server_.route("/new.xml", http_reply{.body = rss({{"1", "x"}})});
  server_.route("/tmp.xml", http_reply::redirect(302, "/new.xml"));
  poll_.set_feeds({spec("moved", "/old.xml"), spec("temp", "/tmp.xml")});
  poll();
  EXPECT_EQ(state("moved").permanent_url, server_.url("/new.xml"));
  EXPECT_EQ(state("temp").permanent_url, "");
  server_.clear_log();
  poll();
  EXPECT_EQ(server_.count("/old.xml"), 0u);  // goes straight to the new address
  EXPECT_EQ(server_.count("/tmp.xml"), 1u);
}

TEST_F(poller_test, a_stored_redirect_target_stays_checked_like_a_redirect) {
  server_.route("/old.xml", http_reply::redirect(301, "/new.xml"));
  server_.route("/new.xml", http_reply{.body = rss({{"1", "x"}})});
  poll_.set_feeds({spec("moved", "/old.xml")});
  poll();
  ASSERT_EQ(state("moved").permanent_url, server_.url("/new.xml"));
  // allow_private narrowed since (a reload): the stored target is not the operator's URL.
  client_.set_allow_private({});
  server_.clear_log();
  poll();
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_FALSE(results_[0].ok);
  EXPECT_NE(results_[0].error.find("refused: 127.0.0.1 (loopback) is not allowed"),
            std::string::npos)
      << results_[0].error;
  EXPECT_EQ(server_.count("/new.xml"), 0u);
}

TEST_F(poller_test, credentials_go_to_the_configured_host_not_where_the_feed_moved) {
  server_.route("/old.xml", http_reply::redirect(301, server_.url("/new.xml", "localhost")));
  server_.route("/new.xml", http_reply{.body = rss({{"1", "x"}})});
  server_.route("/here.xml", http_reply{.body = rss({{"1", "x"}})});
  auto moved = spec("moved", "/old.xml");
  auto here = spec("here", "/here.xml");
  for (auto* f : {&moved, &here}) {
    f->user = "reader";
    f->password = "pw";
  }
  poll_.set_feeds({moved, here});
  poll();
  ASSERT_EQ(state("moved").permanent_url, server_.url("/new.xml", "localhost"));
  server_.clear_log();
  poll();
  ASSERT_EQ(server_.requests().size(), 2u);
  for (const auto& r : server_.requests())
    EXPECT_EQ(r.has_header("authorization"), r.path == "/here.xml") << r.path;
}

TEST_F(poller_test, redirect_loop_is_an_error_with_backoff) {
  server_.route("/a", http_reply::redirect(302, "/b"));
  server_.route("/b", http_reply::redirect(302, "/a"));
  poll_.set_feeds({spec("loop", "/a")});
  poll();
  EXPECT_FALSE(results_[0].ok);
  auto st = state("loop");
  EXPECT_EQ(st.error_streak, 1);
  EXPECT_GE(*st.next_poll, now_ + 30s);
  EXPECT_FALSE(st.last_error.empty());
}

TEST_F(poller_test, retry_after_on_429_and_503_is_honoured) {
  server_.route("/busy", http_reply{.status = 429, .headers = {{"Retry-After", "7200"}}});
  server_.route("/down", http_reply{.status = 503, .headers = {{"Retry-After", "120"}}});
  poll_.set_feeds({spec("busy", "/busy"), spec("down", "/down")});
  poll();
  EXPECT_EQ(*state("busy").next_poll, now_ + 7200s);
  EXPECT_EQ(*state("down").next_poll, now_ + 120s);
  EXPECT_EQ(state("busy").last_error, "HTTP 429");
}

TEST_F(poller_test, server_errors_back_off_exponentially_and_recover) {
  std::atomic<bool> broken{true};
  server_.route("/f.xml", [&](const http_request&) {
    return broken ? http_reply{.status = 500} : http_reply{.body = rss({{"1", "x"}})};
  });
  poll_.set_feeds({spec("f", "/f.xml")});
  std::vector<std::int64_t> delays;
  for (int i = 0; i < 5; ++i) {
    poll();
    auto st = state("f");
    EXPECT_EQ(st.error_streak, i + 1);
    EXPECT_EQ(st.last_error, "HTTP 500");
    delays.push_back((*st.next_poll - now_).count());
  }
  EXPECT_GT(delays[4], delays[0] * 4);  // 60 s doubling, drawn from [ceiling/2, ceiling]
  broken = false;
  poll();
  EXPECT_TRUE(results_[0].ok);
  EXPECT_EQ(state("f").error_streak, 0);
  EXPECT_EQ(state("f").last_error, "");
}

TEST_F(poller_test, slow_servers_time_out_and_oversize_bodies_are_cut) {
  settings_.timeout = 1s;
  settings_.max_body = 4096;
  poll_.set_settings(settings_);
  server_.route("/slow", http_reply{.body = rss({{"1", "x"}}), .delay = 5000ms});
  server_.route("/big", http_reply{.body = rss({{"1", std::string(100000, 'x')}})});
  poll_.set_feeds({spec("slow", "/slow"), spec("big", "/big")});
  const auto started = std::chrono::steady_clock::now();
  poll();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  for (const auto& r : results_) EXPECT_FALSE(r.ok) << r.feed_id;
  EXPECT_EQ(state("slow").error_streak, 1);
  EXPECT_EQ(state("big").error_streak, 1);
}

TEST_F(poller_test, a_bad_feed_never_stops_the_others) {
  server_.route("/html", http_reply{.headers = {{"Content-Type", "text/html"}},
                                    .body = "<html><body>Not a feed</body></html>"});
  server_.route("/good", http_reply{.body = rss({{"1", "Sanctions"}})});
  poll_.set_feeds({spec("html", "/html"), spec("gone", "/missing"), spec("good", "/good")});
  poll();
  ASSERT_EQ(results_.size(), 3u);
  EXPECT_NE(state("html").last_error.find("not parsed"), std::string::npos)
      << state("html").last_error;
  EXPECT_EQ(state("gone").last_error, "HTTP 404");
  EXPECT_TRUE(state("good").last_success);
  EXPECT_EQ(db_.alerts(std::nullopt, "", 10).size(), 1u);
}

TEST_F(poller_test, gone_feeds_are_disabled_until_their_url_changes) {
  server_.route("/gone", http_reply{.status = 410});
  poll_.set_feeds({spec("f", "/gone")});
  poll();
  EXPECT_TRUE(state("f").disabled);
  EXPECT_EQ(poll_.poll_due(true), 0);
  EXPECT_FALSE(poll_.next_due());
  server_.route("/new", http_reply{.body = rss({{"1", "x"}})});
  poll_.set_feeds({spec("f", "/new")});
  poll();
  EXPECT_FALSE(state("f").disabled);
  EXPECT_TRUE(results_[0].ok);
}

TEST(adaptive, busy_feeds_are_polled_sooner_never_under_a_minute) {
  EXPECT_EQ(adaptive_interval(900s, 0), 900s);
  EXPECT_EQ(adaptive_interval(900s, 1), 450s);
  EXPECT_EQ(adaptive_interval(900s, 3), 225s);
  EXPECT_EQ(adaptive_interval(120s, 10), 60s);
  EXPECT_EQ(adaptive_interval(60s, 10), 60s);
}

TEST_F(poller_test, adaptive_feed_with_new_items_comes_back_sooner) {
  std::atomic<int> version{1};
  server_.route("/busy", [&](const http_request&) {
    return version == 1 ? http_reply{.body = rss({{"1", "a"}, {"2", "b"}, {"3", "c"}})}
                        : http_reply{.body = rss({{"1", "a"}, {"2", "b"}, {"3", "c"}})};
  });
  auto f = spec("busy", "/busy");
  f.adaptive = true;
  poll_.set_feeds({f});
  poll();
  EXPECT_LE(*state("busy").next_poll, now_ + 248s);  // 900 / 4, +10% jitter
  poll();                                            // nothing new: back to the interval
  EXPECT_GE(*state("busy").next_poll, now_ + 810s);
}

TEST_F(poller_test, ttl_slows_polling_and_only_due_feeds_are_polled) {
  server_.route("/ttl", http_reply{.body = rss({{"1", "x"}}, /*ttl=*/120)});
  poll_.set_feeds({spec("f", "/ttl")});
  poll();
  EXPECT_GE(*state("f").next_poll, now_ + 6480s);
  EXPECT_EQ(poll_.poll_due(false), 0);  // not due yet
  now_ += 8000s;
  EXPECT_EQ(poll_.poll_due(false), 1);
}

// A huge document is matched and recorded in steps with the loop serving other work between
// them: a small feed answering while it is processed is done first, and nothing of the big one
// is lost (before, its processing held the loop and the small feed waited for all of it).
TEST_F(poller_test, a_huge_feed_is_processed_in_steps_that_let_other_feeds_through) {
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 50000; ++i)
    many.push_back({std::to_string(i), "Weather report " + std::to_string(i)});
  many.push_back({"last", "Sanctions on the last bank"});
  server_.route("/big", http_reply{.body = rss(many)});
  server_.route("/small", http_reply{.body = rss({{"s1", "Sanctions on a bank"}}), .delay = 100ms});
  std::vector<std::string> order;
  poll_.on_result([&](const poll_result& r) {
    EXPECT_TRUE(r.ok) << r.feed_id << ": " << r.error;
    order.push_back(r.feed_id);
  });
  auto big = spec("big", "/big");
  big.max_new_items = 0;  // all of it in this poll
  poll_.set_feeds({big, spec("small", "/small")});
  poll_.poll_due(true);
  const auto deadline = std::chrono::steady_clock::now() + 300s;
  while (poll_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    io_.run_for(20ms);
  }
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], "small");
  EXPECT_EQ(order[1], "big");
  EXPECT_EQ(state("big").items_total, 50001);
  EXPECT_EQ(db_.alerts(std::nullopt, "", 10).size(), 2u);  // the last item's alert too
}// A feed over its max_new_items: the first items now, the rest at the next polls, none lost;
// without validators kept, so a 304 cannot hide what was left.
TEST_F(poller_test, new_items_over_the_feed_cap_wait_for_the_next_poll) {
  std::vector<std::pair<std::string, std::string>> items;
  for (int i = 0; i < 25; ++i) items.push_back({std::to_string(i), "Sanctions item " + std::to_string(i)});
  server_.route("/flood", http_reply{.headers = {{"ETag", "\"v1\""}}, .body = rss(items)});
  auto f = spec("flood", "/flood");
  f.max_new_items = 10;
  poll_.set_feeds({f});
  poll();
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].ok);
  EXPECT_EQ(results_[0].stats.new_items, 10);
  EXPECT_EQ(results_[0].deferred, 15u);
  EXPECT_EQ(state("flood").etag, "");
  EXPECT_LE(*state("flood").next_poll, now_ + 60s);
  poll();
  EXPECT_EQ(results_[0].stats.new_items, 10);
  EXPECT_EQ(results_[0].deferred, 5u);
  poll();
  EXPECT_EQ(results_[0].stats.new_items, 5);
  EXPECT_EQ(results_[0].deferred, 0u);
  EXPECT_EQ(state("flood").etag, "\"v1\"");
  EXPECT_EQ(state("flood").items_total, 25);
}

// Stopping during a long document ends it after the current step: what was recorded stays,
// the feed is due again with its old validators, and the next poll takes the rest.
TEST_F(poller_test, a_stop_mid_document_keeps_what_was_recorded_and_resumes) {
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 20000; ++i)
    many.push_back({std::to_string(i), "Sanctions report " + std::to_string(i)});
  server_.route("/big", http_reply{.body = rss(many)});
  auto f = spec("big", "/big");
  f.max_new_items = 0;
  poll_.set_feeds({f});
  poll_.poll_due(true);
  // Run until the document is being processed (some items recorded), then stop. The bounds
  // only keep a broken build from hanging: under ASan on a busy machine the two polls of
  // 20,000 items take a minute or more.
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  while (poll_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    io_.run_one_for(50ms);
    if (db_.load_feed("big") && db_.alerts(std::nullopt, "", 1).size() == 1) break;
    if (!db_.alerts(std::nullopt, "", 1).empty()) break;
  }
  poll_.stop();
  while (poll_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    io_.run_for(20ms);
  }
  ASSERT_EQ(poll_.in_flight(), 0u);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].interrupted);
  EXPECT_FALSE(results_[0].ok);
  const int first = results_[0].stats.new_items;
  EXPECT_GT(first, 0);
  EXPECT_LT(first, 20000);
  EXPECT_EQ(*state("big").next_poll, now_);
  // A new poller (the next start) takes the rest; nothing is recorded twice.
  poller next{client_, db_, pipe_, settings_, [this] { return now_; }};
  std::vector<poll_result> after;
  next.on_result([&](const poll_result& r) { after.push_back(r); });
  next.set_feeds({f});
  next.poll_due(false);
  while (next.in_flight() > 0 && std::chrono::steady_clock::now() < deadline + 180s) {
    io_.restart();
    io_.run_for(20ms);
  }
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(after[0].ok);
  EXPECT_EQ(first + after[0].stats.new_items, 20000);
  EXPECT_EQ(state("big").items_total, 20000);
}

}  // namespace sanctwatch::service
