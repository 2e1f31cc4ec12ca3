#include "text/html.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace sanctwatch::text {
namespace {

struct entity {
  std::string_view name;
  std::string_view value;
};

// Sorted by name (gen_entities.py); the rows without `;` are exactly the legacy references.
constexpr entity k_entities[] = {
#include "html_entities.inc"
};
static_assert(std::size(k_entities) == 2231, "the WHATWG list has 2231 named references");
static_assert(std::is_sorted(std::begin(k_entities), std::end(k_entities),
                             [](const entity& a, const entity& b) { return a.name < b.name; }),
              "binary search needs the table sorted");

constexpr std::size_t k_longest_name = 32;   // "CounterClockwiseContourIntegral;"
constexpr std::size_t k_longest_legacy = 6;  // "curren", "middot", ...

const entity* find_entity(std::string_view name) {
  auto it = std::lower_bound(std::begin(k_entities), std::end(k_entities), name,
                             [](const entity& e, std::string_view n) { return e.name < n; });
  return it != std::end(k_entities) && it->name == name ? it : nullptr;
}

bool is_ascii_alpha(unsigned char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }
bool is_ascii_digit(unsigned char c) { return static_cast<unsigned char>(c - '0') < 10; }
bool is_ascii_alnum(unsigned char c) { return is_ascii_alpha(c) || is_ascii_digit(c); }
bool is_hex_digit(unsigned char c) {
  return is_ascii_digit(c) || static_cast<unsigned char>((c | 0x20) - 'a') < 6;
}
int hex_value(unsigned char c) { return is_ascii_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }
char ascii_lower(unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); }

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// HTML5 "numeric character reference end state": pages written in windows-1252 say `&#150;`
// for an en dash, so browsers read 0x80-0x9F as windows-1252; the five holes stay as is.
constexpr std::array<char16_t, 32> k_windows_1252 = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

char32_t fix_code_point(std::uint64_t v) {
  if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0xFFFD;
  if (v >= 0x80 && v <= 0x9F) return k_windows_1252[v - 0x80];
  return static_cast<char32_t>(v);
}

// Decodes the reference starting at s[i] == '&'. Returns the number of bytes consumed, or 0
// when there is no reference there (the caller then copies the '&').
std::size_t decode_one(std::string_view s, std::size_t i, std::string& out) {
  std::size_t j = i + 1;
  const std::size_t n = s.size();
  if (j < n && s[j] == '#') {
    ++j;
    const bool hex = j < n && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    const std::size_t digits_start = j;
    std::uint64_t v = 0;
    // Saturate instead of overflowing: any value past 0x10FFFF is invalid anyway.
    for (; j < n && (hex ? is_hex_digit(s[j]) : is_ascii_digit(s[j])); ++j) {
      v = v * (hex ? 16 : 10) + static_cast<std::uint64_t>(hex_value(s[j]));
      if (v > 0x10FFFF) v = 0x110000;
    }
    if (j == digits_start) return 0;
    if (j < n && s[j] == ';') ++j;
    append_utf8(out, fix_code_point(v));
    return j - i;
  }

  std::size_t end = j;
  while (end < n && end - j < k_longest_name && is_ascii_alnum(s[end])) ++end;
  if (end == j) return 0;
  if (end < n && s[end] == ';' && end - j < k_longest_name) {
    char key[k_longest_name + 1];
    std::memcpy(key, s.data() + j, end - j);
    key[end - j] = ';';
    if (const entity* e = find_entity(std::string_view(key, end - j + 1))) {
      out += e->value;
      return end + 1 - i;
    }
  }
  // Legacy forms without `;`: the longest known prefix wins (`&notin` is not `&not` + "in").
  // As HTML5 does inside attribute values, a prefix followed by a letter, digit or `=` stays
  // verbatim: feed text is full of URLs like `?id=1&copy=2` and words like `&notes`.
  for (std::size_t len = std::min(end - j, k_longest_legacy); len >= 2; --len) {
    const entity* e = find_entity(s.substr(j, len));
    if (e == nullptr) continue;
    const std::size_t after = j + len;
    if (after < n && (is_ascii_alnum(s[after]) || s[after] == '=')) return 0;
    out += e->value;
    return after - i;
  }
  return 0;
}

// Elements whose content is not text for our purposes; raw-text ones are skipped by
// scanning for their end tag, the others by depth counting.
enum class tag_kind : std::uint8_t { inline_, block, cell, raw_skip, nested_skip, head, body, pre };

struct tag_entry {
  std::string_view name;
  tag_kind kind;
};

// Sorted by name for binary search.
constexpr tag_entry k_tags[] = {
    {"address", tag_kind::block},
    {"article", tag_kind::block},
    {"aside", tag_kind::block},
    {"audio", tag_kind::nested_skip},
    {"blockquote", tag_kind::block},
    {"body", tag_kind::body},
    {"br", tag_kind::block},
    {"button", tag_kind::cell},
    {"canvas", tag_kind::nested_skip},
    {"caption", tag_kind::block},
    {"center", tag_kind::block},
    {"dd", tag_kind::block},
    {"details", tag_kind::block},
    {"dialog", tag_kind::block},
    {"dir", tag_kind::block},
    {"div", tag_kind::block},
    {"dl", tag_kind::block},
    {"dt", tag_kind::block},
    {"fieldset", tag_kind::block},
    {"figcaption", tag_kind::block},
    {"figure", tag_kind::block},
    {"footer", tag_kind::block},
    {"form", tag_kind::block},
    {"frameset", tag_kind::block},
    {"h1", tag_kind::block},
    {"h2", tag_kind::block},
    {"h3", tag_kind::block},
    {"h4", tag_kind::block},
    {"h5", tag_kind::block},
    {"h6", tag_kind::block},
    {"head", tag_kind::head},
    {"header", tag_kind::block},
    {"hgroup", tag_kind::block},
    {"hr", tag_kind::block},
    {"html", tag_kind::block},
    {"iframe", tag_kind::raw_skip},
    {"img", tag_kind::cell},
    {"input", tag_kind::cell},
    {"legend", tag_kind::block},
    {"li", tag_kind::block},
    {"main", tag_kind::block},
    {"menu", tag_kind::block},
    {"nav", tag_kind::block},
    {"noembed", tag_kind::raw_skip},
    {"noframes", tag_kind::raw_skip},
    {"noscript", tag_kind::nested_skip},
    {"object", tag_kind::nested_skip},
    {"ol", tag_kind::block},
    {"option", tag_kind::block},
    {"p", tag_kind::block},
    {"pre", tag_kind::pre},
    {"script", tag_kind::raw_skip},
    {"section", tag_kind::block},
    {"select", tag_kind::cell},
    {"style", tag_kind::raw_skip},
    {"summary", tag_kind::block},
    {"svg", tag_kind::nested_skip},
    {"table", tag_kind::block},
    {"tbody", tag_kind::block},
    {"td", tag_kind::cell},
    {"template", tag_kind::nested_skip},
    {"textarea", tag_kind::raw_skip},
    {"tfoot", tag_kind::block},
    {"th", tag_kind::cell},
    {"thead", tag_kind::block},
    {"title", tag_kind::raw_skip},
    {"tr", tag_kind::block},
    {"ul", tag_kind::block},
    {"video", tag_kind::nested_skip},
    {"xmp", tag_kind::raw_skip},
};

tag_kind classify_tag(std::string_view lower_name) {
  auto it = std::lower_bound(std::begin(k_tags), std::end(k_tags), lower_name,
                             [](const tag_entry& t, std::string_view n) { return t.name < n; });
  return it != std::end(k_tags) && it->name == lower_name ? it->kind : tag_kind::inline_;
}

bool is_tag_name_char(unsigned char c) {
  return is_ascii_alnum(c) || c == '-' || c == ':' || c == '_' || c == '.' || c >= 0x80;
}

bool is_html_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Finds `</name` (case-insensitive, followed by a non-name byte) at or after `from`; returns
// s.size() when absent. Each byte is looked at a bounded number of times.
std::size_t find_end_tag(std::string_view s, std::size_t from, std::string_view name) {
  const std::size_t n = s.size();
  for (std::size_t i = from; i < n; ++i) {
    i = s.find("</", i);
    if (i == std::string_view::npos) return n;
    std::size_t k = 0;
    while (k < name.size() && i + 2 + k < n && ascii_lower(s[i + 2 + k]) == name[k]) ++k;
    if (k == name.size() && (i + 2 + k == n || !is_tag_name_char(s[i + 2 + k]))) return i;
  }
  return n;
}

// Position just past the `>` closing a tag whose attributes start at `i`, honouring quoted
// attribute values (a `>` inside quotes does not close the tag); npos when the tag never
// ends.
std::size_t skip_attributes(std::string_view s, std::size_t i, bool& self_closing) {
  const std::size_t n = s.size();
  bool after_equals = false;
  self_closing = false;
  while (i < n) {
    const char c = s[i];
    if (c == '>') return i + 1;
    if ((c == '"' || c == '\'') && after_equals) {
      const std::size_t close = s.find(c, i + 1);
      if (close == std::string_view::npos) return std::string_view::npos;
      i = close + 1;
      after_equals = false;
      self_closing = false;
      continue;
    }
    if (c == '=') {
      after_equals = true;
    } else if (!is_html_space(c)) {
      after_equals = false;
    }
    self_closing = c == '/';
    ++i;
  }
  return std::string_view::npos;
}

class tokenizer {
 public:
  tokenizer(std::string_view s, bool decode, bool newlines_are_breaks)
      : s_(s), decode_(decode), newlines_are_breaks_(newlines_are_breaks) {
    out_.reserve(s.size());
  }

  std::string run() {
    const std::size_t n = s_.size();
    std::size_t i = 0;
    while (i < n) {
      const std::size_t lt = s_.find('<', i);
      const std::size_t text_end = lt == std::string_view::npos ? n : lt;
      text(s_.substr(i, text_end - i));
      if (text_end == n) break;
      i = markup(text_end);
    }
    return std::move(out_);
  }

 private:
  bool suppressed() const { return skip_depth_ > 0 || in_head_; }

  void text(std::string_view t) {
    if (t.empty() || suppressed()) return;
    const std::size_t start = out_.size();
    if (decode_ && t.find('&') != std::string_view::npos) {
      out_ += decode_entities(t);
    } else {
      out_ += t;
    }
    // Outside <pre>, source line breaks are just spaces; block elements make the lines.
    if (!newlines_are_breaks_ && pre_depth_ == 0) {
      std::replace(out_.begin() + static_cast<std::ptrdiff_t>(start), out_.end(), '\n', ' ');
    }
  }

  void raw(std::string_view t) {
    if (!suppressed()) out_ += t;
  }

  void line_break() {
    if (!suppressed()) out_ += '\n';
  }

  void space() {
    if (!suppressed()) out_ += ' ';
  }

  // Handles the markup starting at s_[i] == '<'; returns where text resumes.
  std::size_t markup(std::size_t i) {
    const std::size_t n = s_.size();
    const std::size_t j = i + 1;
    if (j >= n) {
      raw("<");
      return n;
    }
    const unsigned char c = s_[j];
    if (c == '!') return markup_declaration(i);
    if (c == '?') return skip_past(j, '>');  // processing instruction / XML declaration
    if (c == '/') {
      if (j + 1 < n && is_ascii_alpha(s_[j + 1])) return tag(j + 1, true);
      if (j + 1 < n && s_[j + 1] == '>') return j + 2;  // `</>` is ignored
      return skip_past(j, '>');                         // bogus comment
    }
    if (is_ascii_alpha(c)) return tag(j, false);
    raw("<");  // "a < b" is text
    return j;
  }

  std::size_t skip_past(std::size_t i, char c) {
    const std::size_t p = s_.find(c, i);
    return p == std::string_view::npos ? s_.size() : p + 1;
  }

  std::size_t markup_declaration(std::size_t i) {
    const std::string_view rest = s_.substr(i);
    if (rest.starts_with("<!--")) {
      // `<!-->` and `<!--->` are complete (empty) comments in HTML5.
      if (rest.starts_with("<!-->")) return i + 5;
      if (rest.starts_with("<!--->")) return i + 6;
      const std::size_t end = s_.find("-->", i + 4);
      return end == std::string_view::npos ? s_.size() : end + 3;
    }
    if (rest.starts_with("<![CDATA[")) {
      // Feeds (XHTML content) use CDATA for literal text; its content is not decoded.
      const std::size_t start = i + 9;
      const std::size_t end = s_.find("]]>", start);
      const std::size_t stop = end == std::string_view::npos ? s_.size() : end;
      if (!suppressed()) {
        const std::size_t at = out_.size();
        out_ += s_.substr(start, stop - start);
        if (pre_depth_ == 0 && !newlines_are_breaks_) {
          std::replace(out_.begin() + static_cast<std::ptrdiff_t>(at), out_.end(), '\n', ' ');
        }
      }
      return end == std::string_view::npos ? s_.size() : end + 3;
    }
    return skip_past(i + 2, '>');  // DOCTYPE and other declarations
  }

  std::size_t tag(std::size_t name_start, bool closing) {
    const std::size_t n = s_.size();
    std::size_t k = name_start;
    while (k < n && is_tag_name_char(s_[k])) ++k;
    // Names longer than any we know are simply inline.
    char buf[16];
    const std::size_t len = k - name_start;
    tag_kind kind = tag_kind::inline_;
    std::string_view name;
    if (len < sizeof buf) {
      for (std::size_t m = 0; m < len; ++m) buf[m] = ascii_lower(s_[name_start + m]);
      name = std::string_view(buf, len);
      kind = classify_tag(name);
    }
    bool self_closing = false;
    const std::size_t after = skip_attributes(s_, k, self_closing);
    if (after == std::string_view::npos) return n;  // unterminated tag at EOF: dropped, as HTML5
    if (kind == tag_kind::block || kind == tag_kind::cell || kind == tag_kind::pre) {
      in_head_ = false;  // content elements end a <head> that was never closed
    }

    switch (kind) {
      case tag_kind::inline_:
        break;
      case tag_kind::block:
        line_break();
        break;
      case tag_kind::cell:
        space();
        break;
      case tag_kind::pre:
        line_break();
        if (closing) {
          if (pre_depth_ > 0) --pre_depth_;
        } else if (!self_closing) {
          ++pre_depth_;
        }
        break;
      case tag_kind::head:
        in_head_ = !closing && !self_closing;
        break;
      case tag_kind::body:
        in_head_ = false;
        line_break();
        break;
      case tag_kind::nested_skip:
        if (closing) {
          if (skip_depth_ > 0) --skip_depth_;
        } else if (!self_closing) {
          ++skip_depth_;
        }
        space();
        break;
      case tag_kind::raw_skip:
        if (closing || self_closing) break;
        // Raw text: nothing inside is markup, so jump straight to the end tag.
        {
          const std::size_t end = find_end_tag(s_, after, name);
          if (end == n) return n;
          space();
          return tag(end + 2, true);
        }
    }
    return after;
  }

  std::string_view s_;
  bool decode_;
  bool newlines_are_breaks_;
  std::string out_;
  int skip_depth_ = 0;
  int pre_depth_ = 0;
  bool in_head_ = false;
};

bool is_space_at(std::string_view s, std::size_t i, std::size_t& len) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    len = 1;
    return c == ' ' || (c >= '\t' && c <= '\r');
  }
  const auto b1 = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
  const auto b2 = i + 2 < s.size() ? static_cast<unsigned char>(s[i + 2]) : 0;
  if (c == 0xC2 && (b1 == 0xA0 || b1 == 0x85)) {  // U+00A0, U+0085
    len = 2;
    return true;
  }
  len = 3;
  if (c == 0xE1 && b1 == 0x9A && b2 == 0x80) return true;  // U+1680
  // U+2000-200A, U+2028, U+2029, U+202F
  if (c == 0xE2 && b1 == 0x80 &&
      ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF)) {
    return true;
  }
  if (c == 0xE2 && b1 == 0x81 && b2 == 0x9F) return true;  // U+205F
  if (c == 0xE3 && b1 == 0x80 && b2 == 0x80) return true;  // U+3000
  len = 1;  // other bytes are copied one at a time: invalid UTF-8 must not swallow a space
  return false;
}

// Collapses each line, drops blank ones; '\n' is the only line separator kept.
std::string finish_lines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t nl = s.find('\n', i);
    if (nl == std::string_view::npos) nl = s.size();
    std::string line = collapse_whitespace(s.substr(i, nl - i));
    if (!line.empty()) {
      if (!out.empty()) out += '\n';
      out += line;
    }
    i = nl + 1;
  }
  return out;
}

// A reference that decode_entities would replace (with its `;`, so plain "AT&T" or a lone
// "&amp" in prose does not count).
bool has_complete_reference(std::string_view s) {
  for (std::size_t i = s.find('&'); i != std::string_view::npos; i = s.find('&', i + 1)) {
    std::size_t j = i + 1;
    if (j < s.size() && s[j] == '#') {
      ++j;
      if (j < s.size() && (s[j] == 'x' || s[j] == 'X')) ++j;
      const std::size_t d = j;
      while (j < s.size() && is_hex_digit(s[j])) ++j;
      if (j > d && j < s.size() && s[j] == ';') return true;
      continue;
    }
    while (j < s.size() && j - i <= k_longest_name && is_ascii_alnum(s[j])) ++j;
    if (j > i + 1 && j < s.size() && s[j] == ';' &&
        find_entity(s.substr(i + 1, j - i)) != nullptr) {
      return true;
    }
  }
  return false;
}

// A tag of an element we know (`<p>`, `</div>`, `<br/>`, `<a href=...>`): in decoded text it
// can only come from escaped markup, since real tags were removed already.
bool has_known_tag(std::string_view s) {
  for (std::size_t i = s.find('<'); i != std::string_view::npos; i = s.find('<', i + 1)) {
    std::size_t j = i + 1;
    if (j < s.size() && s[j] == '/') ++j;
    const std::size_t name_start = j;
    while (j < s.size() && j - name_start < 16 && is_ascii_alnum(s[j])) ++j;
    if (j == name_start || j - name_start >= 16 || j >= s.size()) continue;
    if (s[j] != '>' && s[j] != '/' && !is_html_space(s[j])) continue;
    char buf[16];
    for (std::size_t m = name_start; m < j; ++m) buf[m - name_start] = ascii_lower(s[m]);
    const std::string_view name(buf, j - name_start);
    if (classify_tag(name) != tag_kind::inline_ || name == "a" || name == "b" || name == "i" ||
        name == "em" || name == "strong" || name == "span") {
      if (s.find('>', j) != std::string_view::npos) return true;
    }
  }
  return false;
}

}  // namespace

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, amp - i));
    const std::size_t used = decode_one(s, amp, out);
    if (used == 0) {
      out += '&';
      i = amp + 1;
    } else {
      i = amp + used;
    }
  }
  return out;
}

// Double-escaping rule. Feeds often escape their HTML once more than needed, so after the
// tokenizer has removed tags and decoded entities once:
//  1. if the text still holds a complete reference (`&amp;`, `&lt;`, `&#39;`, ...), the source
//     was escaped twice: decode once more;
//  2. if the text now holds a tag of a known element (`<p>`, `</div>`, `<br/>`), it came from
//     escaped markup: strip tags once more (without decoding again).
// So `&amp;amp;` -> "&", `&amp;lt;p&amp;gt;Hi` -> "Hi", `&lt;p&gt;Hi&lt;/p&gt;` -> "Hi". The
// price: literal prose like "write &amp;lt; for <" or "the &lt;p&gt; tag" loses a level.
std::string html_to_text(std::string_view html) {
  try {
    std::string t = tokenizer(html, true, false).run();
    if (t.find('&') != std::string::npos && has_complete_reference(t)) t = decode_entities(t);
    if (t.find('<') != std::string::npos && has_known_tag(t)) {
      t = tokenizer(t, false, true).run();
    }
    return finish_lines(t);
  } catch (...) {
    // Only allocation can fail here; an empty text is the safe degradation.
    return {};
  }
}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t len = 1;
    if (is_space_at(s, i, len)) {
      pending_space = !out.empty();
      i += len;
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

bool looks_like_html(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '<' && i + 1 < s.size()) {
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if ((is_ascii_alpha(d) || d == '/' || d == '!' || d == '?') &&
          s.find('>', i + 1) != std::string_view::npos) {
        return true;
      }
    } else if (c == '&') {
      std::string scratch;
      if (decode_one(s, i, scratch) > 0) return true;
    }
  }
  return false;
}

}  // namespace sanctwatch::text
