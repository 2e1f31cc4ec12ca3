#pragma once
/// Internals shared by the importers (not installed, not part of the module's interface):
/// input decoding, a located CSV reader, and small string helpers.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "entities/entity.hpp"

namespace sanctwatch::entities::detail {

/// Input bytes as UTF-8: BOM and trailing 0x1A/NUL bytes dropped; invalid UTF-8 decoded as
/// windows-1252 (then `*recoded` is set).
std::string to_utf8(std::string_view bytes, bool* recoded);
bool is_valid_utf8(std::string_view s);
/// Nothing but whitespace, BOM, 0x1A and NUL bytes.
bool is_blank(std::string_view bytes);

/// One CSV record. `line` is where the record starts (1-based).
struct csv_row {
  std::vector<std::string> fields;
  std::size_t line = 0;
  std::string error;  ///< non-empty: the record is malformed (fields are best effort)
};

/// RFC 4180 reader, lenient where the real lists are sloppy: quotes in the middle of an
/// unquoted field are literal, text after a closing quote is appended, CR LF / LF / CR all end
/// a record, quoted fields may span lines. Blank lines are skipped.
class csv_reader {
 public:
  explicit csv_reader(std::string_view text) : text_(text) {}
  bool next(csv_row& row);

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

std::string_view trim(std::string_view s);
std::string lower_ascii(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
/// Splits on `sep`, trims, drops empty parts.
std::vector<std::string> split(std::string_view s, char sep);
/// Collapses runs of whitespace to one space and trims.
std::string squeeze_spaces(std::string_view s);

/// "LAST, First" -> "First LAST"; "LAST, First, Jr." -> "First LAST Jr."; others unchanged.
std::string person_order(std::string_view name);

/// Appends unless an alias with the same text is already there (the first kind wins).
void add_alias(entity& e, std::string text, strength s, alias_kind k);
void add_unique(std::vector<std::string>& v, std::string value);

/// Common tail of every importer: fills name/format, fails when nothing was read.
result<entity_list> finish(entity_list list, std::string_view format, std::string_view list_name,
                           bool input_empty);

}  // namespace sanctwatch::entities::detail

namespace sanctwatch::entities::detail {

/// The names in OFAC remarks' `a.k.a. 'X'` clauses (the weak AKAs). A name ends at a quote
/// followed by `;`, `,`, `)`, `"`, end of text, or `.` at the end of a clause — names may
/// themselves contain apostrophes ("ABU-'UMAR").
std::vector<std::string> extract_weak_akas(std::string_view remarks);

/// OFAC program field: "[SDGT] [IRGC]", "SDGT] [IFSR", "CUBA" -> {"SDGT", "IRGC"}, ...
std::vector<std::string> split_ofac_programs(std::string_view field);

}  // namespace sanctwatch::entities::detail

namespace sanctwatch::entities::detail {

/// Case-folded letters and digits of `s`, diacritics removed ("OÜ" -> "ou", "L.L.C." -> "llc").
/// ASCII takes a fast path; other text goes through ICU.
std::string fold_key(std::string_view s);

}  // namespace sanctwatch::entities::detail
