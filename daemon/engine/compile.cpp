#include "engine/compile.hpp"

#include <hs.h>

#include <cctype>
#include <cstdio>
#include <set>

#include "engine/utf8.hpp"
#include "text/normalize.hpp"

namespace sanctwatch::engine::detail {
namespace {

// Separator between phrase words: any run of non-word characters. The multi-byte alternatives
// are the non-letter ranges is_word_cp() excludes (Latin-1 punctuation, U+2000-U+2BFF general
// punctuation and symbols, CJK punctuation, U+FFFD). Phrases are found by the word index
// (phrase_index.hpp); this expression is only the atom's identity (equal phrases share one).
constexpr const char* sep =
    "(?:[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]|\\xc2[\\xa0-\\xbf]|\\xc3[\\x97\\xb7]|"
    "\\xe2[\\x80-\\xaf][\\x80-\\xbf]|\\xe3\\x80[\\x80-\\xbf]|\\xef\\xbf\\xbd)+";
constexpr const char* word_tail = "(?:[a-z0-9]|[\\x80-\\xff])*";

}  // namespace

std::string escape_literal(std::string_view s) {
  std::string out;
  char buf[8];
  for (unsigned char c : s) {
    if (std::isalnum(c)) {
      out += char(c);
    } else {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}


bool is_word_cp(char32_t cp) {
  if (cp < 0x80) return std::isalnum(static_cast<int>(cp)) != 0;
  if (cp >= 0xA0 && cp <= 0xBF) return false;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp == 0xFFFD) return false;
  return true;
}

std::string make_phrase_atom(std::string_view written, atom& out) {
  out = atom{};
  out.type = atom::kind::phrase;
  out.display = std::string(written);
  std::size_t i = 0;
  while (i < written.size()) {
    while (i < written.size() && std::isspace(static_cast<unsigned char>(written[i]))) ++i;
    std::size_t b = i;
    while (i < written.size() && !std::isspace(static_cast<unsigned char>(written[i]))) ++i;
    if (b == i) break;
    std::string_view raw = written.substr(b, i - b);
    bool prefix = false;
    if (raw.back() == '*') {
      prefix = true;
      raw.remove_suffix(1);
    }
    if (raw.find('*') != std::string_view::npos)
      return "'*' is only allowed at the end of a word (prefix match), in '" +
             std::string(written) + "'";
    const std::string norm = text::normalize_text(raw);
    std::size_t before = out.tokens.size();
    std::string cur;
    for (std::size_t p = 0; p < norm.size();) {
      std::size_t q = p;
      char32_t cp = utf8_decode(norm, q);
      if (is_word_cp(cp)) {
        cur.append(norm, p, q - p);
      } else if (!cur.empty()) {
        out.tokens.push_back(std::move(cur));
        out.prefix.push_back(false);
        cur.clear();
      }
      p = q;
    }
    if (!cur.empty()) {
      out.tokens.push_back(std::move(cur));
      out.prefix.push_back(false);
    }
    if (prefix) {
      if (out.tokens.size() == before) return "'*' needs letters before it";
      if (out.tokens.back().size() < 3)
        return "prefix '" + out.tokens.back() + "*' is too short (at least 3 characters)";
      out.prefix.back() = true;
    }
  }
  if (out.tokens.empty())
    return "empty term (no letters or digits in '" + std::string(written) + "')";
  for (std::size_t t = 0; t < out.tokens.size(); ++t) {
    if (t > 0) out.pattern += sep;
    out.pattern += escape_literal(out.tokens[t]);
    // A prefix in the middle must consume the rest of its word; at the end the matcher extends
    // the hit to the word's end itself, which keeps the expression a plain literal.
    if (out.prefix[t] && t + 1 < out.tokens.size()) out.pattern += word_tail;
  }
  return {};
}

unsigned regex_flags(std::string_view flags) {
  // Item text is case folded before scanning, so every regex is caseless; `i` is accepted for
  // readability. Start-of-match is needed for evidence offsets, and only regexes pay for it.
  unsigned f = HS_FLAG_CASELESS | HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SOM_LEFTMOST;
  for (char c : flags) {
    if (c == 's') f |= HS_FLAG_DOTALL;
    if (c == 'm') f |= HS_FLAG_MULTILINE;
  }
  return f;
}

std::string check_regex(const std::string& pattern, unsigned flags) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &err) == HS_SUCCESS) {
    hs_free_database(db);
    return {};
  }
  std::string m = err && err->message ? err->message : "does not compile";
  hs_free_compile_error(err);
  return m;
}

}  // namespace sanctwatch::engine::detail
