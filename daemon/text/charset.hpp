#pragma once
/// Charset detection and conversion to UTF-8 (ICU converters).

#include <string>
#include <string_view>

namespace sanctwatch::text {

/// Converts bytes in `charset` (any name or alias ICU knows: "ISO-8859-1", "windows-1252",
/// "GB18030", "Shift_JIS", "KOI8-R", "UTF-16LE", ...) to UTF-8. Invalid or unmappable bytes
/// become U+FFFD; an unknown charset name is treated as UTF-8 (and reported via `ok=false`).
struct converted {
  std::string utf8;
  bool ok = true;  ///< false when the charset name was unknown
};
converted to_utf8(std::string_view bytes, std::string_view charset);

/// Replaces invalid UTF-8 sequences with U+FFFD; valid input is returned unchanged.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace sanctwatch::text
