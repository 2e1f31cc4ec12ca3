#pragma once
/// What a digest message says, read from a digest document (docs/alerts.md, "Digests") once for
/// every renderer (email, chat dialects, `alerts --format text`): its alerts read like single
/// alerts (alert_reading.hpp) with the rules the sink's filter passes, grouped by the headline
/// rule the sink shows, groups and alerts most severe first, each with how many of its updates
/// the digest folds in. Renderers only lay out, escape and cap.

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/severity.hpp"
#include "sinks/alert_reading.hpp"
#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

/// The rules of an alert a sink shows (sink::shown_rules); all of them when it is empty.
using shown_fn = std::function<std::vector<fired_rule>(const alert_view&)>;

/// One alert of a digest.
struct digest_entry_reading {
  /// The alert at the latest revision the digest folds in, with the shown rules. `update` is
  /// set only for a story people were told of before (not `is_new`): what its updates in this
  /// digest brought, together.
  alert_reading alert;
  bool is_new = true;       ///< the alert itself is in this digest, not only updates of it
  std::size_t updates = 0;  ///< how many of its updates this digest folds in
};

/// The alerts whose headline rule (the first the sink shows) is `rule`.
struct digest_group {
  fired_rule rule;
  severity level = severity::info;            ///< the highest of its alerts'
  std::vector<digest_entry_reading> entries;  ///< most severe first, then as collected
};

struct digest_reading {
  std::string id;
  std::string sink;
  std::string period_start, period_end;  ///< RFC 3339 UTC, as the document has them
  severity level = severity::info;       ///< the highest of its alerts'
  std::size_t alerts = 0;
  std::array<std::size_t, 5> by_severity{};  ///< alerts per severity, indexed by the enum
  std::vector<digest_group> groups;          ///< most severe first, then as they first appear
};

/// Reads the digest `d` (alert_view::digest). Alerts are read like single alerts (`shown` picks
/// the rules to show of each; evidence cut to `max_sentence` bytes). Fails on a document that
/// is not a digest or holds no readable alert.
result<digest_reading> read_digest(const alert_view& d, const shown_fn& shown,
                                   std::size_t max_sentence);

/// What a digest says of an alert beyond its headline, as plain text: for a story people saw
/// before, what its updates brought ("Update: now also …", with "(3 updates)" when more than
/// one); for a new one, "2 updates since it was first reported"; else empty.
std::string digest_note(const digest_entry_reading& e);

/// "5 alerts (1 critical, 2 high, 2 medium)": the count, then per severity, most severe first.
std::string digest_counts(const digest_reading& r);

/// The period in UTC: "2024-06-01 09:00–10:00 UTC", "2024-06-01 09:00 – 2024-06-02 09:00 UTC"
/// across midnight; with seconds when start and end fall in one minute.
std::string digest_period(const digest_reading& r);

}  // namespace sanctwatch::sinks
