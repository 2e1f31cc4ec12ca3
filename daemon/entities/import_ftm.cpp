// OpenSanctions FollowTheMoney JSON lines: one entity object per line. Lines are independent,
// so a broken line costs only itself.
#include <nlohmann/json.hpp>

#include "entities/detail.hpp"
#include "entities/import.hpp"

namespace sanctwatch::entities {

namespace {

std::optional<entity_type> ftm_type(std::string_view schema) {
  if (schema == "Person") return entity_type::person;
  if (schema == "Company" || schema == "Organization" || schema == "LegalEntity" ||
      schema == "PublicBody")
    return entity_type::organization;
  if (schema == "Vessel") return entity_type::vessel;
  if (schema == "Airplane") return entity_type::aircraft;
  return std::nullopt;  // Address, Sanction, Ownership, ...: not screenable names
}

/// FtM property values are arrays of strings; anything else is ignored.
std::vector<std::string> strings(const nlohmann::json& props, const char* key) {
  std::vector<std::string> out;
  const auto it = props.find(key);
  if (it == props.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

result<entity_list> import_opensanctions_ftm(std::string_view bytes,
                                             const import_options& options) {
  entity_list list;
  if (detail::is_blank(bytes))
    return detail::finish(std::move(list), "opensanctions-ftm", options.list_name, true);
  bool recoded = false;
  const std::string text = detail::to_utf8(bytes, &recoded);
  if (recoded) list.warnings.push_back({"", 0, 0, "not valid UTF-8; decoded as windows-1252"});

  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line = detail::trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      list.warnings.push_back({"", line_no, 0, "not valid JSON"});
      continue;
    }
    if (!j.is_object()) {
      list.warnings.push_back({"", line_no, 0, "not a JSON object"});
      continue;
    }
    const auto schema_it = j.find("schema");
    const auto id_it = j.find("id");
    if (schema_it == j.end() || !schema_it->is_string() || id_it == j.end() ||
        !id_it->is_string()) {
      list.warnings.push_back({"", line_no, 0, "missing string 'id' or 'schema'"});
      continue;
    }
    const auto type = ftm_type(schema_it->get_ref<const std::string&>());
    if (!type) continue;
    const auto target_it = j.find("target");
    if (target_it == j.end() || !target_it->is_boolean() || !target_it->get<bool>()) continue;
    const auto props_it = j.find("properties");
    if (props_it == j.end() || !props_it->is_object()) {
      list.warnings.push_back({"", line_no, 0, "missing 'properties' object"});
      continue;
    }
    const nlohmann::json& props = *props_it;
    entity e;
    e.id = "os:" + id_it->get<std::string>();
    e.type = *type;
    std::vector<std::string> names = strings(props, "name");
    // `caption` is OpenSanctions' display name; a fallback when `name` is missing.
    if (names.empty())
      if (const auto c = j.find("caption"); c != j.end() && c->is_string())
        names.push_back(c->get<std::string>());
    if (names.empty()) {
      list.warnings.push_back(
          {"", line_no, 0, "entity '" + id_it->get<std::string>() + "' has no name"});
      continue;
    }
    e.primary_name = detail::squeeze_spaces(names.front());
    detail::add_alias(e, names.front(), strength::strong, alias_kind::primary);
    for (std::size_t i = 1; i < names.size(); ++i)
      detail::add_alias(e, names[i], strength::strong, alias_kind::aka);
    for (std::string& a : strings(props, "alias"))
      detail::add_alias(e, std::move(a), strength::strong, alias_kind::aka);
    for (std::string& a : strings(props, "previousName"))
      detail::add_alias(e, std::move(a), strength::strong, alias_kind::fka);
    for (std::string& a : strings(props, "weakAlias"))
      detail::add_alias(e, std::move(a), strength::weak, alias_kind::weak_aka);
    for (const char* key : {"program", "programId"})
      for (std::string& p : strings(props, key)) detail::add_unique(e.programs, std::move(p));
    for (const char* key : {"country", "jurisdiction", "nationality", "flag"})
      for (std::string& c : strings(props, key)) detail::add_unique(e.countries, std::move(c));
    if (auto notes = strings(props, "notes"); !notes.empty()) e.remarks = notes.front();
    list.entities.push_back(std::move(e));
  }
  return detail::finish(std::move(list), "opensanctions-ftm", options.list_name, false);
}

}  // namespace sanctwatch::entities
