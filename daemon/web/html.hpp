#pragma once
/// HTML for the triage side: everything from an alert (article text is hostile input) goes
/// through escape_html; evidence sentences get their marks as <mark>.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sanctwatch::web {

/// `s` safe as HTML text and as a double- or single-quoted attribute value.
std::string escape_html(std::string_view s);
/// An evidence entry ({text, marks}) as HTML: the text escaped, each mark that fits the text
/// (byte offsets on UTF-8 boundaries, not overlapping) wrapped in <mark>.
std::string evidence_html(const nlohmann::json& e);

}  // namespace sanctwatch::web
