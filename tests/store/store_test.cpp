#include "store/store.hpp"

#include <gtest/gtest.h>

#include <map>

#include "store/backends.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::store {
namespace {

alert_record alert(const std::string& id, const std::string& rule, std::int64_t when,
                   std::vector<std::string> sinks) {
  return {id, rule, "high", "story-" + id, "{\"id\":\"" + id + "\"}", t(when), std::move(sinks)};
}

// The SQLite file itself: migrations of older files, what the file system does.
class sqlite_store_test : public ::testing::Test {
 protected:
  sanctwatch::testing::temp_dir dir_;
  std::string path_ = dir_.file("state.db");
};

class store_test : public backends_test {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(backends, store_test, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(store_test, creates_and_migrates_a_new_file) {
  store s(path_);
  EXPECT_EQ(s.version(), store::schema_version);
  EXPECT_TRUE(s.feeds().empty());
  EXPECT_FALSE(s.next_due(t(0)));
}

TEST_F(sqlite_store_test, refuses_a_newer_schema) {
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

TEST_F(sqlite_store_test, unopenable_path_is_an_error_naming_it) {
  try {
    store s("/nonexistent-dir/state.db");
    FAIL();
  } catch (const sqlite_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/state.db"), std::string::npos);
  }
}

TEST_P(store_test, feed_state_round_trips_and_survives_reopen) {
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

TEST_P(store_test, records_items_alerts_and_outbox_rows_together) {
  store s(path_);
  EXPECT_FALSE(s.content_hash("f", "i1"));
  s.record({"f", "i1", "h1", t(100)},
           {alert("a1", "sanctions.x", 100, {"jsonl", "hook"}), alert("a2", "export.y", 100, {"hook"})});
  EXPECT_EQ(s.content_hash("f", "i1"), "h1");
  EXPECT_EQ(s.fired_rules("f", "i1"), (std::set<std::string>{"sanctions.x", "export.y"}));
  auto due = s.due(t(100), 10);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].document, "{\"id\":\"a1\"}");
  EXPECT_EQ(s.next_due(t(0)), t(100));
  EXPECT_TRUE(s.due(t(99), 10).empty());

  // Re-processing the same item (after a crash before delivery) duplicates nothing.
  s.record({"f", "i1", "h2", t(200)}, {alert("a1", "sanctions.x", 100, {"jsonl", "hook"})});
  EXPECT_EQ(s.due(t(300), 10).size(), 3u);
  EXPECT_EQ(s.content_hash("f", "i1"), "h2");
}

TEST_P(store_test, delivery_states) {
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

TEST_P(store_test, alert_queries_filter_by_time_and_rule) {
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

TEST_P(store_test, purge_keeps_pending_and_dead_deliveries) {
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

TEST_P(store_test, touch_keeps_items_still_in_the_feed) {
  store s(path_);
  s.record({"f", "kept", "h", t(100)}, {});
  s.record({"f", "gone", "h", t(100)}, {});
  s.touch("f", {"kept", "unknown"}, t(5000));
  s.purge(t(1000), t(1000));
  EXPECT_TRUE(s.content_hash("f", "kept"));
  EXPECT_FALSE(s.content_hash("f", "gone"));
}

story_record story(const std::string& id, std::int64_t when, std::vector<std::int64_t> bands = {},
                   std::string signature = "") {
  return {id, "feed-" + id, "item-" + id, std::move(signature), std::move(bands), t(when), t(when)};
}

TEST_P(store_test, stories_are_found_by_link_and_by_band_within_the_window) {
  {
    store s(path_);
    s.add_story(story("s1", 1000, {11, 12, 13}, std::string("\x00\x01\xff", 3)),
                "https://a.example/x");
    s.add_story(story("s2", 1000, {13, 14}), "");
  }
  store s(path_);  // a restart forgets nothing
  auto found = s.story_by_link("https://a.example/x", t(900));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "s1");
  EXPECT_EQ(found->feed_id, "feed-s1");
  EXPECT_EQ(found->item_id, "item-s1");
  EXPECT_EQ(found->signature, std::string("\x00\x01\xff", 3));  // bytes, NUL included
  EXPECT_EQ(found->first_seen, t(1000));
  EXPECT_FALSE(s.story_by_link("https://a.example/y", t(900)));
  EXPECT_FALSE(s.story_by_link("https://a.example/x", t(1001)));  // outside the window

  auto c = s.story_candidates({99, 13}, t(0));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(s.story_candidates({12}, t(0)).size(), 1u);
  EXPECT_TRUE(s.story_candidates({99}, t(0)).empty());
  EXPECT_TRUE(s.story_candidates({}, t(0)).empty());
  EXPECT_TRUE(s.story_candidates({13}, t(1001)).empty());

  // A later copy keeps the story open and adds its link.
  s.join_story("s2", "https://b.example/x", t(2000));
  EXPECT_EQ(s.story_by_link("https://b.example/x", t(1500))->id, "s2");
  EXPECT_EQ(s.story("s2")->last_seen, t(2000));
  EXPECT_EQ(s.story("s2")->first_seen, t(1000));
  EXPECT_EQ(s.story_candidates({13}, t(1500)).size(), 1u);
  s.join_story("s2", "", t(1800));  // an older copy does not move last_seen back
  EXPECT_EQ(s.story("s2")->last_seen, t(2000));

  // An expired story's link moves to the new story that claims it.
  s.add_story(story("s3", 5000), "https://a.example/x");
  EXPECT_EQ(s.story_by_link("https://a.example/x", t(4000))->id, "s3");

  // Retention forgets stories with their links and bands.
  s.purge(t(1500), t(0));
  EXPECT_FALSE(s.story("s1"));
  EXPECT_TRUE(s.story("s2"));
  EXPECT_TRUE(s.story_candidates({11, 12}, t(0)).empty());
}

TEST_P(store_test, items_remember_their_story) {
  store s(path_);
  s.record({"f", "i1", "h", t(100), "s1"}, {});
  s.record({"f", "i2", "h", t(100)}, {});
  EXPECT_EQ(s.item_story("f", "i1"), "s1");
  EXPECT_FALSE(s.item_story("f", "i2"));
  EXPECT_FALSE(s.item_story("f", "unknown"));
}

TEST_P(store_test, updates_are_revisions_with_their_own_outbox_rows) {
  store s(path_);
  alert_record a = alert("a1", "r", 100, {"jsonl", "hook", "chat"});
  a.story_id = "s1";
  s.record({"f", "i1", "h", t(100), "s1"}, {a});
  EXPECT_FALSE(s.alert_for_story("s2"));
  auto sa = s.alert_for_story("s1");
  ASSERT_TRUE(sa);
  EXPECT_EQ(sa->alert_id, "a1");
  EXPECT_EQ(sa->revision, 0);
  EXPECT_EQ(sa->document, a.document);

  // A copy in feed g: revision 1 to the sinks that take updates.
  s.record({"g", "i9", "h", t(200), "s1"}, {},
           {{"a1", 1, "{\"id\":\"a1\",\"revision\":1}", t(200), {"jsonl", "hook"}}});
  sa = s.alert_for_story("s1");
  EXPECT_EQ(sa->revision, 1);
  EXPECT_EQ(sa->document, "{\"id\":\"a1\",\"revision\":1}");
  EXPECT_EQ(s.fired_rules("g", "i9"), (std::set<std::string>{"r"}));
  EXPECT_TRUE(s.fired_rules("g", "other").empty());

  s.mark_delivered("a1", "jsonl", t(150), 0);  // the original, before the update
  auto due = s.due(t(200), 10);
  ASSERT_EQ(due.size(), 4u);  // hook and chat (revision 0), jsonl and hook (revision 1)
  int updates = 0;
  for (const auto& d : due)
    if (d.revision == 1) {
      ++updates;
      EXPECT_EQ(d.document, "{\"id\":\"a1\",\"revision\":1}");
    } else {
      EXPECT_EQ(d.document, a.document);
    }
  EXPECT_EQ(updates, 2);
  // Outcomes land on the right revision.
  s.mark_delivered("a1", "hook", t(201), 200, 1);
  s.mark_retry("a1", "jsonl", t(500), 0, "disk full", 1);
  auto list = s.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].document, "{\"id\":\"a1\",\"revision\":1}");  // the latest revision
  ASSERT_EQ(list[0].deliveries.size(), 5u);
  EXPECT_EQ(list[0].deliveries[1].sink, "hook");
  EXPECT_EQ(list[0].deliveries[1].revision, 0);
  EXPECT_EQ(list[0].deliveries[1].state, delivery_state::pending);
  EXPECT_EQ(list[0].deliveries[2].revision, 1);
  EXPECT_EQ(list[0].deliveries[2].state, delivery_state::delivered);
  EXPECT_EQ(list[0].deliveries[4].revision, 1);
  EXPECT_EQ(list[0].deliveries[4].last_error, "disk full");

  // Re-recording the same revision (a crash before commit, then a re-run) adds nothing; an
  // item recorded as a source only announces nothing.
  s.record({"g", "i9", "h", t(300), "s1"}, {}, {{"a1", 1, "{}", t(300), {"jsonl", "hook"}}});
  s.record({"h", "i5", "h", t(300), "s1"}, {}, {{"a1", 2, "", t(300), {"jsonl"}}});
  EXPECT_EQ(s.alerts(std::nullopt, "", 10)[0].deliveries.size(), 5u);
  EXPECT_EQ(s.alert_for_story("s1")->revision, 1);
  EXPECT_EQ(s.fired_rules("h", "i5"), (std::set<std::string>{"r"}));
  // A copy that fired another rule adds it to the alert: both count as fired for its item.
  alert_update more{"a1", 0, "", t(310), {}};
  more.rules = {"r2"};
  s.record({"k", "i6", "h", t(310), "s1"}, {}, {more});
  EXPECT_EQ(s.fired_rules("k", "i6"), (std::set<std::string>{"r", "r2"}));
  EXPECT_EQ(s.fired_rules("f", "i1"), (std::set<std::string>{"r", "r2"}));
  EXPECT_EQ(s.alerts(std::nullopt, "r2", 10).size(), 1u);

  // Replay covers updates too.
  EXPECT_EQ(s.requeue("hook", std::nullopt, false, t(600)), 2);
}

TEST_F(sqlite_store_test, migrates_a_version_1_file_and_keeps_its_outbox) {
  {
    connection c(path_);
    c.exec(R"sql(
CREATE TABLE feeds (id TEXT PRIMARY KEY, url TEXT NOT NULL, permanent_url TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '', last_modified TEXT NOT NULL DEFAULT '', last_poll INTEGER,
  last_success INTEGER, next_poll INTEGER, error_streak INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '', last_status INTEGER NOT NULL DEFAULT 0,
  items_total INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE items (feed_id TEXT NOT NULL, item_key TEXT NOT NULL, content_hash TEXT NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY (feed_id, item_key)) WITHOUT ROWID;
CREATE INDEX items_last_seen ON items (last_seen);
CREATE TABLE alerts (id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, severity TEXT NOT NULL,
  feed_id TEXT NOT NULL, item_key TEXT NOT NULL, story_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, document TEXT NOT NULL);
CREATE INDEX alerts_created ON alerts (created_at);
CREATE INDEX alerts_item ON alerts (feed_id, item_key);
CREATE TABLE outbox (alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  sink TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,
  last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL, PRIMARY KEY (alert_id, sink));
CREATE INDEX outbox_due ON outbox (state, next_attempt);
INSERT INTO items VALUES ('f', 'i1', 'h', 100, 100);
INSERT INTO alerts VALUES ('a1', 'r', 'high', 'f', 'i1', '', 100, '{"id":"a1"}');
INSERT INTO outbox VALUES ('a1', 'hook', 'pending', 2, 400, 503, 'HTTP 503', 300);
INSERT INTO outbox VALUES ('a1', 'jsonl', 'delivered', 1, 100, 0, '', 100);
PRAGMA user_version = 1;
)sql");
  }
  store s(path_);
  EXPECT_EQ(s.version(), store::schema_version);
  EXPECT_EQ(s.content_hash("f", "i1"), "h");
  EXPECT_FALSE(s.item_story("f", "i1"));
  auto due = s.due(t(400), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].sink, "hook");
  EXPECT_EQ(due[0].revision, 0);
  EXPECT_EQ(due[0].attempts, 2);
  EXPECT_EQ(due[0].last_error, "HTTP 503");
  EXPECT_EQ(due[0].document, "{\"id\":\"a1\"}");
  s.mark_delivered("a1", "hook", t(401), 200);
  EXPECT_FALSE(s.next_due(t(0)));
}

// A state file of schema 2 (one alert per rule, document schema 1) as the previous release
// left it: its alerts stay listed, filterable by rule, replayable and deliverable; they are
// not taken for a story's alert (a new copy starts a schema-2 alert), and their rules still
// count as fired for their items and sources.
TEST_F(sqlite_store_test, migrates_a_version_2_file_with_alerts_of_one_rule) {
  {
    connection c(path_);
    c.exec(R"sql(
CREATE TABLE feeds (id TEXT PRIMARY KEY, url TEXT NOT NULL, permanent_url TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '', last_modified TEXT NOT NULL DEFAULT '', last_poll INTEGER,
  last_success INTEGER, next_poll INTEGER, error_streak INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '', last_status INTEGER NOT NULL DEFAULT 0,
  items_total INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE items (feed_id TEXT NOT NULL, item_key TEXT NOT NULL, content_hash TEXT NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, story_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (feed_id, item_key)) WITHOUT ROWID;
CREATE TABLE alerts (id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, severity TEXT NOT NULL,
  feed_id TEXT NOT NULL, item_key TEXT NOT NULL, story_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, document TEXT NOT NULL);
CREATE INDEX alerts_story ON alerts (story_id, rule_id);
CREATE TABLE stories (id TEXT PRIMARY KEY, feed_id TEXT NOT NULL, item_id TEXT NOT NULL,
  signature BLOB NOT NULL DEFAULT x'', first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);
CREATE TABLE story_links (link TEXT PRIMARY KEY, story_id TEXT NOT NULL REFERENCES stories (id)
  ON DELETE CASCADE) WITHOUT ROWID;
CREATE TABLE story_bands (band_key INTEGER NOT NULL, story_id TEXT NOT NULL REFERENCES stories (id)
  ON DELETE CASCADE, PRIMARY KEY (band_key, story_id)) WITHOUT ROWID;
CREATE TABLE alert_sources (alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  feed_id TEXT NOT NULL, item_key TEXT NOT NULL, PRIMARY KEY (alert_id, feed_id, item_key))
  WITHOUT ROWID;
CREATE TABLE alert_updates (alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  revision INTEGER NOT NULL CHECK (revision > 0), created_at INTEGER NOT NULL,
  document TEXT NOT NULL, PRIMARY KEY (alert_id, revision)) WITHOUT ROWID;
CREATE TABLE outbox (alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  sink TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,
  last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL, PRIMARY KEY (alert_id, sink, revision));
CREATE INDEX outbox_due ON outbox (state, next_attempt);
INSERT INTO stories VALUES ('s1', 'f', 'i1', x'', 100, 100);
INSERT INTO items VALUES ('f', 'i1', 'h', 100, 100, 's1');
INSERT INTO items VALUES ('g', 'i2', 'h', 150, 150, 's1');
INSERT INTO alerts VALUES ('old1', 'r.threat', 'high', 'f', 'i1', 's1', 100,
  '{"schema":"sanctwatch.alert/1","id":"old1","rule":{"id":"r.threat"}}');
INSERT INTO alerts VALUES ('old2', 'r.evasion', 'high', 'f', 'i1', 's1', 100,
  '{"schema":"sanctwatch.alert/1","id":"old2","rule":{"id":"r.evasion"}}');
INSERT INTO alert_sources VALUES ('old1', 'g', 'i2');
INSERT INTO alert_updates VALUES ('old1', 1, 150, '{"schema":"sanctwatch.alert/1","id":"old1","revision":1}');
INSERT INTO outbox VALUES ('old1', 'hook', 0, 'delivered', 1, 100, 200, '', 100);
INSERT INTO outbox VALUES ('old1', 'hook', 1, 'dead', 5, 150, 500, 'HTTP 500', 160);
INSERT INTO outbox VALUES ('old2', 'hook', 0, 'pending', 0, 100, 0, '', 100);
PRAGMA user_version = 2;
)sql");
  }
  store s(path_);
  EXPECT_EQ(s.version(), store::schema_version);
  // Listed at their latest revision, and by rule.
  auto all = s.alerts(std::nullopt, "", 10);
  ASSERT_EQ(all.size(), 2u);
  auto threat = s.alerts(std::nullopt, "r.threat", 10);
  ASSERT_EQ(threat.size(), 1u);
  EXPECT_EQ(threat[0].document, "{\"schema\":\"sanctwatch.alert/1\",\"id\":\"old1\",\"revision\":1}");
  EXPECT_EQ(threat[0].deliveries.size(), 2u);
  // Still delivered and replayed.
  auto due = s.due(t(100), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].alert_id, "old2");
  EXPECT_EQ(s.requeue("hook", std::nullopt, true, t(200)), 1);  // the dead update
  EXPECT_EQ(s.due(t(200), 10).size(), 2u);
  // Rules that fired on the item or its sources before the upgrade do not fire again.
  EXPECT_EQ(s.fired_rules("f", "i1"), (std::set<std::string>{"r.evasion", "r.threat"}));
  EXPECT_EQ(s.fired_rules("g", "i2"), (std::set<std::string>{"r.threat"}));
  // Not a story's (schema 2) alert: a new copy of the story starts one.
  EXPECT_FALSE(s.alert_for_story("s1"));
  alert_record a = alert("new1", "r.new", 300, {"hook"});
  a.story_id = "s1";
  a.rules = {"r.new", "r.other"};
  s.record({"h", "i3", "h", t(300), "s1"}, {a});
  ASSERT_TRUE(s.alert_for_story("s1"));
  EXPECT_EQ(s.alert_for_story("s1")->alert_id, "new1");
  EXPECT_EQ(s.fired_rules("h", "i3"), (std::set<std::string>{"r.new", "r.other"}));
}

// Digests: an alert for a sink that collects digests is queued, not routed; sealing takes
// every queued entry once, with its outbox row, in one transaction.
alert_record digest_alert(const std::string& id, std::int64_t when, std::vector<std::string> sinks,
                          std::vector<std::string> digests) {
  alert_record a = alert(id, "r", when, std::move(sinks));
  a.digests = std::move(digests);
  return a;
}

digest_record digest(const std::string& id, const std::string& sink, std::int64_t when) {
  return {id,     sink, "r", "high", "{\"schema\":\"sanctwatch.digest/1\",\"id\":\"" + id + "\"}",
          t(when)};
}

TEST_P(store_test, digest_sinks_get_queue_entries_instead_of_outbox_rows) {
  store s(path_);
  s.record({"f", "i1", "h", t(100)}, {digest_alert("a1", 100, {"jsonl"}, {"mail"})});
  s.record({"f", "i2", "h", t(130)}, {digest_alert("a2", 130, {}, {"mail", "chat"})});
  // Re-recording adds nothing (a crash before the commit, then a re-run).
  s.record({"f", "i1", "h", t(140)}, {digest_alert("a1", 100, {"jsonl"}, {"mail"})});
  auto due = s.due(t(1000), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].sink, "jsonl");
  EXPECT_EQ(s.queued_count(), 3);
  const auto open = s.open_digests();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].sink, "chat");
  EXPECT_EQ(open[0].oldest, t(130));
  EXPECT_EQ(open[1].sink, "mail");
  EXPECT_EQ(open[1].oldest, t(100));
  EXPECT_EQ(open[1].entries, 2);
  const auto q = s.queued("mail", t(1000));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].alert_id, "a1");
  EXPECT_EQ(q[0].document, "{\"id\":\"a1\"}");
  EXPECT_EQ(q[1].added_at, t(130));
  EXPECT_EQ(s.queued("mail", t(120)).size(), 1u);  // not queued yet at 120
  // A revision for a digest sink is queued with its own document.
  s.record({"g", "i9", "h", t(200)}, {},
           {{"a1", 1, "{\"id\":\"a1\",\"revision\":1}", t(200), {"jsonl"}, {}, {"mail"}}});
  const auto q2 = s.queued("mail", t(1000));
  ASSERT_EQ(q2.size(), 3u);
  EXPECT_EQ(q2[2].revision, 1);
  EXPECT_EQ(q2[2].document, "{\"id\":\"a1\",\"revision\":1}");
  // Listed with the alert: queued, no digest yet.
  const auto list = s.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].id, "a1");
  ASSERT_EQ(list[1].digests.size(), 2u);
  EXPECT_EQ(list[1].digests[0].sink, "mail");
  EXPECT_EQ(list[1].digests[1].revision, 1);
  EXPECT_EQ(list[1].digests[0].digest_id, "");
}

TEST_P(store_test, sealing_takes_each_queued_entry_once_with_one_outbox_row) {
  store s(path_);
  s.record({"f", "i1", "h", t(100)}, {digest_alert("a1", 100, {}, {"mail"})});
  s.record({"f", "i2", "h", t(150)}, {digest_alert("a2", 150, {}, {"mail"})});
  s.record({"f", "i3", "h", t(400)}, {digest_alert("a3", 400, {}, {"mail"})});
  // Sealed at 300: the entries up to then, not a3.
  EXPECT_EQ(s.seal_digest(digest("d1", "mail", 300), t(300)), 2);
  EXPECT_TRUE(s.queued("mail", t(300)).empty());
  ASSERT_EQ(s.queued("mail", t(1000)).size(), 1u);
  auto due = s.due(t(300), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].alert_id, "d1");
  EXPECT_EQ(due[0].sink, "mail");
  EXPECT_EQ(due[0].document, "{\"schema\":\"sanctwatch.digest/1\",\"id\":\"d1\"}");
  // Nothing left up to 300: a second digest takes nothing and is not recorded.
  EXPECT_EQ(s.seal_digest(digest("d2", "mail", 310), t(310)), 0);
  EXPECT_EQ(s.due(t(1000), 10).size(), 1u);
  EXPECT_EQ(s.alerts(std::nullopt, "", 10).size(), 4u);  // a1..a3 and d1
  // The rest goes into the next one.
  EXPECT_EQ(s.seal_digest(digest("d3", "mail", 500), t(500)), 1);
  EXPECT_EQ(s.queued_count(), 0);
  std::map<std::string, std::string> member;  // alert -> its digest
  int digests = 0;
  for (const auto& a : s.alerts(std::nullopt, "", 10)) {
    if (a.digest) {
      ++digests;
      ASSERT_EQ(a.deliveries.size(), 1u);
      EXPECT_EQ(a.deliveries[0].sink, "mail");
      continue;
    }
    ASSERT_EQ(a.digests.size(), 1u) << a.id;
    EXPECT_TRUE(a.deliveries.empty()) << a.id;
    member[a.id] = a.digests[0].digest_id;
  }
  EXPECT_EQ(digests, 2);
  EXPECT_EQ(member, (std::map<std::string, std::string>{{"a1", "d1"}, {"a2", "d1"}, {"a3", "d3"}}));
  // A digest is never a story's alert, and reports no rule.
  EXPECT_EQ(s.alerts(std::nullopt, "r", 10).size(), 3u);
  // Delivered like an alert; replay re-queues it by the time it was sealed.
  s.mark_delivered("d1", "mail", t(501), 250);
  EXPECT_EQ(s.requeue("mail", t(450), false, t(600)), 1);  // d3 only (pending anyway)
  EXPECT_EQ(s.requeue("mail", t(0), false, t(600)), 2);
}

TEST_P(store_test, a_failed_seal_leaves_the_entries_queued) {
  store s(path_);
  s.record({"f", "i1", "h", t(100)}, {digest_alert("a1", 100, {}, {"mail"})});
  s.seal_digest(digest("d1", "mail", 200), t(200));
  s.record({"f", "i2", "h", t(300)}, {digest_alert("a2", 300, {}, {"mail"})});
  // The same id again violates the key: the whole seal is rolled back.
  EXPECT_THROW(s.seal_digest(digest("d1", "mail", 400), t(400)), db_error);
  ASSERT_EQ(s.queued("mail", t(400)).size(), 1u);
  EXPECT_EQ(s.due(t(1000), 10).size(), 1u);
  EXPECT_EQ(s.seal_digest(digest("d2", "mail", 400), t(400)), 1);
}

TEST_P(store_test, queued_and_sealed_digests_survive_a_reopen) {
  {
    store s(path_);
    s.record({"f", "i1", "h", t(100)}, {digest_alert("a1", 100, {}, {"mail"})});
    s.record({"f", "i2", "h", t(110)}, {digest_alert("a2", 110, {}, {"mail"})});
    s.seal_digest(digest("d1", "mail", 200), t(105));  // a1 only
  }                                                    // a crash here: the file is all there is
  store s(path_);
  auto due = s.due(t(200), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].alert_id, "d1");
  const auto q = s.queued("mail", t(1000));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].alert_id, "a2");
  EXPECT_EQ(s.seal_digest(digest("d2", "mail", 300), t(300)), 1);
  EXPECT_EQ(s.due(t(300), 10).size(), 2u);
}

TEST_P(store_test, released_entries_become_ordinary_deliveries) {
  store s(path_);
  s.record({"f", "i1", "h", t(100)}, {digest_alert("a1", 100, {}, {"mail", "chat"})});
  s.record({"g", "i9", "h", t(200)}, {},
           {{"a1", 1, "{\"id\":\"a1\",\"revision\":1}", t(200), {}, {}, {"mail"}}});
  EXPECT_EQ(s.release_queued("mail", t(300)), 2);
  auto due = s.due(t(300), 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].revision + due[1].revision, 1);
  EXPECT_EQ(s.queued_count(), 1);  // chat's
  EXPECT_EQ(s.open_digests().size(), 1u);
}

TEST_P(store_test, purge_keeps_queued_alerts_and_drops_delivered_digests) {
  store s(path_);
  s.record({"f", "i1", "h", t(100)}, {digest_alert("a1", 100, {}, {"mail"})});
  s.record({"f", "i2", "h", t(100)}, {digest_alert("a2", 100, {}, {"chat"})});
  s.seal_digest(digest("d1", "mail", 200), t(200));
  s.mark_delivered("d1", "mail", t(210), 250);
  // Items forgotten, deliveries old: a1 (in a delivered digest) and d1 go; a2 still waits.
  s.purge(t(5000), t(5000));
  const auto list = s.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, "a2");
  EXPECT_EQ(s.queued("chat", t(5000)).size(), 1u);
}

// A state file of schema 3, as the previous release left it, gains the digest queue.
TEST_F(sqlite_store_test, migrates_a_version_3_file) {
  {
    store s(path_);
    alert_record a = alert("a1", "r", 100, {"hook"});
    a.story_id = "s1";
    s.record({"f", "i1", "h", t(100), "s1"}, {a});
  }
  {
    connection c(path_);
    c.exec(
        "DROP TABLE item_texts; DROP TABLE lookback_hits; DROP TABLE articles; "
        "DROP TABLE digest_queue; ALTER TABLE alerts DROP COLUMN kind; " +
        std::string(without_leases) + "PRAGMA user_version = 3");
  }
  store s(path_);
  EXPECT_EQ(s.version(), store::schema_version);
  const auto list = s.alerts(std::nullopt, "", 10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_FALSE(list[0].digest);
  EXPECT_EQ(s.due(t(100), 10).size(), 1u);
  s.record({"f", "i2", "h", t(200)}, {digest_alert("a2", 200, {}, {"mail"})});
  EXPECT_EQ(s.seal_digest(digest("d1", "mail", 300), t(300)), 1);
  ASSERT_TRUE(s.alert_for_story("s1"));
  EXPECT_EQ(s.alert_for_story("s1")->alert_id, "a1");
}

TEST_P(store_test, a_batch_commits_or_rolls_back_everything_inside_it) {
  store s(path_);
  {
    store::batch b(s);
    s.add_story(story("s1", 100), "https://a.example/x");  // nested: a savepoint
    s.record({"f", "i1", "h", t(100), "s1"}, {alert("a1", "r", 100, {"jsonl"})});
    // no commit: an exception or early return
  }
  EXPECT_FALSE(s.story("s1"));
  EXPECT_FALSE(s.content_hash("f", "i1"));
  EXPECT_FALSE(s.next_due(t(0)));
  {
    store::batch b(s);
    s.add_story(story("s1", 100), "https://a.example/x");
    s.record({"f", "i1", "h", t(100), "s1"}, {alert("a1", "r", 100, {"jsonl"})});
    b.commit();
  }
  EXPECT_TRUE(s.story("s1"));
  EXPECT_EQ(s.due(t(100), 10).size(), 1u);
  // Another connection sees it: it was committed, not just released.
  store other(path_);
  EXPECT_TRUE(other.story("s1"));
}

TEST_P(store_test, a_nested_batch_that_fails_takes_the_whole_transaction_with_it) {
  store s(path_);
  {
    store::batch outer(s);
    s.add_story(story("s1", 100), "https://a.example/x");
    {
      store::batch inner(s);
      s.record({"f", "i1", "h", t(100), "s1"}, {alert("a1", "r", 100, {"jsonl"})});
      // no commit: an exception passing through
    }
    EXPECT_THROW(outer.commit(), db_error);
  }
  EXPECT_FALSE(s.story("s1"));
  EXPECT_FALSE(s.content_hash("f", "i1"));
  // The next transaction starts clean.
  {
    store::batch b(s);
    s.add_story(story("s2", 100), "https://a.example/y");
    b.commit();
  }
  EXPECT_TRUE(s.story("s2"));
  store other(path_);
  EXPECT_TRUE(other.story("s2"));
}

TEST_F(sqlite_store_test, failed_transaction_leaves_nothing_behind) {
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

TEST_F(sqlite_store_test, migrates_a_version_4_file) {
  {
    // A version 4 file gains the article cache.
    store s(path_);
    connection c(path_);
    c.exec(
        "DROP TABLE item_texts; DROP TABLE lookback_hits; DROP TABLE articles; " +
        std::string(without_leases) + "PRAGMA user_version = 4");
  }
  store s(path_);
  EXPECT_EQ(s.version(), store::schema_version);
  EXPECT_FALSE(s.article("https://news.example/a"));
}

TEST_P(store_test, articles_are_kept_by_canonical_url_their_text_dropped_then_the_row) {
  store s(path_);
  EXPECT_EQ(s.version(), store::schema_version);
  EXPECT_FALSE(s.article("https://news.example/a"));
  article_record a;
  a.url = "https://news.example/a";
  a.status = "ok";
  a.fetched_at = t(100);
  a.text_hash = "0123456789abcdef";
  a.title = "Port fees rise";
  a.byline = "Ada Reporter";
  a.published = t(50);
  a.final_url = "https://www.news.example/a";
  a.text = "The harbour authority raised its fees.";
  s.save_article(a);
  auto back = s.article(a.url);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, "ok");
  EXPECT_EQ(back->fetched_at, t(100));
  EXPECT_EQ(back->title, a.title);
  EXPECT_EQ(back->byline, a.byline);
  EXPECT_EQ(back->published, t(50));
  EXPECT_EQ(back->final_url, a.final_url);
  EXPECT_EQ(back->text, a.text);
  // A failure replaces nothing else and keeps no text.
  article_record b{"https://news.example/b", "HTTP 404", t(120), "", "", "", std::nullopt, "", ""};
  s.save_article(b);
  EXPECT_EQ(s.article(b.url)->status, "HTTP 404");
  EXPECT_FALSE(s.article(b.url)->published);
  s.drop_article_text(t(110));
  EXPECT_TRUE(s.article(a.url)->text.empty());
  EXPECT_EQ(s.article(a.url)->text_hash, a.text_hash);
  s.purge(t(110), t(110));
  EXPECT_FALSE(s.article(a.url));
  EXPECT_TRUE(s.article(b.url));
}

}  // namespace sanctwatch::store

namespace sanctwatch::store {
namespace {

item kept_sample(const std::string& id, const std::string& title) {
  item it;
  it.id = id;
  it.title = title;
  it.link = "https://news.example.test/" + id;
  it.published = t(1700000000);
  it.summary = "A short summary of the story about a trading house.";
  it.content = "The whole story: the trading house shipped valves through a third country, "
               "officials said on Tuesday.";
  it.authors = {"A. Reporter"};
  it.categories = {"trade", "policy"};
  return it;
}

std::vector<kept_item> all_kept(store& s, std::int64_t since = 0) {
  std::vector<kept_item> out;
  s.kept_items(t(since), std::nullopt, [&](kept_item&& k) { out.push_back(std::move(k)); });
  return out;
}

}  // namespace

TEST_P(store_test, keeps_an_items_text_with_the_item_and_reads_it_back) {
  store s(path_);
  const item it = kept_sample("guid-1", "Valves shipped through a third country");
  item_record rec{"wire", "k1", "h1", t(100)};
  rec.text = &it;
  rec.feed_title = "The Wire";
  rec.feed_url = "https://wire.example.test/feed";
  s.record(rec, {});
  const auto kept = all_kept(s);
  ASSERT_EQ(kept.size(), 1u);
  const auto& k = kept[0];
  EXPECT_EQ(k.feed_id, "wire");
  EXPECT_EQ(k.item_key, "k1");
  EXPECT_EQ(k.feed_title, "The Wire");
  EXPECT_EQ(k.feed_url, "https://wire.example.test/feed");
  EXPECT_EQ(k.seen_at, t(100));
  EXPECT_EQ(k.it.id, it.id);
  EXPECT_EQ(k.it.title, it.title);
  EXPECT_EQ(k.it.link, it.link);
  EXPECT_EQ(k.it.published, it.published);
  EXPECT_FALSE(k.it.updated);
  EXPECT_EQ(k.it.summary, it.summary);
  EXPECT_EQ(k.it.content, it.content);
  EXPECT_EQ(k.it.authors, it.authors);
  EXPECT_EQ(k.it.categories, it.categories);
  EXPECT_TRUE(k.article.empty());
  // Compressed: the blob is smaller than a long repetitive text.
  item big = it;
  for (int i = 0; i < 200; ++i) big.content += " The trading house denied any wrongdoing.";
  item_record rec2{"wire", "k2", "h2", t(101)};
  rec2.text = &big;
  s.record(rec2, {});
  EXPECT_EQ(s.kept_count(), 2);
  EXPECT_LT(s.kept_bytes(), std::int64_t(big.content.size() / 4));
  s.set_article("wire", "k2", "The article page's full text.");
  const auto again = all_kept(s, 101);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].it.content, big.content);
  EXPECT_EQ(again[0].article, "The article page's full text.");
}

TEST_P(store_test, an_item_recorded_without_text_keeps_none_and_an_edit_replaces_it) {
  store s(path_);
  s.record({"wire", "k1", "h1", t(100)}, {});
  EXPECT_EQ(s.kept_count(), 0);
  item it = kept_sample("guid-1", "First version");
  item_record rec{"wire", "k1", "h2", t(200)};
  rec.text = &it;
  s.record(rec, {});
  it.title = "Second version";
  item_record edit{"wire", "k1", "h3", t(300)};
  edit.text = &it;
  s.record(edit, {});
  const auto kept = all_kept(s);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].it.title, "Second version");
  EXPECT_EQ(kept[0].seen_at, t(300));
}

TEST_P(store_test, texts_are_pruned_at_text_retention_and_with_their_items) {
  store s(path_);
  const item it = kept_sample("guid-1", "Old");
  for (int i = 0; i < 3; ++i) {
    item_record rec{"wire", "k" + std::to_string(i), "h", t(1000 * (i + 1))};
    rec.text = &it;
    s.record(rec, {});
  }
  // Items seen before 1500 are forgotten; texts recorded before 2500 go too.
  s.purge(t(1500), t(0), t(2500));
  const auto kept = all_kept(s);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].item_key, "k2");
  EXPECT_EQ(s.content_hash("wire", "k1"), "h");  // the item itself stays seen
}

TEST_F(sqlite_store_test, migrates_a_version_5_file_keeping_its_items) {
  {
    store s(path_);
    s.record({"f", "i1", "h1", t(100)}, {alert("a1", "r", 100, {"hook"})});
  }
  {
    connection c(path_);
    c.exec("DROP TABLE item_texts; DROP TABLE lookback_hits; " + std::string(without_leases) +
           "PRAGMA user_version = 5");
  }
  store s(path_);
  EXPECT_EQ(s.version(), store::schema_version);
  EXPECT_EQ(s.content_hash("f", "i1"), "h1");
  EXPECT_EQ(s.kept_count(), 0);  // items seen before the upgrade have no text
  const item it = kept_sample("guid-2", "After the upgrade");
  item_record rec{"f", "i2", "h2", t(200)};
  rec.text = &it;
  s.record(rec, {});
  EXPECT_EQ(s.kept_count(), 1);
}

TEST_P(store_test, a_lookback_alert_is_recorded_once_with_its_marks) {
  store s(path_);
  s.record({"wire", "k1", "h1", t(100)}, {});
  alert_record a = alert("lb1", "entity.new", 500, {"jsonl"});
  const std::vector<lookback_mark> marks = {{"sdn", "sdn:1", "wire", "k1"}};
  EXPECT_FALSE(s.lookback_raised("sdn", "sdn:1", "wire", "k1"));
  s.record_lookback(a, marks);
  s.record_lookback(a, marks);  // idempotent
  EXPECT_TRUE(s.lookback_raised("sdn", "sdn:1", "wire", "k1"));
  EXPECT_FALSE(s.lookback_raised("sdn", "sdn:2", "wire", "k1"));
  EXPECT_EQ(s.pending_count(), 1);
  const auto listed = s.alerts(std::nullopt, "", 10);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, "lb1");
  // The mark goes with its item.
  s.purge(t(200), t(0));
  EXPECT_FALSE(s.lookback_raised("sdn", "sdn:1", "wire", "k1"));
}

}  // namespace sanctwatch::store

namespace sanctwatch::store {
namespace {

// List events (kind 'list-event', migration v5): recorded with their outbox rows once, however
// often the same refresh is reported; delivered like alerts, never listed as alerts.
TEST_P(store_test, records_list_events_once_with_their_outbox_rows) {
  {
    store s(path_);
    const list_event_record e{"ev1", "list.added", "high", "sdn", "ofac-sdn:1", "{\"id\":\"ev1\"}",
                              t(100), {"hook", "jsonl"}};
    const list_event_record sum{"sum1", "list.refresh", "high", "sdn", "", "{\"id\":\"sum1\"}",
                                t(100), {"slack"}};
    s.record_list_events({e, sum});
    s.record_list_events({e});  // reported again: nothing twice
    auto due = s.due(t(100), 10);
    ASSERT_EQ(due.size(), 3u);
    std::map<std::string, std::string> sinks;
    for (const auto& d : due) sinks[d.sink] = d.alert_id;
    EXPECT_EQ(sinks, (std::map<std::string, std::string>{{"hook", "ev1"}, {"jsonl", "ev1"}, {"slack", "sum1"}}));
    EXPECT_TRUE(s.alerts(std::nullopt, "", 10).empty());
    s.mark_delivered("ev1", "hook", t(101), 200);
  }
  store again(path_);  // another connection reads the migrated table's text
  EXPECT_EQ(again.due(t(200), 10).size(), 2u);
  again.record_list_events({{"ev2", "list.removed", "low", "sdn", "ofac-sdn:2", "{}", t(300), {}}});
  EXPECT_EQ(again.due(t(300), 10).size(), 2u);
}

}  // namespace
}  // namespace sanctwatch::store
