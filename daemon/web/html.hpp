#pragma once
/// HTML for the triage side: everything from an alert (article text is hostile input) goes
/// through escape_html; evidence sentences get their marks as <mark>.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sanctwatch::web {

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
