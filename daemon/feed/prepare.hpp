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
///  - comments, processing instructions and the DOCTYPE removed; references to the internal
///    general entities it declares replaced by their text (escaped: character data), nested
///    at most 8 deep and at most 1 MiB produced per document, else left literal; external
///    entities never fetched (their references stay literal);
///  - an unterminated CDATA section closed.
/// CDATA content is kept verbatim apart from the character checks. One warning per kind of
/// repair is appended to `warnings`.
std::string clean_xml(std::string_view utf8, std::vector<std::string>& warnings);

/// The same, writing into `out` (cleared first) so a caller can reuse its capacity.
void clean_xml(std::string_view utf8, std::string& out, std::vector<std::string>& warnings);

/// The content of the CDATA sections that clean_xml_split left empty, by where each one
/// starts in its output (which is where an in-place XML parse points the CDATA node's value).
/// Contents are views into the text clean_xml_split read or into `repaired_text`: valid while
/// both are.
struct cdata_sections {
  struct piece {
    std::size_t at;         ///< offset in the output of the (empty) content
    std::size_t from;       ///< offset of the content in `input`, or in `repaired_text`
    std::size_t size;       ///< of the content
    std::size_t full_size;  ///< of the content in clean_xml's output
    bool repaired;
  };
  std::vector<piece> pieces;  ///< ascending `at`
  /// Content as an XML parser gives it, where that differs from the input: repaired by the
  /// clean-up pass, or with line breaks normalized (CR LF and CR become LF, as XML 1.0 says).
  std::string repaired_text;
  std::string_view input;  ///< the text clean_xml_split read
  /// False when a section's content cannot stand for what a parser of clean_xml's output
  /// would read: repairs made "]]>" appear inside it. Callers then use clean_xml instead.
  bool exact = true;

  /// The content of the section whose (emptied) content starts at `offset` in the output;
  /// false when no section starts there.
  bool find(std::size_t offset, std::string_view& content) const;

  /// Offset in clean_xml's output of `offset` in clean_xml_split's output.
  std::size_t full_offset(std::size_t offset) const;
};

/// clean_xml, except that each CDATA section is left empty in `out` and its content (checked
/// and repaired as clean_xml does) is described in `sections`: the XML parser does not scan
/// it a second time, and the content comes with its length. The rest of `out` is byte for
/// byte clean_xml's output. The clean-up pass does not know whether a "<![CDATA[" is where
/// XML allows a CDATA section (not inside a tag or an attribute value): the caller checks,
/// after parsing, that the parser read each one as a CDATA section (cdata_parsed).
void clean_xml_split(std::string_view utf8, std::string& out, cdata_sections& sections,
                     std::vector<std::string>& warnings);

/// Whether an in-place pugixml parse of clean_xml_split's output read every emptied section
/// as a CDATA section (pugixml terminates a CDATA value where it ends; nothing else can put a
/// terminator right after an intact "<![CDATA["), and the sections are exact. When not, the
/// document is to be parsed from clean_xml's output instead.
bool cdata_parsed(const cdata_sections& sections, const char* parsed_buffer, std::size_t size);

/// Replaces invalid UTF-8 with U+FFFD and drops a leading BOM: the JSON path.
std::string clean_json(std::string_view utf8);

}  // namespace sanctwatch::feed::detail
