// migrate-state's copy against a real PostgreSQL server (tests/pg_server.hpp): a SQLite state
// filled through the store's API reads back the same through the store on PostgreSQL, ids
// continue after the copied ones, and a target that holds state is refused untouched.
#include "store/migrate_state.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "pg_fixture.hpp"
#include "store/backends.hpp"
#include "store/pg_database.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::store {
namespace {


item news(const std::string& id, const std::string& title) {
  item it;
  it.id = id;
  it.title = title;
  it.link = "https://news.example.test/" + id;
  it.published = t(1700000000);
  it.summary = "Officials said the trading house shipped valves through a third country.";
  it.content = "The whole story, with a quote: \"we complied\" \\ and a backslash.";
  it.authors = {"A. Reporter"};
  it.categories = {"trade", "policy"};
  return it;
}

// A state as a daemon leaves it: two feeds, items with kept texts (one with its article), a
// story with its link and bands, an alert with a revision, delivered, dead and pending
// deliveries, a digest queue entry, a cached article, a list event and a look-back alert.
void fill(store& s) {
  feed_state wire;
  wire.id = "wire";
  wire.url = "https://wire.example.test/feed";
  wire.etag = "W/\"abc\"";
  wire.last_modified = "Tue, 14 May 2024 15:12:00 GMT";
  wire.last_poll = t(1000);
  wire.last_success = t(1000);
  wire.next_poll = t(1900);
  wire.items_total = 2;
  s.save_feed(wire);
  feed_state gone;
  gone.id = "gone";
  gone.url = "https://gone.example.test/rss";
  gone.permanent_url = "https://moved.example.test/rss";
  gone.error_streak = 4;
  gone.last_error = "HTTP 410";
  gone.last_status = 410;
  gone.disabled = true;
  s.save_feed(gone);

  s.add_story(
      {"s1", "wire", "guid-1", std::string("\x00\x01\xff\x7f", 4), {11, 12, 13}, t(900), t(950)},
      "https://news.example.test/guid-1");
  const item first = news("guid-1", "Valves shipped through a third country");
  item_record rec{"wire", "k1", "h1", t(900), "s1", &first, "The Wire", wire.url};
  alert_record a{"a1",
                 "sanctions.x",
                 "high",
                 "s1",
                 "{\"id\":\"a1\"}",
                 t(900),
                 {"hook", "jsonl"},
                 {"sanctions.x", "export.y"},
                 {"mail"}};
  s.record(rec, {a});
  const item second = news("guid-2", "A second copy of the valves story");
  item_record copy{"wire", "k2", "h2", t(950), "s1", &second, "The Wire", wire.url};
  s.record(copy, {}, {{"a1", 1, "{\"id\":\"a1\",\"revision\":1}", t(950), {"hook"}}});
  s.set_article("wire", "k1", "The article page's full text.");
  s.mark_delivered("a1", "hook", t(901), 200);
  s.mark_dead("a1", "jsonl", t(902), 0, "disk full");

  article_record art;
  art.url = "https://news.example.test/guid-1";
  art.status = "ok";
  art.fetched_at = t(905);
  art.text_hash = "0123456789abcdef";
  art.title = "Valves";
  art.byline = "A. Reporter";
  art.published = t(800);
  art.text = "The article page's full text.";
  s.save_article(art);
  s.save_article({"https://news.example.test/pdf", "not HTML (application/pdf)", t(906), "", "", "",
                  std::nullopt, "", ""});

  s.record_list_events(
      {{"ev1", "list.added", "high", "sdn", "ofac-sdn:1", "{\"id\":\"ev1\"}", t(1000), {"hook"}}});
  // A look-back alert has no story (later copies join the story's own alert).
  s.record_lookback({"lb1", "entity.new", "high", "", "{\"id\":\"lb1\"}", t(1100), {"hook"}},
                    {{"sdn", "ofac-sdn:1", "wire", "k1"}});
}

std::string describe(const stored_alert& a) {
  std::string out = a.id + " " + a.rule_id + " " + a.severity + " " + a.feed_id + " " +
                    std::to_string(a.created_at.time_since_epoch().count()) + " " + a.document +
                    (a.digest ? " digest" : "");
  for (const auto& d : a.deliveries)
    out += " | " + d.sink + "#" + std::to_string(d.revision) + " " + to_string(d.state) + " " +
           std::to_string(d.attempts) + " " + std::to_string(d.last_status) + " " + d.last_error +
           " " +
           (d.next_attempt ? std::to_string(d.next_attempt->time_since_epoch().count()) : "-");
  for (const auto& g : a.digests)
    out += " | digest " + g.sink + "#" + std::to_string(g.revision) + " " + g.digest_id;
  return out;
}

std::vector<std::string> alerts_of(store& s) {
  std::vector<std::string> out;
  for (const auto& a : s.alerts(std::nullopt, "", 100)) out.push_back(describe(a));
  return out;
}

std::vector<std::string> due_of(store& s) {
  std::vector<std::string> out;
  for (const auto& d : s.due(t(1'000'000), 100))
    out.push_back(d.alert_id + " " + d.sink + "#" + std::to_string(d.revision) + " " + d.document);
  return out;
}

std::vector<std::string> feeds_of(store& s) {
  std::vector<std::string> out;
  for (const auto& f : s.feeds()) {
    auto secs = [](const std::optional<timestamp>& x) {
      return x ? std::to_string(x->time_since_epoch().count()) : std::string("-");
    };
    out.push_back(f.id + " " + f.url + " " + f.permanent_url + " " + f.etag + " " +
                  f.last_modified + " " + secs(f.last_poll) + " " + secs(f.last_success) + " " +
                  secs(f.next_poll) + " " + std::to_string(f.error_streak) + " " + f.last_error +
                  " " + std::to_string(f.last_status) + " " + std::to_string(f.items_total) +
                  (f.disabled ? " disabled" : ""));
  }
  return out;
}

std::vector<std::string> kept_of(store& s) {
  std::vector<std::string> out;
  s.kept_items(t(0), std::nullopt, [&](kept_item&& k) {
    out.push_back(k.feed_id + " " + k.item_key + " " + k.feed_title + " " + k.feed_url + " " +
                  k.it.id + " " + k.it.title + " " + k.it.summary + " " + k.it.content + " " +
                  k.article + " " + std::to_string(k.seen_at.time_since_epoch().count()) + " " +
                  k.story_id);
  });
  return out;
}

class migrate_state_test : public sanctwatch::testing::pg_fixture {
 protected:
  sanctwatch::testing::temp_dir dir_;
  std::string path_ = dir_.file("state.db");
};

std::int64_t rows_of(const std::vector<table_copy>& copied, const std::string& table) {
  for (const auto& c : copied)
    if (c.table == table) return c.rows;
  return -1;
}

}  // namespace

TEST_F(migrate_state_test, copies_the_whole_state_and_the_store_reads_it_back) {
  {
    store s(path_);
    fill(s);
  }
  const auto copied = migrate_state(path_, server_->uri());
  ASSERT_TRUE(copied) << copied.err().message;
  // Every table of the file, parents before the tables whose foreign keys point at them.
  std::vector<std::string> order;
  for (const auto& c : *copied) order.push_back(c.table);
  for (const char* t : {"feeds", "items", "alerts", "alert_rules", "alert_updates", "outbox",
                        "digest_queue", "stories", "story_links", "story_bands", "articles",
                        "item_texts", "lookback_hits", "alert_sources"})
    EXPECT_NE(std::find(order.begin(), order.end(), t), order.end()) << t;
  const auto pos = [&](const char* t) { return std::find(order.begin(), order.end(), t); };
  EXPECT_LT(pos("alerts"), pos("outbox"));
  EXPECT_LT(pos("alerts"), pos("digest_queue"));
  EXPECT_LT(pos("stories"), pos("story_links"));
  EXPECT_EQ(rows_of(*copied, "feeds"), 2);
  EXPECT_EQ(rows_of(*copied, "items"), 2);
  EXPECT_EQ(rows_of(*copied, "item_texts"), 2);
  EXPECT_EQ(rows_of(*copied, "alerts"), 3);  // a1, the list event, the look-back alert
  EXPECT_EQ(rows_of(*copied, "articles"), 2);

  store sqlite(path_);
  store pg(server_->uri());
  EXPECT_EQ(pg.backend(), "postgresql");
  EXPECT_EQ(feeds_of(pg), feeds_of(sqlite));
  EXPECT_EQ(alerts_of(pg), alerts_of(sqlite));
  EXPECT_EQ(due_of(pg), due_of(sqlite));
  EXPECT_EQ(due_of(pg).size(), 3u);  // a1's revision, the list event, the look-back alert
  EXPECT_EQ(kept_of(pg), kept_of(sqlite));
  EXPECT_EQ(kept_of(pg).size(), 2u);
  EXPECT_EQ(pg.pending_count(), sqlite.pending_count());
  EXPECT_EQ(pg.dead_count(), 1);
  EXPECT_EQ(pg.queued_count(), 1);
  EXPECT_EQ(pg.queued("mail", t(1'000'000)).size(), 1u);
  EXPECT_EQ(pg.kept_bytes(), sqlite.kept_bytes());
  EXPECT_EQ(pg.content_hash("wire", "k2"), "h2");
  EXPECT_EQ(pg.item_story("wire", "k1"), "s1");
  EXPECT_EQ(pg.fired_rules("wire", "k1"), sqlite.fired_rules("wire", "k1"));
  EXPECT_EQ(pg.source_count("a1"), sqlite.source_count("a1"));
  EXPECT_TRUE(pg.lookback_raised("sdn", "ofac-sdn:1", "wire", "k1"));
  const auto story = pg.story_by_link("https://news.example.test/guid-1", t(0));
  ASSERT_TRUE(story);
  EXPECT_EQ(story->id, "s1");
  EXPECT_EQ(story->signature, std::string("\x00\x01\xff\x7f", 4));  // bytes, NUL included
  EXPECT_EQ(story->last_seen, t(950));
  EXPECT_EQ(pg.story_candidates({12}, t(0)).size(), 1u);
  const auto on_story = pg.alert_for_story("s1");
  ASSERT_TRUE(on_story);
  EXPECT_EQ(on_story->revision, 1);
  const auto art = pg.article("https://news.example.test/guid-1");
  ASSERT_TRUE(art);
  EXPECT_EQ(art->text, "The article page's full text.");
  EXPECT_EQ(art->published, t(800));
  EXPECT_EQ(pg.article("https://news.example.test/pdf")->status, "not HTML (application/pdf)");

  // The daemon carries on: a new kept text takes an id after the copied ones.
  const item third = news("guid-3", "After the move");
  item_record rec{"wire", "k3", "h3", t(2000)};
  rec.text = &third;
  pg.record(rec, {});
  EXPECT_EQ(pg.kept_count(), 3);
}

TEST_F(migrate_state_test, a_target_that_holds_state_is_refused_and_left_as_it_was) {
  {
    store s(path_);
    fill(s);
  }
  ASSERT_TRUE(migrate_state(path_, server_->uri()));
  {
    store s(path_);  // the file moves on after the first copy
    s.record({"wire", "k9", "h9", t(3000)}, {});
  }
  const auto again = migrate_state(path_, server_->uri());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.err().code, "not_empty");
  EXPECT_NE(again.err().message.find("already holds state"), std::string::npos)
      << again.err().message;
  EXPECT_NE(again.err().message.find("drop and recreate"), std::string::npos);
  store pg(server_->uri());
  EXPECT_FALSE(pg.content_hash("wire", "k9"));
  EXPECT_EQ(pg.feeds().size(), 2u);
  EXPECT_EQ(pg.kept_count(), 2);
}

TEST_F(migrate_state_test, an_empty_state_copies_nothing_and_a_missing_file_is_refused) {
  { store s(path_); }
  const auto copied = migrate_state(path_, server_->uri());
  ASSERT_TRUE(copied) << copied.err().message;
  EXPECT_FALSE(copied->empty());
  for (const auto& c : *copied) EXPECT_EQ(c.rows, 0) << c.table;

  const std::string missing = dir_.file("nothing-here.db");
  const auto refused = migrate_state(missing, server_->uri());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().code, "source");
  EXPECT_NE(refused.err().message.find(missing), std::string::npos) << refused.err().message;
  EXPECT_FALSE(std::filesystem::exists(missing));  // never created by the attempt
}

TEST_F(migrate_state_test, an_older_state_file_is_migrated_before_the_copy) {
  {
    store s(path_);
    s.record({"f", "i1", "h1", t(100)},
             {{"a1", "r", "high", "", "{\"id\":\"a1\"}", t(100), {"hook"}}});
  }
  {
    connection c(path_);  // as schema 5 left it: no kept texts, no look-back marks
    c.exec(
        "DROP TABLE item_texts; DROP TABLE lookback_hits; " + std::string(without_leases) +
        "PRAGMA user_version = 5");
  }
  const auto copied = migrate_state(path_, server_->uri());
  ASSERT_TRUE(copied) << copied.err().message;
  EXPECT_EQ(rows_of(*copied, "item_texts"), 0);
  EXPECT_EQ(rows_of(*copied, "outbox"), 1);
  store pg(server_->uri());
  EXPECT_EQ(pg.due(t(100), 10).size(), 1u);
}

// Rows go in batches, by count and by bytes: a state of many items and of large texts arrives
// whole, every value in its place.
TEST_F(migrate_state_test, many_rows_and_large_values_cross_batches_intact) {
  {
    store s(path_);
    connection c(path_);
    c.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000) "
        "INSERT INTO items (feed_id, item_key, content_hash, first_seen, last_seen) "
        "SELECT 'wire', 'k' || i, 'h' || i, i, i + 1 FROM n;"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12) "
        "INSERT INTO item_texts (feed_id, item_key, seen_at, text) "
        "SELECT 'wire', 'k' || i, i, randomblob(1000000) FROM n;");
  }
  const auto copied = migrate_state(path_, server_->uri());
  ASSERT_TRUE(copied) << copied.err().message;
  EXPECT_EQ(rows_of(*copied, "items"), 12000);
  EXPECT_EQ(rows_of(*copied, "item_texts"), 12);
  const auto sums = [](database& db) {
    auto q = db.prepare(
        "SELECT sum(first_seen), sum(last_seen), count(DISTINCT content_hash) FROM items");
    q.step();
    return std::to_string(q.integer(0)) + " " + std::to_string(q.integer(1)) + " " +
           std::to_string(q.integer(2));
  };
  const auto text_of = [](database& db, const std::string& key) {
    auto q = db.prepare("SELECT text FROM item_texts WHERE item_key = ?");
    q.bind(1, key);
    return q.step() ? q.blob(0) : std::string();
  };
  connection sqlite(path_);
  pg_database pg(server_->uri(), "");
  EXPECT_EQ(sums(pg), sums(sqlite));
  for (const char* key : {"k1", "k9", "k12"}) {
    const auto bytes = text_of(sqlite, key);
    EXPECT_EQ(bytes.size(), 1000000u);
    EXPECT_TRUE(text_of(pg, key) == bytes) << key;
  }
}

// What a later schema version adds (schema 8: columns of feeds, a table of its own) is copied
// without a change to the copy: both backends have it, the copy reads it from the file.
TEST_F(migrate_state_test, tables_and_columns_a_later_schema_adds_are_copied_too) {
  {
    store s(path_);
    fill(s);
  }
  {
    connection c(path_);
    c.exec(
        "ALTER TABLE feeds ADD COLUMN region TEXT NOT NULL DEFAULT '';"
        "UPDATE feeds SET region = 'eu' WHERE id = 'wire';"
        "CREATE TABLE watch_notes (id INTEGER PRIMARY KEY, feed_id TEXT NOT NULL "
        "REFERENCES feeds (id), note BLOB, weight REAL);"
        "INSERT INTO watch_notes (feed_id, note, weight) VALUES ('wire', x'00ff', 0.25), "
        "('gone', NULL, NULL);");
  }
  { store pg(server_->uri()); }
  ASSERT_TRUE(server_->psql(
      "ALTER TABLE feeds ADD COLUMN region TEXT NOT NULL DEFAULT '';"
      "CREATE TABLE watch_notes (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
      "feed_id TEXT NOT NULL REFERENCES feeds (id), note BYTEA, weight DOUBLE PRECISION);"));
  const auto copied = migrate_state(path_, server_->uri());
  ASSERT_TRUE(copied) << copied.err().message;
  EXPECT_EQ(rows_of(*copied, "watch_notes"), 2);
  pg_database db(server_->uri(), "");
  auto q = db.prepare(
      "SELECT f.region, n.note, n.weight FROM watch_notes n JOIN feeds f ON f.id = n.feed_id "
      "ORDER BY n.id");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.text(0), "eu");
  EXPECT_EQ(q.blob(1), std::string("\x00\xff", 2));
  EXPECT_EQ(q.text(2), "0.25");
  ASSERT_TRUE(q.step());
  EXPECT_TRUE(q.is_null(1));
  EXPECT_TRUE(q.is_null(2));
  q.reset();
  // Its identity column continues after the copied ids too.
  db.exec("INSERT INTO watch_notes (feed_id) VALUES ('wire')");
  auto top = db.prepare("SELECT max(id) FROM watch_notes");
  ASSERT_TRUE(top.step());
  EXPECT_EQ(top.integer(0), 3);
}

// A file newer than the database's schema (a column the target lacks) is refused whole.
TEST_F(migrate_state_test, a_column_the_database_lacks_is_refused_before_anything_is_copied) {
  {
    store s(path_);
    fill(s);
    connection c(path_);
    c.exec("ALTER TABLE outbox ADD COLUMN node TEXT NOT NULL DEFAULT ''");
  }
  const auto refused = migrate_state(path_, server_->uri());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().code, "target");
  EXPECT_NE(refused.err().message.find("table outbox has no column node"), std::string::npos)
      << refused.err().message;
  store pg(server_->uri());
  EXPECT_TRUE(pg.feeds().empty());
}

TEST_F(migrate_state_test, an_unreachable_database_is_refused_without_showing_its_password) {
  { store s(path_); }
  const std::string uri = "postgresql://sanctwatch:s3cret@127.0.0.1:1/none";
  const auto refused = migrate_state(path_, uri);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().code, "target");
  EXPECT_EQ(refused.err().message.find("s3cret"), std::string::npos) << refused.err().message;
  EXPECT_NE(refused.err().message.find("postgresql://sanctwatch@127.0.0.1:1/none"),
            std::string::npos)
      << refused.err().message;
}

TEST(without_password, leaves_out_the_password_of_the_user_info_and_of_the_query) {
  EXPECT_EQ(without_password("postgresql://u:secret@h:5432/db"), "postgresql://u@h:5432/db");
  EXPECT_EQ(without_password("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(without_password("postgresql://h/db?user=u&password=secret&sslmode=require"),
            "postgresql://h/db?user=u&password=&sslmode=require");
  EXPECT_EQ(without_password("postgres://h:5432"), "postgres://h:5432");
}

}  // namespace sanctwatch::store
