#include "web/html.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "core/severity.hpp"
#include "core/time.hpp"

namespace sanctwatch::web {
namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string page_open(const std::string& title, const viewer& v, const std::string& head_extra) {
  std::string h =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" + escape_html(title) + " · sanctwatch</title>"
      "<link rel=\"stylesheet\" href=\"/static/style.css\">"
      "<script src=\"/static/app.js\" defer></script>" + head_extra +
      "</head><body><header class=\"top\"><nav aria-label=\"Sections\"><a href=\"/\">Alerts</a> "
      "<a href=\"/silences\">Silences</a></nav><div class=\"who\">";
  if (v.signed_in())
    h += "Signed in as <strong>" + escape_html(v.user) +
         "</strong> <form method=\"post\" action=\"/logout\" class=\"inline\">" + csrf_field(v) +
         "<button type=\"submit\">Sign out</button></form>";
  else if (v.sign_in)
    h += "<a href=\"/login\">Sign in</a>";
  return h + "</div></header><main>";
}

std::string page_close() { return "</main></body></html>\n"; }

std::string csrf_field(const viewer& v) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape_html(v.csrf) + "\">";
}

std::string percent(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string time_html(const std::chrono::sys_seconds& t) {
  std::string shown = format_rfc3339(t);  // 2026-12-04T10:15:00Z
  if (shown.size() == 20) shown = shown.substr(0, 10) + " " + shown.substr(11, 5) + " UTC";
  return "<time datetime=\"" + format_rfc3339(t) + "\">" + shown + "</time>";
}

bool is_web_link(std::string_view url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

std::string severity_name(int s) {
  return std::string(to_string(static_cast<severity>(std::clamp(s, 0, 4))));
}

std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  return out;
}

// An evidence sentence with its marks as <mark>; marks that do not fit the text (or cut a
// UTF-8 character) are dropped, the text stays.
std::string evidence_html(const nlohmann::json& e) {
  const std::string text = e.is_object() && e.contains("text") && e["text"].is_string()
                               ? e["text"].get<std::string>()
                               : std::string();
  std::vector<std::pair<std::size_t, std::size_t>> marks;
  if (e.contains("marks") && e["marks"].is_array())
    for (const auto& m : e["marks"]) {
      if (!m.is_object() || !m.contains("start") || !m.contains("end")) continue;
      if (!m["start"].is_number_unsigned() || !m["end"].is_number_unsigned()) continue;
      const auto s = m["start"].get<std::size_t>(), en = m["end"].get<std::size_t>();
      if (s >= en || en > text.size()) continue;
      if (continuation(static_cast<unsigned char>(text[s])) ||
          (en < text.size() && continuation(static_cast<unsigned char>(text[en]))))
        continue;
      if (!marks.empty() && s < marks.back().second) continue;  // overlapping: first wins
      marks.emplace_back(s, en);
    }
  std::string out;
  std::size_t at = 0;
  for (const auto& [s, en] : marks) {
    out += escape_html(std::string_view(text).substr(at, s - at));
    out += "<mark>" + escape_html(std::string_view(text).substr(s, en - s)) + "</mark>";
    at = en;
  }
  return out + escape_html(std::string_view(text).substr(at));
}

}  // namespace sanctwatch::web
