#include "text/charset.hpp"

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucnv_err.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>

namespace sanctwatch::text {
namespace {

constexpr char replacement[] = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as in RFC 3629).
std::size_t valid_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const std::size_t left = s.size() - i;
  auto cont = [&](std::size_t k) {
    return k < left && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_utf8_label(std::string_view lower) {
  return lower == "utf-8" || lower == "utf8" || lower == "unicode-1-1-utf-8" ||
         lower == "x-unicode20utf8";
}

// Feeds label their bytes the way web pages do, so labels map as the WHATWG Encoding
// Standard maps them: Latin-1 and ASCII labels really mean windows-1252 (curly quotes in
// 0x80-0x9F), and GB2312/GBK mean GB18030, a superset that decodes both.
std::string icu_name(std::string_view lower) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 25> aliases{{
      // Every label the WHATWG Encoding Standard gives windows-1252.
      {"iso-8859-1", "windows-1252"},
      {"iso8859-1", "windows-1252"},
      {"iso88591", "windows-1252"},
      {"iso_8859-1", "windows-1252"},
      {"iso_8859-1:1987", "windows-1252"},
      {"iso-ir-100", "windows-1252"},
      {"csisolatin1", "windows-1252"},
      {"cp819", "windows-1252"},
      {"ibm819", "windows-1252"},
      {"latin1", "windows-1252"},
      {"l1", "windows-1252"},
      {"us-ascii", "windows-1252"},
      {"ascii", "windows-1252"},
      {"ansi_x3.4-1968", "windows-1252"},
      {"cp1252", "windows-1252"},
      {"x-cp1252", "windows-1252"},
      {"gb2312", "GB18030"},
      {"gbk", "GB18030"},
      {"x-gbk", "GB18030"},
      {"cp936", "GB18030"},
      {"euc-cn", "GB18030"},
      {"x-sjis", "Shift_JIS"},
      {"sjis", "Shift_JIS"},
      {"x-euc-jp", "EUC-JP"},
  }};
  for (const auto& [label, name] : aliases)
    if (lower == label) return std::string(name);
  return std::string(lower);
}

struct converter_closer {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using converter_ptr = std::unique_ptr<UConverter, converter_closer>;

// ICU's own substitute callback writes the converter's substitution character, which for
// many legacy tables is U+001A (SUB), a control character that later stages strip
// silently. U+FFFD keeps the damage visible.
void substitute_fffd(const void*, UConverterToUnicodeArgs* args, const char*, int32_t,
                     UConverterCallbackReason reason, UErrorCode* err) {
  if (reason > UCNV_IRREGULAR) return;  // reset, close, clone: nothing to write
  static constexpr UChar replacement_char = 0xFFFD;
  *err = U_ZERO_ERROR;
  ucnv_cbToUWriteUChars(args, &replacement_char, 1, 0, err);
}

}  // namespace

std::string sanitize_utf8(std::string_view bytes) {
  // Fast path: scan until the first invalid sequence; valid input is copied once.
  std::size_t i = 0;
  while (i < bytes.size()) {
    const std::size_t n = valid_sequence(bytes, i);
    if (n == 0) break;
    i += n;
  }
  if (i == bytes.size()) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 16);
  out.append(bytes.substr(0, i));
  while (i < bytes.size()) {
    const std::size_t n = valid_sequence(bytes, i);
    if (n == 0) {
      out.append(replacement, 3);
      ++i;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

converted to_utf8(std::string_view bytes, std::string_view charset) {
  const std::string lower = lower_ascii(charset);
  if (lower.empty() || is_utf8_label(lower)) return {sanitize_utf8(bytes), true};

  UErrorCode status = U_ZERO_ERROR;
  const std::string name = icu_name(lower);
  converter_ptr cnv(ucnv_open(name.c_str(), &status));
  if (U_FAILURE(status) || !cnv) return {sanitize_utf8(bytes), false};

  // Invalid input becomes U+FFFD rather than stopping the conversion.
  status = U_ZERO_ERROR;
  ucnv_setToUCallBack(cnv.get(), substitute_fffd, nullptr, nullptr, nullptr, &status);
  if (bytes.empty()) return {std::string(), true};
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX / 4)) return {std::string(), true};

  // One pass in the common case: UTF-8 needs at most 3 bytes per input byte for every
  // charset ICU knows (4-byte UTF-8 sequences come from at least 2 input bytes).
  std::string out;
  out.resize(bytes.size() * 3 + 16);
  status = U_ZERO_ERROR;
  int32_t n = ucnv_toAlgorithmic(UCNV_UTF8, cnv.get(), out.data(), static_cast<int32_t>(out.size()),
                                 bytes.data(), static_cast<int32_t>(bytes.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    out.resize(static_cast<std::size_t>(n));
    status = U_ZERO_ERROR;
    ucnv_resetToUnicode(cnv.get());
    n = ucnv_toAlgorithmic(UCNV_UTF8, cnv.get(), out.data(), static_cast<int32_t>(out.size()),
                           bytes.data(), static_cast<int32_t>(bytes.size()), &status);
  }
  if (U_FAILURE(status)) return {sanitize_utf8(bytes), false};
  out.resize(static_cast<std::size_t>(n));
  return {std::move(out), true};
}

}  // namespace sanctwatch::text
