#pragma once
/// The item pipeline: a parsed feed document in, alerts recorded out. Each item is matched
/// once; an updated item (same id, new content) is matched again and alerts only for rules
/// that did not fire on it before. Marking an item seen and recording its alerts, with one
/// outbox row per sink the alert is routed to, is one transaction (store::record).
///
/// Runs on the daemon's io_context thread; the ruleset may be swapped between calls (reload).

#include <memory>
#include <string>
#include <vector>

#include "core/item.hpp"
#include "engine/ruleset.hpp"
#include "sinks/sink.hpp"
#include "store/store.hpp"

namespace sanctwatch::service {

struct pipeline_stats {
  int items = 0;      ///< items in the document
  int new_items = 0;  ///< never seen before
  int changed = 0;    ///< seen, content changed
  int alerts = 0;     ///< alerts recorded
  std::vector<std::string> rules_fired;  ///< rule id of each recorded alert (metrics)
};

struct feed_identity {
  std::string id;
  std::string title;
  std::string url;
};

class pipeline {
 public:
  pipeline(store::store& db, std::vector<std::shared_ptr<sinks::sink>> sinks);

  void set_ruleset(std::shared_ptr<const engine::ruleset> rules) { rules_ = std::move(rules); }
  const std::shared_ptr<const engine::ruleset>& ruleset() const { return rules_; }
  void set_sinks(std::vector<std::shared_ptr<sinks::sink>> s) { sinks_ = std::move(s); }

  /// Matches the new and changed items of one fetched document and records them.
  pipeline_stats process(const feed_identity& feed, const feed_document& doc, timestamp now);

 private:
  store::store& db_;
  std::vector<std::shared_ptr<sinks::sink>> sinks_;
  std::shared_ptr<const engine::ruleset> rules_;
};

/// The identity of an item within its feed, and a hash of the text rules look at.
std::string item_key(const item& it);
std::string content_hash(const item& it);

}  // namespace sanctwatch::service
