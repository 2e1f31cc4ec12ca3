#include "engine/compile.hpp"

#include <hs.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "engine/utf8.hpp"
#include "text/normalize.hpp"

namespace sanctwatch::engine::detail {

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
  // The identity: the words as the word index matches them (a word holds no space or '*').
  for (std::size_t t = 0; t < out.tokens.size(); ++t) {
    if (t > 0) out.pattern += ' ';
    out.pattern += out.tokens[t];
    if (out.prefix[t]) out.pattern += '*';
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

namespace {

// How big Hyperscan's automaton for a regex gets: counted repeats ({m,n}) are unrolled, so
// what they repeat counts bound times, nested repeats multiply. `unicode` counts only the
// Unicode classes (\w, \d, \s, their negations, \p{..}): under UCP each is every letter,
// digit or space of every script, and Hyperscan needs ~0.5 s per ten copies before it gives up
// with "Pattern is too large" (\w{100}: 25 s, \W{1,100}a\w{1,100}: minutes).
struct regex_size {
  std::uint64_t all = 0, unicode = 0, max_bound = 0;
};

regex_size measure_regex(std::string_view p) {
  constexpr std::uint64_t cap = std::uint64_t(1) << 40;  // saturate instead of overflowing
  struct part {
    std::uint64_t all = 0, unicode = 0;
  };
  std::vector<part> groups(1);
  part last;  // the atom a following quantifier repeats
  regex_size r;
  auto add = [&](part a) {
    groups.back().all = std::min(cap, groups.back().all + a.all);
    groups.back().unicode = std::min(cap, groups.back().unicode + a.unicode);
    last = a;
  };
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[++i];
      const bool uni = std::strchr("wWdDsSpPX", e) != nullptr;
      if ((e == 'p' || e == 'P' || e == 'x') && i + 1 < p.size() && p[i + 1] == '{')
        while (i < p.size() && p[i] != '}') ++i;
      add({1, uni ? 1u : 0u});
    } else if (c == '[') {
      bool uni = false;
      std::size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      for (; j < p.size() && p[j] != ']'; ++j) {
        if (p[j] == '\\' && j + 1 < p.size()) uni |= std::strchr("wWdDsSpP", p[++j]) != nullptr;
        if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') uni = true;  // [:alpha:]
      }
      i = j;
      add({1, uni ? 1u : 0u});
    } else if (c == '(') {
      groups.emplace_back();
      if (i + 1 < p.size() && p[i + 1] == '?') ++i;  // (?:, (?i) ...: not a quantifier
    } else if (c == ')' && groups.size() > 1) {
      const part g = groups.back();
      groups.pop_back();
      add(g);
    } else if (c == '{') {
      std::size_t j = i + 1;
      std::uint64_t lo = 0, hi = 0;
      bool digits = false, comma = false, upper = false;
      for (; j < p.size() && p[j] != '}'; ++j) {
        if (p[j] == ',' && !comma) {
          comma = true;
        } else if (std::isdigit(static_cast<unsigned char>(p[j]))) {
          std::uint64_t& v = comma ? hi : lo;
          v = std::min<std::uint64_t>(cap, v * 10 + std::uint64_t(p[j] - '0'));
          (comma ? upper : digits) = true;
        } else {
          break;
        }
      }
      if (j >= p.size() || p[j] != '}' || !digits) {
        add({1, 0});  // a literal '{'
        continue;
      }
      i = j;
      const std::uint64_t bound = std::max<std::uint64_t>(1, upper ? hi : lo);
      r.max_bound = std::max(r.max_bound, bound);
      groups.back().all = std::min(cap, groups.back().all + last.all * (bound - 1));
      groups.back().unicode = std::min(cap, groups.back().unicode + last.unicode * (bound - 1));
      last = {std::min(cap, last.all * bound), std::min(cap, last.unicode * bound)};
    } else if (c == '*' || c == '+' || c == '?' || c == '|' || c == '^' || c == '$') {
      // Unbounded or optional repeats cost one copy; alternatives add up.
    } else {
      add({1, 0});
    }
  }
  while (groups.size() > 1) {  // unbalanced: Hyperscan reports it
    const part g = groups.back();
    groups.pop_back();
    groups.back().all += g.all;
    groups.back().unicode += g.unicode;
  }
  r.all = groups[0].all;
  r.unicode = groups[0].unicode;
  return r;
}

}  // namespace

std::uint64_t regex_weight(std::string_view pattern) { return measure_regex(pattern).unicode; }

std::string check_regex(const std::string& pattern, unsigned flags) {
  // Limits under which Hyperscan compiles (or rejects) a regex in well under a second.
  const regex_size size = measure_regex(pattern);
  if (size.max_bound > max_regex_repeat)
    return "repeat count over " + std::to_string(max_regex_repeat) + " (use + or *)";
  if (size.all > max_regex_size)
    return "too large once its repeats are unrolled (" + std::to_string(size.all) +
           " copies, at most " + std::to_string(max_regex_size) + ")";
  if (size.unicode > max_regex_weight)
    return "too many repeated \\w, \\d, \\s or \\p classes (" + std::to_string(size.unicode) +
           " copies, at most " + std::to_string(max_regex_weight) + "; use + or * or [a-z0-9])";
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
