#pragma once
/// Which charset a page's bytes are in, and the page as UTF-8.

#include <string>
#include <string_view>

namespace sanctwatch::extract {

struct decoded_page {
  std::string utf8;     ///< valid UTF-8 without NUL bytes, BOM removed
  std::string charset;  ///< lower case, as decided ("utf-8", "windows-1251")
  std::string
      source;        ///< "bom", "option", "meta charset", "meta http-equiv", "default", "not utf-8"
  std::string note;  ///< set when a declared charset was unknown and UTF-8 was used instead
};

/// Decides the charset the way browsers do (WHATWG encoding sniffing, simplified): a byte
/// order mark; else `hint` (a charset name, or a Content-Type header with `charset=`); else
/// a `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 8 KiB; else UTF-8
/// when the bytes are valid UTF-8, windows-1252 when they are not. A page that declares
/// UTF-16 in its markup is read as UTF-8 (its markup could not have been read otherwise),
/// and Latin-1/ASCII labels mean windows-1252. Then converts with ICU (text/charset.hpp):
/// bad sequences become U+FFFD, and so do NUL bytes.
decoded_page decode_page(std::string_view bytes, std::string_view hint);

/// The charset named by a `<meta>` prescan of `head` (empty when none) and which form
/// named it ("meta charset" or "meta http-equiv"). Exposed for tests.
std::pair<std::string, std::string> meta_charset(std::string_view head);

}  // namespace sanctwatch::extract
