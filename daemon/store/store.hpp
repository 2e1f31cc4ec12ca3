#pragma once
/// The daemon's state in one SQLite file (WAL): feed state, items seen, alerts and the
/// delivery outbox. Recording an item and its alerts (with one outbox row per routed sink)
/// is one transaction, so a crash loses nothing and duplicates nothing but deliveries that
/// were in flight, which are re-sent with the same alert id.
///
/// Not thread-safe: one store per thread (the daemon's io_context thread). A second
/// process (`sanctwatch alerts`) may open the same file; writers wait up to 5 s for locks.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/item.hpp"
#include "store/sqlite.hpp"

namespace sanctwatch::store {

struct feed_state {
  std::string id;
  std::string url;
  std::string permanent_url;  ///< where a 301/308 chain moved the feed; empty if never moved
  std::string etag;           ///< exactly as received
  std::string last_modified;  ///< exactly as received
  std::optional<timestamp> last_poll;
  std::optional<timestamp> last_success;
  std::optional<timestamp> next_poll;
  int error_streak = 0;
  std::string last_error;
  int last_status = 0;
  std::int64_t items_total = 0;
  bool disabled = false;  ///< 410 Gone
};

struct item_record {
  std::string feed_id;
  std::string item_key;      ///< identity hash of the item (feed item id)
  std::string content_hash;  ///< changes when the item's text changes
  timestamp seen_at;
};

struct alert_record {
  std::string id;  ///< stable across retries and restarts
  std::string rule_id;
  std::string severity;
  std::string story_id;
  std::string document;  ///< the alert JSON, byte for byte what sinks deliver
  timestamp created_at;
  std::vector<std::string> sinks;  ///< sinks this alert is routed to: one outbox row each
};

enum class delivery_state { pending, delivered, dead };
const char* to_string(delivery_state s);

struct delivery {
  std::string alert_id;
  std::string sink;
  std::string document;
  int attempts = 0;
  delivery_state state = delivery_state::pending;
  std::optional<timestamp> next_attempt;
  std::string last_error;
  int last_status = 0;
};

struct stored_alert {
  std::string id;
  std::string rule_id;
  std::string severity;
  std::string feed_id;
  timestamp created_at;
  std::string document;
  std::vector<delivery> deliveries;  ///< without documents
};

class store {
 public:
  /// Opens or creates the database and migrates it to the current schema; throws
  /// sqlite_error when the file cannot be opened or is newer than this build.
  explicit store(const std::string& path);

  static constexpr int schema_version = 1;
  int version();

  // Feeds.
  std::optional<feed_state> load_feed(const std::string& id);
  void save_feed(const feed_state& f);
  std::vector<feed_state> feeds();

  // Items.
  /// The content hash stored for an item, or empty when the item was never seen.
  std::optional<std::string> content_hash(const std::string& feed_id, const std::string& item_key);
  /// Ids of the rules that already alerted on this item (so an updated item alerts only
  /// for rules that did not fire before).
  std::set<std::string> fired_rules(const std::string& feed_id, const std::string& item_key);
  /// Marks the item seen and records its alerts with their outbox rows, atomically.
  /// An alert id already recorded is skipped (idempotent re-processing).
  void record(const item_record& item, const std::vector<alert_record>& alerts);
  /// Refreshes last_seen of items still present in a feed (one transaction), so retention
  /// never forgets an item that is still published and would then alert again.
  void touch(const std::string& feed_id, const std::vector<std::string>& item_keys, timestamp now);

  // Outbox.
  /// Pending deliveries due at `now`, oldest first.
  std::vector<delivery> due(timestamp now, int limit);
  /// How many deliveries are pending (metrics).
  std::int64_t pending_count();
  /// The earliest next attempt among pending deliveries.
  std::optional<timestamp> next_due();
  void mark_delivered(const std::string& alert_id, const std::string& sink, timestamp now, int status);
  void mark_retry(const std::string& alert_id, const std::string& sink, timestamp next_attempt,
                  int status, const std::string& error);
  void mark_dead(const std::string& alert_id, const std::string& sink, timestamp now, int status,
                 const std::string& error);
  /// Re-queues deliveries to `sink` (all sinks when empty): dead ones, or every one created at
  /// or after `since`. Returns how many rows were re-queued.
  int requeue(const std::string& sink, std::optional<timestamp> since, bool dead_only, timestamp now);

  // Queries.
  std::vector<stored_alert> alerts(std::optional<timestamp> since, const std::string& rule_id,
                                   int limit);

  /// Removes items not seen since `seen_before` and delivered outbox rows (and alerts with no
  /// remaining rows) older than `delivered_before`. Dead letters stay until replayed.
  void purge(timestamp seen_before, timestamp delivered_before);

 private:
  void migrate();
  connection db_;
};

}  // namespace sanctwatch::store
