#pragma once
/// Turning fetched bytes into UTF-8 text that pugixml or nlohmann-json can parse: the charset
/// decision (BOM > HTTP charset > XML declaration > UTF-8), conversion, and for XML a single
/// linear clean-up pass that repairs what real feeds get wrong.

#include <string>
#include <string_view>
#include <vector>

namespace sanctwatch::feed::detail {

/// The charset the bytes are in, and how many BOM bytes to skip. `source` says which rule
/// decided ("bom", "http", "xml", "sniff", "default").
struct charset_choice {
  std::string name;
  std::size_t bom_length = 0;
  std::string_view source = "default";
};

/// The charset parameter of a Content-Type header, lowercased and unquoted; empty if none.
std::string http_charset(std::string_view content_type);

/// Applies the precedence rules. `xml` enables reading the XML declaration.
charset_choice choose_charset(std::string_view bytes, std::string_view content_type, bool xml);

/// Whether `name` denotes UTF-8.
bool is_utf8(std::string_view name);

/// Converts to UTF-8 (BOM removed). UTF-8 input is returned as a view of `bytes` without
/// copying, unvalidated: the XML clean-up pass validates as it copies. `storage` holds the
/// converted text otherwise. Adds a warning when the charset is unknown.
std::string_view decode(std::string_view bytes, const charset_choice& choice, std::string& storage,
                        std::vector<std::string>& warnings);

/// The XML clean-up pass, linear in the input. Output starts at the first '<' of the
/// document (BOMs, whitespace and junk before it removed, the XML declaration dropped since
/// the text is now UTF-8) and has:
///  - invalid UTF-8 replaced by U+FFFD; characters illegal in XML 1.0 (C0 controls but tab,
///    LF, CR; U+FFFE, U+FFFF; numeric references to them) removed;
///  - HTML named references that XML does not define (&nbsp; &eacute; &mdash; ...) turned
///    into numeric references; unknown references and bare '&' escaped as "&amp;";
///  - comments, processing instructions and the DOCTYPE removed: DTD entities are never
///    expanded;
///  - an unterminated CDATA section closed.
/// CDATA content is kept verbatim apart from the character checks. One warning per kind of
/// repair is appended to `warnings`.
std::string clean_xml(std::string_view utf8, std::vector<std::string>& warnings);

/// The same, writing into `out` (cleared first) so a caller can reuse its capacity.
void clean_xml(std::string_view utf8, std::string& out, std::vector<std::string>& warnings);

/// Replaces invalid UTF-8 with U+FFFD and drops a leading BOM: the JSON path.
std::string clean_json(std::string_view utf8);

}  // namespace sanctwatch::feed::detail
