#include "web/html.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/severity.hpp"

namespace sanctwatch::web {
namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

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
