#pragma once
/// Sinks deliver alert documents. Every sink carries the same JSON document (docs/alerts.md);
/// the dispatcher (service/) feeds them from the persistent outbox and records outcomes.
///
/// Sinks are used from the daemon's io_context thread only. deliver() may complete
/// synchronously (files, journald, syslog) or later (webhooks); either way `done` is
/// called exactly once.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/severity.hpp"

namespace sanctwatch::sinks {

/// A rule that fired on the story, as the document lists it.
struct fired_rule {
  std::string id, title;
  severity level = severity::info;
  std::vector<std::string> tags;
};

/// What a sink needs to know of an alert: routing keys plus the document itself.
struct alert_view {
  std::string id;
  std::string rule_id;     ///< the headline rule (rules[0])
  std::string rule_title;  ///< its title
  severity level = severity::info;  ///< the highest of the rules'
  std::vector<std::string> tags;    ///< the union of the rules'
  std::vector<fired_rule> rules;    ///< most severe first
  std::string item_title;
  std::string item_link;
  /// 0 for the alert as first delivered; n > 0 for its n-th update ("type": "alert.updated",
  /// "revision": n): a later copy of the story added to `sources`, and maybe more.
  int revision = 0;
  /// What an update brought beyond sources (its document's `changes`): rules that fired on a
  /// later copy, entities it named, a severity it raised. Updates with changes reach people;
  /// the others only machine sinks.
  std::vector<std::string> rules_added;
  bool entities_added = false;
  bool severity_raised = false;
  std::size_t entities_added_count = 0;  ///< how many (`changes.entities_added`)
  std::string severity_from;             ///< the severity it was raised from, or ""
  bool has_changes() const { return !rules_added.empty() || entities_added || severity_raised; }
  std::string document;  ///< the JSON document, byte for byte what is delivered
  /// A digest ("type": "digest", docs/alerts.md): the alerts one sink collected over a period,
  /// for one message. `id` is the digest's, `level` the highest of its alerts', `item_title`
  /// says how many; its alerts are read with sinks/digest_reading.hpp.
  bool digest = false;
  /// A list event (docs/entities.md, "List events"): one entity added to, removed from or
  /// changed on an entity list ("sanctwatch.list-event/1", for machine sinks), or the summary
  /// of one refresh for people ("sanctwatch.list-refresh/1"). `item_title` is its one line
  /// ("OFAC SDN: 3 added, 1 removed: A, B, C, D"), `text` what people read, several lines.
  bool list_event = false;
  std::string text;

  /// What receivers deduplicate deliveries by (the Standard Webhooks `webhook-id`): the alert
  /// id for the alert, "<alert id>-<n>" for its n-th update, so an update is never dropped as
  /// a repeat of the alert, while every retry of either carries the same value.
  std::string message_id() const { return revision > 0 ? id + "-" + std::to_string(revision) : id; }
};

/// Rebuilds the routing view from a stored document (after a restart the outbox holds
/// only documents): an alert, or a digest of alerts. Fails on a document that is neither.
result<alert_view> view_of(std::string document);

/// The one line logs show: "[HIGH] <item title> — <rule ids> <link>", the rule ids being
/// `shown` (those a sink's filter passes; all when empty). An update with changes starts
/// "update: now also <added rule ids>, 2 more entities, severity raised from medium — ".
std::string summary_line(const alert_view& a, const std::vector<fired_rule>& shown = {});

/// Replaces every occurrence of `what` (not empty) in `s`: secrets and URLs out of errors.
void replace_all(std::string& s, std::string_view what, std::string_view with);

/// One line for logs and the outbox's error column: control characters become spaces, at most
/// `max` bytes cut on a UTF-8 boundary (errors are stored in JSON, which must stay valid UTF-8),
/// trailing spaces dropped.
std::string log_line(std::string_view s, std::size_t max);

/// Which alerts a sink takes. A story passes when any of its fired rules passes.
struct filter {
  severity min_severity = severity::info;
  std::vector<std::string> tags;          ///< any of these (empty: any)
  std::vector<std::string> exclude_tags;  ///< none of these
  std::vector<std::string> rules;         ///< only these rule ids (empty: all)
  bool accepts(const fired_rule& r) const;
  bool accepts(const alert_view& a) const;
  /// An update with changes: a rule it added passes, or it named entities or raised the
  /// severity of a story that passes.
  bool accepts_changes(const alert_view& a) const;
};

/// The result of one delivery attempt.
struct outcome {
  enum class kind { delivered, retry, dead };
  kind result = kind::delivered;
  int status = 0;     ///< HTTP status when there was one
  std::string error;  ///< why it failed; never contains secrets
  std::optional<std::chrono::seconds> retry_after;

  static outcome ok(int status = 0) { return {kind::delivered, status, {}, std::nullopt}; }
  static outcome retry(std::string why, int status = 0) { return {kind::retry, status, std::move(why), std::nullopt}; }
  static outcome dead(std::string why, int status = 0) { return {kind::dead, status, std::move(why), std::nullopt}; }
};

using done_fn = std::function<void(outcome)>;

class sink {
 public:
  sink(std::string name, filter f) : name_(std::move(name)), filter_(std::move(f)) {}
  virtual ~sink() = default;
  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;

  const std::string& name() const { return name_; }
  bool accepts(const alert_view& a) const { return filter_.accepts(a); }
  bool accepts_changes(const alert_view& a) const { return filter_.accepts_changes(a); }
  /// The rules of the alert this sink's filter passes: what a message to people shows.
  std::vector<fired_rule> shown_rules(const alert_view& a) const {
    std::vector<fired_rule> out;
    for (const auto& r : a.rules)
      if (filter_.accepts(r)) out.push_back(r);
    return out;
  }

  /// Delivers one alert; calls `done` exactly once, possibly before returning.
  virtual void deliver(const alert_view& a, done_fn done) = 0;
  /// Whether the sink is sent every update of an alert (revision > 0): machine readers that
  /// replace an alert by id (JSON lines, webhooks) say yes. People (chat, email) and logs
  /// (journald, syslog) get only the updates that report something new (`changes`: a rule
  /// or an entity a later copy brought, a raised severity), marked as such.
  virtual bool supports_updates() const { return false; }
  /// Reopens files (SIGHUP, for logrotate). Default: nothing to reopen.
  virtual void reopen() {}

  /// What the sink is sent (config `events`): alert documents, list events, or both.
  void set_events(bool alerts, bool lists) {
    alerts_ = alerts;
    lists_ = lists;
  }
  bool takes_alerts() const { return alerts_; }
  bool takes_lists() const { return lists_; }
  /// Whether people read it (chat, email, journald, syslog, stdout as text): they get one
  /// message per list refresh ("OFAC SDN: 14 added, 2 removed"), machines every list event.
  virtual bool for_people() const { return true; }
  /// Whether it gets alerts a silence holds (docs/triage.md): machine sinks do, marked
  /// `silenced`; sinks people read do not, neither when the alert is made nor when it is due.
  bool takes_silenced() const { return !for_people(); }
  /// Whether an event of severity `level` passes the sink's min_severity.
  bool accepts_level(severity level) const { return level >= filter_.min_severity; }

  /// Whether deliver() takes digests (alert_view::digest): the sinks people read, chat and
  /// email, which may collect their alerts into one message per period.
  virtual bool takes_digests() const { return false; }
  /// The period this sink collects its alerts over into one digest (config `digest`); empty:
  /// each alert is delivered as it comes. Set only on sinks that take digests.
  const std::optional<std::chrono::seconds>& digest() const { return digest_; }
  void set_digest(std::optional<std::chrono::seconds> period) { digest_ = period; }

 private:
  std::string name_;
  filter filter_;
  std::optional<std::chrono::seconds> digest_;
  bool alerts_ = true, lists_ = false;
};

}  // namespace sanctwatch::sinks
