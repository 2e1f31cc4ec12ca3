#include "entities/detail.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace sanctwatch::entities::detail {

namespace {

// windows-1252 0x80-0x9F; the five undefined positions become U+FFFD.
constexpr std::array<char32_t, 32> cp1252_high = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

bool is_blank(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  for (const char c : bytes)
    if (!is_space(c) && c != '\x1A' && c != '\0') return false;
  return true;
}

std::string to_utf8(std::string_view bytes, bool* recoded) {
  if (recoded) *recoded = false;
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  // OFAC's files historically end with a DOS EOF byte (0x1A), sometimes followed by a newline.
  for (;;) {
    const std::size_t k = bytes.find_last_not_of("\r\n");
    if (k == std::string_view::npos || (bytes[k] != '\x1A' && bytes[k] != '\0')) break;
    bytes = bytes.substr(0, k);
  }
  if (is_valid_utf8(bytes)) return std::string(bytes);
  if (recoded) *recoded = true;
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (const char ch : bytes) {
    const auto c = static_cast<std::uint8_t>(ch);
    if (c < 0x80) {
      out += ch;
    } else if (c < 0xA0) {
      append_utf8(out, cp1252_high[c - 0x80]);
    } else {
      append_utf8(out, c);
    }
  }
  return out;
}

bool csv_reader::next(csv_row& row) {
  row.fields.clear();
  row.error.clear();
  // Skip blank lines between records.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n' ||
        (text_[pos_] == '\r' && (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '\n')))
      ++line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  row.line = line_;
  std::string field;
  bool quoted = false;      // inside a quoted section
  bool field_start = true;  // no character of this field seen yet
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (quoted) {
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field += '"';
          pos_ += 2;
        } else {
          quoted = false;
          ++pos_;
        }
        continue;
      }
      if (c == '\n' || (c == '\r' && (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '\n')))
        ++line_;
      field += c;
      ++pos_;
      continue;
    }
    if (c == ',') {
      row.fields.push_back(std::move(field));
      field.clear();
      field_start = true;
      ++pos_;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
      row.fields.push_back(std::move(field));
      return true;
    }
    if (c == '"' && field_start) {
      quoted = true;
      field_start = false;
      ++pos_;
      continue;
    }
    // Leading spaces before an opening quote (`, "x"`) are not part of the field.
    if (c == ' ' && field_start && field.empty()) {
      std::size_t k = pos_;
      while (k < text_.size() && text_[k] == ' ') ++k;
      if (k < text_.size() && text_[k] == '"') {
        pos_ = k;
        continue;
      }
    }
    field_start = false;
    field += c;
    ++pos_;
  }
  if (quoted) row.error = "unterminated quoted field";
  row.fields.push_back(std::move(field));
  return true;
}

std::string_view trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view part = trim(s.substr(start, end - start));
    if (!part.empty()) out.emplace_back(part);
    start = end + 1;
  }
  return out;
}

std::string squeeze_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (const char c : trim(s)) {
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string person_order(std::string_view name) {
  name = trim(name);
  const std::size_t comma = name.find(',');
  if (comma == std::string_view::npos) return std::string(name);
  const std::string_view last = trim(name.substr(0, comma));
  std::string_view rest = trim(name.substr(comma + 1));
  std::string_view suffix;
  if (const std::size_t c2 = rest.find(','); c2 != std::string_view::npos) {
    suffix = trim(rest.substr(c2 + 1));
    rest = trim(rest.substr(0, c2));
  }
  if (last.empty() || rest.empty()) return squeeze_spaces(name);
  std::string out(rest);
  out += ' ';
  out += last;
  if (!suffix.empty()) {
    out += ' ';
    out += suffix;
  }
  return squeeze_spaces(out);
}

void add_alias(entity& e, std::string text, strength s, alias_kind k) {
  text = squeeze_spaces(text);
  if (text.empty()) return;
  for (const alias& a : e.names)
    if (a.text == text) return;
  e.names.push_back(alias{std::move(text), s, k});
}

void add_unique(std::vector<std::string>& v, std::string value) {
  value = squeeze_spaces(value);
  if (value.empty()) return;
  if (std::find(v.begin(), v.end(), value) == v.end()) v.push_back(std::move(value));
}

result<entity_list> finish(entity_list list, std::string_view format, std::string_view list_name,
                           bool input_empty) {
  list.source_format = std::string(format);
  list.name = list_name.empty() ? std::string(format) : std::string(list_name);
  if (input_empty) return error{"empty_input", std::string(format) + ": input is empty"};
  if (list.entities.empty() && !list.warnings.empty()) {
    std::string msg = std::string(format) +
                      ": no entity could be read; first problem: " + list.warnings.front().str();
    if (list.warnings.size() > 1)
      msg += " (and " + std::to_string(list.warnings.size() - 1) + " more)";
    return error{"no_entities", std::move(msg)};
  }
  return list;
}

}  // namespace sanctwatch::entities::detail
