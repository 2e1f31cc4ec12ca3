#pragma once
/// The item pipeline: a parsed feed document in, alerts recorded out. Each item is matched
/// once; an updated item (same id, new content) is matched again and alerts only for rules
/// that did not fire on it before. Marking an item seen and recording its alerts, with one
/// outbox row per sink the alert is routed to, is one transaction (store::record). A sink that
/// collects digests (sink::digest) gets a digest queue entry instead of the outbox row.
///
/// Stories: the same wire story reaches us through many feeds. An item that fires a rule
/// is put in a story — the story of an earlier item seen within the window with the same
/// canonical link or near-duplicate text (story/), else a new one it founds. A story alerts
/// once per rule: a later copy firing the same rule becomes one more of the alert's
/// `sources`, announced as the alert's next revision ("type": "alert.updated") to the sinks
/// that take updates. The story lookup and the record are one transaction. With stories
/// off, every item is a story of its own (one alert per item and rule).
///
/// Runs on the daemon's io_context thread; the ruleset may be swapped between calls (reload).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/item.hpp"
#include "engine/ruleset.hpp"
#include "sinks/silence.hpp"
#include "sinks/sink.hpp"
#include "store/store.hpp"

namespace sanctwatch::service {

struct pipeline_stats {
  int items = 0;      ///< items in the document
  int new_items = 0;  ///< never seen before
  int changed = 0;    ///< seen, content changed
  int alerts = 0;     ///< alerts recorded
  int updates = 0;    ///< alerts updated with one more source (a later copy of their story)
  std::vector<std::string> rules_fired;  ///< rule id of each recorded alert (metrics)
};

/// A story's alert that later copies reached during one document: announced once, as one
/// revision, when the document is through (or stopped), however many copies it had.
struct pending_revision {
  std::string alert_id;
  int revision = 0;          ///< the revision the announcement will be
  nlohmann::json document;   ///< the alert with the copies added so far
  bool changed = false;      ///< a copy added something since the last announcement
  /// What copies brought beyond sources since the last announcement: these make the
  /// revision one for people too (`changes` in the document).
  std::vector<std::string> rules_added, entities_added;
  std::string severity_from;  ///< the severity before a copy raised it; empty: not raised
};

/// How far the processing of one document has come (pipeline::process_some).
struct pipeline_progress {
  /// At most this many items per step, and at most step_time of work: each step records its
  /// items in one transaction and commits, so a stop or other work waits for one step only.
  static constexpr std::size_t step_items = 500;
  static constexpr std::chrono::milliseconds step_time{250};
  bool started = false;
  bool done = false;
  std::size_t next = 0;  ///< the next item
  /// New or changed items to process from this document at most (0: all); the rest are left
  /// unseen for the next poll and counted in `deferred`.
  std::size_t max_new = 0;
  std::size_t deferred = 0;
  pipeline_stats stats;
  std::shared_ptr<const engine::ruleset> rules;  ///< the ruleset the document started with
  /// By story id: the alerts later copies reached.
  std::map<std::string, pending_revision> pending;
  /// The silences active when the document's first alert or revision was made (read once,
  /// when first needed: most documents make none).
  std::optional<std::vector<sinks::silence>> silences;
};

struct feed_identity {
  std::string id;
  std::string title;
  std::string url;
};

/// Story grouping (config `stories`).
struct story_settings {
  bool enabled = true;
  /// A story takes copies while its last copy is younger than this.
  std::chrono::seconds window{72 * 3600};
};

class pipeline {
 public:
  pipeline(store::store& db, std::vector<std::shared_ptr<sinks::sink>> sinks,
           story_settings stories = {});

  void set_ruleset(std::shared_ptr<const engine::ruleset> rules) { rules_ = std::move(rules); }
  const std::shared_ptr<const engine::ruleset>& ruleset() const { return rules_; }
  void set_sinks(std::vector<std::shared_ptr<sinks::sink>> s) { sinks_ = std::move(s); }
  void set_stories(story_settings s) { stories_ = s; }

  /// Matches the new and changed items of one fetched document and records them.
  pipeline_stats process(const feed_identity& feed, const feed_document& doc, timestamp now);
  /// The same in steps of pipeline_progress::step_items items, each recorded and committed
  /// before it returns, so that a loop can serve other work between steps; `p.done` when the
  /// document is through. A reload between steps does not change the document's ruleset.
  void process_some(const feed_identity& feed, const feed_document& doc, timestamp now,
                    pipeline_progress& p);
  /// Ends a document early (the daemon is stopping): what was processed stays recorded, the
  /// revisions it gathered are announced, the remaining items stay unseen. Sets `p.done`.
  void finish_early(pipeline_progress& p, timestamp now);

  /// Sources an alert document lists; `sources_total` counts them all.
  static constexpr std::size_t max_listed_sources = 100;
  /// Evidence sentences an alert carries (config `alerts.max_evidence`, default 3).
  void set_max_evidence(std::size_t n) { max_sentences_ = n; }
  /// Keep each new or changed item's text in the store (config state.text_retention > 0), in
  /// the transaction that marks it seen. On by default.
  void set_keep_text(bool on) { keep_text_ = on; }

 private:
  /// The story an item belongs to, found or founded (and recorded) in the current batch.
  store::story_record assign_story(const std::string& feed_id, const item& it,
                                   const std::string& key, bool seen, timestamp now);
  /// Records one revision for every pending alert a copy changed (inside the caller's batch).
  void announce(pipeline_progress& p, timestamp now);
  /// Marks an alert document silenced (or not) by the silences active for the document, and
  /// says whether it is: a silenced alert is routed to machine sinks only.
  bool apply_silences(pipeline_progress& p, nlohmann::json& alert, timestamp now);

  store::store& db_;
  std::vector<std::shared_ptr<sinks::sink>> sinks_;
  std::shared_ptr<const engine::ruleset> rules_;
  story_settings stories_;
  std::size_t max_sentences_ = 3;
  bool keep_text_ = true;
};

/// The silences active at `now`, read from the store (one whose matchers this build cannot
/// read is left out, with a warning).
std::vector<sinks::silence> active_silences(store::store& db, timestamp now);

/// The identity of an item within its feed, and a hash of the text rules look at.
std::string item_key(const item& it);
std::string content_hash(const item& it);
/// The id of the story an item founds (16 hex digits of a hash of its feed and item ids).
std::string story_id(const std::string& feed_id, const item& it);

}  // namespace sanctwatch::service
