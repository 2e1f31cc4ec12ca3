#include "text/segment.hpp"

#include <algorithm>
#include <array>

namespace sanctwatch::text {
namespace {

enum class cls : std::uint8_t {
  other,  // punctuation and symbols: end a word
  letter,
  digit,
  space,      // ASCII whitespace other than line breaks
  newline,    // always ends a sentence
  stop,       // `.` `!` `?`: end a sentence when whitespace follows
  full_stop,  // 。 and friends: scripts without spaces end sentences on the mark alone
  joiner,     // `'` and `-`: inside a word when letters are on both sides
  closer,     // `"` `'` `)` `]` may sit between a stop and the whitespace after it
};

constexpr std::array<cls, 128> make_ascii() {
  std::array<cls, 128> t{};
  for (int c = 0; c < 128; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      t[c] = cls::letter;
    } else if (c >= '0' && c <= '9') {
      t[c] = cls::digit;
    } else if (c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r') {
      t[c] = cls::space;
    }
  }
  t['\n'] = cls::newline;
  t['.'] = t['!'] = t['?'] = cls::stop;  // ';' joins clauses of one sentence
  t['\''] = t['-'] = cls::joiner;
  t['"'] = t[')'] = t[']'] = t['}'] = cls::closer;
  return t;
}
constexpr std::array<cls, 128> k_ascii = make_ascii();

// Normalized text already turned Unicode quotes, dashes and spaces into ASCII, so only
// punctuation and symbol blocks that survive NFKC need a look; anything else non-ASCII is
// taken as a letter (letters of every script, marks that were kept, ideographs).
[[gnu::noinline]] cls classify(char32_t c) {
  if (c < 0x80) return k_ascii[c];
  if (c <= 0x00BF) {
    if (c == 0x00AA || c == 0x00B5 || c == 0x00BA) return cls::letter;
    if (c == 0x0085) return cls::newline;
    if (c == 0x00A0) return cls::space;
    return cls::other;
  }
  if (c == 0x00D7 || c == 0x00F7) return cls::other;
  if (c < 0x0600) return cls::letter;
  if (c == 0x060C || c == 0x066A || c == 0x066B || c == 0x066C) return cls::other;
  if (c == 0x061B || c == 0x061F || c == 0x06D4 || c == 0x0964 || c == 0x0965) {
    return cls::full_stop;
  }
  if (c < 0x2000) return c == 0x1680 ? cls::space : cls::letter;
  if (c <= 0x206F) {
    if (c <= 0x200A || c == 0x202F || c == 0x205F) return cls::space;
    if (c == 0x2028 || c == 0x2029) return cls::newline;
    if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060) return cls::letter;  // joiners
    if (c == 0x203C || (c >= 0x2047 && c <= 0x2049)) return cls::stop;
    return cls::other;
  }
  if (c >= 0x20A0 && c <= 0x20CF) return cls::other;  // currency
  if (c >= 0x2190 && c <= 0x2BFF) return cls::other;  // arrows, math, shapes, dingbats
  if (c >= 0x2E00 && c <= 0x2E7F) return cls::other;  // supplemental punctuation
  if (c >= 0x3000 && c <= 0x303F) {
    if (c == 0x3002) return cls::full_stop;
    if (c == 0x3000) return cls::space;
    if ((c >= 0x3005 && c <= 0x3007) || (c >= 0x3021 && c <= 0x3029) ||
        (c >= 0x3031 && c <= 0x3035) || c == 0x303B || c == 0x303C) {
      return cls::letter;
    }
    return cls::other;
  }
  if ((c >= 0xFE10 && c <= 0xFE1F) || (c >= 0xFE30 && c <= 0xFE6F)) return cls::other;
  if (c == 0xFF61) return cls::full_stop;
  if (c >= 0xFF01 && c <= 0xFF65 &&
      !((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
        (c >= 0xFF41 && c <= 0xFF5A))) {
    return cls::other;
  }
  if (c >= 0xFFF0 && c <= 0xFFFF) return cls::other;    // specials, U+FFFD
  if (c >= 0x1F000 && c <= 0x1FAFF) return cls::other;  // emoji and pictographs
  return cls::letter;
}

// Decodes the code point at s[i] (lenient: the text is normalized, so already valid UTF-8;
// stray bytes count as one-byte letters).
[[gnu::noinline]] char32_t decode(std::string_view s, std::size_t i, std::size_t& len) {
  const auto c0 = static_cast<unsigned char>(s[i]);
  std::size_t need = c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : c0 >= 0xC0 ? 2 : 1;
  if (need == 1 || i + need > s.size()) {
    len = 1;
    return c0 < 0x80 ? c0 : 0xE000;  // a private-use stand-in: classified as a letter
  }
  char32_t cp = c0 & (0x7F >> need);
  for (std::size_t k = 1; k < need; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      len = 1;
      return 0xE000;
    }
    cp = cp << 6 | (b & 0x3F);
  }
  len = need;
  return cp;
}

// ASCII, most of news text, is a table lookup inlined where words are cut; the rest decodes
// and classifies out of line.
[[gnu::always_inline]] inline cls class_at(std::string_view s, std::size_t i, std::size_t& len) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    len = 1;
    return k_ascii[c];
  }
  return classify(decode(s, i, len));
}

// A period after these does not end a sentence (besides any single letter: "u.s.", "j.").
bool is_abbreviation(std::string_view w) {
  static constexpr std::string_view k_abbrevs[] = {
      "adm", "capt", "co",  "col", "corp", "dr",   "gen", "gov", "inc", "jr", "lt", "ltd",
      "maj", "mr",   "mrs", "ms",  "no",   "prof", "rep", "sen", "sgt", "sr", "st", "vs"};
  return std::binary_search(std::begin(k_abbrevs), std::end(k_abbrevs), w);
}

bool is_single_letter(std::string_view w) {
  std::size_t len = 0;
  return !w.empty() && class_at(w, 0, len) == cls::letter && len == w.size();
}

}  // namespace

std::vector<word> words(std::string_view s) {
  std::vector<word> out;
  out.reserve(s.size() / 6 + 1);
  const std::size_t n = s.size();
  std::uint32_t sentence = 0;
  bool sentence_has_words = false;
  auto end_sentence = [&] {
    if (sentence_has_words) {
      ++sentence;
      sentence_has_words = false;
    }
  };

  std::size_t i = 0;
  while (i < n) {
    std::size_t len = 1;
    cls k = class_at(s, i, len);
    if (k == cls::letter || k == cls::digit) {
      const std::size_t start = i;
      bool prev_letter = k == cls::letter;
      i += len;
      while (i < n) {
        // The letters and digits of an ASCII word, without the general case's branches.
        while (i < n && static_cast<unsigned char>(s[i]) < 0x80 &&
               (k_ascii[static_cast<unsigned char>(s[i])] == cls::letter ||
                k_ascii[static_cast<unsigned char>(s[i])] == cls::digit)) {
          prev_letter = k_ascii[static_cast<unsigned char>(s[i])] == cls::letter;
          ++i;
        }
        if (i == n) break;
        k = class_at(s, i, len);
        if (k == cls::letter || k == cls::digit) {
          prev_letter = k == cls::letter;
          i += len;
          continue;
        }
        if (k == cls::joiner && prev_letter && i + 1 < n) {
          std::size_t next_len = 1;
          if (class_at(s, i + 1, next_len) == cls::letter) {
            i += 1 + next_len;
            prev_letter = true;
            continue;
          }
        }
        break;
      }
      out.push_back({static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(i), sentence});
      sentence_has_words = true;
      continue;
    }

    if (k == cls::newline || k == cls::full_stop) {
      end_sentence();
    } else if (k == cls::stop) {
      std::size_t j = i + len;
      std::size_t more = 1;
      while (j < n) {
        const cls m = class_at(s, j, more);
        if (m != cls::stop && m != cls::closer && !(m == cls::joiner && s[j] == '\'')) break;
        j += more;
      }
      std::size_t after_len = 1;
      const bool at_space = j == n || class_at(s, j, after_len) == cls::space ||
                            class_at(s, j, after_len) == cls::newline;
      bool ends = at_space;
      if (ends && s[i] == '.' && !out.empty() && out.back().end == i) {
        const std::string_view last = s.substr(out.back().start, out.back().end - out.back().start);
        if (is_single_letter(last) || is_abbreviation(last)) ends = false;
      }
      if (ends) end_sentence();
      i = j;  // the trailing stops and closers were looked at already
      continue;
    }
    i += len;
  }
  return out;
}

}  // namespace sanctwatch::text
