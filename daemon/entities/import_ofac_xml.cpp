// OFAC sdn.xml, streamed: the document (100+ MB for the advanced format, ~20 MB for sdn.xml)
// is never held as a DOM. A small scanner finds one <sdnEntry>...</sdnEntry> at a time and
// pugixml parses just that slice, so memory is proportional to one entry.
#include <pugixml.hpp>

#include "entities/detail.hpp"
#include "entities/import.hpp"

namespace sanctwatch::entities {

namespace {

std::string child_text(const pugi::xml_node& n, const char* name) {
  return detail::squeeze_spaces(n.child(name).text().as_string());
}

/// Finds `<name` followed by whitespace, `>` or `/` at or after `from`.
std::size_t find_open_tag(std::string_view text, std::string_view name, std::size_t from) {
  const std::string needle = "<" + std::string(name);
  for (std::size_t p = text.find(needle, from); p != std::string_view::npos;
       p = text.find(needle, p + 1)) {
    const std::size_t k = p + needle.size();
    if (k >= text.size()) return std::string_view::npos;
    const char c = text[k];
    if (c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n') return p;
  }
  return std::string_view::npos;
}

/// "LAST, First" as sdn.csv would spell it, and "First LAST" for matching.
void person_names(const pugi::xml_node& n, std::string& listed, std::string& ordered) {
  const std::string last = child_text(n, "lastName");
  const std::string first = child_text(n, "firstName");
  listed = first.empty() ? last : last + ", " + first;
  ordered = first.empty() ? last : first + " " + last;
}

}  // namespace

result<entity_list> import_ofac_sdn_xml(std::string_view bytes, const import_options& options) {
  entity_list list;
  if (detail::is_blank(bytes))
    return detail::finish(std::move(list), "ofac-sdn-xml", options.list_name, true);
  // sdn.xml is UTF-8 by declaration, so the input is normally scanned in place; only broken
  // input is re-encoded into a copy.
  std::string recoded_copy;
  std::string_view text = bytes;
  if (!detail::is_valid_utf8(bytes)) {
    recoded_copy = detail::to_utf8(bytes, nullptr);
    text = recoded_copy;
    list.warnings.push_back({"", 0, 0, "not valid UTF-8; decoded as windows-1252"});
  }
  if (find_open_tag(text, "sdnList", 0) == std::string_view::npos)
    return error{"bad_xml", "ofac-sdn-xml: no <sdnList> element; not an OFAC sdn.xml file"};

  std::size_t pos = 0;
  std::size_t line = 1;
  std::size_t line_pos = 0;  // `line` is the line number of text offset `line_pos`
  auto line_at = [&](std::size_t offset) {
    for (; line_pos < offset; ++line_pos)
      if (text[line_pos] == '\n') ++line;
    return line;
  };
  static constexpr std::string_view close_tag = "</sdnEntry>";
  while ((pos = find_open_tag(text, "sdnEntry", pos)) != std::string_view::npos) {
    const std::size_t entry_line = line_at(pos);
    const std::size_t end = text.find(close_tag, pos);
    if (end == std::string_view::npos) {
      list.warnings.push_back({"", entry_line, 0, "<sdnEntry> not closed before end of input"});
      break;
    }
    const std::string_view slice = text.substr(pos, end + close_tag.size() - pos);
    pos = end + close_tag.size();

    pugi::xml_document doc;
    const pugi::xml_parse_result parsed =
        doc.load_buffer(slice.data(), slice.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) {
      // Locate the error inside the slice relative to the entry's first line.
      std::size_t err_line = entry_line;
      const auto off = static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0));
      for (std::size_t i = 0; i < off && i < slice.size(); ++i)
        if (slice[i] == '\n') ++err_line;
      list.warnings.push_back(
          {"", err_line, 0, std::string("malformed <sdnEntry>: ") + parsed.description()});
      continue;
    }
    const pugi::xml_node n = doc.child("sdnEntry");
    const std::string uid = child_text(n, "uid");
    if (uid.empty()) {
      list.warnings.push_back({"", entry_line, 0, "<sdnEntry> without <uid>"});
      continue;
    }
    entity e;
    e.id = "ofac-sdn:" + uid;
    const std::string type = child_text(n, "sdnType");
    e.type = parse_entity_type(type).value_or(entity_type::unknown);
    if (e.type == entity_type::unknown)
      list.warnings.push_back(
          {"", entry_line, 0, "uid " + uid + ": unknown sdnType '" + type + "'"});
    std::string listed;
    std::string ordered;
    person_names(n, listed, ordered);
    if (listed.empty()) {
      list.warnings.push_back({"", entry_line, 0, "uid " + uid + ": no <lastName>"});
      continue;
    }
    e.primary_name = listed;
    detail::add_alias(e, e.type == entity_type::person ? ordered : listed, strength::strong,
                      alias_kind::primary);
    for (const pugi::xml_node p : n.child("programList").children("program"))
      detail::add_unique(e.programs, p.text().as_string());
    for (const pugi::xml_node a : n.child("akaList").children("aka")) {
      std::string a_listed;
      std::string a_ordered;
      person_names(a, a_listed, a_ordered);
      if (a_listed.empty()) continue;
      const bool weak = detail::iequals(child_text(a, "category"), "weak");
      const std::string kind_text = detail::lower_ascii(child_text(a, "type"));
      alias_kind kind = alias_kind::aka;
      if (weak) {
        kind = alias_kind::weak_aka;
      } else if (kind_text == "f.k.a.") {
        kind = alias_kind::fka;
      } else if (kind_text == "n.k.a.") {
        kind = alias_kind::nka;
      }
      detail::add_alias(e, e.type == entity_type::person ? a_ordered : a_listed,
                        weak ? strength::weak : strength::strong, kind);
    }
    for (const pugi::xml_node a : n.child("addressList").children("address"))
      detail::add_unique(e.countries, a.child("country").text().as_string());
    if (const std::string remarks = child_text(n, "remarks"); !remarks.empty()) e.remarks = remarks;
    list.entities.push_back(std::move(e));
  }
  return detail::finish(std::move(list), "ofac-sdn-xml", options.list_name, false);
}

}  // namespace sanctwatch::entities
