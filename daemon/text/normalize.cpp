#include "text/normalize.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sanctwatch::text {
namespace {

struct normalizers {
  const icu::Normalizer2* nfkc_cf;
  const icu::Normalizer2* nfd;
  const icu::Normalizer2* nfc;
};

const normalizers& icu_normalizers() {
  static const normalizers n = [] {
    UErrorCode status = U_ZERO_ERROR;
    normalizers r{};
    r.nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
    r.nfd = icu::Normalizer2::getNFDInstance(status);
    r.nfc = icu::Normalizer2::getNFCInstance(status);
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
      case 0x00A0:
        return " ";
      case 0x00AB:
      case 0x00BB:
        return "\"";
      case 0x00B4:
        return "'";
      case 0x00C6:
      case 0x00E6:
        return "ae";
      case 0x00D0:
      case 0x00F0:
        return "d";
      case 0x00D8:
      case 0x00F8:
        return "o";
      case 0x00DE:
      case 0x00FE:
        return "th";
      case 0x0110:
      case 0x0111:
        return "d";
      case 0x0126:
      case 0x0127:
        return "h";
      case 0x0131:
        return "i";
      case 0x0141:
      case 0x0142:
        return "l";
      case 0x0152:
      case 0x0153:
        return "oe";
      case 0x0166:
      case 0x0167:
        return "t";
      case 0x0180:
        return "b";
      case 0x01B5:
      case 0x01B6:
        return "z";
      default:
        return nullptr;
    }
  }
  if (c == 0x02BC) return "'";  // modifier letter apostrophe, typed for ’ by some keyboards
  if (c == 0x0243) return "b";
  if (c == 0x1680) return " ";
  if (c >= 0x2000 && c <= 0x206F) {
    if (c <= 0x200A || c == 0x202F || c == 0x205F) return " ";
    if (c >= 0x2010 && c <= 0x2015) return "-";
    switch (c) {
      case 0x2018:
      case 0x2019:
      case 0x201A:
      case 0x201B:
      case 0x2032:
      case 0x2035:
      case 0x2039:
      case 0x203A:
        return "'";
      case 0x201C:
      case 0x201D:
      case 0x201E:
      case 0x201F:
      case 0x2033:
      case 0x2036:
        return "\"";
      case 0x2028:
      case 0x2029:
        return "\n";
      default:
        return nullptr;
    }
  }
  switch (c) {
    case 0x2212:
    case 0x2E3A:
    case 0x2E3B:
    case 0xFE58:
    case 0xFE63:
    case 0xFF0D:
      return "-";
    case 0x3000:
      return " ";
    case 0x301D:
    case 0x301E:
    case 0x301F:
    case 0xFF02:
      return "\"";
    case 0xFF07:
      return "'";
    default:
      return nullptr;
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

void append_utf16(std::u16string& s, char32_t cp) {
  if (cp < 0x10000) {
    s.push_back(static_cast<char16_t>(cp));
  } else {
    s.push_back(static_cast<char16_t>(U16_LEAD(cp)));
    s.push_back(static_cast<char16_t>(U16_TRAIL(cp)));
  }
}

// Buffers reused from one cluster to the next, so folding does not allocate per character.
struct fold_scratch {
  icu::UnicodeString folded, decomposed, composed;
  std::u16string mid;
};

// The slow path for one cluster: NFKC_Casefold, then NFD to expose the diacritics, drop them
// and apply the special mappings, then NFC to put back what NFD took apart (Hangul, ...).
// Appends UTF-8 to `out`.
void fold_cluster(const std::u16string& src, fold_scratch& s, std::string& out) {
  const normalizers& n = icu_normalizers();
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString in(false, reinterpret_cast<const UChar*>(src.data()),
                              static_cast<std::int32_t>(src.size()));
  n.nfkc_cf->normalize(in, s.folded, status);
  n.nfd->normalize(s.folded, s.decomposed, status);
  if (U_FAILURE(status)) {
    out += "\xEF\xBF\xBD";
    return;
  }
  s.mid.clear();
  bool changed = false;
  const UChar* d = s.decomposed.getBuffer();
  const std::int32_t dlen = s.decomposed.length();
  for (std::int32_t k = 0; k < dlen;) {
    UChar32 c;
    U16_NEXT(d, k, dlen, c);
    const auto cp = static_cast<char32_t>(c);
    if (is_stripped_mark(cp)) {
      changed = true;
    } else if (const char* m = special_mapping(cp)) {
      changed = true;
      while (*m != '\0') s.mid.push_back(static_cast<char16_t>(*m++));
    } else {
      append_utf16(s.mid, cp);
    }
  }
  const icu::UnicodeString* result = &s.folded;
  if (changed) {
    const icu::UnicodeString mid(false, reinterpret_cast<const UChar*>(s.mid.data()),
                                 static_cast<std::int32_t>(s.mid.size()));
    n.nfc->normalize(mid, s.composed, status);
    if (U_FAILURE(status)) {
      out += "\xEF\xBF\xBD";
      return;
    }
    result = &s.composed;
  }
  const UChar* r = result->getBuffer();
  const std::int32_t rlen = result->length();
  for (std::int32_t k = 0; k < rlen;) {
    UChar32 c;
    U16_NEXT(r, k, rlen, c);
    char buf[4];
    out.append(buf, encode_utf8(static_cast<char32_t>(c), buf));
  }
}

// What a code point standing alone between normalization boundaries becomes, precomputed for
// the blocks news text draws its non-ASCII from (Latin, Greek, Cyrillic, ..., punctuation,
// full-width forms): this skips ICU entirely for them, boundary test included.
class singleton_table {
 public:
  struct info {
    std::uint32_t offset;  ///< of the mapping in pool_
    std::uint8_t len;      ///< of the mapping
    bool boundary;         ///< normalization boundary before the code point
    bool pass;             ///< maps to itself
  };

  static const singleton_table& get() {
    static const singleton_table t;
    return t;
  }

  const info* find(char32_t c) const {
    if (c >= k_low_begin && c < k_low_end) return &low_[c - k_low_begin];
    if (c >= k_wide_begin && c < k_wide_end) return &wide_[c - k_wide_begin];
    return nullptr;
  }

  std::string_view mapping(const info& i) const { return {pool_.data() + i.offset, i.len}; }

 private:
  static constexpr char32_t k_low_begin = 0x80, k_low_end = 0x2500;
  static constexpr char32_t k_wide_begin = 0xFF00, k_wide_end = 0xFFF0;

  singleton_table() {
    fold_scratch scratch;
    low_.reserve(k_low_end - k_low_begin);
    for (char32_t c = k_low_begin; c < k_low_end; ++c) low_.push_back(make(c, scratch));
    for (char32_t c = k_wide_begin; c < k_wide_end; ++c) wide_.push_back(make(c, scratch));
  }

  info make(char32_t c, fold_scratch& scratch) {
    info i{};
    i.boundary = icu_normalizers().nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(c));
    std::string mapped;
    if (const char* m = special_mapping(c)) {
      mapped = m;
    } else {
      std::u16string src;
      append_utf16(src, c);
      fold_cluster(src, scratch, mapped);
    }
    char self[4];
    const std::size_t self_len = encode_utf8(c, self);
    i.pass = mapped == std::string_view(self, self_len);
    i.offset = static_cast<std::uint32_t>(pool_.size());
    i.len = static_cast<std::uint8_t>(mapped.size());
    if (!i.pass) pool_ += mapped;
    return i;
  }

  std::vector<info> low_, wide_;
  std::string pool_;
};

// Blocks with no decompositions, no case and no combining behaviour: their code points pass
// unchanged and always start a cluster.
bool is_inert_block(char32_t c) {
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xAC00 && c <= 0xD7A3);
}

// Whether any other code point, alone between boundaries, comes out unchanged; computed once
// per BMP code point and shared by all threads (racing writers store the same value).
class passthrough_cache {
 public:
  static passthrough_cache& get() {
    static passthrough_cache c;
    return c;
  }

  bool passes(char32_t c, fold_scratch& scratch) {
    if (c >= 0x10000) return compute(c, scratch);
    std::uint8_t v = state_[c].load(std::memory_order_relaxed);
    if (v == 0) {
      v = compute(c, scratch) ? 1 : 2;
      state_[c].store(v, std::memory_order_relaxed);
    }
    return v == 1;
  }

 private:
  static bool compute(char32_t c, fold_scratch& scratch) {
    if (special_mapping(c) != nullptr) return false;
    std::u16string src;
    append_utf16(src, c);
    std::string mapped;
    fold_cluster(src, scratch, mapped);
    char self[4];
    return mapped == std::string_view(self, encode_utf8(c, self));
  }

  std::array<std::atomic<std::uint8_t>, 0x10000> state_{};
};

// A cluster is one normalization segment: it starts at a code point with a boundary before
// it and takes the following combining characters. Capping it bounds ICU's canonical
// reordering (quadratic in a run of marks) and matches Unicode's stream-safe limit of 30.
constexpr std::size_t k_max_cluster = 32;

class normalizer {
 public:
  // Writes into `buffers`' storage, so a caller normalizing many texts allocates only while its
  // buffers still grow.
  normalizer(std::string_view in, normalized& buffers)
      : in_(reinterpret_cast<const unsigned char*>(in.data())),
        n_(in.size()),
        table_(singleton_table::get()),
        text_(std::move(buffers.text)),
        origin_(std::move(buffers.origin)) {
    if (n_ >= 0xFFFFFFFFu) throw std::length_error("normalize: input over 4 GiB");
    grow(n_ + 16);
  }

  void run(normalized& out) {
    std::size_t i = 0;
    while (i < n_) {
      if (in_[i] < 0x80) {
        i = ascii_run(i);
      } else {
        i = non_ascii(i);
      }
    }
    drop_possessive();
    text_.resize(w_);
    origin_.resize(w_ + 1);
    origin_[w_] = static_cast<std::uint32_t>(n_);
    out.text = std::move(text_);
    out.origin = std::move(origin_);
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

  void emit(std::string_view bytes, std::size_t origin) {
    if (bytes.empty()) return;
    if (!is_word_byte(static_cast<unsigned char>(bytes[0]))) drop_possessive();
    grow(bytes.size());
    const auto o = static_cast<std::uint32_t>(origin);
    for (std::size_t k = 0; k < bytes.size(); ++k) {
      text_[w_ + k] = bytes[k];
      origin_[w_ + k] = o;
    }
    w_ += bytes.size();
  }

  std::size_t ascii_run(std::size_t i) {
    // ASCII is its own normalization form apart from case, so no ICU call is needed.
    grow(n_ - i);
    char* t = text_.data();
    std::uint32_t* o = origin_.data();
    std::size_t w = w_;
#if defined(__SSE2__)
    // 16 bytes at a time while they are ASCII and no apostrophe is near (a possessive needs the
    // byte loop): lower-case them and write their origins, which count up from i.
    const __m128i apostrophe = _mm_set1_epi8('\'');
    const __m128i before_a = _mm_set1_epi8('A' - 1), after_z = _mm_set1_epi8('Z' + 1);
    const __m128i case_bit = _mm_set1_epi8(0x20);
    const __m128i steps[4] = {_mm_setr_epi32(0, 1, 2, 3), _mm_setr_epi32(4, 5, 6, 7),
                              _mm_setr_epi32(8, 9, 10, 11), _mm_setr_epi32(12, 13, 14, 15)};
#endif
    while (i < n_) {
#if defined(__SSE2__)
      while (i + 16 <= n_ && !(w >= 1 && t[w - 1] == '\'') && !(w >= 2 && t[w - 2] == '\'')) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in_ + i));
        if (_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, apostrophe))) != 0) break;
        const __m128i upper =
            _mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmplt_epi8(v, after_z));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t + w),
                         _mm_or_si128(v, _mm_and_si128(upper, case_bit)));
        const __m128i base = _mm_set1_epi32(static_cast<int>(i));
        for (int k = 0; k < 4; ++k)
          _mm_storeu_si128(reinterpret_cast<__m128i*>(o + w + 4 * k),
                           _mm_add_epi32(base, steps[k]));
        i += 16;
        w += 16;
      }
#endif
      // A block the wide path refused, byte by byte; then try the wide path again.
      const std::size_t stop = std::min(n_, i + 16);
      for (; i < stop; ++i) {
        const unsigned char c = in_[i];
        if (c >= 0x80) {
          w_ = w;
          return i;
        }
        if (!k_ascii.word[c] && w >= 3 && t[w - 1] == 's' && t[w - 2] == '\'' &&
            is_word_byte(static_cast<unsigned char>(t[w - 3]))) {
          w -= 2;
        }
        t[w] = k_ascii.lower[c];
        o[w] = static_cast<std::uint32_t>(i);
        ++w;
      }
    }
    w_ = w;
    return i;
  }

  bool boundary_before(char32_t c, const singleton_table::info* info) const {
    if (info != nullptr) return info->boundary;
    if (is_inert_block(c)) return true;
    return icu_normalizers().nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(c));
  }

  std::size_t non_ascii(std::size_t i) {
    char32_t cp;
    const std::size_t len = decode_utf8(in_ + i, n_ - i, cp);
    if (cp == k_invalid) {
      emit("\xEF\xBF\xBD", i);
      return i + len;
    }
    const singleton_table::info* info = table_.find(cp);
    std::size_t start = i;
    std::size_t end = i + len;

    src_.clear();
    // A combining mark after ASCII belongs with it ("u" + U+0308 is "ü"): take the ASCII
    // character back and normalize them together.
    if (!boundary_before(cp, info) && i > 0 && in_[i - 1] < 0x80 && w_ > 0 &&
        origin_[w_ - 1] == i - 1) {
      --w_;
      start = i - 1;
      src_.push_back(static_cast<char16_t>(in_[i - 1]));
    }
    append_utf16(src_, cp);
    std::size_t count = 1;
    while (end < n_ && in_[end] >= 0x80 && count < k_max_cluster) {
      char32_t next;
      const std::size_t next_len = decode_utf8(in_ + end, n_ - end, next);
      if (next == k_invalid || boundary_before(next, table_.find(next))) break;
      append_utf16(src_, next);
      end += next_len;
      ++count;
    }

    if (count == 1 && start == i) {
      if (info != nullptr) {
        if (info->pass) {
          emit({reinterpret_cast<const char*>(in_ + i), len}, start);
        } else {
          emit(table_.mapping(*info), start);
        }
        return end;
      }
      if (const char* m = special_mapping(cp)) {
        emit(m, start);
        return end;
      }
      if (is_inert_block(cp) || passthrough_cache::get().passes(cp, scratch_)) {
        emit({reinterpret_cast<const char*>(in_ + i), len}, start);
        return end;
      }
    }
    folded_.clear();
    fold_cluster(src_, scratch_, folded_);
    // Emitted one code point at a time so a possessive before punctuation is still seen.
    for (std::size_t k = 0; k < folded_.size();) {
      std::size_t l = 1;
      const auto b = static_cast<unsigned char>(folded_[k]);
      if (b >= 0xF0) {
        l = 4;
      } else if (b >= 0xE0) {
        l = 3;
      } else if (b >= 0xC0) {
        l = 2;
      }
      emit(std::string_view(folded_).substr(k, l), start);
      k += l;
    }
    return end;
  }

  const unsigned char* in_;
  std::size_t n_;
  const singleton_table& table_;
  std::string text_;
  std::vector<std::uint32_t> origin_;
  std::size_t w_ = 0;
  std::u16string src_;
  std::string folded_;
  fold_scratch scratch_;
};

}  // namespace

normalized normalize(std::string_view utf8) {
  normalized r;
  normalize(utf8, r);
  return r;
}

void normalize(std::string_view utf8, normalized& out) { normalizer(utf8, out).run(out); }

std::string normalize_text(std::string_view utf8) { return normalize(utf8).text; }

}  // namespace sanctwatch::text
