// trade.gov Consolidated Screening List CSV. The column set has changed over the years
// (`id` vs `_id`, extra columns), so every column is found through the header row.
#include <unordered_set>

#include "entities/csv_table.hpp"
#include "entities/import.hpp"

namespace sanctwatch::entities {

namespace {

/// CSL's `type` is empty for most non-OFAC sources (BIS Entity List, Unverified List...);
/// those are organizations unless the row says otherwise.
entity_type csl_type(std::string_view t) {
  if (t.empty()) return entity_type::organization;
  return parse_entity_type(t).value_or(entity_type::unknown);
}

/// Country codes at the end of CSL addresses ("..., Beijing, CN"), one per `;`-joined address.
void address_countries(std::string_view addresses, std::vector<std::string>& out) {
  for (const std::string& a : detail::split(addresses, ';')) {
    const std::size_t comma = a.rfind(',');
    const std::string_view last = detail::trim(
        comma == std::string::npos ? std::string_view(a) : std::string_view(a).substr(comma + 1));
    if (last.size() == 2 && last[0] >= 'A' && last[0] <= 'Z' && last[1] >= 'A' && last[1] <= 'Z')
      detail::add_unique(out, std::string(last));
  }
}

}  // namespace

result<entity_list> import_csl_csv(std::string_view bytes, const import_options& options) {
  entity_list list;
  if (detail::is_blank(bytes))
    return detail::finish(std::move(list), "csl-csv", options.list_name, true);
  bool recoded = false;
  const std::string text = detail::to_utf8(bytes, &recoded);
  if (recoded) list.warnings.push_back({"", 0, 0, "not valid UTF-8; decoded as windows-1252"});

  detail::csv_reader reader(text);
  detail::csv_row row;
  if (!reader.next(row)) return detail::finish(std::move(list), "csl-csv", options.list_name, true);
  const detail::header_index h(row.fields);
  const auto c_name = h.find({"name"});
  const auto c_source = h.find({"source"});
  if (!c_name || !c_source)
    return error{"bad_header", "csl-csv: line " + std::to_string(row.line) +
                                   ": header must have 'source' and 'name' columns"};
  const auto c_id = h.find({"id", "_id"});
  const auto c_number = h.find({"entity_number"});
  const auto c_type = h.find({"type"});
  const auto c_programs = h.find({"programs"});
  const auto c_alt = h.find({"alt_names"});
  const auto c_addresses = h.find({"addresses"});
  const auto c_nationalities = h.find({"nationalities"});
  const auto c_citizenships = h.find({"citizenships"});
  const auto c_remarks = h.find({"remarks"});

  std::unordered_set<std::string> seen;
  while (reader.next(row)) {
    if (!row.error.empty()) {
      list.warnings.push_back({"", row.line, 0, row.error});
      continue;
    }
    if (row.fields.size() != h.size()) {
      list.warnings.push_back({"", row.line, 0,
                               "expected " + std::to_string(h.size()) + " fields, got " +
                                   std::to_string(row.fields.size())});
      continue;
    }
    const std::string_view name = detail::cell(row, c_name);
    if (name.empty()) {
      list.warnings.push_back({"", row.line, *c_name + 1, "empty 'name'"});
      continue;
    }
    std::string_view id = detail::cell(row, c_id);
    if (id.empty()) id = detail::cell(row, c_number);
    if (id.empty()) {
      list.warnings.push_back({"", row.line, 0, "no 'id' or 'entity_number'"});
      continue;
    }
    entity e;
    e.id = "csl:" + std::string(id);
    if (!seen.insert(e.id).second) {
      list.warnings.push_back({"", row.line, 0, "duplicate id '" + std::string(id) + "'"});
      continue;
    }
    const std::string_view type = detail::cell(row, c_type);
    e.type = csl_type(type);
    if (e.type == entity_type::unknown)
      list.warnings.push_back(
          {"", row.line, c_type ? *c_type + 1 : 0, "unknown type '" + std::string(type) + "'"});
    e.primary_name = detail::squeeze_spaces(name);
    const bool person = e.type == entity_type::person;
    detail::add_alias(e, person ? detail::person_order(name) : std::string(name), strength::strong,
                      alias_kind::primary);
    for (const std::string& a : detail::split(detail::cell(row, c_alt), ';'))
      detail::add_alias(e, person ? detail::person_order(a) : a, strength::strong, alias_kind::aka);
    // Programs first, then the source list, so a rule can name either.
    for (std::string& p : detail::split(detail::cell(row, c_programs), ';'))
      detail::add_unique(e.programs, std::move(p));
    detail::add_unique(e.programs, std::string(detail::cell(row, c_source)));
    for (std::string& c : detail::split(detail::cell(row, c_nationalities), ';'))
      detail::add_unique(e.countries, std::move(c));
    for (std::string& c : detail::split(detail::cell(row, c_citizenships), ';'))
      detail::add_unique(e.countries, std::move(c));
    address_countries(detail::cell(row, c_addresses), e.countries);
    if (const std::string_view r = detail::cell(row, c_remarks); !r.empty())
      e.remarks = std::string(r);
    list.entities.push_back(std::move(e));
  }
  return detail::finish(std::move(list), "csl-csv", options.list_name, false);
}

}  // namespace sanctwatch::entities
