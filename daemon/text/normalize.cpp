#include "text/normalize.hpp"

#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include <array>
#include <atomic>
#include <cstring>
#include <stdexcept>

namespace sanctwatch::text {
namespace {

struct normalizers {
  const UNormalizer2* nfkc_cf;
  const UNormalizer2* nfd;
  const UNormalizer2* nfc;
};

const normalizers& icu() {
  static const normalizers n = [] {
    UErrorCode status = U_ZERO_ERROR;
    normalizers r{};
    r.nfkc_cf = unorm2_getNFKCCasefoldInstance(&status);
    r.nfd = unorm2_getNFDInstance(&status);
    r.nfc = unorm2_getNFCInstance(&status);
    // Missing ICU data is an installation problem, not an input problem: fail at startup.
    if (U_FAILURE(status)) throw std::runtime_error("ICU normalization data unavailable");
    return r;
  }();
  return n;
}

// Diacritic blocks only. Marks elsewhere carry meaning (kana voicing, Indic vowel signs) and
// stay; terms and text are normalized alike, so either choice matches consistently.
bool is_stripped_mark(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F);
}

// Replacements applied both before ICU (so ″ stays one `"` instead of NFKC's two primes, and
// ´ stays an apostrophe instead of a space plus a mark) and to ICU's output. Letters with a
// stroke have no Unicode decomposition, so "Đorđević" would otherwise keep its đ.
const char* special_mapping(char32_t c) {
  if (c < 0x00A0) return c == 0x0085 ? "\n" : nullptr;
  if (c < 0x0200) {
    switch (c) {
      case 0x00A0: return " ";
      case 0x00AB: case 0x00BB: return "\"";
      case 0x00B4: return "'";
      case 0x00C6: case 0x00E6: return "ae";
      case 0x00D0: case 0x00F0: return "d";
      case 0x00D8: case 0x00F8: return "o";
      case 0x00DE: case 0x00FE: return "th";
      case 0x0110: case 0x0111: return "d";
      case 0x0126: case 0x0127: return "h";
      case 0x0131: return "i";
      case 0x0141: case 0x0142: return "l";
      case 0x0152: case 0x0153: return "oe";
      case 0x0166: case 0x0167: return "t";
      case 0x0180: return "b";
      case 0x01B5: case 0x01B6: return "z";
      default: return nullptr;
    }
  }
  if (c == 0x02BC) return "'";  // modifier letter apostrophe, typed for ’ by some keyboards
  if (c == 0x0243) return "b";
  if (c == 0x1680) return " ";
  if (c >= 0x2000 && c <= 0x206F) {
    if (c <= 0x200A || c == 0x202F || c == 0x205F) return " ";
    if (c >= 0x2010 && c <= 0x2015) return "-";
    switch (c) {
      case 0x2018: case 0x2019: case 0x201A: case 0x201B:
      case 0x2032: case 0x2035: case 0x2039: case 0x203A:
        return "'";
      case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033: case 0x2036:
        return "\"";
      case 0x2028: case 0x2029:
        return "\n";
      default:
        return nullptr;
    }
  }
  switch (c) {
    case 0x2212: case 0x2E3A: case 0x2E3B: case 0xFE58: case 0xFE63: case 0xFF0D: return "-";
    case 0x3000: return " ";
    case 0x301D: case 0x301E: case 0x301F: case 0xFF02: return "\"";
    case 0xFF07: return "'";
    default: return nullptr;
  }
}

constexpr char32_t k_invalid = 0x110000;

// Decodes one UTF-8 sequence; an invalid one yields k_invalid and the length of its maximal
// subpart (the Unicode/WHATWG rule), so each bad byte run becomes exactly one U+FFFD.
std::size_t decode_utf8(const unsigned char* p, std::size_t avail, char32_t& cp) {
  const unsigned char c0 = p[0];
  cp = k_invalid;
  auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < avail && p[k] >= lo && p[k] <= hi;
  };
  if (c0 < 0x80) {
    cp = c0;
    return 1;
  }
  if (c0 < 0xC2) return 1;
  if (c0 < 0xE0) {
    if (!cont(1)) return 1;
    cp = (char32_t{c0} & 0x1F) << 6 | (p[1] & 0x3F);
    return 2;
  }
  if (c0 < 0xF0) {
    const unsigned char lo = c0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c0 == 0xED ? 0x9F : 0xBF;
    if (!cont(1, lo, hi)) return 1;
    if (!cont(2)) return 2;
    cp = (char32_t{c0} & 0x0F) << 12 | (char32_t{p[1]} & 0x3F) << 6 | (p[2] & 0x3F);
    return 3;
  }
  if (c0 < 0xF5) {
    const unsigned char lo = c0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c0 == 0xF4 ? 0x8F : 0xBF;
    if (!cont(1, lo, hi)) return 1;
    if (!cont(2)) return 2;
    if (!cont(3)) return 3;
    cp = (char32_t{c0} & 0x07) << 18 | (char32_t{p[1]} & 0x3F) << 12 |
         (char32_t{p[2]} & 0x3F) << 6 | (p[3] & 0x3F);
    return 4;
  }
  return 1;
}

std::size_t encode_utf8(char32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

struct ascii_tables {
  std::array<char, 128> lower{};
  std::array<bool, 128> word{};
};

constexpr ascii_tables make_ascii_tables() {
  ascii_tables t;
  for (int c = 0; c < 128; ++c) {
    const bool upper = c >= 'A' && c <= 'Z';
    t.lower[c] = static_cast<char>(upper ? c + 32 : c);
    t.word[c] = upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }
  return t;
}
constexpr ascii_tables k_ascii = make_ascii_tables();

bool is_word_byte(unsigned char c) { return c >= 0x80 || k_ascii.word[c]; }

// Whether a BMP code point, alone between normalization boundaries, comes out unchanged;
// computed once per code point and shared by all threads (racing writers store the same value).
class passthrough_cache {
 public:
  bool passes(char32_t c) {
    if (c >= 0x10000) return compute(c);
    std::uint8_t v = state_[c].load(std::memory_order_relaxed);
    if (v == 0) {
      v = compute(c) ? 1 : 2;
      state_[c].store(v, std::memory_order_relaxed);
    }
    return v == 1;
  }

 private:
  static bool compute(char32_t c) {
    if (special_mapping(c) != nullptr || is_stripped_mark(c)) return false;
    const normalizers& n = icu();
    UChar buf[2];
    std::int32_t len = 0;
    U16_APPEND_UNSAFE(buf, len, c);
    UErrorCode status = U_ZERO_ERROR;
    if (!unorm2_isNormalized(n.nfkc_cf, buf, len, &status) || U_FAILURE(status)) return false;
    UChar decomposed[32];
    const std::int32_t dlen = unorm2_normalize(n.nfd, buf, len, decomposed, 32, &status);
    if (U_FAILURE(status)) return false;
    for (std::int32_t k = 0; k < dlen;) {
      UChar32 d;
      U16_NEXT(decomposed, k, dlen, d);
      if (is_stripped_mark(static_cast<char32_t>(d))) return false;
    }
    return true;
  }

  std::array<std::atomic<std::uint8_t>, 0x10000> state_{};
};

passthrough_cache& cache() {
  static passthrough_cache c;
  return c;
}

// A cluster is one normalization segment: it starts at a code point with a boundary before
// it and takes the following combining characters. Capping it bounds ICU's canonical
// reordering (quadratic in a run of marks) and matches Unicode's stream-safe limit of 30.
constexpr std::size_t k_max_cluster = 32;

class normalizer {
 public:
  explicit normalizer(std::string_view in)
      : in_(reinterpret_cast<const unsigned char*>(in.data())), n_(in.size()) {
    if (n_ >= 0xFFFFFFFFu) throw std::length_error("normalize: input over 4 GiB");
    grow(n_ + 16);
  }

  normalized run() {
    std::size_t i = 0;
    while (i < n_) {
      if (in_[i] < 0x80) {
        i = ascii_run(i);
      } else {
        i = non_ascii(i);
      }
    }
    drop_possessive();
    normalized r;
    text_.resize(w_);
    origin_.resize(w_ + 1);
    origin_[w_] = static_cast<std::uint32_t>(n_);
    r.text = std::move(text_);
    r.origin = std::move(origin_);
    return r;
  }

 private:
  void grow(std::size_t need) {
    if (w_ + need <= text_.size()) return;
    const std::size_t cap = std::max(text_.size() * 2, w_ + need);
    text_.resize(cap);
    origin_.resize(cap + 1);
  }

  // "'s" right after a word and before a non-word character is a possessive.
  void drop_possessive() {
    if (w_ >= 3 && text_[w_ - 1] == 's' && text_[w_ - 2] == '\'' &&
        is_word_byte(static_cast<unsigned char>(text_[w_ - 3]))) {
      w_ -= 2;
    }
  }

  void emit(const char* p, std::size_t len, std::size_t origin) {
    if (len == 0) return;
    if (!is_word_byte(static_cast<unsigned char>(p[0]))) drop_possessive();
    grow(len);
    const auto o = static_cast<std::uint32_t>(origin);
    for (std::size_t k = 0; k < len; ++k) {
      text_[w_ + k] = p[k];
      origin_[w_ + k] = o;
    }
    w_ += len;
  }

  std::size_t ascii_run(std::size_t i) {
    // ASCII is its own normalization form apart from case, so no ICU call is needed.
    grow(n_ - i);
    char* t = text_.data();
    std::uint32_t* o = origin_.data();
    std::size_t w = w_;
    for (; i < n_; ++i) {
      const unsigned char c = in_[i];
      if (c >= 0x80) break;
      if (!k_ascii.word[c] && w >= 3 && t[w - 1] == 's' && t[w - 2] == '\'' &&
          is_word_byte(static_cast<unsigned char>(t[w - 3]))) {
        w -= 2;
      }
      t[w] = k_ascii.lower[c];
      o[w] = static_cast<std::uint32_t>(i);
      ++w;
    }
    w_ = w;
    return i;
  }

  std::size_t non_ascii(std::size_t i) {
    char32_t cp;
    const std::size_t len = decode_utf8(in_ + i, n_ - i, cp);
    const normalizers& icu_n = icu();
    std::size_t start = i;
    std::size_t end = i + len;
    if (cp == k_invalid) {
      emit("\xEF\xBF\xBD", 3, i);
      return end;
    }

    src_.clear();
    // A combining mark after ASCII belongs with it ("u" + U+0308 is "ü"): take the ASCII
    // character back and normalize them together.
    if (!unorm2_hasBoundaryBefore(icu_n.nfkc_cf, static_cast<UChar32>(cp)) && i > 0 &&
        in_[i - 1] < 0x80 && w_ > 0 && origin_[w_ - 1] == i - 1) {
      --w_;
      start = i - 1;
      src_.push_back(static_cast<char16_t>(in_[i - 1]));
    }
    append16(cp);
    std::size_t count = 1;
    while (end < n_ && in_[end] >= 0x80 && count < k_max_cluster) {
      char32_t next;
      const std::size_t next_len = decode_utf8(in_ + end, n_ - end, next);
      if (next == k_invalid ||
          unorm2_hasBoundaryBefore(icu_n.nfkc_cf, static_cast<UChar32>(next))) {
        break;
      }
      append16(next);
      end += next_len;
      ++count;
    }

    if (count == 1 && start == i) {
      if (const char* m = special_mapping(cp)) {
        emit(m, std::strlen(m), start);
        return end;
      }
      if (cache().passes(cp)) {
        emit(reinterpret_cast<const char*>(in_ + i), len, start);
        return end;
      }
    }
    normalize_cluster(start);
    return end;
  }

  void append16(char32_t cp) {
    if (cp < 0x10000) {
      src_.push_back(static_cast<char16_t>(cp));
    } else {
      src_.push_back(static_cast<char16_t>(U16_LEAD(cp)));
      src_.push_back(static_cast<char16_t>(U16_TRAIL(cp)));
    }
  }

  static void run_icu(const UNormalizer2* norm, const std::u16string& src, std::u16string& dst) {
    dst.resize(std::max<std::size_t>(dst.capacity(), src.size() * 4 + 16));
    for (;;) {
      UErrorCode status = U_ZERO_ERROR;
      const std::int32_t len =
          unorm2_normalize(norm, reinterpret_cast<const UChar*>(src.data()),
                           static_cast<std::int32_t>(src.size()),
                           reinterpret_cast<UChar*>(dst.data()),
                           static_cast<std::int32_t>(dst.size()), &status);
      if (status == U_BUFFER_OVERFLOW_ERROR) {
        dst.resize(static_cast<std::size_t>(len));
        continue;
      }
      dst.resize(U_SUCCESS(status) ? static_cast<std::size_t>(len) : 0);
      return;
    }
  }

  // NFKC_Casefold, then NFD to expose the diacritics, drop them and apply the special
  // mappings, then NFC to put back what NFD took apart (Hangul, ...).
  void normalize_cluster(std::size_t origin) {
    const normalizers& n = icu();
    run_icu(n.nfkc_cf, src_, folded_);
    run_icu(n.nfd, folded_, decomposed_);
    mid_.clear();
    bool changed = false;
    for (std::size_t k = 0; k < decomposed_.size();) {
      UChar32 c;
      U16_NEXT(decomposed_.data(), k, decomposed_.size(), c);
      const auto cp = static_cast<char32_t>(c);
      if (is_stripped_mark(cp)) {
        changed = true;
      } else if (const char* m = special_mapping(cp)) {
        changed = true;
        while (*m != '\0') mid_.push_back(static_cast<char16_t>(*m++));
      } else {
        if (cp < 0x10000) {
          mid_.push_back(static_cast<char16_t>(cp));
        } else {
          mid_.push_back(static_cast<char16_t>(U16_LEAD(cp)));
          mid_.push_back(static_cast<char16_t>(U16_TRAIL(cp)));
        }
      }
    }
    const std::u16string* result = &folded_;
    if (changed) {
      run_icu(n.nfc, mid_, composed_);
      result = &composed_;
    }
    for (std::size_t k = 0; k < result->size();) {
      UChar32 c;
      U16_NEXT(result->data(), k, result->size(), c);
      char buf[4];
      emit(buf, encode_utf8(static_cast<char32_t>(c), buf), origin);
    }
  }

  const unsigned char* in_;
  std::size_t n_;
  std::string text_;
  std::vector<std::uint32_t> origin_;
  std::size_t w_ = 0;
  std::u16string src_, folded_, decomposed_, mid_, composed_;
};

}  // namespace

normalized normalize(std::string_view utf8) { return normalizer(utf8).run(); }

std::string normalize_text(std::string_view utf8) { return normalize(utf8).text; }

}  // namespace sanctwatch::text
