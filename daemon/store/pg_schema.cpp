#include "store/pg_schema.hpp"

#include <array>

#include "store/store.hpp"

namespace sanctwatch::store::pg {
namespace {

struct migration {
  int to_version;        ///< the schema version it brings the database to
  int compatible_from;   ///< the oldest daemon schema that still works on the result
  const char* sql;
};

// In step with the SQLite migrations (store.cpp): the same version numbers describe the same
// tables. PostgreSQL starts at version 5 with everything SQLite reached by then, plus what
// sharing one database needs (leases, daemon identities). Times are Unix seconds (BIGINT) as
// in SQLite. Never edit a shipped migration; add one, additive where possible (a new table or
// a column with a default: older daemons keep working, `compatible_from` stays).
constexpr std::array migrations = {
    migration{5, 5, R"sql(
CREATE TABLE feeds (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  permanent_url TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_poll BIGINT,
  last_success BIGINT,
  next_poll BIGINT,
  error_streak INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  last_status INTEGER NOT NULL DEFAULT 0,
  items_total BIGINT NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX feeds_due ON feeds (next_poll);
CREATE TABLE items (
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  story_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (feed_id, item_key)
);
CREATE INDEX items_last_seen ON items (last_seen);
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  story_id TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  document TEXT NOT NULL,
  doc_schema INTEGER NOT NULL DEFAULT 1,
  kind TEXT NOT NULL DEFAULT 'alert' CHECK (kind IN ('alert', 'digest'))
);
CREATE INDEX alerts_created ON alerts (created_at);
CREATE INDEX alerts_item ON alerts (feed_id, item_key);
CREATE INDEX alerts_story ON alerts (story_id, rule_id);
CREATE INDEX alerts_story_schema ON alerts (story_id, doc_schema);
-- One alert per story, whichever daemon sees a copy first.
CREATE UNIQUE INDEX alerts_one_per_story ON alerts (story_id)
  WHERE kind = 'alert' AND doc_schema = 2 AND story_id <> '';
CREATE TABLE alert_rules (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  PRIMARY KEY (alert_id, rule_id)
);
CREATE INDEX alert_rules_rule ON alert_rules (rule_id);
CREATE TABLE stories (
  id TEXT PRIMARY KEY,
  feed_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  signature BYTEA NOT NULL DEFAULT '',
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);
CREATE INDEX stories_last_seen ON stories (last_seen);
CREATE TABLE story_links (
  link TEXT PRIMARY KEY,
  story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE
);
CREATE INDEX story_links_story ON story_links (story_id);
CREATE TABLE story_bands (
  band_key BIGINT NOT NULL,
  story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
  PRIMARY KEY (band_key, story_id)
);
CREATE INDEX story_bands_story ON story_bands (story_id);
CREATE TABLE alert_sources (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  PRIMARY KEY (alert_id, feed_id, item_key)
);
CREATE INDEX alert_sources_item ON alert_sources (feed_id, item_key);
CREATE TABLE alert_updates (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  revision INTEGER NOT NULL CHECK (revision > 0),
  created_at BIGINT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (alert_id, revision)
);
CREATE TABLE outbox (
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  sink TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt BIGINT NOT NULL,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (alert_id, sink, revision)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE TABLE digest_queue (
  sink TEXT NOT NULL,
  alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  revision INTEGER NOT NULL DEFAULT 0,
  added_at BIGINT NOT NULL,
  digest_id TEXT REFERENCES alerts (id) ON DELETE CASCADE,
  PRIMARY KEY (sink, alert_id, revision)
);
CREATE INDEX digest_queue_open ON digest_queue (digest_id, sink, added_at);
CREATE INDEX digest_queue_alert ON digest_queue (alert_id);
CREATE TABLE articles (
  url TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  fetched_at BIGINT NOT NULL,
  text_hash TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  byline TEXT NOT NULL DEFAULT '',
  published BIGINT,
  final_url TEXT NOT NULL DEFAULT '',
  text TEXT
);
CREATE INDEX articles_fetched ON articles (fetched_at);
-- The daemons sharing the database: who they are and when they last said so.
CREATE TABLE nodes (
  name TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  version TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  heartbeat BIGINT NOT NULL
);
)sql"},
    // v6: item texts kept for look-back and backtest, and the look-back alerts raised.
    migration{6, 5, R"sql(
CREATE TABLE item_texts (
  id BIGSERIAL PRIMARY KEY,
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  seen_at BIGINT NOT NULL,
  text BYTEA NOT NULL,
  article BYTEA NOT NULL DEFAULT ''::bytea,
  UNIQUE (feed_id, item_key)
);
CREATE INDEX item_texts_seen ON item_texts (seen_at);
CREATE TABLE lookback_hits (
  list TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  feed_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  raised_at BIGINT NOT NULL,
  PRIMARY KEY (list, entity_id, feed_id, item_key)
);
CREATE INDEX lookback_hits_item ON lookback_hits (feed_id, item_key);
)sql"},
    // v7: list events are rows of `alerts` of kind 'list-event'.
    migration{7, 5, R"sql(
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('alert', 'digest', 'list-event'));
)sql"},
    // v8: SQLite gains the leases and the nodes table this schema has had since v5; nothing
    // changes here but the number.
    migration{8, 5, "SELECT 1"},
    // v9: triage: silences, acknowledgements and labels, the alert queue's index. Additive:
    // older daemons keep running (the store indexes what they recorded when it next opens).
    migration{9, 5, R"sql(
CREATE TABLE silences (
  id TEXT PRIMARY KEY,
  matchers TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX silences_ends ON silences (ends_at);
CREATE TABLE alert_triage (
  alert_id TEXT PRIMARY KEY,
  acknowledged_at BIGINT,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  ack_note TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '' CHECK (label IN ('', 'true-positive', 'false-positive')),
  label_reason TEXT NOT NULL DEFAULT '',
  labelled_by TEXT NOT NULL DEFAULT '',
  labelled_at BIGINT
);
CREATE INDEX alert_triage_label ON alert_triage (label, labelled_at);
CREATE TABLE alert_actions (
  id BIGSERIAL PRIMARY KEY,
  alert_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  user_name TEXT NOT NULL,
  action TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_actions_alert ON alert_actions (alert_id, id);
CREATE TABLE alert_index (
  alert_id TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
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
)sql"},
};

static_assert(migrations.back().to_version == store::schema_version,
              "every SQLite schema version has its PostgreSQL migration");

// pg_advisory_lock key: "sanctwatch schema" (any constant both sides agree on).
constexpr const char* lock_key = "7305752451190478177";

}  // namespace

schema_status migrate(connection& c) {
  c.exec("SELECT pg_advisory_lock(" + std::string(lock_key) + ")");
  schema_status st;
  try {
    c.exec(
        "CREATE TABLE IF NOT EXISTS sanctwatch_schema ("
        " version INTEGER NOT NULL, compatible_from INTEGER NOT NULL,"
        " updated_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    auto r = c.query("SELECT version, compatible_from FROM sanctwatch_schema");
    int version = 0, compatible_from = 0;
    if (r.rows() > 0) {
      version = static_cast<int>(r.integer(0, 0));
      compatible_from = static_cast<int>(r.integer(0, 1));
    }
    if (version > store::schema_version && compatible_from > store::schema_version)
      throw pg_error("PostgreSQL: the state database has schema version " +
                         std::to_string(version) + ", which needs sanctwatch with schema " +
                         std::to_string(compatible_from) + " or newer (this one has " +
                         std::to_string(store::schema_version) + "); upgrade sanctwatch",
                     "", false);
    st.found = version;
    for (const auto& m : migrations) {
      if (m.to_version <= version) continue;
      in_transaction(c, [&] {
        c.exec(m.sql);
        c.exec("DELETE FROM sanctwatch_schema");
        c.query("INSERT INTO sanctwatch_schema (version, compatible_from) VALUES ($1, $2)",
                {m.to_version, m.compatible_from});
      });
      version = m.to_version;
      compatible_from = m.compatible_from;
      ++st.applied;
    }
    st.version = version;
    st.compatible_from = compatible_from;
  } catch (...) {
    try {
      if (c.ok()) c.exec("SELECT pg_advisory_unlock(" + std::string(lock_key) + ")");
    } catch (...) {
    }
    throw;
  }
  c.exec("SELECT pg_advisory_unlock(" + std::string(lock_key) + ")");
  return st;
}

}  // namespace sanctwatch::store::pg
