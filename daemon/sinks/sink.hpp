#pragma once
/// Sinks deliver alert documents. Every sink carries the same JSON document (ALERTS.md);
/// the dispatcher (service/) feeds them from the persistent outbox and records outcomes.
///
/// Sinks are used from the daemon's io_context thread only. deliver() may complete
/// synchronously (files, journald, syslog) or later (webhooks); either way `done` is
/// called exactly once.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/severity.hpp"

namespace sanctwatch::sinks {

/// What a sink needs to know of an alert: routing keys plus the document itself.
struct alert_view {
  std::string id;
  std::string rule_id;
  std::string rule_title;
  severity level = severity::info;
  std::vector<std::string> tags;
  std::string item_title;
  std::string item_link;
  /// 0 for the alert as first delivered; n > 0 for its n-th update ("type": "alert.updated",
  /// "revision": n), a later copy of the story added to `sources`.
  int revision = 0;
  std::string document;  ///< the JSON document, byte for byte what is delivered

  /// What receivers deduplicate deliveries by (the Standard Webhooks `webhook-id`): the alert
  /// id for the alert, "<alert id>-<n>" for its n-th update, so an update is never dropped as
  /// a repeat of the alert, while every retry of either carries the same value.
  std::string message_id() const { return revision > 0 ? id + "-" + std::to_string(revision) : id; }
};

/// Rebuilds the routing view from a stored document (after a restart the outbox holds
/// only documents). Fails on a document that is not an alert.
result<alert_view> view_of(std::string document);

/// "[high] sanctions.threat.china-finance: Sanctions threatened ... — <item title> <link>"
std::string summary_line(const alert_view& a);

/// Which alerts a sink takes.
struct filter {
  severity min_severity = severity::info;
  std::vector<std::string> tags;          ///< any of these (empty: any)
  std::vector<std::string> exclude_tags;  ///< none of these
  std::vector<std::string> rules;         ///< only these rule ids (empty: all)
  bool accepts(const alert_view& a) const;
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

  /// Delivers one alert; calls `done` exactly once, possibly before returning.
  virtual void deliver(const alert_view& a, done_fn done) = 0;
  /// Whether the sink is sent updates of alerts (revision > 0): machine readers that
  /// replace an alert by id (JSON lines, webhooks) say yes; for people (chat) and logs
  /// (journald, syslog) a second message about the same story is noise.
  virtual bool supports_updates() const { return false; }
  /// Reopens files (SIGHUP, for logrotate). Default: nothing to reopen.
  virtual void reopen() {}

 private:
  std::string name_;
  filter filter_;
};

}  // namespace sanctwatch::sinks
