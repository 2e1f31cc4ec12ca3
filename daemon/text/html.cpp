#include "text/html.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// AVX2 versions of the hottest scan, chosen at run time: the build targets baseline x86-64.
#include "core/cpu.hpp"

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

constexpr const entity* lookup_entity(std::string_view name) {
  auto it = std::lower_bound(std::begin(k_entities), std::end(k_entities), name,
                             [](const entity& e, std::string_view n) { return e.name < n; });
  return it != std::end(k_entities) && it->name == name ? it : nullptr;
}

// The references feed text is made of, tried before the binary search over 2231 names
// (about eleven string comparisons, most of html_to_text's time on entity-heavy text).
constexpr const entity* k_common_entities[] = {
    lookup_entity("amp;"),    lookup_entity("lt;"),    lookup_entity("gt;"),
    lookup_entity("quot;"),   lookup_entity("nbsp;"),  lookup_entity("apos;"),
    lookup_entity("rsquo;"),  lookup_entity("lsquo;"), lookup_entity("ldquo;"),
    lookup_entity("rdquo;"),  lookup_entity("mdash;"), lookup_entity("ndash;"),
    lookup_entity("hellip;"), lookup_entity("copy;"),  lookup_entity("amp"),
    lookup_entity("nbsp"),
};
static_assert(std::ranges::none_of(k_common_entities, [](const entity* e) { return !e; }),
              "every common reference is in the table");

const entity* find_entity(std::string_view name) {
  for (const entity* e : k_common_entities) {
    if (e->name.size() == name.size() && e->name == name) return e;
  }
  return lookup_entity(name);
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

// Where each first letter's tags start in k_tags (the table is sorted, so they are
// contiguous): a lookup compares a handful of same-letter names by length, then bytes,
// instead of a binary search of string comparisons, which was a few percent of feed parse.
constexpr std::array<std::uint8_t, 27> k_tag_letter_start = [] {
  std::array<std::uint8_t, 27> start{};
  std::size_t i = 0;
  for (std::size_t letter = 0; letter < 26; ++letter) {
    start[letter] = static_cast<std::uint8_t>(i);
    while (i < std::size(k_tags) && static_cast<std::size_t>(k_tags[i].name[0] - 'a') == letter)
      ++i;
  }
  start[26] = static_cast<std::uint8_t>(i);
  return start;
}();
static_assert(k_tag_letter_start[26] == std::size(k_tags), "every tag name starts with a-z");

tag_kind classify_tag(std::string_view lower_name) {
  if (lower_name.empty()) return tag_kind::inline_;
  const auto letter = static_cast<std::size_t>(static_cast<unsigned char>(lower_name[0]) - 'a');
  if (letter >= 26) return tag_kind::inline_;
  for (std::size_t i = k_tag_letter_start[letter]; i < k_tag_letter_start[letter + 1]; ++i) {
    const std::string_view t = k_tags[i].name;
    if (t.size() != lower_name.size()) continue;
    // Names are a few bytes long: a loop, not a call to memcmp.
    std::size_t k = 1;
    while (k < t.size() && t[k] == lower_name[k]) ++k;
    if (k == t.size()) return k_tags[i].kind;
  }
  return tag_kind::inline_;
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

// Appends s with its references decoded to out (decode_entities without a temporary).
void decode_into(std::string& out, std::string_view s) {
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
}

// Byte classes for the whitespace pass. Everything that is not `k_space` or `k_maybe_space`
// is copied through; only the four lead bytes of the Unicode spaces need a closer look, so
// accented Latin, Cyrillic or CJK text is never decoded.
enum : std::uint8_t { k_plain = 0, k_space = 1, k_maybe_space = 2 };

constexpr std::array<std::uint8_t, 256> k_space_class = [] {
  std::array<std::uint8_t, 256> t{};
  for (const unsigned char c : {' ', '\t', '\n', '\v', '\f', '\r'}) t[c] = k_space;
  for (const unsigned char c : {0xC2, 0xE1, 0xE2, 0xE3}) t[c] = k_maybe_space;
  return t;
}();

// Length of the Unicode space (U+0085, U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F,
// U+3000) starting at p, or 0. Only whole, valid sequences count: a truncated or invalid one
// is copied byte by byte and must not swallow the space after it.
std::size_t unicode_space_len(const unsigned char* p, const unsigned char* end) {
  const std::size_t avail = static_cast<std::size_t>(end - p);
  if (avail < 2) return 0;
  const unsigned char c = p[0], b1 = p[1];
  if (c == 0xC2) return b1 == 0xA0 || b1 == 0x85 ? 2 : 0;
  if (avail < 3) return 0;
  const unsigned char b2 = p[2];
  if (c == 0xE1) return b1 == 0x9A && b2 == 0x80 ? 3 : 0;
  if (c == 0xE3) return b1 == 0x80 && b2 == 0x80 ? 3 : 0;
  if (b1 == 0x81) return b2 == 0x9F ? 3 : 0;  // U+205F
  const bool space = (b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF;
  return b1 == 0x80 && space ? 3 : 0;
}

// Skips the bytes from p on that are surely kept as they are: printable ASCII, and single
// spaces followed by printable ASCII. Stops at the first control or non-ASCII byte, at a
// space not followed by printable ASCII (the caller decides those by what comes next), and
// where less than a block is left. Whole clean blocks are skipped on a branch, not on the
// computed offset, so that the next load does not wait for the bit scan.
#if defined(__SSE2__)
// The masks of the printable bytes and of the spaces in 16 bytes.
inline void kept_masks(const unsigned char* p, std::uint64_t& ok, std::uint64_t& sp) {
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  ok = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpgt_epi8(v, space)));
  sp = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, space)));
}

const unsigned char* skip_kept(const unsigned char* p, const unsigned char* end) {
  const __m128i space = _mm_set1_epi8(' ');
  // Prose runs for hundreds of bytes: one branch per 64 bytes, not per 16.
  while (end - p >= 64) {
    std::uint64_t ok = 0, sp = 0;
    for (int k = 0; k < 4; ++k) {
      std::uint64_t o, s;
      kept_masks(p + 16 * k, o, s);
      ok |= o << (16 * k);
      sp |= s << (16 * k);
    }
    const std::uint64_t bad = ~(ok | (sp & (ok >> 1)));
    if (bad != 0) return p + std::countr_zero(bad);
    p += 64;
  }
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: 0x21..0x7F are greater than 0x20, controls and bytes >= 0x80 are not.
    const auto ok = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpgt_epi8(v, space)));
    const auto sp = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, space)));
    // A space in the last position has its successor in the next block: it stops.
    const unsigned bad = ~(ok | (sp & (ok >> 1))) & 0xFFFFu;
    if (bad != 0) return p + std::countr_zero(bad);
    p += 16;
  }
  return p;
}
#else
// Eight bytes at a time in a word. The subtraction borrows only out of a byte that already
// counts, so the lowest flagged byte is exact; the space test is the exact carry-free
// zero-byte test.
const unsigned char* skip_kept(const unsigned char* p, const unsigned char* end) {
  static_assert(std::endian::native == std::endian::little, "byte 0 is the low byte");
  constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  constexpr std::uint64_t lows = ~highs;
  while (end - p >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    const std::uint64_t x = v ^ (ones * ' ');
    const std::uint64_t sp = ~(((x & lows) + lows) | x) & highs;
    const std::uint64_t odd = ((v - ones * 0x20) | v) & highs;  // control or non-ASCII
    // A space is kept when the next byte is printable ASCII: neither odd nor a space.
    const std::uint64_t bad = odd | (sp & ((odd | sp) >> 8)) | (sp & (highs << 56));
    if (bad != 0) return p + std::countr_zero(bad) / 8;
    p += 8;
  }
  return p;
}
#endif

// The whitespace pass behind collapse_whitespace and html_to_text's line handling: runs of
// whitespace become one space, leading and trailing whitespace goes. With keep_lines, '\n'
// separates lines instead: each line is collapsed on its own, empty lines are dropped and the
// rest are joined by one '\n'. Copies whole runs of non-space bytes with memmove; the output
// is never longer than the input and never overtakes the read position, so the output may be
// the input (in-place). The state carries over between calls, so text can be collapsed piece
// by piece as it is produced (html_to_text) with the same result as one call over the whole.
struct collapse_state {
  std::size_t o = 0;  // output length so far
  char pending = 0;   // separator owed before the next run: 0, ' ' or '\n'
};

void collapse_step(const char* in, std::size_t n, char* out, bool keep_lines, collapse_state& st) {
  const auto* p = reinterpret_cast<const unsigned char*>(in);
  const auto* const end = p + n;
  std::size_t o = st.o;
  char pending = st.pending;
  while (p < end) {
    // Whitespace run.
    for (;;) {
      if (p == end) {
        st.o = o;
        st.pending = pending;
        return;
      }
      const std::uint8_t cls = k_space_class[*p];
      if (cls == k_space) {
        if (keep_lines && *p == '\n') {
          pending = '\n';
        } else if (pending == 0) {
          pending = ' ';
        }
        ++p;
      } else if (cls == k_maybe_space) {
        const std::size_t len = unicode_space_len(p, end);
        if (len == 0) break;
        if (pending == 0) pending = ' ';
        p += len;
      } else {
        break;
      }
    }
    // Kept run, up to the next whitespace that changes anything: a single ' ' between two
    // kept bytes stays as it is, so ordinary prose is copied a line at a time. Controls
    // other than whitespace and bytes that start no Unicode space belong to the run.
    const auto* const run = p;
    while (p < end) {
      p = skip_kept(p, end);
      if (p == end) break;
      const std::uint8_t cls = k_space_class[*p];
      if (cls == k_plain) {
        // Multi-byte text (Cyrillic, CJK) is skipped here: the word test would fail on it.
        ++p;
        while (p < end && *p >= 0x80 && k_space_class[*p] == k_plain) ++p;
      } else if (cls == k_space) {
        if (*p != ' ' || end - p < 2 || k_space_class[p[1]] != k_plain) break;
        p += 2;
      } else {
        if (unicode_space_len(p, end) != 0) break;
        ++p;
      }
    }
    if (o != 0 && pending != 0) out[o++] = pending;
    pending = 0;
    const std::size_t len = static_cast<std::size_t>(p - run);
    // In place, nothing has moved until the first change: no copy needed.
    if (out + o != reinterpret_cast<const char*>(run)) std::memmove(out + o, run, len);
    o += len;
  }
  st.o = o;
  st.pending = pending;
}

std::size_t collapse_into(const char* in, std::size_t n, char* out, bool keep_lines) {
  collapse_state st;
  collapse_step(in, n, out, keep_lines, st);
  return st.o;
}

// How many bytes at the end of s[0..n) may be the start of a Unicode space cut short (its
// remaining bytes may come with the next piece): they wait for the next collapse_step.
std::size_t incomplete_space_tail(const char* s, std::size_t n) {
  if (n >= 1 && k_space_class[static_cast<unsigned char>(s[n - 1])] == k_maybe_space) return 1;
  if (n >= 2) {
    // Only a continuation byte may follow: what is held back is never whitespace, so it does
    // not matter whether the next piece keeps line breaks.
    const auto c = static_cast<unsigned char>(s[n - 2]);
    const auto d = static_cast<unsigned char>(s[n - 1]);
    if ((c == 0xE1 || c == 0xE2 || c == 0xE3) && (d & 0xC0) == 0x80) return 2;
  }
  return 0;
}

// Bytes that html_to_text and the whitespace collapse keep as they are, whatever surrounds
// them: printable ASCII other than '<' and '&'.
bool is_clean(unsigned char c) { return c > ' ' && c < 0x7F && c != '<' && c != '&'; }

// From p (a clean byte) to the first byte that is neither clean nor a single space between
// clean bytes. The byte before the result is clean.
#if defined(__SSE2__)
// Bit i set when p[i] is clean, for 16 bytes.
inline unsigned clean_mask16(const unsigned char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed compare: bytes >= 0x80 are negative, so not above ' '.
  const __m128i special = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')), _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))),
      _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_andnot_si128(special, _mm_cmpgt_epi8(v, _mm_set1_epi8(' ')))));
}
inline unsigned space_mask16(const unsigned char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' '))));
}
#endif

#if defined(SANCTWATCH_AVX2_DISPATCH)
const bool k_avx2 = cpu_has_avx2();

// Clean bytes and spaces among 32, as bit masks.
__attribute__((target("avx2"))) inline void clean_masks32(const unsigned char* p, std::uint64_t& ok,
                                                          std::uint64_t& sp) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i space = _mm256_set1_epi8(' ');
  const __m256i special =
      _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('<')),
                                      _mm256_cmpeq_epi8(v, _mm256_set1_epi8('&'))),
                      _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7F)));
  // Signed compare: bytes >= 0x80 are negative, so not above ' '.
  ok = static_cast<std::uint32_t>(
      _mm256_movemask_epi8(_mm256_andnot_si256(special, _mm256_cmpgt_epi8(v, space))));
  sp = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, space)));
}

// skip_clean's 64-byte loop with 32-byte vectors: half the instructions per byte. Stops
// where the 16-byte loop takes over.
__attribute__((target("avx2"))) const unsigned char* skip_clean_avx2(const unsigned char* p,
                                                                     const unsigned char* end) {
  while (end - p > 64) {
    std::uint64_t ok0, sp0, ok1, sp1;
    clean_masks32(p, ok0, sp0);
    clean_masks32(p + 32, ok1, sp1);
    const std::uint64_t ok = ok0 | ok1 << 32;
    const std::uint64_t sp = sp0 | sp1 << 32;
    const std::uint64_t next_ok = is_clean(p[64]) ? std::uint64_t(1) << 63 : 0;
    const std::uint64_t bad = ~(ok | (sp & ((ok >> 1) | next_ok)));
    if (bad != 0) return p + std::countr_zero(bad);
    p += 64;
  }
  return p;
}
#endif

// From p (a clean byte) to the first byte that is neither clean nor a single space between
// clean bytes. The byte before the result is clean.
const unsigned char* skip_clean(const unsigned char* p, const unsigned char* end) {
#if defined(SANCTWATCH_AVX2_DISPATCH)
  if (k_avx2) {
    p = skip_clean_avx2(p, end);
    if (end - p > 64) return p;  // stopped at a byte that is not clean
  }
#endif
#if defined(__SSE2__)
  // 64 bytes per branch: a space is kept when the byte after it is clean, and the byte after
  // the block (one past the 64) is looked at through the next block's first mask bit.
  while (end - p > 64) {
    const std::uint64_t ok =
        std::uint64_t(clean_mask16(p)) | std::uint64_t(clean_mask16(p + 16)) << 16 |
        std::uint64_t(clean_mask16(p + 32)) << 32 | std::uint64_t(clean_mask16(p + 48)) << 48;
    const std::uint64_t sp =
        std::uint64_t(space_mask16(p)) | std::uint64_t(space_mask16(p + 16)) << 16 |
        std::uint64_t(space_mask16(p + 32)) << 32 | std::uint64_t(space_mask16(p + 48)) << 48;
    const std::uint64_t next_ok = is_clean(p[64]) ? std::uint64_t(1) << 63 : 0;
    const std::uint64_t bad = ~(ok | (sp & ((ok >> 1) | next_ok)));
    if (bad != 0) return p + std::countr_zero(bad);
    p += 64;
  }
  while (end - p > 16) {
    const unsigned ok = clean_mask16(p);
    const unsigned next_ok = is_clean(p[16]) ? 1u << 15 : 0u;
    const unsigned bad = ~(ok | (space_mask16(p) & ((ok >> 1) | next_ok))) & 0xFFFFu;
    if (bad != 0) return p + std::countr_zero(bad);
    p += 16;
  }
#endif
  while (p < end) {
    if (is_clean(*p)) {
      ++p;
    } else if (*p == ' ' && end - p >= 2 && is_clean(p[1])) {
      p += 2;
    } else {
      break;
    }
  }
  return p;
}

class tokenizer {
 public:
  // With `collapse`, whitespace is collapsed as the text is produced (collapse_into with
  // keep_lines over the whole output, without a second pass over it); only for
  // newlines_are_breaks == false.
  tokenizer(std::string_view s, bool decode, bool newlines_are_breaks, bool collapse = false)
      : s_(s), decode_(decode), newlines_are_breaks_(newlines_are_breaks), collapse_(collapse) {
    out_.reserve(s.size());
  }

  std::string run() {
    const std::size_t n = s_.size();
    std::size_t i = 0;
    while (i < n) {
      if (collapse_) i = clean_prefix(i);
      // The clean prefix usually runs up to the next tag.
      const std::size_t lt = i < n && s_[i] == '<' ? i : s_.find('<', i);
      const std::size_t text_end = lt == std::string_view::npos ? n : lt;
      text(s_.substr(i, text_end - i));
      if (text_end == n) break;
      i = markup(text_end);
    }
    if (collapse_) {
      settle(true, true);
      out_.resize(collapsed_.o);
    }
    return std::move(out_);
  }

 private:
  bool suppressed() const { return skip_depth_ > 0 || in_head_; }

  void text(std::string_view t) {
    if (t.empty() || suppressed()) return;
    const std::size_t start = out_.size();
    // Text never holds '<' (it ends at one); '&' it may hold, or decode into '&' or '<'.
    const bool amp = t.find('&') != std::string_view::npos;
    if (decode_ && amp) {
      decode_into(out_, t);
    } else {
      out_ += t;
    }
    special_ = special_ || amp;
    // Outside <pre>, source line breaks are just spaces; block elements make the lines.
    if (collapse_) {
      settle(pre_depth_ > 0, false);
    } else if (!newlines_are_breaks_ && pre_depth_ == 0) {
      newlines_to_spaces(start);
    }
  }

  // Text whose bytes the collapse keeps as they are (printable ASCII other than '<' and '&',
  // single spaces between such bytes) needs neither decoding nor collapsing: the prefix of
  // such bytes starting at s_[i] is found in one scan, which also looks for the '<' ending
  // the text, and appended as it is. The rest goes the general way. Splitting there changes
  // nothing: the prefix holds no reference, and it ends on a kept byte, after which the
  // collapse owes no separator. Returns where the prefix ends.
  std::size_t clean_prefix(std::size_t i) {
    if (suppressed() || out_.size() != collapsed_.o + gap_) return i;  // Unicode space waiting
    const auto* const start = reinterpret_cast<const unsigned char*>(s_.data()) + i;
    const auto* const end = reinterpret_cast<const unsigned char*>(s_.data()) + s_.size();
    if (start == end || !is_clean(*start)) return i;
    const auto* const p = skip_clean(start, end);
    // p is at a byte the collapse may change; the byte before it is kept and not a space.
    if (gap_ != 0) {
      out_[collapsed_.o++] = collapsed_.pending;  // the slot kept for the owed separator
      gap_ = 0;
    }
    collapsed_.pending = 0;
    const auto len = static_cast<std::size_t>(p - start);
    out_.append(s_.data() + i, len);
    collapsed_.o += len;
    return i + len;
  }

  // Collapses what was appended since the last call into the collapsed prefix out_[0..o).
  // The last bytes of a Unicode space that may continue in the next piece wait (after the
  // prefix) unless `final`. While a separator is owed, one byte after the prefix is kept
  // free for it, so that the next piece lands where it stays: text is not moved.
  void settle(bool keep_lines, bool final) {
    const std::size_t from = collapsed_.o + gap_;
    const std::size_t n = out_.size() - from;
    if (n == 0) return;
    const std::size_t hold = final ? 0 : incomplete_space_tail(out_.data() + from, n);
    collapse_step(out_.data() + from, n - hold, out_.data(), keep_lines, collapsed_);
    gap_ = collapsed_.o != 0 && collapsed_.pending != 0 ? 1 : 0;
    const std::size_t kept = collapsed_.o + gap_;
    if (hold != 0) std::memmove(out_.data() + kept, out_.data() + from + n - hold, hold);
    out_.resize(kept + hold);
  }

  // A separator owed before the next text (none before the first).
  void owe(char separator) {
    settle(true, true);
    if (collapsed_.o == 0) return;
    if (separator == '\n' || collapsed_.pending == 0) collapsed_.pending = separator;
    if (gap_ == 0) {
      out_ += ' ';
      gap_ = 1;
    }
  }

  // Source line breaks in out_[from..] become spaces; memchr, since most text has none
  // (a byte-wise replace over all text was a sixth of feed parse time).
  void newlines_to_spaces(std::size_t from) {
    char* p = out_.data() + from;
    char* const end = out_.data() + out_.size();
    while ((p = static_cast<char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
      *p++ = ' ';
    }
  }

  void raw(std::string_view t) {
    if (suppressed()) return;
    out_ += t;
    special_ = true;
    if (collapse_) settle(true, false);
  }

  void line_break() {
    if (suppressed()) return;
    if (collapse_) {
      owe('\n');
    } else {
      out_ += '\n';
    }
  }

  void space() {
    if (suppressed()) return;
    if (collapse_) {
      owe(' ');
    } else {
      out_ += ' ';
    }
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
        special_ = true;
        if (collapse_) {
          settle(pre_depth_ > 0, false);
        } else if (pre_depth_ == 0 && !newlines_are_breaks_) {
          newlines_to_spaces(at);
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
    // Most tags have no attributes.
    const std::size_t after = k < n && s_[k] == '>' ? k + 1 : skip_attributes(s_, k, self_closing);
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
  bool collapse_;
  collapse_state collapsed_;
  std::size_t gap_ = 0;  // 1 while out_[collapsed_.o] is kept free for the owed separator
  std::string out_;
  int skip_depth_ = 0;
  int pre_depth_ = 0;
  bool in_head_ = false;
  bool special_ = false;  // whether out_ may hold '&' or '<'

 public:
  /// False when the output holds neither '&' nor '<' (known without looking at it).
  bool may_hold_markup() const { return special_; }
};

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

// Index of the first '<' or '&' at or after `from`, or s.size().
std::size_t find_lt_or_amp(std::string_view s, std::size_t from) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = from;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i hit =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')), _mm_cmpeq_epi8(v, _mm_set1_epi8('&')));
    if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0)
      return i + static_cast<std::size_t>(std::countr_zero(mask));
  }
#endif
  while (i < n && p[i] != '<' && p[i] != '&') ++i;
  return i;
}

}  // namespace

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  decode_into(out, s);
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
    // One pass: tags, references and whitespace together. Collapsing first does not change
    // whether a complete reference is there, and a known tag in the uncollapsed text is one
    // in the collapsed text too; so when neither is found the result is final. Otherwise
    // (rare: escaped markup) the steps run one after another on the uncollapsed text.
    tokenizer one_pass(html, true, false, true);
    std::string c = one_pass.run();
    if (!one_pass.may_hold_markup() ||
        (!(c.find('&') != std::string::npos && has_complete_reference(c)) &&
         !(c.find('<') != std::string::npos && has_known_tag(c))))
      return c;
    std::string t = tokenizer(html, true, false).run();
    if (t.find('&') != std::string::npos && has_complete_reference(t)) t = decode_entities(t);
    if (t.find('<') != std::string::npos && has_known_tag(t)) {
      t = tokenizer(t, false, true).run();
    }
    t.resize(collapse_into(t.data(), t.size(), t.data(), true));
    return t;
  } catch (...) {
    // Only allocation can fail here; an empty text is the safe degradation.
    return {};
  }
}

std::string collapse_whitespace(std::string_view s) {
  // Copy, then collapse in place: text that is already collapsed (most feed text) costs a
  // memcpy and a scan, with nothing moved.
  std::string out(s);
  out.resize(collapse_into(out.data(), out.size(), out.data(), false));
  return out;
}

bool is_clean_text(std::string_view s) {
  const auto* const p = reinterpret_cast<const unsigned char*>(s.data());
  return !s.empty() && is_clean(p[0]) && skip_clean(p, p + s.size()) == p + s.size();
}

bool looks_like_html(std::string_view s) {
  // Only '<' and '&' matter, so plain text is skipped 16 bytes at a time. A '<' also needs a
  // '>' somewhere after it: looked for once, at the first candidate; when there is none, no
  // later '<' has one either.
  bool no_gt_after = false;
  for (std::size_t i = find_lt_or_amp(s, 0); i < s.size(); i = find_lt_or_amp(s, i + 1)) {
    if (s[i] == '<') {
      if (i + 1 < s.size() && !no_gt_after) {
        const auto d = static_cast<unsigned char>(s[i + 1]);
        if (is_ascii_alpha(d) || d == '/' || d == '!' || d == '?') {
          if (s.find('>', i + 1) != std::string_view::npos) return true;
          no_gt_after = true;
        }
      }
    } else {
      std::string scratch;
      if (decode_one(s, i, scratch) > 0) return true;
    }
  }
  return false;
}

}  // namespace sanctwatch::text
