// UN Security Council Consolidated List XML: <CONSOLIDATED_LIST> with <INDIVIDUALS>/<INDIVIDUAL>
// and <ENTITIES>/<ENTITY>, the data in child elements (FIRST_NAME, UN_LIST_TYPE,
// INDIVIDUAL_ALIAS/QUALITY, NATIONALITY/VALUE, ...).
//
// Read as one pugixml DOM: the whole list is a few MB. A document that does not parse is refused
// as a whole (a truncated download must not replace the list in use by a shorter one).
#include "entities/import.hpp"
#include "entities/xml_dom.hpp"

namespace sanctwatch::entities {

namespace {

using detail::child_text;
using detail::first_child;
using detail::for_children;
using detail::local_name;

constexpr std::string_view format_name = "un-sc-xml";

/// Individuals: FIRST_NAME .. FOURTH_NAME joined in order ("FIRST SECOND THIRD"), which is how
/// the list writes the name. Entities: FIRST_NAME holds the whole name.
std::string listed_name(const pugi::xml_node& n, bool person) {
  if (!person) return child_text(n, "FIRST_NAME");
  std::string name;
  for (const char* part : {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"}) {
    const std::string p = child_text(n, part);
    if (p.empty()) continue;
    if (!name.empty()) name += ' ';
    name += p;
  }
  return name;
}

/// One <INDIVIDUAL_ALIAS>/<ENTITY_ALIAS>. QUALITY "Low" is the list's weak alias; "Good" and
/// "a.k.a." are strong; "f.k.a." a former name. ALIAS_NAME may hold several names split by ';'.
void add_aliases(entity& e, const pugi::xml_node& a) {
  const std::string quality = detail::lower_ascii(child_text(a, "QUALITY"));
  const bool weak = quality == "low";
  alias_kind kind = alias_kind::aka;
  if (weak) {
    kind = alias_kind::weak_aka;
  } else if (quality == "f.k.a.") {
    kind = alias_kind::fka;
  } else if (quality == "n.k.a.") {
    kind = alias_kind::nka;
  }
  for (std::string& name : detail::split(child_text(a, "ALIAS_NAME"), ';'))
    detail::add_alias(e, std::move(name), weak ? strength::weak : strength::strong, kind);
}

}  // namespace

result<entity_list> import_un_sc_xml(std::string_view bytes, const import_options& options) {
  entity_list list;
  if (detail::is_blank(bytes))
    return detail::finish(std::move(list), format_name, options.list_name, true);
  detail::xml_list xml;
  if (auto loaded = detail::load_xml_list(bytes, format_name, "CONSOLIDATED_LIST",
                                          "a UN Security Council list", list, xml);
      !loaded)
    return loaded.err();
  detail::line_counter lines(xml.text);
  const pugi::xml_node root = xml.root;

  auto read = [&](const pugi::xml_node& n, bool person) {
    const std::size_t at = lines.at(n.offset_debug());
    const std::string tag(local_name(n));
    std::string ref = child_text(n, "REFERENCE_NUMBER");
    if (ref.empty()) ref = child_text(n, "DATAID");
    if (ref.empty()) {
      list.warnings.push_back({"", at, 0, "<" + tag + "> without REFERENCE_NUMBER or DATAID"});
      return;
    }
    entity e;
    e.id = "un-sc:" + ref;
    e.type = person ? entity_type::person : entity_type::organization;
    e.primary_name = listed_name(n, person);
    if (e.primary_name.empty()) {
      list.warnings.push_back(
          {"", at, 0, ref + (person ? ": no name in FIRST_NAME..FOURTH_NAME" : ": no FIRST_NAME")});
      return;
    }
    detail::add_alias(e, e.primary_name, strength::strong, alias_kind::primary);
    detail::add_alias(e, child_text(n, "NAME_ORIGINAL_SCRIPT"), strength::strong, alias_kind::aka);
    for_children(n, person ? "INDIVIDUAL_ALIAS" : "ENTITY_ALIAS",
                 [&](const pugi::xml_node& a) { add_aliases(e, a); });
    if (const std::string program = child_text(n, "UN_LIST_TYPE"); !program.empty())
      detail::add_unique(e.programs, program);
    for_children(first_child(n, "NATIONALITY"), "VALUE", [&](const pugi::xml_node& v) {
      detail::add_unique(e.countries, v.text().as_string());
    });
    for_children(n, person ? "INDIVIDUAL_ADDRESS" : "ENTITY_ADDRESS", [&](const pugi::xml_node& a) {
      detail::add_unique(e.countries, child_text(a, "COUNTRY"));
    });
    if (std::string remarks = child_text(n, "COMMENTS1"); !remarks.empty())
      e.remarks = std::move(remarks);
    list.entities.push_back(std::move(e));
  };
  for_children(first_child(root, "INDIVIDUALS"), "INDIVIDUAL",
               [&](const pugi::xml_node& n) { read(n, true); });
  for_children(first_child(root, "ENTITIES"), "ENTITY",
               [&](const pugi::xml_node& n) { read(n, false); });
  if (list.entities.empty() && list.warnings.empty())
    return error{"no_entities",
                 std::string(format_name) + ": no <INDIVIDUAL> or <ENTITY> in the file"};
  return detail::finish(std::move(list), format_name, options.list_name, false);
}

}  // namespace sanctwatch::entities
