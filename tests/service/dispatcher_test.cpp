#include "service/dispatcher.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "service/poller.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using namespace std::chrono_literals;

timestamp t(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }

std::string doc(const std::string& id) {
  return R"({"schema":"sanctwatch.alert/1","id":")" + id +
         R"(","rule":{"id":"r","title":"R","severity":"high","tags":["sanctions"]},"item":{"title":"x"}})";
}

// A sink whose outcomes are scripted; completes synchronously or holds completions back.
class scripted_sink final : public sinks::sink {
 public:
  scripted_sink(std::string name, bool async = false, bool people = true)
      : sink(std::move(name), {}), async_(async), people_(people) {}
  bool for_people() const override { return people_; }
  void deliver(const sinks::alert_view& a, sinks::done_fn done) override {
    seen.push_back(a.id);
    messages.push_back(a.message_id());
    sinks::outcome o = script.empty() ? sinks::outcome::ok(200) : script.front();
    if (!script.empty()) script.pop_front();
    if (async_) held.push_back([done, o] { done(o); });
    else done(o);
  }
  std::deque<sinks::outcome> script;
  std::vector<std::string> seen;
  std::vector<std::string> messages;  ///< alert_view::message_id() of each delivery
  std::vector<std::function<void()>> held;

 private:
  bool async_;
  bool people_;
};

class dispatcher_test : public ::testing::Test {
 protected:
  void record(const std::string& id, std::vector<std::string> sinks, std::int64_t at = 100) {
    db_.record({"f", id, "h", t(at)}, {{id, "r", "high", "", doc(id), t(at), std::move(sinks)}});
  }
  sanctwatch::testing::temp_dir dir_;
  store::store db_{dir_.file("state.db")};
  timestamp now_ = t(100);
};

}  // namespace

TEST(retry_schedule, follows_alerts_md_with_jitter_then_dead) {
  std::mt19937_64 rng(1);
  const std::int64_t expected[] = {5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400};
  for (int i = 1; i <= 9; ++i) {
    auto d = retry_delay(i, rng);
    ASSERT_TRUE(d) << i;
    EXPECT_GE(d->count(), expected[i - 1] * 9 / 10) << i;
    EXPECT_LE(d->count(), expected[i - 1] * 11 / 10 + 1) << i;
  }
  EXPECT_FALSE(retry_delay(10, rng));
}

TEST_F(dispatcher_test, delivers_each_row_once) {
  auto a = std::make_shared<scripted_sink>("a");
  auto b = std::make_shared<scripted_sink>("b");
  dispatcher d(db_, {a, b}, [this] { return now_; });
  record("x1", {"a", "b"});
  record("x2", {"a"});
  int settled = 0;
  d.on_settled([&] {
    ++settled;
    d.run_due();  // re-entry from a completion must not deliver twice
  });
  d.run_due();
  EXPECT_EQ(a->seen, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(b->seen, (std::vector<std::string>{"x1"}));
  EXPECT_EQ(d.stats().delivered, 3);
  EXPECT_GE(settled, 1);
  EXPECT_FALSE(db_.next_due(t(0)));
}

TEST_F(dispatcher_test, an_update_is_its_own_delivery_with_its_own_outcome) {
  auto a = std::make_shared<scripted_sink>("a", /*async=*/true);
  a->script = {sinks::outcome::retry("HTTP 503", 503), sinks::outcome::ok(204)};
  dispatcher d(db_, {a}, [this] { return now_; });
  record("x1", {"a"});
  std::string update = doc("x1");
  update.insert(update.size() - 1, R"(,"type":"alert.updated","revision":1)");
  db_.record({"g", "y", "h", now_}, {}, {{"x1", 1, update, now_, {"a"}}});
  d.run_due();
  // The same alert and sink, two revisions: both go out, each once.
  EXPECT_EQ(d.in_flight(), 2u);
  EXPECT_EQ(a->messages, (std::vector<std::string>{"x1", "x1-1"}));
  d.run_due();
  EXPECT_EQ(a->messages.size(), 2u);
  for (auto& f : a->held) f();
  EXPECT_EQ(d.in_flight(), 0u);
  // The alert failed and waits for its retry; the update went through.
  const auto list = db_.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list[0].deliveries.size(), 2u);
  EXPECT_EQ(list[0].deliveries[0].revision, 0);
  EXPECT_EQ(list[0].deliveries[0].state, store::delivery_state::pending);
  EXPECT_EQ(list[0].deliveries[0].last_status, 503);
  EXPECT_EQ(list[0].deliveries[1].revision, 1);
  EXPECT_EQ(list[0].deliveries[1].state, store::delivery_state::delivered);
  EXPECT_EQ(list[0].deliveries[1].last_status, 204);
}

TEST_F(dispatcher_test, retries_on_schedule_then_dead_letters) {
  auto a = std::make_shared<scripted_sink>("a");
  for (int i = 0; i < 10; ++i) a->script.push_back(sinks::outcome::retry("HTTP 503", 503));
  dispatcher d(db_, {a}, [this] { return now_; });
  record("x1", {"a"});
  for (int attempt = 1; attempt <= 10; ++attempt) {
    d.run_due();
    ASSERT_EQ(a->seen.size(), static_cast<std::size_t>(attempt));
    auto next = db_.next_due(t(0));
    if (attempt < 10) {
      ASSERT_TRUE(next) << attempt;
      EXPECT_GT(*next, now_);
      d.run_due();  // not due yet: nothing is sent
      EXPECT_EQ(a->seen.size(), static_cast<std::size_t>(attempt));
      now_ = *next;
    } else {
      EXPECT_FALSE(next);
    }
  }
  auto list = db_.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list[0].deliveries.size(), 1u);
  EXPECT_EQ(list[0].deliveries[0].state, store::delivery_state::dead);
  EXPECT_EQ(list[0].deliveries[0].last_error, "retries exhausted: HTTP 503");
  EXPECT_EQ(d.stats().retried, 9);
  EXPECT_EQ(d.stats().dead, 1);
}

TEST_F(dispatcher_test, retry_after_is_honoured) {
  auto a = std::make_shared<scripted_sink>("a");
  auto o = sinks::outcome::retry("HTTP 429", 429);
  o.retry_after = 3600s;
  a->script.push_back(o);
  dispatcher d(db_, {a}, [this] { return now_; });
  record("x1", {"a"});
  d.run_due();
  EXPECT_EQ(db_.next_due(t(0)), t(100 + 3600));
}

TEST_F(dispatcher_test, permanent_failure_is_dead_at_once_and_others_continue) {
  auto bad = std::make_shared<scripted_sink>("bad");
  bad->script.push_back(sinks::outcome::dead("HTTP 400: bad request", 400));
  auto good = std::make_shared<scripted_sink>("good");
  dispatcher d(db_, {bad, good}, [this] { return now_; });
  record("x1", {"bad", "good"});
  d.run_due();
  EXPECT_EQ(d.stats().dead, 1);
  EXPECT_EQ(d.stats().delivered, 1);
  EXPECT_EQ(good->seen.size(), 1u);
}

TEST_F(dispatcher_test, in_flight_rows_are_not_sent_twice_and_survive_a_crash) {
  auto slow = std::make_shared<scripted_sink>("slow", /*async=*/true);
  {
    dispatcher d(db_, {slow}, [this] { return now_; });
    record("x1", {"slow"});
    d.run_due();
    d.run_due();
    EXPECT_EQ(slow->seen.size(), 1u);
    EXPECT_EQ(d.in_flight(), 1u);
    // The process dies here: the completion never runs.
  }
  slow->held.clear();
  dispatcher again(db_, {slow}, [this] { return now_; });
  again.run_due();
  ASSERT_EQ(slow->seen.size(), 2u);
  EXPECT_EQ(slow->seen[1], "x1");  // re-sent with the same id
  slow->held.back()();
  EXPECT_EQ(again.stats().delivered, 1);
  EXPECT_FALSE(db_.next_due(t(0)));
}

TEST_F(dispatcher_test, a_silence_made_after_an_alert_was_queued_holds_it_from_people) {
  auto chat = std::make_shared<scripted_sink>("chat");
  auto hook = std::make_shared<scripted_sink>("hook", false, false);  // a machine sink
  dispatcher d(db_, {chat, hook}, [this] { return now_; });
  record("x1", {"chat", "hook"});
  record("x2", {"chat"});
  chat->script = {sinks::outcome::retry("busy", 503)};  // x1 waits for its retry
  d.run_due();
  EXPECT_EQ(chat->seen, (std::vector<std::string>{"x1", "x2"}));
  // Now a silence of what x1 says (its rule), while its chat delivery is still owed.
  db_.add_silence({"s1", R"(["rule=r"])", t(0), t(100000), "noisy", "ana", t(100)});
  record("x3", {"chat", "hook"});
  now_ = t(200);
  d.run_due();
  EXPECT_EQ(chat->seen.size(), 2u);  // neither x1's retry nor x3 went to the chat
  EXPECT_EQ(hook->seen, (std::vector<std::string>{"x1", "x3"}));  // machines still get them
  EXPECT_EQ(d.stats().silenced, 2);
  EXPECT_EQ(db_.pending_count(), 0);
  const auto a = db_.alert("x1");
  ASSERT_TRUE(a);
  for (const auto& r : a->deliveries)
    if (r.sink == "chat") {
      EXPECT_EQ(r.state, store::delivery_state::delivered);
      EXPECT_EQ(r.last_error, "silenced by s1");
    }
  // Expired, the silence holds nothing back.
  db_.expire_silence("s1", t(300));
  record("x4", {"chat"});
  now_ = t(400);
  d.run_due();
  EXPECT_EQ(chat->seen.back(), "x4");
}

TEST_F(dispatcher_test, rows_for_removed_sinks_wait) {
  dispatcher d(db_, {}, [this] { return now_; });
  record("x1", {"gone"});
  d.run_due();
  EXPECT_EQ(db_.next_due(t(0)), t(100 + 3600));
}

TEST(scheduling, next_interval_honours_ttl_and_cache_control_with_jitter) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50; ++i) {
    auto plain = next_interval(900s, std::nullopt, "", rng);
    EXPECT_GE(plain.count(), 810);
    EXPECT_LE(plain.count(), 990);
    auto ttl = next_interval(900s, 60, "", rng);  // <ttl>60</ttl>: an hour
    EXPECT_GE(ttl.count(), 3240);
    EXPECT_LE(ttl.count(), 3960);
    auto cc = next_interval(900s, std::nullopt, "public, max-age=7200", rng);
    EXPECT_GE(cc.count(), 6480);
    auto capped = next_interval(900s, std::nullopt, "max-age=9999999", rng);
    EXPECT_LE(capped.count(), 86400 * 11 / 10);
    auto faster = next_interval(900s, 1, "max-age=10", rng);  // hints never speed us up
    EXPECT_GE(faster.count(), 810);
    auto nocache = next_interval(900s, std::nullopt, "no-cache, max-age=7200", rng);
    EXPECT_LE(nocache.count(), 990);
  }
}

}  // namespace sanctwatch::service
