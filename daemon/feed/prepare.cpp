#include "feed/prepare.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// An AVX2 version of the block scan, chosen at run time: the build targets baseline x86-64.
#include "core/cpu.hpp"

#include "text/charset.hpp"
#include "text/html.hpp"

namespace sanctwatch::feed::detail {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != lower(prefix[i])) return false;
  return true;
}

// The value of `name="..."` in the XML declaration at the start of `s` (ASCII-compatible).
std::string declared_encoding(std::string_view s) {
  std::size_t p = 0;
  while (p < s.size() && is_space(s[p])) ++p;
  s.remove_prefix(p);
  if (!s.starts_with("<?xml")) return {};
  const auto end = s.find("?>");
  std::string_view decl =
      s.substr(0, end == std::string_view::npos ? std::min<std::size_t>(s.size(), 256) : end);
  const auto at = decl.find("encoding");
  if (at == std::string_view::npos) return {};
  std::size_t i = at + 8;
  while (i < decl.size() && is_space(decl[i])) ++i;
  if (i >= decl.size() || decl[i] != '=') return {};
  ++i;
  while (i < decl.size() && is_space(decl[i])) ++i;
  if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return {};
  const char q = decl[i++];
  const auto close = decl.find(q, i);
  if (close == std::string_view::npos || close - i > 40) return {};
  return to_lower(decl.substr(i, close - i));
}

// Length of the valid UTF-8 sequence at s[i], 0 when invalid (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(const unsigned char* s, std::size_t left) {
  const unsigned char b0 = s[0];
  auto cont = [&](std::size_t k) { return k < left && (s[k] & 0xC0) == 0x80; };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (b0 == 0xE0 && s[1] < 0xA0) return 0;
    if (b0 == 0xED && s[1] >= 0xA0) return 0;
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (b0 == 0xF0 && s[1] < 0x90) return 0;
    if (b0 == 0xF4 && s[1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

bool legal_xml_char(std::uint32_t cp) {
  if (cp < 0x20) return cp == 0x9 || cp == 0xA || cp == 0xD;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp == 0xFFFE || cp == 0xFFFF) return false;
  return cp <= 0x10FFFF;
}

void append_numeric_ref(std::string& out, std::uint32_t cp) {
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "&#x%X;", cp);
  out.append(buf, static_cast<std::size_t>(n));
}

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_alpha(unsigned char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }
bool is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
bool is_xdigit(unsigned char c) {
  return is_digit(c) || static_cast<unsigned char>((c | 0x20) - 'a') < 6;
}

// Whether the byte may need the cleaner's attention: a C0 control other than LF, a non-ASCII
// byte, and in markup '&', '!' and '?' (after a '<' they start a comment, a CDATA section, a
// processing instruction or a DOCTYPE), in CDATA ']'. Tab and CR count although they are
// legal: excluding them too would cost more per block than they cost when they turn up.
template <bool cdata>
constexpr bool candidate(unsigned char b) {
  if (b < 0x20) return b != '\n';
  if (b >= 0x80) return true;
  if constexpr (cdata) return b == ']';
  return b == '&' || b == '!' || b == '?';
}

// Bit k set when p[k] is a candidate, for 64 bytes: one branch per 64 bytes of plain text.
template <bool cdata>
inline std::uint64_t candidates64(const unsigned char* p) {
  std::uint64_t m = 0;
#if defined(__SSE2__)
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    // Signed compare: bytes below 0x20 and bytes >= 0x80 (negative) are both "less".
    __m128i hit = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    if constexpr (cdata) {
      hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8(']')));
    } else {
      hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                                           _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('!')),
                                                        _mm_cmpeq_epi8(v, _mm_set1_epi8('?')))));
    }
    m |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(hit))) << (16 * k);
  }
#else
  for (int k = 0; k < 64; ++k)
    if (candidate<cdata>(p[k])) m |= std::uint64_t(1) << k;
#endif
  return m;
}

// The first 64-byte block from `i` on that holds a candidate: its start, with the candidates
// in `mask`. When none does, where fewer than 64 bytes are left, with `mask` 0.
template <bool cdata>
std::size_t find_block(const unsigned char* p, std::size_t i, std::size_t n, std::uint64_t& mask) {
  for (; i + 64 <= n; i += 64) {
    mask = candidates64<cdata>(p + i);
    if (mask != 0) return i;
  }
  mask = 0;
  return i;
}

#if defined(SANCTWATCH_AVX2_DISPATCH)
const bool k_avx2 = cpu_has_avx2();

// candidates64 for 32 bytes, with 32-byte vectors.
template <bool cdata>
__attribute__((target("avx2"))) inline std::uint64_t candidates32_avx2(const unsigned char* p) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  // Signed compare: bytes below 0x20 and bytes >= 0x80 (negative) are both "less".
  __m256i hit = _mm256_andnot_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')),
                                    _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v));
  if constexpr (cdata) {
    hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(v, _mm256_set1_epi8(']')));
  } else {
    hit = _mm256_or_si256(
        hit, _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('&')),
                             _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('!')),
                                             _mm256_cmpeq_epi8(v, _mm256_set1_epi8('?')))));
  }
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(hit));
}

// find_block with 32-byte vectors: half the instructions per byte of plain text.
template <bool cdata>
__attribute__((target("avx2"))) std::size_t find_block_avx2(const unsigned char* p, std::size_t i,
                                                            std::size_t n, std::uint64_t& mask) {
  for (; i + 64 <= n; i += 64) {
    mask = candidates32_avx2<cdata>(p + i) | candidates32_avx2<cdata>(p + i + 32) << 32;
    if (mask != 0) return i;
  }
  mask = 0;
  return i;
}
#endif

template <bool cdata>
std::size_t next_block(const unsigned char* p, std::size_t i, std::size_t n, std::uint64_t& mask) {
#if defined(SANCTWATCH_AVX2_DISPATCH)
  if (k_avx2) return find_block_avx2<cdata>(p, i, n, mask);
#endif
  return find_block<cdata>(p, i, n, mask);
}

struct repair_counts {
  std::size_t html_entities = 0;
  std::string first_entity;
  std::size_t bare_ampersands = 0;
  std::size_t illegal_chars = 0;
  std::size_t invalid_bytes = 0;
  std::size_t junk_bytes = 0;
  std::size_t external_entities = 0;  // declared SYSTEM or PUBLIC: never fetched
  std::size_t capped_entities = 0;    // references left unexpanded by the caps
  bool doctype = false;
  bool unterminated_cdata = false;
};

// Verifies the input and copies it in as few pieces as there are repairs: bytes that stay
// as they are (nearly all of them) are only scanned, 64 at a time, and copied with one
// append per unchanged stretch; references XML defines and well-formed CDATA sections are
// left where they are instead of being copied piece by piece. CDATA sections are scanned in
// the same pass, for their end and for the character checks together.
class cleaner {
 public:
  cleaner(std::string_view in, std::string& out, cdata_sections* split = nullptr)
      : in_(in), out_(out), split_(split) {}

  void run(std::size_t start) {
    const std::size_t n = in_.size();
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
    span_ = lo_ = start;
    std::size_t i = start;
    while (i < n) {
      const bool cdata = cdata_;
      if (i + 64 <= n) {
        std::uint64_t m;
        const std::size_t base =
            cdata ? next_block<true>(p, i, n, m) : next_block<false>(p, i, n, m);
        if (m == 0) {
          i = base;  // fewer than 64 bytes left
          continue;
        }
        i = base + 64;
        while (m != 0) {
          const std::size_t at = base + static_cast<std::size_t>(std::countr_zero(m));
          std::size_t next = cdata ? 0 : unchanged_markup(p, at, n);
          if (next == 0) next = step(at);
          if (cdata_ != cdata || next >= base + 64) {
            i = next;
            break;
          }
          m &= ~std::uint64_t(0) << (next - base);
        }
        continue;
      }
      // Fewer than 64 bytes left.
      if (cdata ? candidate<true>(p[i]) : candidate<false>(p[i]))
        i = step(i);
      else
        ++i;
    }
    if (cdata_) {
      end_cdata(n);
      flush(n);
      out_.append("]]>");
      counts.unterminated_cdata = true;
    } else {
      flush(n);
    }
    span_ = n;
  }

  repair_counts counts;

 private:
  // Appends the unchanged input from span_ up to `to`.
  void flush(std::size_t to) { out_.append(in_.data() + span_, to - span_); }

  // Drops in_[from, to) from the output.
  void drop(std::size_t from, std::size_t to) {
    flush(from);
    span_ = to;
    ++repairs_;
  }

  // The CDATA section whose content starts at in_[from] begins. With split_, its content
  // stays out of the output.
  void begin_cdata(std::size_t from) {
    cdata_ = true;
    if (!split_) return;
    flush(from);
    span_ = content_ = from;
    content_at_ = out_.size();
    repairs_at_content_ = repairs_;
    cr_ = false;
  }

  // The CDATA section's content ends at in_[end]. With split_, the content as clean_xml
  // would output it is described in split_, and taken back out of out_ if repairs put it
  // there.
  void end_cdata(std::size_t end) {
    cdata_ = false;
    if (!split_) return;
    std::string_view content;
    if (repairs_ == repairs_at_content_) {
      // Nothing inside was repaired, so nothing of it was output: the input is the content.
      content = in_.substr(content_, end - content_);
    } else {
      flush(end);
      content = std::string_view(out_).substr(content_at_);
      // A parser of clean_xml's output would end the section at a "]]>" that a repair made.
      if (content.find("]]>") != std::string_view::npos) split_->exact = false;
    }
    if (!cr_ && repairs_ == repairs_at_content_) {
      split_->pieces.push_back({content_at_, content_, content.size(), content.size(), false});
    } else {
      std::string& text = split_->repaired_text;
      const std::size_t from = text.size();
      if (cr_) {
        // The line breaks an XML parser hands over: CR LF and lone CR become LF.
        for (std::size_t k = 0; k < content.size(); ++k) {
          if (content[k] != '\r') {
            text += content[k];
          } else {
            text += '\n';
            if (k + 1 < content.size() && content[k + 1] == '\n') ++k;
          }
        }
      } else {
        text.append(content);
      }
      split_->pieces.push_back({content_at_, from, text.size() - from, content.size(), true});
    }
    out_.resize(content_at_);
    span_ = end;
  }

  // The candidates in markup that are left as they are, most of them in feeds: the references
  // XML defines (escaped HTML is full of them), '!' and '?' in text, tab. Returns the index
  // after one, or 0 when step() is to look.
  std::size_t unchanged_markup(const unsigned char* p, std::size_t i, std::size_t n) const {
    const unsigned char b = p[i];
    if (b == '&') {
      const auto is = [&](std::string_view ref) {
        return i + ref.size() <= n && std::memcmp(p + i, ref.data(), ref.size()) == 0;
      };
      if (is("&lt;") || is("&gt;")) return i + 4;
      if (is("&amp;")) return i + 5;
      if (is("&quot;") || is("&apos;")) return i + 6;
      return 0;
    }
    if (b == '!' || b == '?') return i == 0 || i - 1 < lo_ || p[i - 1] != '<' ? i + 1 : 0;
    return b == '\t' ? i + 1 : 0;
  }

  // Handles the candidate byte at in_[i]; returns the index after what it consumed.
  std::size_t step(std::size_t i) {
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
    const std::size_t n = in_.size();
    const unsigned char b = p[i];
    if (b == '\t') return i + 1;
    if (b == '\r') {
      cr_ = cr_ || cdata_;
      return i + 1;
    }
    if (b >= 0x80) {
      const std::size_t len = utf8_sequence(p + i, n - i);
      if (len == 3 && b == 0xEF && p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF)) {
        ++counts.illegal_chars;
        drop(i, i + 3);
        return i + 3;
      }
      if (len == 0) {
        flush(i);
        out_.append("\xEF\xBF\xBD");
        span_ = i + 1;
        ++repairs_;
        ++counts.invalid_bytes;
        return i + 1;
      }
      return i + len;
    }
    if (b < 0x20) {  // a C0 control character
      ++counts.illegal_chars;
      drop(i, i + 1);
      return i + 1;
    }
    if (cdata_) {  // ']'
      if (i + 2 < n && p[i + 1] == ']' && p[i + 2] == '>') {
        end_cdata(i);
        return lo_ = i + 3;
      }
      return i + 1;
    }
    if (b == '&') return lo_ = entity(i);
    // '!' or '?': markup only after a '<' that nothing consumed.
    if (i == 0 || i - 1 < lo_ || p[i - 1] != '<') return i + 1;
    const std::size_t lt = i - 1;
    const std::string_view rest = in_.substr(lt);
    std::size_t end;
    if (b == '?') {
      const auto e = in_.find("?>", lt + 2);
      end = e == std::string_view::npos ? n : e + 2;
      drop(lt, end);
    } else if (rest.starts_with("<![CDATA[")) {
      // Kept as it is; its content gets the character checks only, up to "]]>".
      end = lt + 9;
      begin_cdata(end);
    } else if (rest.starts_with("<!--")) {
      const auto e = in_.find("-->", lt + 4);
      end = e == std::string_view::npos ? n : e + 3;
      drop(lt, end);
    } else if (starts_with_icase(rest, "<!DOCTYPE")) {
      end = doctype(lt);
      drop(lt, end);
    } else {
      return i + 1;
    }
    return lo_ = end;
  }

  // Handles the '&' at in_[i]; returns the index after what it consumed. References XML
  // defines are left in place.
  std::size_t entity(std::size_t i) {
    const auto* s = reinterpret_cast<const unsigned char*>(in_.data());
    const std::size_t n = in_.size();
    std::size_t p = i + 1;
    if (p < n && s[p] == '#') {
      ++p;
      const bool hex = p < n && (s[p] == 'x' || s[p] == 'X');
      if (hex) ++p;
      std::uint32_t cp = 0;
      const std::size_t start = p;
      while (p < n && p - start < 8 && (hex ? is_xdigit(s[p]) : is_digit(s[p]))) {
        const char c = lower(static_cast<char>(s[p]));
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
        ++p;
      }
      if (p > start && p < n && s[p] == ';') {
        if (!legal_xml_char(cp)) {
          ++counts.illegal_chars;  // "&#1;" would put a control character into the text
          drop(i, p + 1);
        }
        return p + 1;
      }
      return bare_ampersand(i);
    }
    const std::size_t start = p;
    while (p < n && p - start < 32 && is_alnum(s[p])) ++p;
    if (p == start || p >= n || s[p] != ';' || !is_alpha(s[start])) return bare_ampersand(i);
    const std::string_view name = in_.substr(start, p - start);
    if (name == "lt" || name == "gt" || name == "amp" || name == "quot" || name == "apos")
      return p + 1;
    if (!entities_.empty())
      if (const auto e = entities_.find(name); e != entities_.end())
        return declared_entity(i, p + 1, e->second);
    const std::string_view ref = in_.substr(i, p + 1 - i);
    const std::string decoded = text::decode_entities(ref);
    if (decoded.empty() || decoded == ref) {
      // Unknown even to HTML: keep it as the literal text it would show.
      return bare_ampersand(i);
    }
    // Numeric references, so that "&LT;" cannot become markup.
    flush(i);
    span_ = p + 1;
    ++repairs_;
    const auto* d = reinterpret_cast<const unsigned char*>(decoded.data());
    for (std::size_t k = 0; k < decoded.size();) {
      std::size_t len = utf8_sequence(d + k, decoded.size() - k);
      std::uint32_t cp = 0xFFFD;
      if (len == 1)
        cp = d[k];
      else if (len == 2)
        cp = ((d[k] & 0x1Fu) << 6) | (d[k + 1] & 0x3Fu);
      else if (len == 3)
        cp = ((d[k] & 0x0Fu) << 12) | ((d[k + 1] & 0x3Fu) << 6) | (d[k + 2] & 0x3Fu);
      else if (len == 4)
        cp = ((d[k] & 0x07u) << 18) | ((d[k + 1] & 0x3Fu) << 12) | ((d[k + 2] & 0x3Fu) << 6) |
             (d[k + 3] & 0x3Fu);
      if (len == 0) len = 1;
      if (legal_xml_char(cp)) append_numeric_ref(out_, cp);
      k += len;
    }
    if (counts.html_entities++ == 0) counts.first_entity = std::string(ref);
    return p + 1;
  }

  // A '&' that starts no reference: escaped, the rest is read on as text.
  std::size_t bare_ampersand(std::size_t i) {
    flush(i);
    out_.append("&amp;");
    span_ = i + 1;
    ++repairs_;
    ++counts.bare_ampersands;
    return i + 1;
  }

  // Skips a DOCTYPE starting at in_[i]; internal subsets nest in [] and hold quoted strings.
  std::size_t doctype(std::size_t i) {
    counts.doctype = true;
    int depth = 0;
    char quote = 0;
    for (std::size_t p = i + 2; p < in_.size(); ++p) {
      const char c = in_[p];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[') {
        ++depth;
      } else if (c == ']') {
        if (depth > 0) --depth;
      } else if (c == '<' && depth > 0 && in_.substr(p).starts_with("<!ENTITY")) {
        declare_entity(p + 8);
      } else if (c == '>' && depth == 0) {
        return p + 1;
      }
    }
    return in_.size();
  }

  // Reads the entity declaration whose name follows in_[p] ("<!ENTITY" before it). Internal
  // general entities are kept for expansion; the first declaration of a name binds it (XML 1.0
  // 4.2). External ones are counted, never fetched; parameter entities are not used.
  void declare_entity(std::size_t p) {
    const std::size_t n = in_.size();
    while (p < n && is_space(in_[p])) ++p;
    if (p < n && in_[p] == '%') {
      const std::string_view decl = in_.substr(p, 200);
      const std::string_view head = decl.substr(0, std::min(decl.size(), decl.find('>')));
      if (head.find("SYSTEM") != std::string_view::npos ||
          head.find("PUBLIC") != std::string_view::npos)
        ++counts.external_entities;
      return;
    }
    const std::size_t start = p;
    while (p < n && !is_space(in_[p]) && in_[p] != '"' && in_[p] != '\'' && in_[p] != '>') ++p;
    const std::string_view name = in_.substr(start, p - start);
    while (p < n && is_space(in_[p])) ++p;
    if (name.empty() || p >= n) return;
    if (in_[p] != '"' && in_[p] != '\'') {
      ++counts.external_entities;  // SYSTEM "uri" or PUBLIC "id" "uri"
      return;
    }
    const char quote = in_[p];
    const auto close = in_.find(quote, p + 1);
    if (close == std::string_view::npos) return;
    entities_.emplace(std::string(name), in_.substr(p + 1, close - p - 1));
  }

  // Appends the replacement text of `value` to `out`, declared entities in it expanded in
  // turn; other references stay as they are. False when the caps are reached: a nesting
  // deeper than max_entity_depth, or more than max_entity_bytes spent in the document. Each
  // byte produced and each reference expanded (its length) is spent as it happens, so billion
  // laughs, with text or with empty entities at the bottom, costs at most that much work.
  bool expand(std::string_view value, int depth, std::string& out) {
    std::size_t span = 0;
    for (std::size_t k = value.find('&'); k != std::string_view::npos; k = value.find('&', k + 1)) {
      // Names are short: looking further for the ';' would make "&&&...;" quadratic.
      const auto semi = value.substr(0, k + 2 + max_entity_name).find(';', k + 1);
      if (semi == std::string_view::npos) continue;
      const auto e = entities_.find(value.substr(k + 1, semi - k - 1));
      if (e == entities_.end()) continue;
      if (!produce(out, value.substr(span, k - span)) || !spend(semi + 1 - k)) return false;
      if (depth + 1 >= max_entity_depth || !expand(e->second, depth + 1, out)) return false;
      span = semi + 1;
      k = semi;
    }
    return produce(out, value.substr(span));
  }

  bool spend(std::size_t n) {
    if (n > max_entity_bytes - entity_bytes_) {
      entity_bytes_ = max_entity_bytes;  // spent: later references fail at once
      return false;
    }
    entity_bytes_ += n;
    return true;
  }

  bool produce(std::string& out, std::string_view s) {
    if (!spend(s.size())) return false;
    out.append(s);
    return true;
  }

  // The reference in_[i, end) to a declared entity: its replacement text, as text (markup in
  // it escaped, references in it decoded), or the reference kept literally past the caps.
  std::size_t declared_entity(std::size_t i, std::size_t end, std::string_view value) {
    std::string raw;
    if (!expand(value, 0, raw)) {
      ++counts.capped_entities;
      return bare_ampersand(i);
    }
    const std::string decoded = text::sanitize_utf8(text::decode_entities(raw));
    flush(i);
    span_ = end;
    ++repairs_;
    const auto* d = reinterpret_cast<const unsigned char*>(decoded.data());
    for (std::size_t k = 0; k < decoded.size();) {
      const std::size_t len = std::max<std::size_t>(1, utf8_sequence(d + k, decoded.size() - k));
      switch (decoded[k]) {
        case '&':
          out_.append("&amp;");
          break;
        case '<':
          out_.append("&lt;");
          break;
        case '>':
          out_.append("&gt;");
          break;
        case '"':
          out_.append("&quot;");
          break;
        case '\'':
          out_.append("&apos;");
          break;
        default:
          if ((d[k] >= 0x20 || d[k] == '\t' || d[k] == '\n' || d[k] == '\r') &&
              !(len == 3 && d[k] == 0xEF && d[k + 1] == 0xBF && d[k + 2] >= 0xBE))
            out_.append(decoded, k, len);
      }
      k += len;
    }
    return end;
  }

  static constexpr int max_entity_depth = 8;
  static constexpr std::size_t max_entity_name = 64;
  static constexpr std::size_t max_entity_bytes = 1u << 20;

  std::string_view in_;
  std::string& out_;
  cdata_sections* split_;
  std::map<std::string, std::string_view, std::less<>> entities_;  // declared in the DOCTYPE
  std::size_t entity_bytes_ = 0;                                   // produced by expansions so far
  std::size_t span_ = 0;        // start of the input not yet copied to out_
  std::size_t lo_ = 0;          // a '<' before this index belongs to something already handled
  bool cdata_ = false;          // inside a CDATA section
  std::size_t repairs_ = 0;     // changes made so far (drops and replacements)
  std::size_t content_ = 0;     // with split_: where the current CDATA content starts in in_,
  std::size_t content_at_ = 0;  // where it would start in out_,
  std::size_t repairs_at_content_ = 0;  // and repairs_ there
  bool cr_ = false;                     // and whether it holds a CR
};
}  // namespace

std::string http_charset(std::string_view content_type) {
  const std::string lower_ct = to_lower(content_type);
  auto at = lower_ct.find("charset");
  while (at != std::string::npos) {
    std::size_t i = at + 7;
    while (i < lower_ct.size() && is_space(lower_ct[i])) ++i;
    if (i < lower_ct.size() && lower_ct[i] == '=') {
      ++i;
      while (i < lower_ct.size() && is_space(lower_ct[i])) ++i;
      std::size_t end = i;
      if (i < lower_ct.size() && (lower_ct[i] == '"' || lower_ct[i] == '\'')) {
        const char q = lower_ct[i++];
        end = lower_ct.find(q, i);
        if (end == std::string::npos) end = lower_ct.size();
      } else {
        while (end < lower_ct.size() && lower_ct[end] != ';' && !is_space(lower_ct[end])) ++end;
      }
      return lower_ct.substr(i, end - i);
    }
    at = lower_ct.find("charset", at + 7);
  }
  return {};
}

bool is_utf8(std::string_view name) {
  const std::string l = to_lower(name);
  return l.empty() || l == "utf-8" || l == "utf8";
}

charset_choice choose_charset(std::string_view b, std::string_view content_type, bool xml) {
  auto at = [&](std::size_t i) { return i < b.size() ? static_cast<unsigned char>(b[i]) : 0x100u; };
  // 1. A byte order mark. UTF-32LE before UTF-16LE: its BOM starts with the same bytes.
  if (at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) return {"utf-8", 3, "bom"};
  if (at(0) == 0xFF && at(1) == 0xFE && at(2) == 0 && at(3) == 0) return {"utf-32le", 4, "bom"};
  if (at(0) == 0 && at(1) == 0 && at(2) == 0xFE && at(3) == 0xFF) return {"utf-32be", 4, "bom"};
  if (at(0) == 0xFF && at(1) == 0xFE) return {"utf-16le", 2, "bom"};
  if (at(0) == 0xFE && at(1) == 0xFF) return {"utf-16be", 2, "bom"};
  // 2. The HTTP charset (RFC 7303 section 3).
  if (std::string cs = http_charset(content_type); !cs.empty()) return {cs, 0, "http"};
  // 3. UTF-16/32 without a BOM shows as NUL bytes around the first ASCII character
  //    ('<' or '{'), as XML 1.0 appendix F and RFC 4627 describe.
  if (b.size() >= 4) {
    if (at(0) == 0 && at(1) == 0 && at(2) == 0 && at(3) != 0) return {"utf-32be", 0, "sniff"};
    if (at(0) != 0 && at(1) == 0 && at(2) == 0 && at(3) == 0) return {"utf-32le", 0, "sniff"};
    if (at(0) == 0 && at(1) != 0 && at(2) == 0 && at(3) != 0) return {"utf-16be", 0, "sniff"};
    if (at(0) != 0 && at(1) == 0 && at(2) != 0 && at(3) == 0) return {"utf-16le", 0, "sniff"};
  }
  // 4. The XML declaration.
  if (xml) {
    std::string declared = declared_encoding(b.substr(0, 512));
    // A declaration that says UTF-16 in bytes that read as ASCII is wrong about itself.
    if (!declared.empty() && !declared.starts_with("utf-16") && !declared.starts_with("utf-32"))
      return {declared, 0, "xml"};
  }
  return {"utf-8", 0, "default"};
}

std::string_view decode(std::string_view bytes, const charset_choice& choice, std::string& storage,
                        std::vector<std::string>& warnings) {
  bytes.remove_prefix(std::min(choice.bom_length, bytes.size()));
  if (is_utf8(choice.name)) return bytes;
  text::converted c = text::to_utf8(bytes, choice.name);
  if (!c.ok)
    warnings.push_back("unknown charset '" + choice.name + "' (from " + std::string(choice.source) +
                       "); read as UTF-8");
  storage = std::move(c.utf8);
  return storage;
}

namespace {
void clean_into(std::string_view in, std::string& out, cdata_sections* split,
                std::vector<std::string>& warnings);
}  // namespace

std::string clean_xml(std::string_view in, std::vector<std::string>& warnings) {
  std::string out;
  clean_xml(in, out, warnings);
  return out;
}

void clean_xml(std::string_view in, std::string& out, std::vector<std::string>& warnings) {
  clean_into(in, out, nullptr, warnings);
}

void clean_xml_split(std::string_view in, std::string& out, cdata_sections& sections,
                     std::vector<std::string>& warnings) {
  sections.pieces.clear();
  sections.repaired_text.clear();
  sections.input = in;
  sections.exact = true;
  clean_into(in, out, &sections, warnings);
}

bool cdata_sections::find(std::size_t offset, std::string_view& content) const {
  const auto it = std::lower_bound(pieces.begin(), pieces.end(), offset,
                                   [](const piece& p, std::size_t o) { return p.at < o; });
  if (it == pieces.end() || it->at != offset) return false;
  content = std::string_view(it->repaired ? repaired_text : input).substr(it->from, it->size);
  return true;
}

std::size_t cdata_sections::full_offset(std::size_t offset) const {
  std::size_t full = offset;
  for (const piece& p : pieces) {
    if (p.at > offset) break;
    full += p.full_size;
  }
  return full;
}

bool cdata_parsed(const cdata_sections& sections, const char* parsed_buffer, std::size_t size) {
  if (!sections.exact) return false;
  static constexpr std::string_view opener = "<![CDATA[";
  for (const auto& p : sections.pieces) {
    if (p.at < opener.size() || p.at >= size || parsed_buffer[p.at] != '\0' ||
        std::string_view(parsed_buffer + p.at - opener.size(), opener.size()) != opener)
      return false;
  }
  return true;
}

namespace {

void clean_into(std::string_view in, std::string& out, cdata_sections* split,
                std::vector<std::string>& warnings) {
  out.clear();
  out.reserve(in.size() + in.size() / 64 + 16);
  cleaner c(in, out, split);

  // Stray BOMs (also U+FEFF left after a conversion), whitespace and junk before the root.
  std::size_t i = 0;
  for (;;) {
    while (i < in.size() && is_space(in[i])) ++i;
    if (in.substr(i).starts_with("\xEF\xBB\xBF")) {
      i += 3;
      continue;
    }
    break;
  }
  if (i < in.size() && in[i] != '<') {
    const auto lt = in.find('<', i);
    const std::size_t skip = (lt == std::string_view::npos ? in.size() : lt) - i;
    c.counts.junk_bytes = skip;
    i += skip;
  }
  if (in.substr(i).starts_with("<?xml")) {
    const auto end = in.find("?>", i);
    i = end == std::string_view::npos ? in.size() : end + 2;
  }
  c.run(i);

  const auto& k = c.counts;
  if (k.junk_bytes)
    warnings.push_back("skipped " + std::to_string(k.junk_bytes) +
                       " bytes of junk before the root element");
  if (k.html_entities)
    warnings.push_back(
        "replaced " + std::to_string(k.html_entities) +
        " HTML entity reference(s) that XML does not define (first: " + k.first_entity + ")");
  if (k.bare_ampersands)
    warnings.push_back("escaped " + std::to_string(k.bare_ampersands) +
                       " unescaped '&' or unknown entity reference(s)");
  if (k.illegal_chars)
    warnings.push_back("removed " + std::to_string(k.illegal_chars) +
                       " character(s) not allowed in XML 1.0");
  if (k.invalid_bytes)
    warnings.push_back("replaced " + std::to_string(k.invalid_bytes) +
                       " invalid byte sequence(s) with U+FFFD");
  if (k.external_entities)
    warnings.push_back("ignored " + std::to_string(k.external_entities) +
                       " external entity declaration(s) in the DOCTYPE; never fetched");
  if (k.capped_entities)
    warnings.push_back("left " + std::to_string(k.capped_entities) +
                       " entity reference(s) unexpanded: nested deeper than 8 or past 1 MiB of "
                       "expansion in the document");
  if (k.unterminated_cdata) warnings.push_back("closed an unterminated CDATA section");
}

}  // namespace

std::string clean_json(std::string_view utf8) {
  std::string out = text::sanitize_utf8(utf8);
  if (out.starts_with("\xEF\xBB\xBF")) out.erase(0, 3);
  return out;
}

}  // namespace sanctwatch::feed::detail
