// EU Financial Sanctions Files (FSF) consolidated list, XML 1.1: an <export> root with one
// <sanctionEntity> per designation, its data mostly in attributes (nameAlias@wholeName,
// regulation@programme, citizenship@countryDescription, ...).
//
// Read as one pugixml DOM rather than streamed like sdn.xml: the full EU file is tens of MB and
// its DOM a small multiple of that, held only while importing. A document that does not parse
// (a truncated download, say) is refused as a whole, so the previous list stays in use instead
// of a silently shortened one.
#include "entities/import.hpp"
#include "entities/xml_dom.hpp"

namespace sanctwatch::entities {

namespace {

using detail::first_child;
using detail::for_children;
using detail::local_name;

constexpr std::string_view format_name = "eu-fsf-xml";

std::string attr(const pugi::xml_node& n, const char* name) {
  return detail::squeeze_spaces(n.attribute(name).as_string());
}

/// The country as the list spells it: the description ("RUSSIAN FEDERATION"), or the ISO code
/// when there is no description. "UNKNOWN" and the placeholder code "00" are no country.
std::string country_of(const pugi::xml_node& n) {
  std::string d = attr(n, "countryDescription");
  if (!d.empty() && !detail::iequals(d, "UNKNOWN")) return d;
  std::string code = attr(n, "countryIso2Code");
  if (code.empty() || code == "00") return {};
  return code;
}

struct name_alias {
  std::string text;
  bool weak = false;
  bool english = false;  ///< nameLanguage EN or none: the candidate for the primary name
};

name_alias read_name_alias(const pugi::xml_node& a) {
  name_alias out;
  out.text = attr(a, "wholeName");
  if (out.text.empty()) {
    // Persons sometimes carry only the parts; they are joined in reading order.
    for (const char* part : {"firstName", "middleName", "lastName"}) {
      const std::string p = attr(a, part);
      if (p.empty()) continue;
      if (!out.text.empty()) out.text += ' ';
      out.text += p;
    }
  }
  // strong="false" is the list's weak alias. Older files flag quality only in the alias'
  // remark ("low quality alias").
  out.weak = detail::iequals(attr(a, "strong"), "false");
  for_children(a, "remark", [&](const pugi::xml_node& r) {
    if (detail::lower_ascii(r.text().as_string()).find("low quality") != std::string::npos)
      out.weak = true;
  });
  const std::string lang = attr(a, "nameLanguage");
  out.english = lang.empty() || detail::iequals(lang, "EN");
  return out;
}

}  // namespace

result<entity_list> import_eu_fsf_xml(std::string_view bytes, const import_options& options) {
  entity_list list;
  if (detail::is_blank(bytes))
    return detail::finish(std::move(list), format_name, options.list_name, true);
  detail::xml_list xml;
  if (auto loaded = detail::load_xml_list(bytes, format_name, "export",
                                          "an EU Financial Sanctions File", list, xml);
      !loaded)
    return loaded.err();
  detail::line_counter lines(xml.text);
  const pugi::xml_node root = xml.root;

  for_children(root, "sanctionEntity", [&](const pugi::xml_node& n) {
    const std::size_t at = lines.at(n.offset_debug());
    const std::string logical_id = attr(n, "logicalId");
    if (logical_id.empty()) {
      list.warnings.push_back({"", at, 0, "<sanctionEntity> without logicalId"});
      return;
    }
    entity e;
    e.id = "eu-fsf:" + logical_id;

    const std::string code = attr(first_child(n, "subjectType"), "code");
    if (detail::iequals(code, "person")) {
      e.type = entity_type::person;
    } else if (detail::iequals(code, "enterprise")) {
      e.type = entity_type::organization;
    } else {
      e.type = parse_entity_type(code).value_or(entity_type::unknown);
      if (e.type == entity_type::unknown)
        list.warnings.push_back(
            {"", at, 0, "logicalId " + logical_id + ": unknown subjectType code '" + code + "'"});
    }

    std::vector<name_alias> names;
    for_children(n, "nameAlias", [&](const pugi::xml_node& a) {
      name_alias na = read_name_alias(a);
      if (!na.text.empty()) names.push_back(std::move(na));
    });
    // No alias is marked primary: the first strong one in English (or without a language)
    // stands in, then the first strong one, then the first.
    std::size_t primary = names.size();
    for (std::size_t i = 0; i < names.size() && primary == names.size(); ++i)
      if (!names[i].weak && names[i].english) primary = i;
    for (std::size_t i = 0; i < names.size() && primary == names.size(); ++i)
      if (!names[i].weak) primary = i;
    if (primary == names.size()) primary = 0;
    if (names.empty()) {
      list.warnings.push_back({"", at, 0, "logicalId " + logical_id + ": no <nameAlias> name"});
      return;
    }
    e.primary_name = names[primary].text;
    detail::add_alias(e, names[primary].text, strength::strong, alias_kind::primary);
    for (name_alias& na : names)
      detail::add_alias(e, std::move(na.text), na.weak ? strength::weak : strength::strong,
                        na.weak ? alias_kind::weak_aka : alias_kind::aka);

    for_children(n, "regulation", [&](const pugi::xml_node& r) {
      detail::add_unique(e.programs, attr(r, "programme"));
    });
    for (const char* where : {"citizenship", "address"})
      for_children(n, where, [&](const pugi::xml_node& c) {
        detail::add_unique(e.countries, country_of(c));
      });
    for_children(n, "remark", [&](const pugi::xml_node& r) {
      const std::string remark = detail::squeeze_spaces(r.text().as_string());
      if (remark.empty()) return;
      e.remarks = e.remarks ? *e.remarks + " " + remark : remark;
    });
    list.entities.push_back(std::move(e));
  });
  if (list.entities.empty() && list.warnings.empty())
    return error{"no_entities", std::string(format_name) + ": no <sanctionEntity> in the file"};
  return detail::finish(std::move(list), format_name, options.list_name, false);
}

}  // namespace sanctwatch::entities
