#include "store/store.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>

#include "store/pg_database.hpp"
#include "store/pg_schema.hpp"
#include "store/rows.hpp"

namespace sanctwatch::store {

using namespace rows;

namespace {

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
    // v2: stories (one article across feeds), alert updates and where they go.
    R"sql(
CREATE TABLE stories (
  id TEXT PRIMARY KEY,
  feed_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  signature BLOB NOT NULL DEFAULT x'',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE INDEX stories_last_seen ON stories (last_seen);
CREATE TABLE story_links (
  link TEXT PRIMARY KEY,
  story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX story_links_story ON story_links (story_id);
CREATE TABLE story_bands (
  band_key INTEGER NOT NULL,
  story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
  PRIMARY KEY (band_key, story_id)
) WITHOUT ROWID;
CREATE INDEX story_bands_story ON story_bands (story_id);
ALTER TABLE items ADD COLUMN story_id TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_story ON alerts (story_id, rule_id);
CREATE TABLE alert_sources (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  PRIMARY KEY (alert_id, feed_id, item_key)
) WITHOUT ROWID;
CREATE INDEX alert_sources_item ON alert_sources (feed_id, item_key);
CREATE TABLE alert_updates (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  revision INTEGER NOT NULL CHECK (revision > 0),
  created_at INTEGER NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (alert_id, revision)
) WITHOUT ROWID;
CREATE TABLE outbox_v2 (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  sink TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (alert_id, sink, revision)
);
INSERT INTO outbox_v2 (alert_id, sink, revision, state, attempts, next_attempt, last_status,
                       last_error, updated_at)
  SELECT alert_id, sink, 0, state, attempts, next_attempt, last_status, last_error, updated_at
  FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt);
)sql",
    // v3: one alert per story (document schema 2) reporting several rules. Alerts recorded
    // before keep their documents (schema 1, one rule each) and stay readable and replayable.
    R"sql(
ALTER TABLE alerts ADD COLUMN doc_schema INTEGER NOT NULL DEFAULT 1;
CREATE TABLE alert_rules (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  PRIMARY KEY (alert_id, rule_id)
) WITHOUT ROWID;
CREATE INDEX alert_rules_rule ON alert_rules (rule_id);
INSERT INTO alert_rules (alert_id, rule_id) SELECT id, rule_id FROM alerts;
CREATE INDEX alerts_story_schema ON alerts (story_id, doc_schema);
)sql",
    // v4: digests (config `digest`). An alert or revision for a sink that collects digests is
    // queued here instead of the outbox; sealing stores the digest as a row of `alerts` of
    // kind 'digest' (doc_schema the digest document's version) with one outbox row, and points
    // the entries it took at it.
    R"sql(
ALTER TABLE alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert' CHECK (kind IN ('alert', 'digest'));
CREATE TABLE digest_queue (
  sink TEXT NOT NULL,
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  revision INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL,
  digest_id TEXT REFERENCES alerts (id) ON DELETE CASCADE,
  PRIMARY KEY (sink, alert_id, revision)
);
CREATE INDEX digest_queue_open ON digest_queue (digest_id, sink, added_at);
CREATE INDEX digest_queue_alert ON digest_queue (alert_id);
)sql",
    // v5: full text. One row per canonical article URL fetched (or refused): the fetch is
    // made once whatever number of feeds carry the link; the text stays for later copies.
    R"sql(
CREATE TABLE articles (
  url TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  text_hash TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  byline TEXT NOT NULL DEFAULT '',
  published INTEGER,
  final_url TEXT NOT NULL DEFAULT '',
  text TEXT
) WITHOUT ROWID;
CREATE INDEX articles_fetched ON articles (fetched_at);
)sql",
    // v6: item texts kept for look-back screening and `backtest` (state.text_retention), and
    // the look-back alerts already raised. `text` is the zlib-compressed normalized item (what
    // rules look at); `article` the compressed full text of the article page, empty until a
    // full-text fetch fills it. A rowid table: WITHOUT ROWID suits small rows, not kilobytes.
    // lookback_hits: one row per (list, entity, item) a look-back alert stood for, so a
    // restart or the next refresh never raises it again.
    R"sql(
CREATE TABLE item_texts (
  id INTEGER PRIMARY KEY,
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  text BLOB NOT NULL,
  article BLOB NOT NULL DEFAULT x'',
  UNIQUE (feed_id, item_key)
);
CREATE INDEX item_texts_seen ON item_texts (seen_at);
CREATE TABLE lookback_hits (
  list TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  raised_at INTEGER NOT NULL,
  PRIMARY KEY (list, entity_id, feed_id, item_key)
) WITHOUT ROWID;
CREATE INDEX lookback_hits_item ON lookback_hits (feed_id, item_key);
)sql",
    // v7: list events: a list
    // event is a row of `alerts` of kind 'list-event' with its outbox rows. Only the CHECK on
    // `kind` changes, a loosening that leaves every stored row valid, so the table's text is
    // edited in place (SQLite's documented procedure for such changes) instead of copied;
    // migrate() bumps schema_version so every connection reads the new text.
    R"sql(
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''alert'', ''digest''))',
                                       'CHECK (kind IN (''alert'', ''digest'', ''list-event''))')
  WHERE type = 'table' AND name = 'alerts';
PRAGMA writable_schema = OFF;
)sql",
    // v8: leases and the daemons holding them (PostgreSQL has had them since its first
    // version): the same claiming code runs on both backends, unopposed on SQLite.
    R"sql(
ALTER TABLE feeds ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
CREATE TABLE nodes (
  name TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  version TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  heartbeat INTEGER NOT NULL
);
)sql",
    // v9: triage (docs/triage.md): silences (alerts matching an active one are recorded and
    // sent to machine sinks marked `silenced`, not to people), acknowledgements and labels
    // with their history, and the alert queue's index (store/queue.cpp; filled for alerts
    // recorded before it when the store opens). Additive.
    R"sql(
CREATE TABLE silences (
  id TEXT PRIMARY KEY,
  matchers TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX silences_ends ON silences (ends_at);
CREATE TABLE alert_triage (
  alert_id TEXT PRIMARY KEY,
  acknowledged_at INTEGER,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  ack_note TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '' CHECK (label IN ('', 'true-positive', 'false-positive')),
  label_reason TEXT NOT NULL DEFAULT '',
  labelled_by TEXT NOT NULL DEFAULT '',
  labelled_at INTEGER
);
CREATE INDEX alert_triage_label ON alert_triage (label, labelled_at);
CREATE TABLE alert_actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  action TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_actions_alert ON alert_actions (alert_id, id);
CREATE TABLE alert_index (
  alert_id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  severity INTEGER NOT NULL,
  headline TEXT NOT NULL,
  link TEXT NOT NULL,
  feed_id TEXT NOT NULL,
  tags TEXT NOT NULL,
  rules TEXT NOT NULL,
  lists TEXT NOT NULL,
  feeds TEXT NOT NULL,
  entities TEXT NOT NULL,
  search TEXT NOT NULL,
  sources INTEGER NOT NULL,
  silenced INTEGER NOT NULL,
  lookback INTEGER NOT NULL
);
CREATE INDEX alert_index_created ON alert_index (created_at, alert_id);
)sql",
};

// Kept texts: a version byte, then length-prefixed fields (LEB128 lengths), the whole
// compressed with zlib behind a 4-byte little-endian length of the uncompressed bytes.
constexpr unsigned char text_format = 1;

void put_size(std::string& out, std::uint64_t n) {
  do {
    unsigned char b = n & 0x7f;
    n >>= 7;
    out.push_back(static_cast<char>(n ? b | 0x80 : b));
  } while (n);
}

void put(std::string& out, std::string_view s) {
  put_size(out, s.size());
  out.append(s);
}

void put_time(std::string& out, const std::optional<timestamp>& t) {
  // Zig-zag, so dates before 1970 stay small.
  if (!t) return put_size(out, 0);
  const std::int64_t v = secs(*t);
  put_size(out, 1);
  put_size(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

struct reader {
  std::string_view in;
  bool ok = true;
  std::uint64_t size() {
    std::uint64_t n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty()) break;
      const auto b = static_cast<unsigned char>(in.front());
      in.remove_prefix(1);
      n |= std::uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return n;
    }
    ok = false;
    return 0;
  }
  std::string str() {
    const auto n = size();
    if (n > in.size()) {
      ok = false;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
  std::optional<timestamp> time() {
    if (size() == 0) return std::nullopt;
    const auto z = size();
    return at(static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1));
  }
};

std::string compress(const std::string& raw) {
  if (raw.size() > 0xffffffffu) return {};
  uLongf n = compressBound(raw.size());
  std::string out(4 + n, '\0');
  const auto len = static_cast<std::uint32_t>(raw.size());
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((len >> (8 * i)) & 0xff);
  if (compress2(reinterpret_cast<Bytef*>(out.data() + 4), &n,
                reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 6) != Z_OK)
    return {};
  out.resize(4 + n);
  return out;
}

std::optional<std::string> decompress(const std::string& packed) {
  if (packed.size() < 4) return std::nullopt;
  std::uint32_t len = 0;
  for (int i = 0; i < 4; ++i) len |= std::uint32_t(static_cast<unsigned char>(packed[i])) << (8 * i);
  std::string out(len, '\0');
  uLongf n = len;
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &n,
                 reinterpret_cast<const Bytef*>(packed.data() + 4), packed.size() - 4) != Z_OK ||
      n != len)
    return std::nullopt;
  return out;
}

std::string encode_text(const item& it, const std::string& feed_title, const std::string& feed_url) {
  std::string raw;
  raw.push_back(static_cast<char>(text_format));
  for (const std::string* s : {&feed_title, &feed_url, &it.id, &it.title, &it.link, &it.summary,
                               &it.content})
    put(raw, *s);
  put_time(raw, it.published);
  put_time(raw, it.updated);
  for (const auto* v : {&it.authors, &it.categories}) {
    put_size(raw, v->size());
    for (const auto& x : *v) put(raw, x);
  }
  return compress(raw);
}

bool decode_text(const std::string& packed, kept_item& k) {
  const auto raw = decompress(packed);
  if (!raw || raw->empty() || static_cast<unsigned char>((*raw)[0]) != text_format) return false;
  reader r{std::string_view(*raw).substr(1)};
  for (std::string* s : {&k.feed_title, &k.feed_url, &k.it.id, &k.it.title, &k.it.link,
                         &k.it.summary, &k.it.content})
    *s = r.str();
  k.it.published = r.time();
  k.it.updated = r.time();
  for (auto* v : {&k.it.authors, &k.it.categories}) {
    const auto n = r.size();
    for (std::uint64_t i = 0; r.ok && i < n; ++i) v->push_back(r.str());
  }
  return r.ok;
}

delivery_state parse_state(const std::string& s) {
  if (s == "delivered") return delivery_state::delivered;
  if (s == "dead") return delivery_state::dead;
  return delivery_state::pending;
}

}  // namespace

const char* to_string(delivery_state s) {
  switch (s) {
    case delivery_state::pending:
      return "pending";
    case delivery_state::delivered:
      return "delivered";
    case delivery_state::dead:
      return "dead";
  }
  return "pending";
}

bool store::is_postgresql(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

store::store(const std::string& location, const std::string& password)
    : pg_(is_postgresql(location)) {
  if (pg_) {
    auto db = std::make_unique<pg_database>(location, password);
    pg::migrate(db->connection());
    db_ = std::move(db);
    return;
  }
  db_ = std::make_unique<connection>(location);
  db_->exec("PRAGMA journal_mode = WAL");
  // NORMAL is durable across process crashes in WAL mode; only power loss may lose the
  // last transactions, which then re-run as unseen items.
  db_->exec("PRAGMA synchronous = NORMAL");
  db_->exec("PRAGMA foreign_keys = ON");
  migrate();
}

store::~store() = default;

void store::write_probe() {
  if (pg_ && depth_ == 0) static_cast<pg_database&>(*db_).reconnect_if_lost();
  batch tx(*this);
  db_->exec(pg_ ? std::string("UPDATE sanctwatch_schema SET updated_at = now()")
                : "PRAGMA user_version = " + std::to_string(schema_version));
  tx.commit();
}

int store::version() {
  auto st = db_->prepare(pg_ ? "SELECT max(version) FROM sanctwatch_schema"
                             : "PRAGMA user_version");
  st.step();
  return static_cast<int>(st.integer(0));
}

// A nested batch joins the enclosing transaction: a savepoint per store call cost two round
// trips per item on PostgreSQL (a third of a document's statements) and bought nothing, since
// every caller lets a failure end the whole batch. A nested batch that ends without its commit
// (an exception passing through) dooms the enclosing one: its commit rolls back and throws.
// Transaction statements go through the statement cache like any other.
store::batch::batch(store& s) : s_(s), level_(s.depth_) {
  if (level_ == 0) {
    s_.db_->prepare(s_.db_->begin_sql()).run();
    s_.doomed_ = false;
  }
  ++s_.depth_;
}

store::batch::~batch() {
  if (done_) return;
  --s_.depth_;
  if (level_ > 0) {
    s_.doomed_ = true;
    return;
  }
  s_.db_->exec_quietly("ROLLBACK");
}

void store::batch::commit() {
  if (level_ > 0) {
    done_ = true;
    --s_.depth_;
    return;
  }
  if (s_.doomed_) {
    // Left to the destructor (done_ stays false): ROLLBACK.
    throw sqlite_error(SQLITE_ABORT, "a step inside this transaction failed; nothing of it was kept");
  }
  s_.db_->prepare("COMMIT").run();
  done_ = true;
  --s_.depth_;
}

void store::migrate() {
  batch tx(*this);
  const int v = version();
  if (v > schema_version)
    throw sqlite_error(SQLITE_MISMATCH, "state database schema version " + std::to_string(v) +
                                            " is newer than this sanctwatch (" +
                                            std::to_string(schema_version) + ")");
  for (int i = v; i < schema_version; ++i) db_->exec(migrations[static_cast<std::size_t>(i)]);
  if (v != schema_version) {
    db_->exec("PRAGMA user_version = " + std::to_string(schema_version));
    // A migration that edited a table's text in place (v7) needs the schema cookie moved on,
    // or connections keep the old text; harmless after any other.
    auto sv = db_->prepare("PRAGMA schema_version");
    sv.step();
    const auto cookie = sv.integer(0);
    sv.reset();
    db_->exec("PRAGMA schema_version = " + std::to_string(cookie + 1));
  }
  tx.commit();
}

namespace {

constexpr const char* feed_columns =
    "id, url, permanent_url, etag, last_modified, last_poll, last_success, next_poll, "
    "error_streak, last_error, last_status, items_total, disabled";

}  // namespace

namespace rows {

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
  f.lease_owner = st.text(13);
  if (const auto until = st.integer(14); !f.lease_owner.empty() && until > 0) f.lease_until = at(until);
  return f;
}

}  // namespace rows

std::optional<feed_state> store::load_feed(const std::string& id) {
  auto st = db_->prepare(std::string("SELECT ") + feed_read_columns + " FROM feeds WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_feed(st);
}

std::vector<feed_state> store::feeds() {
  auto st = db_->prepare(std::string("SELECT ") + feed_read_columns + " FROM feeds ORDER BY id");
  std::vector<feed_state> out;
  while (st.step()) out.push_back(read_feed(st));
  return out;
}

void store::save_feed(const feed_state& f) {
  auto st = db_->prepare(
      std::string("INSERT INTO feeds (") + feed_columns +
      ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET url = excluded.url, "
      "permanent_url = excluded.permanent_url, etag = excluded.etag, "
      "last_modified = excluded.last_modified, last_poll = excluded.last_poll, "
      "last_success = excluded.last_success, next_poll = excluded.next_poll, "
      "error_streak = excluded.error_streak, last_error = excluded.last_error, "
      "last_status = excluded.last_status, items_total = excluded.items_total, "
      "disabled = excluded.disabled, "
      // The poll is over: this daemon's lease ends (another's, taken meanwhile, stays).
      "lease_until = CASE WHEN feeds.lease_owner = ?14 THEN 0 ELSE feeds.lease_until END, "
      "lease_owner = CASE WHEN feeds.lease_owner = ?14 THEN '' ELSE feeds.lease_owner END");
  st.bind(1, f.id).bind(2, f.url).bind(3, f.permanent_url).bind(4, f.etag).bind(5, f.last_modified);
  st.bind(6, secs(f.last_poll)).bind(7, secs(f.last_success)).bind(8, secs(f.next_poll));
  st.bind(9, f.error_streak).bind(10, f.last_error).bind(11, f.last_status);
  st.bind(12, f.items_total).bind(13, f.disabled ? 1 : 0).bind(14, node_);
  st.run();
}

std::optional<std::string> store::content_hash(const std::string& feed_id,
                                               const std::string& item_key) {
  auto st = db_->prepare("SELECT content_hash FROM items WHERE feed_id = ? AND item_key = ?");
  st.bind(1, feed_id).bind(2, item_key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

std::set<std::string> store::fired_rules(const std::string& feed_id, const std::string& item_key) {
  auto st = db_->prepare(
      "SELECT r.rule_id FROM alerts a JOIN alert_rules r ON r.alert_id = a.id "
      "WHERE a.feed_id = ?1 AND a.item_key = ?2 UNION "
      "SELECT r.rule_id FROM alert_sources s JOIN alert_rules r ON r.alert_id = s.alert_id "
      "WHERE s.feed_id = ?1 AND s.item_key = ?2");
  st.bind(1, feed_id).bind(2, item_key);
  std::set<std::string> out;
  while (st.step()) out.insert(st.text(0));
  return out;
}

void store::record(const item_record& item, const std::vector<alert_record>& alerts,
                   const std::vector<alert_update>& updates) {
  batch tx(*this);
  auto up = db_->prepare(
      "INSERT INTO items (feed_id, item_key, content_hash, first_seen, last_seen, story_id) "
      "VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT (feed_id, item_key) DO UPDATE SET "
      "content_hash = excluded.content_hash, last_seen = excluded.last_seen, "
      "story_id = COALESCE(NULLIF(excluded.story_id, ''), items.story_id)");
  up.bind(1, item.feed_id)
      .bind(2, item.item_key)
      .bind(3, item.content_hash)
      .bind(4, secs(item.seen_at));
  up.bind(5, item.story_id);
  up.run();
  if (item.text) {
    auto keep = db_->prepare(
        "INSERT INTO item_texts (feed_id, item_key, seen_at, text, article) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (feed_id, item_key) DO UPDATE SET "
        "seen_at = excluded.seen_at, text = excluded.text, article = excluded.article");
    keep.bind(1, item.feed_id).bind(2, item.item_key).bind(3, secs(item.seen_at));
    keep.bind_blob(4, encode_text(*item.text, item.feed_title, item.feed_url));
    // The fetched article (full text), so look-back and backtest match what the daemon did.
    keep.bind_blob(5, item.text->article.empty() ? std::string() : compress(item.text->article));
    keep.run();
  }
  for (const auto& a : alerts) insert_alert(item.feed_id, item.item_key, a);
  auto rule = db_->prepare("INSERT INTO alert_rules (alert_id, rule_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
  auto source = db_->prepare(
      "INSERT INTO alert_sources (alert_id, feed_id, item_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
  for (const auto& u : updates) {
    source.bind(1, u.alert_id).bind(2, item.feed_id).bind(3, item.item_key);
    source.run();
    for (const auto& r : u.rules) {
      rule.bind(1, u.alert_id).bind(2, r);
      rule.run();
    }
    add_revision(u);
  }
  tx.commit();
}

bool store::insert_alert(const std::string& feed_id, const std::string& item_key,
                         const alert_record& a) {
  auto ins = db_->prepare(
      "INSERT INTO alerts (id, rule_id, severity, feed_id, item_key, story_id, "
      "created_at, document, doc_schema) VALUES (?,?,?,?,?,?,?,?,2) ON CONFLICT DO NOTHING");
  ins.bind(1, a.id).bind(2, a.rule_id).bind(3, a.severity).bind(4, feed_id);
  ins.bind(5, item_key).bind(6, a.story_id).bind(7, secs(a.created_at)).bind(8, a.document);
  ins.run();
  if (db_->changes() == 0) return false;
  index_alert(a.id, a.document, a.created_at);
  auto rule = db_->prepare("INSERT INTO alert_rules (alert_id, rule_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
  for (const auto& r : a.rules.empty() ? std::vector<std::string>{a.rule_id} : a.rules) {
    rule.bind(1, a.id).bind(2, r);
    rule.run();
  }
  auto route = db_->prepare(
      "INSERT INTO outbox (alert_id, sink, state, next_attempt, updated_at) "
      "VALUES (?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING");
  for (const auto& s : a.sinks) {
    route.bind(1, a.id).bind(2, s).bind(3, secs(a.created_at)).bind(4, secs(a.created_at));
    route.run();
  }
  auto queue = db_->prepare(
      "INSERT INTO digest_queue (sink, alert_id, revision, added_at) "
      "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  for (const auto& s : a.digests) {
    queue.bind(1, s).bind(2, a.id).bind(3, 0).bind(4, secs(a.created_at));
    queue.run();
  }
  return true;
}

void store::kept_items(timestamp since, std::optional<timestamp> until,
                       const std::function<void(kept_item&&)>& f) {
  auto st = db_->prepare(
      "SELECT t.feed_id, t.item_key, t.seen_at, t.text, t.article, COALESCE(i.story_id, '') "
      "FROM item_texts t LEFT JOIN items i ON i.feed_id = t.feed_id AND i.item_key = t.item_key "
      "WHERE t.seen_at >= ?1 AND (CAST(?2 AS BIGINT) IS NULL OR t.seen_at < ?2) ORDER BY t.seen_at, t.id");
  st.bind(1, secs(since)).bind(2, secs(until));
  while (st.step()) {
    kept_item k;
    k.feed_id = st.text(0);
    k.item_key = st.text(1);
    k.seen_at = at(st.integer(2));
    if (!decode_text(st.blob(3), k)) continue;  // unreadable: as if not kept
    if (const auto art = st.blob(4); !art.empty())
      if (auto a = decompress(art)) k.it.article = k.article = std::move(*a);
    k.story_id = st.text(5);
    f(std::move(k));
  }
}

std::optional<kept_item> store::kept(const std::string& feed_id, const std::string& item_key) {
  auto st = db_->prepare(
      "SELECT t.seen_at, t.text, t.article, COALESCE(i.story_id, '') FROM item_texts t "
      "LEFT JOIN items i ON i.feed_id = t.feed_id AND i.item_key = t.item_key "
      "WHERE t.feed_id = ? AND t.item_key = ?");
  st.bind(1, feed_id).bind(2, item_key);
  if (!st.step()) return std::nullopt;
  kept_item k;
  k.feed_id = feed_id;
  k.item_key = item_key;
  k.seen_at = at(st.integer(0));
  if (!decode_text(st.blob(1), k)) return std::nullopt;
  if (const auto art = st.blob(2); !art.empty())
    if (auto a = decompress(art)) k.it.article = k.article = std::move(*a);
  k.story_id = st.text(3);
  return k;
}

std::int64_t store::count(const char* sql) {
  auto st = db_->prepare(sql);
  st.step();
  return st.integer(0);
}

std::int64_t store::kept_count() {
  return count("SELECT COUNT(*) FROM item_texts");
}

std::int64_t store::kept_bytes() {
  return count("SELECT COALESCE(SUM(LENGTH(text) + LENGTH(article)), 0) FROM item_texts");
}

void store::set_article(const std::string& feed_id, const std::string& item_key,
                        const std::string& article) {
  auto st = db_->prepare("UPDATE item_texts SET article = ? WHERE feed_id = ? AND item_key = ?");
  st.bind_blob(1, article.empty() ? std::string() : compress(article));
  st.bind(2, feed_id).bind(3, item_key);
  st.run();
}

bool store::lookback_raised(const std::string& list, const std::string& entity_id,
                            const std::string& feed_id, const std::string& item_key) {
  auto st = db_->prepare(
      "SELECT 1 FROM lookback_hits WHERE list = ? AND entity_id = ? AND feed_id = ? AND "
      "item_key = ?");
  st.bind(1, list).bind(2, entity_id).bind(3, feed_id).bind(4, item_key);
  return st.step();
}

void store::record_lookback(const alert_record& alert, const std::vector<lookback_mark>& marks) {
  if (marks.empty()) return;
  batch tx(*this);
  insert_alert(marks.front().feed_id, marks.front().item_key, alert);
  auto mark = db_->prepare(
      "INSERT INTO lookback_hits (list, entity_id, feed_id, item_key, alert_id, "
      "raised_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  for (const auto& m : marks) {
    mark.bind(1, m.list).bind(2, m.entity_id).bind(3, m.feed_id).bind(4, m.item_key);
    mark.bind(5, alert.id).bind(6, secs(alert.created_at));
    mark.run();
  }
  tx.commit();
}

void store::add_revision(const alert_update& u) {
  if (u.document.empty()) return;
  auto revision = db_->prepare(
      "INSERT INTO alert_updates (alert_id, revision, created_at, document) "
      "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  auto route_update = db_->prepare(
      "INSERT INTO outbox (alert_id, sink, revision, state, next_attempt, updated_at) "
      "VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING");
  auto queue = db_->prepare(
      "INSERT INTO digest_queue (sink, alert_id, revision, added_at) "
      "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  {
    revision.bind(1, u.alert_id)
        .bind(2, u.revision)
        .bind(3, secs(u.created_at))
        .bind(4, u.document);
    revision.run();
    if (db_->changes() == 0) return;  // already recorded, with its outbox rows
    index_alert(u.alert_id, u.document, u.created_at);
    for (const auto& s : u.sinks) {
      route_update.bind(1, u.alert_id).bind(2, s).bind(3, u.revision);
      route_update.bind(4, secs(u.created_at)).bind(5, secs(u.created_at));
      route_update.run();
    }
    for (const auto& s : u.digests) {
      queue.bind(1, s).bind(2, u.alert_id).bind(3, u.revision).bind(4, secs(u.created_at));
      queue.run();
    }
  }
}

std::int64_t store::source_count(const std::string& alert_id) {
  auto st = db_->prepare("SELECT COUNT(*) FROM alert_sources WHERE alert_id = ?");
  st.bind(1, alert_id);
  return st.step() ? 1 + st.integer(0) : 1;
}

std::optional<std::string> store::item_story(const std::string& feed_id,
                                             const std::string& item_key) {
  auto st = db_->prepare("SELECT story_id FROM items WHERE feed_id = ? AND item_key = ?");
  st.bind(1, feed_id).bind(2, item_key);
  if (!st.step() || st.text(0).empty()) return std::nullopt;
  return st.text(0);
}

namespace {

constexpr const char* story_columns =
    "s.id, s.feed_id, s.item_id, s.signature, s.first_seen, s.last_seen";

story_record read_story(const statement& st) {
  return {st.text(0), st.text(1), st.text(2), st.blob(3), {}, at(st.integer(4)), at(st.integer(5))};
}

}  // namespace

std::optional<story_record> store::story(const std::string& id) {
  auto st = db_->prepare(std::string("SELECT ") + story_columns + " FROM stories s WHERE s.id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_story(st);
}

std::optional<story_record> store::story_by_link(const std::string& link, timestamp since) {
  auto st = db_->prepare(std::string("SELECT ") + story_columns +
                        " FROM story_links l JOIN stories s ON s.id = l.story_id "
                        "WHERE l.link = ? AND s.last_seen >= ?");
  st.bind(1, link).bind(2, secs(since));
  if (!st.step()) return std::nullopt;
  return read_story(st);
}

std::vector<story_record> store::story_candidates(const std::vector<std::int64_t>& band_keys,
                                                  timestamp since) {
  std::vector<story_record> out;
  if (band_keys.empty()) return out;
  std::string in;
  for (std::size_t i = 0; i < band_keys.size(); ++i) in += i ? ",?" : "?";
  const std::string bands = "SELECT story_id FROM story_bands WHERE band_key IN (" + in + ")";
  auto st = db_->prepare(std::string("SELECT ") + story_columns +
                        " FROM stories s WHERE s.last_seen >= ? AND s.id IN (" + bands +
                        ") ORDER BY s.last_seen DESC, s.id");
  st.bind(1, secs(since));
  for (std::size_t i = 0; i < band_keys.size(); ++i) st.bind(static_cast<int>(i) + 2, band_keys[i]);
  while (st.step()) out.push_back(read_story(st));
  return out;
}

void store::add_story(const story_record& s, const std::string& link) {
  batch tx(*this);
  auto ins = db_->prepare(
      "INSERT INTO stories (id, feed_id, item_id, signature, first_seen, last_seen) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET feed_id = excluded.feed_id, "
      "item_id = excluded.item_id, signature = excluded.signature, "
      "first_seen = excluded.first_seen, last_seen = excluded.last_seen");
  ins.bind(1, s.id).bind(2, s.feed_id).bind(3, s.item_id).bind_blob(4, s.signature);
  ins.bind(5, secs(s.first_seen)).bind(6, secs(s.last_seen));
  ins.run();
  auto band = db_->prepare(
      "INSERT INTO story_bands (band_key, story_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
  for (const auto k : s.band_keys) {
    band.bind(1, k).bind(2, s.id);
    band.run();
  }
  if (!link.empty()) {
    auto l = db_->prepare(
        "INSERT INTO story_links (link, story_id) VALUES (?, ?) "
        "ON CONFLICT (link) DO UPDATE SET story_id = excluded.story_id");
    l.bind(1, link).bind(2, s.id);
    l.run();
  }
  tx.commit();
}

void store::join_story(const std::string& story_id, const std::string& link, timestamp now) {
  batch tx(*this);
  auto st = db_->prepare(
      "UPDATE stories SET last_seen = CASE WHEN last_seen > ?1 THEN last_seen ELSE ?1 END "
      "WHERE id = ?2");
  st.bind(1, secs(now)).bind(2, story_id);
  st.run();
  if (!link.empty()) {
    auto l = db_->prepare(
        "INSERT INTO story_links (link, story_id) VALUES (?, ?) "
        "ON CONFLICT (link) DO UPDATE SET story_id = excluded.story_id");
    l.bind(1, link).bind(2, story_id);
    l.run();
  }
  tx.commit();
}

std::optional<story_alert> store::alert_for_story(const std::string& story_id) {
  auto st = db_->prepare(
      "SELECT a.id, COALESCE(u.revision, 0), COALESCE(u.document, a.document) FROM alerts a "
      "LEFT JOIN alert_updates u ON u.alert_id = a.id AND u.revision = "
      "(SELECT MAX(revision) FROM alert_updates WHERE alert_id = a.id) "
      "WHERE a.story_id = ? AND a.kind = 'alert' AND a.doc_schema = 2 "
      "ORDER BY a.created_at, a.id LIMIT 1");
  st.bind(1, story_id);
  if (!st.step()) return std::nullopt;
  return story_alert{st.text(0), static_cast<int>(st.integer(1)), st.text(2)};
}

void store::touch(const std::string& feed_id, const std::vector<std::string>& item_keys,
                  timestamp now) {
  if (item_keys.empty()) return;
  batch tx(*this);
  auto st = db_->prepare("UPDATE items SET last_seen = ? WHERE feed_id = ? AND item_key = ?");
  for (const auto& k : item_keys) {
    st.bind(1, secs(now)).bind(2, feed_id).bind(3, k);
    st.run();
  }
  tx.commit();
}

namespace {

// The delivery columns, with the document of the revision (an update goes out with its own
// document; revision 0 is the alert's).
constexpr const char* delivery_select =
    "SELECT o.alert_id, o.sink, COALESCE(u.document, a.document), o.attempts, o.next_attempt, "
    "o.last_error, o.last_status, o.revision FROM outbox o JOIN alerts a ON a.id = o.alert_id "
    "LEFT JOIN alert_updates u ON u.alert_id = o.alert_id AND u.revision = o.revision ";

delivery read_delivery(const statement& st) {
  delivery d;
  d.alert_id = st.text(0);
  d.sink = st.text(1);
  d.document = st.text(2);
  d.attempts = static_cast<int>(st.integer(3));
  d.next_attempt = at(st.integer(4));
  d.last_error = st.text(5);
  d.last_status = static_cast<int>(st.integer(6));
  d.revision = static_cast<int>(st.integer(7));
  return d;
}

}  // namespace

std::vector<delivery> store::due(timestamp now, int limit) {
  auto st = db_->prepare(std::string(delivery_select) +
                         "WHERE o.state = 'pending' AND o.next_attempt <= ? "
                         "ORDER BY o.next_attempt, a.created_at, o.revision LIMIT ?");
  st.bind(1, secs(now)).bind(2, limit);
  std::vector<delivery> out;
  while (st.step()) out.push_back(read_delivery(st));
  return out;
}

std::vector<delivery> store::claim_due(timestamp now, timestamp until, int limit) {
  batch tx(*this);
  // Rows another daemon is claiming this instant are skipped, not waited for: it sends them.
  auto st = db_->prepare(std::string(delivery_select) +
                         "WHERE o.state = 'pending' AND o.next_attempt <= ?1 AND "
                         "(o.lease_owner = '' OR o.lease_until < ?1) "
                         "ORDER BY o.next_attempt, a.created_at, o.revision LIMIT ?2" +
                         (pg_ ? " FOR UPDATE OF o SKIP LOCKED" : ""));
  st.bind(1, secs(now)).bind(2, limit);
  std::vector<delivery> out;
  while (st.step()) out.push_back(read_delivery(st));
  st.reset();
  auto lease = db_->prepare(
      "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE alert_id = ? AND sink = ? AND "
      "revision = ?");
  for (const auto& d : out) {
    lease.bind(1, node_).bind(2, secs(until)).bind(3, d.alert_id).bind(4, d.sink);
    lease.bind(5, d.revision);
    lease.run();
  }
  tx.commit();
  return out;
}

std::int64_t store::pending_count() {
  return count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'");
}

std::int64_t store::dead_count() {
  return count("SELECT COUNT(*) FROM outbox WHERE state = 'dead'");
}

std::optional<timestamp> store::next_due(timestamp now) {
  auto st = db_->prepare(
      "SELECT MIN(CASE WHEN lease_owner <> '' AND lease_until >= ? THEN lease_until "
      "ELSE next_attempt END) FROM outbox WHERE state = 'pending'");
  st.bind(1, secs(now));
  st.step();
  return at(st.optional_integer(0));
}

std::vector<store::pending_slot> store::next_pending(int limit) {
  auto st = db_->prepare(
      "SELECT alert_id, sink, revision, next_attempt FROM outbox WHERE state = 'pending' "
      "ORDER BY next_attempt LIMIT ?");
  st.bind(1, limit);
  std::vector<pending_slot> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), static_cast<int>(st.integer(2)), at(st.integer(3))});
  return out;
}

void store::mark_delivered(const std::string& alert_id, const std::string& sink, timestamp now,
                           int status, int revision) {
  auto st = db_->prepare(
      "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_status = ?, "
      "last_error = '', updated_at = ?, lease_owner = '', lease_until = 0 WHERE alert_id = ? AND sink = ? AND revision = ?");
  st.bind(1, status).bind(2, secs(now)).bind(3, alert_id).bind(4, sink).bind(5, revision);
  st.run();
}

void store::mark_silenced(const std::string& alert_id, const std::string& sink, timestamp now,
                          const std::string& why, int revision) {
  auto st = db_->prepare(
      "UPDATE outbox SET state = 'delivered', last_status = 0, last_error = ?, updated_at = ?, "
      "lease_owner = '', lease_until = 0 WHERE alert_id = ? AND sink = ? AND revision = ?");
  st.bind(1, why).bind(2, secs(now)).bind(3, alert_id).bind(4, sink).bind(5, revision);
  st.run();
}

void store::mark_retry(const std::string& alert_id, const std::string& sink, timestamp next_attempt,
                       int status, const std::string& error, int revision) {
  auto st = db_->prepare(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_status = ?, "
      "last_error = ?, updated_at = ?, lease_owner = '', lease_until = 0 WHERE alert_id = ? AND sink = ? AND revision = ? AND "
      "state = 'pending'");
  st.bind(1, secs(next_attempt)).bind(2, status).bind(3, error).bind(4, secs(next_attempt));
  st.bind(5, alert_id).bind(6, sink).bind(7, revision);
  st.run();
}

void store::mark_dead(const std::string& alert_id, const std::string& sink, timestamp now,
                      int status, const std::string& error, int revision) {
  auto st = db_->prepare(
      "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_status = ?, "
      "last_error = ?, updated_at = ?, lease_owner = '', lease_until = 0 WHERE alert_id = ? AND sink = ? AND revision = ?");
  st.bind(1, status).bind(2, error).bind(3, secs(now)).bind(4, alert_id).bind(5, sink);
  st.bind(6, revision);
  st.run();
}

int store::requeue(const std::string& sink, std::optional<timestamp> since, bool dead_only,
                   timestamp now) {
  auto st = db_->prepare(
      "UPDATE outbox SET state = 'pending', next_attempt = ?1, attempts = 0, updated_at = ?1, "
      "lease_owner = '', lease_until = 0 WHERE (?2 = '' OR sink = ?2) AND (?3 = 0 OR state = 'dead') AND "
      "(CAST(?4 AS BIGINT) IS NULL OR alert_id IN (SELECT id FROM alerts WHERE created_at >= ?4))");
  st.bind(1, secs(now)).bind(2, sink).bind(3, dead_only ? 1 : 0).bind(4, secs(since));
  st.run();
  return static_cast<int>(db_->changes());
}

std::vector<open_digest> store::open_digests() {
  auto st = db_->prepare(
      "SELECT sink, MIN(added_at), COUNT(*) FROM digest_queue WHERE digest_id IS NULL "
      "GROUP BY sink ORDER BY sink");
  std::vector<open_digest> out;
  while (st.step()) out.push_back({st.text(0), at(st.integer(1)), st.integer(2)});
  return out;
}

std::vector<queued_entry> store::queued(const std::string& sink, timestamp until) {
  auto st = db_->prepare(
      "SELECT q.alert_id, q.revision, q.added_at, COALESCE(u.document, a.document) "
      "FROM digest_queue q JOIN alerts a ON a.id = q.alert_id "
      "LEFT JOIN alert_updates u ON u.alert_id = q.alert_id AND u.revision = q.revision "
      "WHERE q.digest_id IS NULL AND q.sink = ? AND q.added_at <= ? "
      "ORDER BY q.added_at, a.created_at, q.alert_id, q.revision");
  st.bind(1, sink).bind(2, secs(until));
  std::vector<queued_entry> out;
  while (st.step())
    out.push_back({st.text(0), static_cast<int>(st.integer(1)), at(st.integer(2)), st.text(3)});
  return out;
}

int store::seal_digest(const digest_record& d, timestamp until) {
  batch tx(*this);
  auto ins = db_->prepare(
      "INSERT INTO alerts (id, rule_id, severity, feed_id, item_key, story_id, created_at, "
      "document, doc_schema, kind) VALUES (?, ?, ?, '', '', '', ?, ?, 1, 'digest')");
  ins.bind(1, d.id).bind(2, d.rule_id).bind(3, d.severity).bind(4, secs(d.created_at));
  ins.bind(5, d.document);
  ins.run();
  auto take = db_->prepare(
      "UPDATE digest_queue SET digest_id = ? WHERE digest_id IS NULL AND sink = ? AND "
      "added_at <= ?");
  take.bind(1, d.id).bind(2, d.sink).bind(3, secs(until));
  take.run();
  const auto taken = static_cast<int>(db_->changes());
  if (taken == 0) return 0;  // rolled back: an empty digest is never recorded
  auto route = db_->prepare(
      "INSERT INTO outbox (alert_id, sink, state, next_attempt, updated_at) "
      "VALUES (?, ?, 'pending', ?, ?)");
  route.bind(1, d.id).bind(2, d.sink).bind(3, secs(d.created_at)).bind(4, secs(d.created_at));
  route.run();
  tx.commit();
  return taken;
}

int store::release_queued(const std::string& sink, timestamp now) {
  batch tx(*this);
  auto route = db_->prepare(
      "INSERT INTO outbox (alert_id, sink, revision, state, next_attempt, updated_at) "
      "SELECT alert_id, sink, revision, 'pending', CAST(?1 AS BIGINT), CAST(?1 AS BIGINT) "
      "FROM digest_queue WHERE digest_id IS NULL AND sink = ?2 ON CONFLICT DO NOTHING");
  route.bind(1, secs(now)).bind(2, sink);
  route.run();
  auto drop = db_->prepare("DELETE FROM digest_queue WHERE digest_id IS NULL AND sink = ?");
  drop.bind(1, sink);
  drop.run();
  const auto n = static_cast<int>(db_->changes());
  tx.commit();
  return n;
}

std::int64_t store::queued_count() {
  return count("SELECT COUNT(*) FROM digest_queue WHERE digest_id IS NULL");
}

void store::record_list_events(const std::vector<list_event_record>& events) {
  batch tx(*this);
  auto ins = db_->prepare(
      "INSERT INTO alerts (id, rule_id, severity, feed_id, item_key, story_id, "
      "created_at, document, doc_schema, kind) VALUES (?, ?, ?, ?, ?, '', ?, ?, 1, 'list-event') ON CONFLICT DO NOTHING");
  auto route = db_->prepare(
      "INSERT INTO outbox (alert_id, sink, state, next_attempt, updated_at) "
      "VALUES (?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING");
  for (const auto& e : events) {
    ins.bind(1, e.id).bind(2, e.type).bind(3, e.severity).bind(4, e.list).bind(5, e.entity_id);
    ins.bind(6, secs(e.created_at)).bind(7, e.document);
    ins.run();
    if (db_->changes() == 0) continue;  // recorded before: its rows exist
    for (const auto& sink : e.sinks) {
      route.bind(1, e.id).bind(2, sink).bind(3, secs(e.created_at)).bind(4, secs(e.created_at));
      route.run();
    }
  }
  tx.commit();
}

std::vector<stored_alert> store::alerts(std::optional<timestamp> since, const std::string& rule_id,
                                        int limit) {
  return load_alerts(since, rule_id, "", limit);
}

std::optional<stored_alert> store::alert(const std::string& id) {
  if (id.empty()) return std::nullopt;
  auto found = load_alerts(std::nullopt, "", id, 1);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::vector<alert_revision> store::revisions(const std::string& alert_id) {
  auto st = db_->prepare(
      "SELECT 0, created_at, document FROM alerts WHERE id = ?1 UNION ALL "
      "SELECT revision, created_at, document FROM alert_updates WHERE alert_id = ?1 "
      "ORDER BY 1");
  st.bind(1, alert_id);
  std::vector<alert_revision> out;
  while (st.step())
    out.push_back({static_cast<int>(st.integer(0)), at(st.integer(1)), st.text(2)});
  return out;
}

std::vector<stored_alert> store::load_alerts(std::optional<timestamp> since,
                                             const std::string& rule_id, const std::string& id,
                                             int limit) {
  // One alert by its key, or a range by time (an `OR id = ?` would cost the key's index).
  auto st = db_->prepare(
      std::string("SELECT id, rule_id, severity, feed_id, created_at, COALESCE((SELECT u.document "
                  "FROM alert_updates u WHERE u.alert_id = alerts.id ORDER BY u.revision DESC "
                  "LIMIT 1), document), kind FROM alerts WHERE kind != 'list-event' AND ") +
      (id.empty() ? "(CAST(?1 AS BIGINT) IS NULL OR created_at >= ?1) AND (?2 = '' OR id IN "
                    "(SELECT alert_id FROM alert_rules WHERE rule_id = ?2)) "
                    "ORDER BY created_at DESC, id LIMIT ?3"
                  : "id = ?1"));
  if (id.empty()) st.bind(1, secs(since)).bind(2, rule_id).bind(3, limit);
  else st.bind(1, id);
  auto rows = db_->prepare(
      "SELECT sink, state, attempts, next_attempt, last_status, last_error, revision FROM outbox "
      "WHERE alert_id = ? ORDER BY sink, revision");
  auto entries = db_->prepare(
      "SELECT sink, revision, COALESCE(digest_id, '') FROM digest_queue WHERE alert_id = ? "
      "ORDER BY sink, revision");
  std::vector<stored_alert> out;
  while (st.step()) {
    stored_alert a;
    a.id = st.text(0);
    a.rule_id = st.text(1);
    a.severity = st.text(2);
    a.feed_id = st.text(3);
    a.created_at = at(st.integer(4));
    a.document = st.text(5);
    a.digest = st.text(6) == "digest";
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
      d.revision = static_cast<int>(rows.integer(6));
      a.deliveries.push_back(std::move(d));
    }
    rows.reset();
    entries.bind(1, a.id);
    while (entries.step())
      a.digests.push_back({entries.text(0), static_cast<int>(entries.integer(1)), entries.text(2)});
    entries.reset();
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<article_record> store::article(const std::string& url) {
  auto st = db_->prepare(
      "SELECT url, status, fetched_at, text_hash, title, byline, published, final_url, "
      "coalesce(text, '') FROM articles WHERE url = ?");
  st.bind(1, url);
  if (!st.step()) return std::nullopt;
  article_record a;
  a.url = st.text(0);
  a.status = st.text(1);
  a.fetched_at = at(st.integer(2));
  a.text_hash = st.text(3);
  a.title = st.text(4);
  a.byline = st.text(5);
  if (auto p = st.optional_integer(6)) a.published = at(*p);
  a.final_url = st.text(7);
  a.text = st.text(8);
  return a;
}

void store::save_article(const article_record& a) {
  auto st = db_->prepare(
      "INSERT INTO articles (url, status, fetched_at, text_hash, title, byline, "
      "published, final_url, text) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (url) DO UPDATE SET "
      "status = excluded.status, fetched_at = excluded.fetched_at, "
      "text_hash = excluded.text_hash, title = excluded.title, byline = excluded.byline, "
      "published = excluded.published, final_url = excluded.final_url, text = excluded.text");
  st.bind(1, a.url).bind(2, a.status).bind(3, secs(a.fetched_at)).bind(4, a.text_hash);
  st.bind(5, a.title).bind(6, a.byline).bind(7, secs(a.published)).bind(8, a.final_url);
  if (a.text.empty()) st.bind(9, std::nullopt);
  else st.bind(9, a.text);
  st.run();
}

void store::drop_article_text(timestamp before) {
  auto st = db_->prepare("UPDATE articles SET text = NULL WHERE fetched_at < ? AND text IS NOT NULL");
  st.bind(1, secs(before));
  st.run();
}

void store::purge(timestamp seen_before, timestamp delivered_before,
                  std::optional<timestamp> texts_before) {
  batch tx(*this);
  auto articles = db_->prepare("DELETE FROM articles WHERE fetched_at < ?");
  articles.bind(1, secs(seen_before));
  articles.run();
  auto items = db_->prepare("DELETE FROM items WHERE last_seen < ?");
  items.bind(1, secs(seen_before));
  items.run();
  // A text goes at its own age (text_retention), or with its item; a look-back mark with
  // its item (an item forgotten and seen again is a new item).
  auto texts = db_->prepare(
      "DELETE FROM item_texts WHERE seen_at < ?1 OR NOT EXISTS (SELECT 1 FROM items i WHERE "
      "i.feed_id = item_texts.feed_id AND i.item_key = item_texts.item_key)");
  texts.bind(1, secs(std::max(seen_before, texts_before.value_or(seen_before))));
  texts.run();
  auto marks = db_->prepare(
      "DELETE FROM lookback_hits WHERE NOT EXISTS (SELECT 1 FROM items i WHERE "
      "i.feed_id = lookback_hits.feed_id AND i.item_key = lookback_hits.item_key)");
  marks.run();
  auto stories = db_->prepare("DELETE FROM stories WHERE last_seen < ?");
  stories.bind(1, secs(seen_before));
  stories.run();
  auto rows = db_->prepare("DELETE FROM outbox WHERE state = 'delivered' AND updated_at < ?");
  rows.bind(1, secs(delivered_before));
  rows.run();
  // An alert stays while any delivery row refers to it (pending or dead), while it waits for
  // a digest, and while its item or an item that joined it as a source is still remembered,
  // so an updated item does not alert again for the same rule. A digest (no item) goes with
  // its delivery row; the entries it took go with it (and with their alerts). A labelled
  // alert stays: labels are an evaluation set (`labels export`).
  auto alerts = db_->prepare(
      "DELETE FROM alerts WHERE created_at < ? AND id NOT IN (SELECT alert_id FROM outbox) AND "
      "id NOT IN (SELECT alert_id FROM alert_triage WHERE label <> '') AND "
      "id NOT IN (SELECT alert_id FROM digest_queue WHERE digest_id IS NULL) AND "
      "NOT EXISTS (SELECT 1 FROM items i WHERE i.feed_id = alerts.feed_id AND "
      "i.item_key = alerts.item_key) AND NOT EXISTS (SELECT 1 FROM alert_sources s JOIN items i "
      "ON i.feed_id = s.feed_id AND i.item_key = s.item_key WHERE s.alert_id = alerts.id)");
  alerts.bind(1, secs(delivered_before));
  alerts.run();
  for (const char* table : {"alert_index", "alert_triage", "alert_actions"})
    db_->prepare(std::string("DELETE FROM ") + table +
                 " WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = " + table + ".alert_id)")
        .run();
  tx.commit();
}

}  // namespace sanctwatch::store
