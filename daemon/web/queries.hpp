#pragma once
/// The queue's filters as they appear in a URL (`/api/alerts?tag=sanctions&since=7d`), shared
/// by the JSON API, the Atom feed and the page, so a filtered view can be bookmarked and
/// shared; and what the API answers (docs/triage.md, "JSON API").

#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>
#include <string>

#include "core/result.hpp"
#include "sinks/silence.hpp"
#include "store/store.hpp"

namespace sanctwatch::web {

/// A date ("2024-06-01", RFC 3339) or a duration: `ago` ("since 24h") before `now`, else
/// after it ("for 2h"). Empty when it is neither.
std::optional<timestamp> parse_when(const std::string& s, timestamp now, bool ago);

/// A silence as the state keeps it.
store::silence_record silence_record_of(const sinks::silence& s);

/// A query: the filter, the page size and the cursor.
struct queue_query {
  store::queue_filter filter;
  int limit = 50;
  std::string after;
};

/// Reads `severity` (the least: info … critical), `tag`, `rule`, `list`, `feed`, `state`,
/// `q` (words), `since`/`until` (a date, RFC 3339, or a duration ago such as `24h`),
/// `limit` (1–500) and `after` (a page's cursor). Unknown parameters are ignored; a bad
/// value is an error naming it.
result<queue_query> parse_query(const std::multimap<std::string, std::string>& params,
                                timestamp now);

/// The API's answer for one page: {"alerts": [{"alert": document, "triage": {...}}], "total",
/// "next"}.
std::string api_page(const store::queue_page& page);

/// Where a person's work on an alert stands: its label, else "acknowledged", else
/// "silenced", else "new".
std::string triage_state(const std::optional<store::alert_triage>& t, bool silenced);

/// Where a delivery stands, for people: "delivered", "pending", "retrying" (pending after a
/// failed attempt), "silenced" (settled unsent: a silence held it from a sink people read) or
/// "dead".
std::string delivery_state_name(const store::delivery& d);

/// "pending", "active" or "expired" at `now`.
std::string silence_state(const store::silence_record& s, timestamp now);

/// A silence as `silence list --format json` and `/api/silences` show it, with its state at
/// `now` (pending, active, expired).
nlohmann::json silence_json(const store::silence_record& s, timestamp now);

/// `/api/alerts/ID`: {"alert", "triage", "revisions", "deliveries", "digests", "history"}.
nlohmann::json alert_json(const store::stored_alert& a, const std::vector<store::alert_revision>& revisions,
                          const std::optional<store::alert_triage>& t,
                          const std::vector<store::triage_action>& history);

/// The Atom 1.0 feed of one page (`self`: the feed's own URL, its id too).
std::string atom_feed(const store::queue_page& page, const std::string& self, timestamp now);

}  // namespace sanctwatch::web
