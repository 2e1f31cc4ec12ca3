#include "store/store.hpp"

#include <array>

namespace sanctwatch::store {
namespace {

std::int64_t secs(timestamp t) { return t.time_since_epoch().count(); }
timestamp at(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }
std::optional<std::int64_t> secs(const std::optional<timestamp>& t) {
  return t ? std::optional<std::int64_t>(secs(*t)) : std::nullopt;
}
std::optional<timestamp> at(const std::optional<std::int64_t>& s) {
  return s ? std::optional<timestamp>(at(*s)) : std::nullopt;
}

// Schema migrations, in order; migration i brings the schema from version i to i + 1.
// Never edit a shipped migration: add a new one.
constexpr std::array<const char*, store::schema_version> migrations = {
    R"sql(
CREATE TABLE feeds (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  permanent_url TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_poll INTEGER,
  last_success INTEGER,
  next_poll INTEGER,
  error_streak INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  last_status INTEGER NOT NULL DEFAULT 0,
  items_total INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE items (
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (feed_id, item_key)
) WITHOUT ROWID;
CREATE INDEX items_last_seen ON items (last_seen);
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  story_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  document TEXT NOT NULL
);
CREATE INDEX alerts_created ON alerts (created_at);
CREATE INDEX alerts_item ON alerts (feed_id, item_key);
CREATE TABLE outbox (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  sink TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (alert_id, sink)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);
)sql",
};

delivery_state parse_state(const std::string& s) {
  if (s == "delivered") return delivery_state::delivered;
  if (s == "dead") return delivery_state::dead;
  return delivery_state::pending;
}

}  // namespace

const char* to_string(delivery_state s) {
  switch (s) {
    case delivery_state::pending: return "pending";
    case delivery_state::delivered: return "delivered";
    case delivery_state::dead: return "dead";
  }
  return "pending";
}

store::store(const std::string& path) : db_(path) {
  db_.exec("PRAGMA journal_mode = WAL");
  // NORMAL is durable across process crashes in WAL mode; only power loss may lose the
  // last transactions, which then re-run as unseen items.
  db_.exec("PRAGMA synchronous = NORMAL");
  db_.exec("PRAGMA foreign_keys = ON");
  migrate();
}

int store::version() {
  auto st = db_.prepare("PRAGMA user_version");
  st.step();
  return static_cast<int>(st.integer(0));
}

void store::migrate() {
  transaction tx(db_);
  const int v = version();
  if (v > schema_version)
    throw sqlite_error(SQLITE_MISMATCH, "state database schema version " + std::to_string(v) +
                                            " is newer than this sanctwatch (" +
                                            std::to_string(schema_version) + ")");
  for (int i = v; i < schema_version; ++i) db_.exec(migrations[static_cast<std::size_t>(i)]);
  if (v != schema_version) db_.exec("PRAGMA user_version = " + std::to_string(schema_version));
  tx.commit();
}

namespace {

constexpr const char* feed_columns =
    "id, url, permanent_url, etag, last_modified, last_poll, last_success, next_poll, "
    "error_streak, last_error, last_status, items_total, disabled";

feed_state read_feed(const statement& st) {
  feed_state f;
  f.id = st.text(0);
  f.url = st.text(1);
  f.permanent_url = st.text(2);
  f.etag = st.text(3);
  f.last_modified = st.text(4);
  f.last_poll = at(st.optional_integer(5));
  f.last_success = at(st.optional_integer(6));
  f.next_poll = at(st.optional_integer(7));
  f.error_streak = static_cast<int>(st.integer(8));
  f.last_error = st.text(9);
  f.last_status = static_cast<int>(st.integer(10));
  f.items_total = st.integer(11);
  f.disabled = st.integer(12) != 0;
  return f;
}

}  // namespace

std::optional<feed_state> store::load_feed(const std::string& id) {
  auto st = db_.prepare(std::string("SELECT ") + feed_columns + " FROM feeds WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_feed(st);
}

std::vector<feed_state> store::feeds() {
  auto st = db_.prepare(std::string("SELECT ") + feed_columns + " FROM feeds ORDER BY id");
  std::vector<feed_state> out;
  while (st.step()) out.push_back(read_feed(st));
  return out;
}

void store::save_feed(const feed_state& f) {
  auto st = db_.prepare(std::string("INSERT OR REPLACE INTO feeds (") + feed_columns +
                        ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, f.id).bind(2, f.url).bind(3, f.permanent_url).bind(4, f.etag).bind(5, f.last_modified);
  st.bind(6, secs(f.last_poll)).bind(7, secs(f.last_success)).bind(8, secs(f.next_poll));
  st.bind(9, f.error_streak).bind(10, f.last_error).bind(11, f.last_status);
  st.bind(12, f.items_total).bind(13, f.disabled ? 1 : 0);
  st.run();
}

std::optional<std::string> store::content_hash(const std::string& feed_id,
                                               const std::string& item_key) {
  auto st = db_.prepare("SELECT content_hash FROM items WHERE feed_id = ? AND item_key = ?");
  st.bind(1, feed_id).bind(2, item_key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

std::set<std::string> store::fired_rules(const std::string& feed_id, const std::string& item_key) {
  auto st = db_.prepare("SELECT DISTINCT rule_id FROM alerts WHERE feed_id = ? AND item_key = ?");
  st.bind(1, feed_id).bind(2, item_key);
  std::set<std::string> out;
  while (st.step()) out.insert(st.text(0));
  return out;
}

void store::record(const item_record& item, const std::vector<alert_record>& alerts) {
  transaction tx(db_);
  auto up = db_.prepare(
      "INSERT INTO items (feed_id, item_key, content_hash, first_seen, last_seen) "
      "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (feed_id, item_key) DO UPDATE SET "
      "content_hash = excluded.content_hash, last_seen = excluded.last_seen");
  up.bind(1, item.feed_id).bind(2, item.item_key).bind(3, item.content_hash).bind(4, secs(item.seen_at));
  up.run();
  auto ins = db_.prepare(
      "INSERT OR IGNORE INTO alerts (id, rule_id, severity, feed_id, item_key, story_id, "
      "created_at, document) VALUES (?,?,?,?,?,?,?,?)");
  auto route = db_.prepare(
      "INSERT OR IGNORE INTO outbox (alert_id, sink, state, next_attempt, updated_at) "
      "VALUES (?, ?, 'pending', ?, ?)");
  for (const auto& a : alerts) {
    ins.bind(1, a.id).bind(2, a.rule_id).bind(3, a.severity).bind(4, item.feed_id);
    ins.bind(5, item.item_key).bind(6, a.story_id).bind(7, secs(a.created_at)).bind(8, a.document);
    ins.run();
    if (db_.changes() == 0) continue;  // already recorded: its outbox rows exist too
    for (const auto& s : a.sinks) {
      route.bind(1, a.id).bind(2, s).bind(3, secs(a.created_at)).bind(4, secs(a.created_at));
      route.run();
    }
  }
  tx.commit();
}

void store::touch(const std::string& feed_id, const std::vector<std::string>& item_keys,
                  timestamp now) {
  if (item_keys.empty()) return;
  transaction tx(db_);
  auto st = db_.prepare("UPDATE items SET last_seen = ? WHERE feed_id = ? AND item_key = ?");
  for (const auto& k : item_keys) {
    st.bind(1, secs(now)).bind(2, feed_id).bind(3, k);
    st.run();
  }
  tx.commit();
}

std::vector<delivery> store::due(timestamp now, int limit) {
  auto st = db_.prepare(
      "SELECT o.alert_id, o.sink, a.document, o.attempts, o.next_attempt, o.last_error, "
      "o.last_status FROM outbox o JOIN alerts a ON a.id = o.alert_id "
      "WHERE o.state = 'pending' AND o.next_attempt <= ? ORDER BY o.next_attempt, a.created_at "
      "LIMIT ?");
  st.bind(1, secs(now)).bind(2, limit);
  std::vector<delivery> out;
  while (st.step()) {
    delivery d;
    d.alert_id = st.text(0);
    d.sink = st.text(1);
    d.document = st.text(2);
    d.attempts = static_cast<int>(st.integer(3));
    d.next_attempt = at(st.integer(4));
    d.last_error = st.text(5);
    d.last_status = static_cast<int>(st.integer(6));
    out.push_back(std::move(d));
  }
  return out;
}

std::int64_t store::pending_count() {
  auto st = db_.prepare("SELECT COUNT(*) FROM outbox WHERE state = 'pending'");
  st.step();
  return st.integer(0);
}

std::optional<timestamp> store::next_due() {
  auto st = db_.prepare("SELECT MIN(next_attempt) FROM outbox WHERE state = 'pending'");
  st.step();
  return at(st.optional_integer(0));
}

void store::mark_delivered(const std::string& alert_id, const std::string& sink, timestamp now,
                           int status) {
  auto st = db_.prepare(
      "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_status = ?, "
      "last_error = '', updated_at = ? WHERE alert_id = ? AND sink = ?");
  st.bind(1, status).bind(2, secs(now)).bind(3, alert_id).bind(4, sink);
  st.run();
}

void store::mark_retry(const std::string& alert_id, const std::string& sink,
                       timestamp next_attempt, int status, const std::string& error) {
  auto st = db_.prepare(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_status = ?, "
      "last_error = ?, updated_at = ? WHERE alert_id = ? AND sink = ? AND state = 'pending'");
  st.bind(1, secs(next_attempt)).bind(2, status).bind(3, error).bind(4, secs(next_attempt));
  st.bind(5, alert_id).bind(6, sink);
  st.run();
}

void store::mark_dead(const std::string& alert_id, const std::string& sink, timestamp now,
                      int status, const std::string& error) {
  auto st = db_.prepare(
      "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_status = ?, "
      "last_error = ?, updated_at = ? WHERE alert_id = ? AND sink = ?");
  st.bind(1, status).bind(2, error).bind(3, secs(now)).bind(4, alert_id).bind(5, sink);
  st.run();
}

int store::requeue(const std::string& sink, std::optional<timestamp> since, bool dead_only,
                   timestamp now) {
  auto st = db_.prepare(
      "UPDATE outbox SET state = 'pending', next_attempt = ?1, attempts = 0, updated_at = ?1 "
      "WHERE (?2 = '' OR sink = ?2) AND (?3 = 0 OR state = 'dead') AND "
      "(?4 IS NULL OR alert_id IN (SELECT id FROM alerts WHERE created_at >= ?4))");
  st.bind(1, secs(now)).bind(2, sink).bind(3, dead_only ? 1 : 0).bind(4, secs(since));
  st.run();
  return static_cast<int>(db_.changes());
}

std::vector<stored_alert> store::alerts(std::optional<timestamp> since, const std::string& rule_id,
                                        int limit) {
  auto st = db_.prepare(
      "SELECT id, rule_id, severity, feed_id, created_at, document FROM alerts "
      "WHERE (?1 IS NULL OR created_at >= ?1) AND (?2 = '' OR rule_id = ?2) "
      "ORDER BY created_at DESC, id LIMIT ?3");
  st.bind(1, secs(since)).bind(2, rule_id).bind(3, limit);
  auto rows = db_.prepare(
      "SELECT sink, state, attempts, next_attempt, last_status, last_error FROM outbox "
      "WHERE alert_id = ? ORDER BY sink");
  std::vector<stored_alert> out;
  while (st.step()) {
    stored_alert a;
    a.id = st.text(0);
    a.rule_id = st.text(1);
    a.severity = st.text(2);
    a.feed_id = st.text(3);
    a.created_at = at(st.integer(4));
    a.document = st.text(5);
    rows.bind(1, a.id);
    while (rows.step()) {
      delivery d;
      d.alert_id = a.id;
      d.sink = rows.text(0);
      d.state = parse_state(rows.text(1));
      d.attempts = static_cast<int>(rows.integer(2));
      d.next_attempt = at(rows.integer(3));
      d.last_status = static_cast<int>(rows.integer(4));
      d.last_error = rows.text(5);
      a.deliveries.push_back(std::move(d));
    }
    rows.reset();
    out.push_back(std::move(a));
  }
  return out;
}

void store::purge(timestamp seen_before, timestamp delivered_before) {
  transaction tx(db_);
  auto items = db_.prepare("DELETE FROM items WHERE last_seen < ?");
  items.bind(1, secs(seen_before));
  items.run();
  auto rows = db_.prepare("DELETE FROM outbox WHERE state = 'delivered' AND updated_at < ?");
  rows.bind(1, secs(delivered_before));
  rows.run();
  // An alert stays while any delivery row refers to it (pending or dead), and while its
  // item is still remembered, so an updated item does not alert again for the same rule.
  auto alerts = db_.prepare(
      "DELETE FROM alerts WHERE created_at < ? AND id NOT IN (SELECT alert_id FROM outbox) AND "
      "NOT EXISTS (SELECT 1 FROM items i WHERE i.feed_id = alerts.feed_id AND "
      "i.item_key = alerts.item_key)");
  alerts.bind(1, secs(delivered_before));
  alerts.run();
  tx.commit();
}

}  // namespace sanctwatch::store
