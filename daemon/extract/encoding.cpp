#include "extract/encoding.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>

#include "text/charset.hpp"

namespace sanctwatch::extract {
namespace {

constexpr std::size_t k_prescan_bytes = 8192;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool starts_with_ci(std::string_view s, std::size_t at, std::string_view word) {
  if (s.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (lower(s[at + i]) != word[i]) return false;
  return true;
}

std::string trim_label(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '"' || s.front() == '\''))
    s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '"' || s.back() == '\''))
    s.remove_suffix(1);
  return to_lower(s);
}

// The charset parameter of a Content-Type value ("text/html; charset=KOI8-R"), as the
// WHATWG "extract a character encoding from a meta element" algorithm reads it.
std::string charset_param(std::string_view content) {
  const std::string lc = to_lower(content);
  std::size_t at = 0;
  while ((at = lc.find("charset", at)) != std::string::npos) {
    std::size_t i = at + 7;
    while (i < lc.size() && is_space(lc[i])) ++i;
    if (i >= lc.size() || lc[i] != '=') {
      at = i;
      continue;
    }
    ++i;
    while (i < lc.size() && is_space(lc[i])) ++i;
    if (i >= lc.size()) return {};
    if (lc[i] == '"' || lc[i] == '\'') {
      const char q = lc[i++];
      const std::size_t end = lc.find(q, i);
      if (end == std::string::npos) return {};
      return trim_label(std::string_view(lc).substr(i, end - i));
    }
    std::size_t end = i;
    while (end < lc.size() && !is_space(lc[end]) && lc[end] != ';') ++end;
    return trim_label(std::string_view(lc).substr(i, end - i));
  }
  return {};
}

struct meta_attr {
  std::string name;
  std::string value;
};

// One attribute of a tag at s[i] (after the tag name), as the prescan reads it; i moves on.
// Returns nothing at '>' or the end.
std::optional<meta_attr> next_attr(std::string_view s, std::size_t& i) {
  while (i < s.size() && (is_space(s[i]) || s[i] == '/')) ++i;
  if (i >= s.size() || s[i] == '>') return std::nullopt;
  meta_attr a;
  while (i < s.size() && !is_space(s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/')
    a.name += lower(s[i++]);
  while (i < s.size() && is_space(s[i])) ++i;
  if (i >= s.size() || s[i] != '=') return a;
  ++i;
  while (i < s.size() && is_space(s[i])) ++i;
  if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
    const char q = s[i++];
    const std::size_t end = s.find(q, i);
    const std::size_t stop = end == std::string_view::npos ? s.size() : end;
    a.value.assign(s.substr(i, stop - i));
    i = stop == s.size() ? stop : stop + 1;
  } else {
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i]) && s[i] != '>') ++i;
    a.value.assign(s.substr(start, i - start));
  }
  return a;
}

// WHATWG "get an encoding": labels browsers map to something else.
std::string canonical_label(std::string label) {
  if (label.starts_with("utf-16") || label.starts_with("utf-32") || label == "unicode" ||
      label == "ucs-2")
    return "utf-8";  // a page whose markup was readable as ASCII is not UTF-16
  if (label == "utf8" || label == "unicode-1-1-utf-8") return "utf-8";
  if (label == "x-user-defined") return "windows-1252";
  if (label == "iso-8859-1" || label == "latin1" || label == "us-ascii" || label == "ascii" ||
      label == "iso8859-1" || label == "l1" || label == "cp1252")
    return "windows-1252";
  if (label == "cp1251" || label == "x-cp1251") return "windows-1251";
  return label;
}

}  // namespace

std::pair<std::string, std::string> meta_charset(std::string_view head) {
  head = head.substr(0, std::min(head.size(), k_prescan_bytes));
  std::size_t i = 0;
  while (i < head.size()) {
    const std::size_t lt = head.find('<', i);
    if (lt == std::string_view::npos) break;
    i = lt + 1;
    if (head.substr(lt).starts_with("<!--")) {
      const std::size_t end = head.find("-->", lt + 4);
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    if (!starts_with_ci(head, i, "meta") || i + 4 >= head.size() ||
        !(is_space(head[i + 4]) || head[i + 4] == '/')) {
      continue;
    }
    i += 4;
    bool http_equiv_content_type = false;
    std::string charset, content;
    while (auto a = next_attr(head, i)) {
      if (a->name == "charset" && charset.empty())
        charset = trim_label(a->value);
      else if (a->name == "http-equiv")
        http_equiv_content_type = to_lower(a->value) == "content-type";
      else if (a->name == "content" && content.empty())
        content = a->value;
    }
    if (!charset.empty()) return {canonical_label(charset), "meta charset"};
    if (http_equiv_content_type && !content.empty()) {
      if (std::string cs = charset_param(content); !cs.empty())
        return {canonical_label(cs), "meta http-equiv"};
    }
  }
  return {};
}

decoded_page decode_page(std::string_view bytes, std::string_view hint) {
  decoded_page out;
  auto at = [&](std::size_t i) {
    return i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : 0x100u;
  };
  std::size_t bom = 0;
  if (at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) {
    out.charset = "utf-8", out.source = "bom", bom = 3;
  } else if (at(0) == 0xFF && at(1) == 0xFE) {
    out.charset = "utf-16le", out.source = "bom", bom = 2;
  } else if (at(0) == 0xFE && at(1) == 0xFF) {
    out.charset = "utf-16be", out.source = "bom", bom = 2;
  }
  if (out.charset.empty() && !hint.empty()) {
    // A Content-Type value ("text/html; charset=x", or just "text/html") or a bare name.
    const bool content_type = hint.find_first_of("/;=") != std::string_view::npos;
    std::string label = content_type ? charset_param(hint) : trim_label(hint);
    if (!label.empty()) {
      // A header may say UTF-16 truthfully; only markup cannot.
      out.charset = label.starts_with("utf-16") ? label : canonical_label(label);
      out.source = "option";
    }
  }
  if (out.charset.empty()) {
    auto [cs, source] = meta_charset(bytes);
    if (!cs.empty()) out.charset = std::move(cs), out.source = std::move(source);
  }
  bytes.remove_prefix(std::min(bom, bytes.size()));
  if (out.charset.empty()) {
    // Undeclared: UTF-8 when it reads as UTF-8 (sanitizing grows the text when it does not).
    std::string utf8 = text::sanitize_utf8(bytes);
    if (utf8.size() == bytes.size()) {
      out.charset = "utf-8", out.source = "default", out.utf8 = std::move(utf8);
    } else {
      out.charset = "windows-1252", out.source = "not utf-8";
    }
  }
  if (!out.utf8.empty() || bytes.empty()) {
    // decided and converted above
  } else if (out.charset == "utf-8") {
    out.utf8 = text::sanitize_utf8(bytes);
  } else {
    text::converted c = text::to_utf8(bytes, out.charset);
    if (!c.ok)
      out.note = "unknown charset '" + out.charset + "' (" + out.source + "); read as UTF-8";
    out.utf8 = std::move(c.utf8);
  }
  // NUL is never text; HTML parsers replace or drop it, and libxml2 would stop at it.
  if (out.utf8.find('\0') != std::string::npos) {
    std::string clean;
    clean.reserve(out.utf8.size() + 16);
    for (char c : out.utf8) {
      if (c == '\0')
        clean += "\xEF\xBF\xBD";
      else
        clean += c;
    }
    out.utf8 = std::move(clean);
  }
  return out;
}

}  // namespace sanctwatch::extract
