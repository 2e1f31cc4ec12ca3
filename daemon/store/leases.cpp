// Sharing the work among daemons: node registration, feed claims, lease renewal. The
// delivery claim sits with the outbox in store.cpp.
#include <cassert>

#include <nlohmann/json.hpp>

#include "store/rows.hpp"
#include "store/store.hpp"

namespace sanctwatch::store {

using namespace rows;

namespace {

// pg_advisory_xact_lock keys, one per kind of serialised work (the schema lock is ...177).
constexpr std::int64_t stories_lock = 7305752451190478178;
constexpr std::int64_t digests_lock = 7305752451190478179;

}  // namespace

void store::register_node(const std::string& host, std::int64_t pid, const std::string& version,
                          timestamp now) {
  batch tx(*this);
  auto up = db_->prepare(
      "INSERT INTO nodes (name, host, pid, version, started_at, heartbeat) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (name) DO UPDATE SET host = excluded.host, "
      "pid = excluded.pid, version = excluded.version, started_at = excluded.started_at, "
      "heartbeat = excluded.heartbeat");
  up.bind(1, node_).bind(2, host).bind(3, pid).bind(4, version).bind(5, secs(now));
  up.run();
  // A SQLite file has one daemon (the state lock says so): whatever a killed process held is
  // free. On PostgreSQL only this name's leases are: other names may be alive.
  for (const char* table : {"feeds", "outbox"}) {
    auto free = db_->prepare(std::string("UPDATE ") + table +
                             " SET lease_owner = '', lease_until = 0 WHERE lease_owner <> '' AND "
                             "(?1 = 0 OR lease_owner = ?2)");
    free.bind(1, pg_ ? 1 : 0).bind(2, node_);
    free.run();
  }
  tx.commit();
}

void store::unregister_node() {
  batch tx(*this);
  for (const char* table : {"feeds", "outbox"}) {
    auto free = db_->prepare(std::string("UPDATE ") + table +
                             " SET lease_owner = '', lease_until = 0 WHERE lease_owner = ?");
    free.bind(1, node_);
    free.run();
  }
  auto del = db_->prepare("DELETE FROM nodes WHERE name = ?");
  del.bind(1, node_);
  del.run();
  tx.commit();
}

void store::renew_leases(timestamp now, timestamp until) {
  batch tx(*this);
  for (const char* table : {"feeds", "outbox"}) {
    auto renew = db_->prepare(std::string("UPDATE ") + table +
                              " SET lease_until = ? WHERE lease_owner = ?");
    renew.bind(1, secs(until)).bind(2, node_);
    renew.run();
  }
  auto beat = db_->prepare("UPDATE nodes SET heartbeat = ? WHERE name = ?");
  beat.bind(1, secs(now)).bind(2, node_);
  beat.run();
  tx.commit();
}

std::vector<node_record> store::nodes(timestamp now) {
  auto st = db_->prepare(
      "SELECT n.name, n.host, n.pid, n.version, n.started_at, n.heartbeat, "
      "(SELECT COUNT(*) FROM feeds f WHERE f.lease_owner = n.name AND f.lease_until >= ?1), "
      "(SELECT COUNT(*) FROM outbox o WHERE o.lease_owner = n.name AND o.lease_until >= ?1) "
      "FROM nodes n ORDER BY n.heartbeat DESC, n.name");
  st.bind(1, secs(now));
  std::vector<node_record> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.integer(2), st.text(3), at(st.integer(4)),
                   at(st.integer(5)), st.integer(6), st.integer(7)});
  return out;
}

void store::serialize(work w) {
  assert(depth_ > 0 && "serialize() holds until the enclosing batch ends");
  if (!pg_) return;
  auto st = db_->prepare("SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))");
  st.bind(1, w == work::stories ? stories_lock : digests_lock);
  st.run();
}

void store::sync_feeds(const std::vector<std::pair<std::string, std::string>>& feeds) {
  batch tx(*this);
  // The row is what a claim finds; a moved feed is a new feed (as the poller always treated
  // it), reset once here rather than by every daemon that polls it.
  auto up = db_->prepare(
      "INSERT INTO feeds (id, url) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET "
      "url = excluded.url, permanent_url = '', etag = '', last_modified = '', last_poll = NULL, "
      "last_success = NULL, next_poll = NULL, error_streak = 0, last_error = '', "
      "last_status = 0, items_total = 0, disabled = 0 WHERE feeds.url <> excluded.url");
  for (const auto& [id, url] : feeds) {
    up.bind(1, id).bind(2, url);
    up.run();
  }
  tx.commit();
}

namespace {

// Feed ids from a JSON array parameter, as each backend reads one. PostgreSQL gets a text[]
// (see store::feed_ids): `id = ANY(array)` is planned as a hashed filter on one scan of feeds
// whatever the table's statistics say, where a join against jsonb_array_elements_text, on a
// table not yet analysed, became a nested loop that parsed the whole array once per feed row
// (a second per claim with 3,000 feeds).
std::string configured(bool pg) {
  return pg ? "id = ANY(CAST(?1 AS text[]))" : "id IN (SELECT value FROM json_each(?1))";
}

// A PostgreSQL array literal of the strings in a JSON array: {"a","b\\"c"}.
std::string pg_text_array(const std::string& json_ids) {
  std::string out = "{";
  for (const auto& id : nlohmann::json::parse(json_ids)) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : id.get_ref<const std::string&>()) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

const std::string& store::feed_ids(const std::string& json_ids) {
  if (!pg_) return json_ids;
  if (json_ids != ids_json_) {
    ids_array_ = pg_text_array(json_ids);
    ids_json_ = json_ids;
  }
  return ids_array_;
}

std::vector<feed_claim> store::claim_feeds(const std::string& ids, timestamp now, timestamp until,
                                           int limit, bool all) {
  batch tx(*this);
  auto st = db_->prepare(std::string("SELECT ") + feed_read_columns + " FROM feeds WHERE " +
                         configured(pg_) +
                         " AND disabled = 0 AND (?2 = 1 OR next_poll IS NULL OR next_poll <= ?3)"
                         " AND (lease_owner = '' OR lease_until < ?3)"
                         " ORDER BY COALESCE(next_poll, 0), id LIMIT ?4" +
                         (pg_ ? " FOR UPDATE SKIP LOCKED" : ""),
                         planning::per_call);
  st.bind(1, feed_ids(ids)).bind(2, all ? 1 : 0).bind(3, secs(now)).bind(4, limit);
  std::vector<feed_claim> out;
  while (st.step()) {
    feed_claim c{read_feed(st), {}};
    if (c.st.lease_owner != node_) c.taken_from = c.st.lease_owner;
    c.st.lease_owner = node_;
    c.st.lease_until = until;
    out.push_back(std::move(c));
  }
  st.reset();
  auto lease = db_->prepare("UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id = ?");
  for (const auto& c : out) {
    lease.bind(1, node_).bind(2, secs(until)).bind(3, c.st.id);
    lease.run();
  }
  tx.commit();
  return out;
}

std::optional<timestamp> store::next_feed_due(const std::string& ids, timestamp now) {
  auto st = db_->prepare(std::string("SELECT MIN(CASE WHEN lease_owner <> '' AND lease_until >= ?2 "
                                     "THEN lease_until ELSE COALESCE(next_poll, 0) END) "
                                     "FROM feeds WHERE ") +
                         configured(pg_) + " AND disabled = 0",
                         planning::per_call);
  st.bind(1, feed_ids(ids)).bind(2, secs(now));
  st.step();
  return at(st.optional_integer(0));
}

}  // namespace sanctwatch::store
