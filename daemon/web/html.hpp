#pragma once
/// HTML for the triage side: everything from an alert (article text is hostile input) goes
/// through escape_html; evidence sentences get their marks as <mark>.

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sanctwatch::web {

/// Who is looking at a page: what it offers depends on it.
struct viewer {
  std::string user;  ///< signed in as; empty: not signed in
  std::string csrf;  ///< the session's CSRF token, carried by every form
  bool sign_in = false;  ///< whether there are users to sign in as
  bool signed_in() const { return !user.empty(); }
};

/// The top of every page: head (stylesheet, script, `head_extra`), the header with the
/// navigation and who is signed in, and the opening of <main>.
std::string page_open(const std::string& title, const viewer& v, const std::string& head_extra = "");
/// The end of <main> and of the page.
std::string page_close();
/// The hidden input carrying the CSRF token of `v`'s session.
std::string csrf_field(const viewer& v);
/// `s` percent-encoded for a URL's path segment or query value.
std::string percent(std::string_view s);
/// A time as the page shows it: "2026-12-04 10:15 UTC", in a <time> element.
std::string time_html(const std::chrono::sys_seconds& t);

/// `s` safe as HTML text and as a double- or single-quoted attribute value.
std::string escape_html(std::string_view s);
/// Whether `url` may become a link: http(s) only, never `javascript:` or `data:` from a feed.
bool is_web_link(std::string_view url);
/// "info" … "critical" for a severity as the queue stores it (0–4; out of range clamped).
std::string severity_name(int severity);
/// An evidence entry ({text, marks}) as HTML: the text escaped, each mark that fits the text
/// (byte offsets on UTF-8 boundaries, not overlapping) wrapped in <mark>.
std::string evidence_html(const nlohmann::json& e);

}  // namespace sanctwatch::web
