#pragma once
/// The triage pages, rendered on the server: HTML that works without JavaScript (the script
/// only adds keys and live refresh), its stylesheet and script served from the binary (no
/// CDN). Everything from an alert is escaped; every form carries the session's CSRF token.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "web/html.hpp"

namespace sanctwatch::web {

/// The queue: the filter form (filled from `params`, so a filtered view is a URL), one row
/// per story alert, the link to older alerts. `problem`, when not empty, says what was wrong
/// with the filters (and the queue is empty).
std::string queue_html(const store::queue_page& page,
                       const std::multimap<std::string, std::string>& params, const viewer& v,
                       const std::string& problem = "");

/// Everything about one alert that the alert page shows.
struct alert_view {
  store::stored_alert alert;
  std::vector<store::alert_revision> revisions;  ///< oldest first
  std::optional<store::alert_triage> triage;
  std::vector<store::triage_action> history;  ///< oldest first
};

/// One alert: headline and article link, state, evidence with its marks highlighted, the
/// entities with their list, programs and the publisher's id, every source, the revisions,
/// delivery per sink and the triage history; for a signed-in viewer, the forms to
/// acknowledge, label and silence. `notice`: what the last action did (or why it failed).
std::string alert_html(const alert_view& a, const viewer& v, const std::string& notice = "");

/// The sign-in form. `form_token`: the token of the sign-in cookie (the form's CSRF token);
/// `next`: where to go after; `problem`: why the last try failed.
std::string login_html(const viewer& v, const std::string& form_token, const std::string& next,
                       const std::string& problem = "");

/// The silences: active and pending ones (all with `all`), each with its expire button for a
/// signed-in viewer, and the form for a new one, its matchers filled from `prefill`.
std::string silences_html(const std::vector<store::silence_record>& silences, timestamp now,
                          const viewer& v, bool all, const std::vector<std::string>& prefill,
                          const std::string& problem = "", const std::string& notice = "");

/// A short page saying what went wrong (a refused form, an unknown alert).
std::string message_html(const std::string& title, const std::string& message, const viewer& v);

/// The stylesheet (`/static/style.css`) and the script (`/static/app.js`).
const std::string& stylesheet();
const std::string& script();

/// `params` as a query string (`a=1&b=x%20y`), leaving out `drop` and empty values.
std::string query_string(const std::multimap<std::string, std::string>& params,
                         const std::string& drop = "");

}  // namespace sanctwatch::web
