// UK Sanctions List / OFSI consolidated list CSV: one row per name, rows of one designation
// share a Unique ID (older OFSI files: Group ID). The published file may start with a title
// line ("Report Date: ...") before the header, so the header row is searched for.
#include <algorithm>
#include <unordered_map>

#include "entities/csv_table.hpp"
#include "entities/import.hpp"

namespace sanctwatch::entities {

namespace {

constexpr std::size_t max_header_search = 20;

bool is_header(const detail::csv_row& row) {
  for (const std::string& f : row.fields) {
    const std::string c = detail::lower_ascii(detail::trim(f));
    if (c == "unique id" || c == "group id" || c == "ofsi group id") return true;
  }
  return false;
}

}  // namespace

result<entity_list> import_uk_csv(std::string_view bytes, const import_options& options) {
  entity_list list;
  if (detail::is_blank(bytes))
    return detail::finish(std::move(list), "uk-csv", options.list_name, true);
  bool recoded = false;
  const std::string text = detail::to_utf8(bytes, &recoded);
  if (recoded) list.warnings.push_back({"", 0, 0, "not valid UTF-8; decoded as windows-1252"});

  detail::csv_reader reader(text);
  detail::csv_row row;
  detail::header_index h;
  bool found = false;
  for (std::size_t i = 0; i < max_header_search && reader.next(row); ++i) {
    if (is_header(row)) {
      h = detail::header_index(row.fields);
      found = true;
      break;
    }
  }
  if (!found)
    return error{"bad_header",
                 "uk-csv: no header row with a 'Unique ID' or 'Group ID' column "
                 "in the first " +
                     std::to_string(max_header_search) + " rows"};
  const auto c_id = h.find({"unique id", "group id", "ofsi group id"});
  const auto c_whole = h.find({"name 6"});
  const std::optional<std::size_t> c_parts[] = {h.find({"name 1"}), h.find({"name 2"}),
                                                h.find({"name 3"}), h.find({"name 4"}),
                                                h.find({"name 5"})};
  const auto c_name_type = h.find({"name type", "alias type"});
  const auto c_strength = h.find({"alias strength", "alias quality"});
  const auto c_non_latin = h.find({"name non-latin script"});
  const auto c_regime = h.find({"regime name", "regime"});
  const auto c_type = h.find({"designation type", "group type", "entity type", "type"});
  const auto c_country = h.find({"address country", "country"});
  const auto c_nationality = h.find({"nationality(/ies)", "nationality", "nationalities"});
  const auto c_remarks = h.find({"other information"});
  if (!c_whole && !c_parts[0])
    return error{"bad_header", "uk-csv: line " + std::to_string(row.line) +
                                   ": header has neither 'Name 6' nor 'Name 1' columns"};

  std::unordered_map<std::string, std::size_t> index;
  while (reader.next(row)) {
    if (!row.error.empty()) {
      list.warnings.push_back({"", row.line, 0, row.error});
      continue;
    }
    if (row.fields.size() < h.size()) {
      list.warnings.push_back({"", row.line, 0,
                               "expected " + std::to_string(h.size()) + " fields, got " +
                                   std::to_string(row.fields.size())});
      continue;
    }
    const std::string_view uid = detail::cell(row, c_id);
    if (uid.empty()) {
      list.warnings.push_back({"", row.line, *c_id + 1, "empty 'Unique ID'"});
      continue;
    }
    const std::string_view type_text = detail::cell(row, c_type);
    const entity_type type = parse_entity_type(type_text).value_or(entity_type::unknown);

    // Individuals: forenames (Name 1-5) then surname (Name 6). Entities and ships: Name 6
    // holds the whole name.
    std::string name;
    for (const auto& c : c_parts) {
      const std::string_view part = detail::cell(row, c);
      if (part.empty()) continue;
      if (!name.empty()) name += ' ';
      name += part;
    }
    if (const std::string_view whole = detail::cell(row, c_whole); !whole.empty()) {
      if (type == entity_type::person) {
        if (!name.empty()) name += ' ';
        name += whole;
      } else {
        name = whole;
      }
    }
    name = detail::squeeze_spaces(name);
    if (name.empty()) {
      list.warnings.push_back({"", row.line, 0, "no name in 'Name 1'..'Name 6'"});
      continue;
    }

    auto [it, inserted] = index.try_emplace(std::string(uid), list.entities.size());
    if (inserted) {
      entity e;
      e.id = "uk:" + std::string(uid);
      e.type = type;
      if (type == entity_type::unknown)
        list.warnings.push_back({"", row.line, c_type ? *c_type + 1 : 0,
                                 "unknown designation type '" + std::string(type_text) + "'"});
      list.entities.push_back(std::move(e));
    }
    entity& e = list.entities[it->second];
    if (e.type == entity_type::unknown) e.type = type;

    const std::string name_type = detail::lower_ascii(detail::cell(row, c_name_type));
    const bool primary =
        name_type.starts_with("primary name") && name_type != "primary name variation";
    const bool weak = detail::lower_ascii(detail::cell(row, c_strength)).starts_with("low");
    if (primary) {
      // The primary name goes first even when an alias row came earlier.
      auto same = std::find_if(e.names.begin(), e.names.end(),
                               [&](const alias& a) { return a.text == name; });
      if (same != e.names.end()) e.names.erase(same);
      const bool has_primary = !e.names.empty() && e.names.front().kind == alias_kind::primary;
      if (has_primary) {
        detail::add_alias(e, name, strength::strong, alias_kind::aka);
      } else {
        e.names.insert(e.names.begin(), alias{name, strength::strong, alias_kind::primary});
        e.primary_name = name;
      }
    } else {
      detail::add_alias(e, name, weak ? strength::weak : strength::strong,
                        weak ? alias_kind::weak_aka : alias_kind::aka);
    }
    if (const std::string_view nl = detail::cell(row, c_non_latin); !nl.empty())
      detail::add_alias(e, std::string(nl), strength::strong, alias_kind::aka);
    if (const std::string_view r = detail::cell(row, c_regime); !r.empty())
      detail::add_unique(e.programs, std::string(r));
    if (const std::string_view c = detail::cell(row, c_country); !c.empty())
      detail::add_unique(e.countries, std::string(c));
    for (std::string& c : detail::split(detail::cell(row, c_nationality), ','))
      detail::add_unique(e.countries, std::move(c));
    if (const std::string_view r = detail::cell(row, c_remarks); !r.empty() && !e.remarks)
      e.remarks = std::string(r);
  }
  // A designation listed only through alias rows: its first name stands in as primary.
  for (entity& e : list.entities) {
    if (e.names.empty()) continue;
    if (e.names.front().kind != alias_kind::primary) {
      e.names.front().kind = alias_kind::primary;
      e.names.front().strength = strength::strong;
    }
    if (e.primary_name.empty()) e.primary_name = e.names.front().text;
  }
  return detail::finish(std::move(list), "uk-csv", options.list_name, false);
}

}  // namespace sanctwatch::entities
