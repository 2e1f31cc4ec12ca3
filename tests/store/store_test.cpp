#include "store/store.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace sanctwatch::store {
namespace {

timestamp t(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }

alert_record alert(const std::string& id, const std::string& rule, std::int64_t when,
                   std::vector<std::string> sinks) {
  return {id, rule, "high", "story-" + id, "{\"id\":\"" + id + "\"}", t(when), std::move(sinks)};
}

class store_test : public ::testing::Test {
 protected:
  sanctwatch::testing::temp_dir dir_;
  std::string path_ = dir_.file("state.db");
};

}  // namespace

TEST_F(store_test, creates_and_migrates_a_new_file) {
  store s(path_);
  EXPECT_EQ(s.version(), store::schema_version);
  EXPECT_TRUE(s.feeds().empty());
  EXPECT_FALSE(s.next_due());
}

TEST_F(store_test, refuses_a_newer_schema) {
  { store s(path_); }
  {
    connection c(path_);
    c.exec("PRAGMA user_version = 99");
  }
  try {
    store s(path_);
    FAIL() << "opened a newer schema";
  } catch (const sqlite_error& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99 is newer"), std::string::npos) << e.what();
  }
}

TEST_F(store_test, unopenable_path_is_an_error_naming_it) {
  try {
    store s("/nonexistent-dir/state.db");
    FAIL();
  } catch (const sqlite_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/state.db"), std::string::npos);
  }
}

TEST_F(store_test, feed_state_round_trips_and_survives_reopen) {
  feed_state f;
  f.id = "ofac";
  f.url = "https://example.invalid/ofac.xml";
  f.etag = "W/\"abc\"";
  f.last_modified = "Tue, 14 May 2024 15:12:00 GMT";
  f.last_poll = t(1000);
  f.next_poll = t(1900);
  f.error_streak = 3;
  f.last_error = "HTTP 503";
  f.last_status = 503;
  f.items_total = 42;
  {
    store s(path_);
    s.save_feed(f);
  }
  store s(path_);
  auto g = s.load_feed("ofac");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->etag, f.etag);
  EXPECT_EQ(g->last_modified, f.last_modified);
  EXPECT_EQ(g->last_poll, t(1000));
  EXPECT_FALSE(g->last_success);
  EXPECT_EQ(g->next_poll, t(1900));
  EXPECT_EQ(g->error_streak, 3);
  EXPECT_EQ(g->last_error, "HTTP 503");
  EXPECT_EQ(g->items_total, 42);
  EXPECT_FALSE(s.load_feed("other"));
  f.disabled = true;
  s.save_feed(f);
  EXPECT_TRUE(s.load_feed("ofac")->disabled);
  EXPECT_EQ(s.feeds().size(), 1u);
}

TEST_F(store_test, records_items_alerts_and_outbox_rows_together) {
  store s(path_);
  EXPECT_FALSE(s.content_hash("f", "i1"));
  s.record({"f", "i1", "h1", t(100)},
           {alert("a1", "sanctions.x", 100, {"jsonl", "hook"}), alert("a2", "export.y", 100, {"hook"})});
  EXPECT_EQ(s.content_hash("f", "i1"), "h1");
  EXPECT_EQ(s.fired_rules("f", "i1"), (std::set<std::string>{"sanctions.x", "export.y"}));
  auto due = s.due(t(100), 10);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].document, "{\"id\":\"a1\"}");
  EXPECT_EQ(s.next_due(), t(100));
  EXPECT_TRUE(s.due(t(99), 10).empty());

  // Re-processing the same item (after a crash before delivery) duplicates nothing.
  s.record({"f", "i1", "h2", t(200)}, {alert("a1", "sanctions.x", 100, {"jsonl", "hook"})});
  EXPECT_EQ(s.due(t(300), 10).size(), 3u);
  EXPECT_EQ(s.content_hash("f", "i1"), "h2");
}

TEST_F(store_test, delivery_states) {
  store s(path_);
  s.record({"f", "i1", "h", t(100)}, {alert("a1", "r", 100, {"jsonl", "hook", "chat"})});
  s.mark_delivered("a1", "jsonl", t(101), 0);
  s.mark_retry("a1", "hook", t(400), 503, "HTTP 503");
  s.mark_dead("a1", "chat", t(102), 400, "HTTP 400: bad payload");
  auto due = s.due(t(399), 10);
  EXPECT_TRUE(due.empty());
  due = s.due(t(400), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].sink, "hook");
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[0].last_status, 503);

  auto list = s.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 1u);
  ASSERT_EQ(list[0].deliveries.size(), 3u);
  EXPECT_EQ(list[0].deliveries[0].sink, "chat");
  EXPECT_EQ(list[0].deliveries[0].state, delivery_state::dead);
  EXPECT_EQ(list[0].deliveries[0].last_error, "HTTP 400: bad payload");
  EXPECT_EQ(list[0].deliveries[2].state, delivery_state::delivered);

  // Replay dead letters: only the dead row comes back.
  EXPECT_EQ(s.requeue("", std::nullopt, /*dead_only=*/true, t(500)), 1);
  due = s.due(t(500), 10);
  ASSERT_EQ(due.size(), 2u);
  // Replay everything for one sink since a time: the delivered jsonl row is re-sent.
  EXPECT_EQ(s.requeue("jsonl", t(100), false, t(600)), 1);
  EXPECT_EQ(s.due(t(600), 10).size(), 3u);
  EXPECT_EQ(s.requeue("jsonl", t(101), false, t(600)), 0);
}

TEST_F(store_test, alert_queries_filter_by_time_and_rule) {
  store s(path_);
  s.record({"f", "i1", "h", t(100)}, {alert("a1", "r1", 100, {"jsonl"})});
  s.record({"f", "i2", "h", t(200)}, {alert("a2", "r2", 200, {"jsonl"})});
  s.record({"g", "i3", "h", t(300)}, {alert("a3", "r1", 300, {})});
  EXPECT_EQ(s.alerts(std::nullopt, "", 10).size(), 3u);
  auto recent = s.alerts(t(150), "", 10);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].id, "a3");  // newest first
  EXPECT_EQ(s.alerts(std::nullopt, "r1", 10).size(), 2u);
  EXPECT_EQ(s.alerts(std::nullopt, "", 1).size(), 1u);
}

TEST_F(store_test, purge_keeps_pending_and_dead_deliveries) {
  store s(path_);
  s.record({"f", "old", "h", t(100)}, {alert("a1", "r", 100, {"jsonl", "hook"})});
  s.record({"f", "new", "h", t(5000)}, {});
  s.mark_delivered("a1", "jsonl", t(110), 0);
  s.mark_dead("a1", "hook", t(110), 404, "HTTP 404");
  s.purge(t(1000), t(1000));
  EXPECT_FALSE(s.content_hash("f", "old"));
  EXPECT_TRUE(s.content_hash("f", "new"));
  auto list = s.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 1u);  // the dead letter keeps its alert
  ASSERT_EQ(list[0].deliveries.size(), 1u);
  EXPECT_EQ(list[0].deliveries[0].sink, "hook");
  s.requeue("", std::nullopt, true, t(2000));
  s.mark_delivered("a1", "hook", t(2000), 200);
  s.purge(t(1000), t(3000));
  EXPECT_TRUE(s.alerts(std::nullopt, "", 10).empty());
}

TEST_F(store_test, touch_keeps_items_still_in_the_feed) {
  store s(path_);
  s.record({"f", "kept", "h", t(100)}, {});
  s.record({"f", "gone", "h", t(100)}, {});
  s.touch("f", {"kept", "unknown"}, t(5000));
  s.purge(t(1000), t(1000));
  EXPECT_TRUE(s.content_hash("f", "kept"));
  EXPECT_FALSE(s.content_hash("f", "gone"));
}

TEST_F(store_test, failed_transaction_leaves_nothing_behind) {
  store s(path_);
  connection c(path_);
  try {
    transaction tx(c);
    c.exec("INSERT INTO items VALUES ('f', 'i', 'h', 1, 1)");
    throw std::runtime_error("crash before commit");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(s.content_hash("f", "i"));
}

}  // namespace sanctwatch::store
