// OFAC legacy CSV set: sdn.csv + alt.csv + add.csv, no header rows, "-0-" as the null marker.
#include <charconv>
#include <cstdint>
#include <unordered_map>

#include "entities/detail.hpp"
#include "entities/import.hpp"

namespace sanctwatch::entities {

namespace detail {

std::vector<std::string> extract_weak_akas(std::string_view remarks) {
  std::vector<std::string> out;
  static constexpr std::string_view marker = "a.k.a. '";
  std::size_t pos = 0;
  while ((pos = remarks.find(marker, pos)) != std::string_view::npos) {
    const std::size_t start = pos + marker.size();
    std::size_t end = std::string_view::npos;
    for (std::size_t q = remarks.find('\'', start); q != std::string_view::npos;
         q = remarks.find('\'', q + 1)) {
      if (q == start) continue;  // a name may start with an apostrophe (ayin): ''ABD AL-...'
      const char next = q + 1 < remarks.size() ? remarks[q + 1] : '\0';
      const char after = q + 2 < remarks.size() ? remarks[q + 2] : '\0';
      if (next == '\0' || next == ';' || next == ',' || next == ')' || next == '"' ||
          (next == '.' && (after == '\0' || after == ' ' || after == '"' || after == ';'))) {
        end = q;
        break;
      }
    }
    if (end == std::string_view::npos) break;
    std::string_view name = trim(remarks.substr(start, end - start));
    // ''FUPI'' is the name 'FUPI' quoted once more; drop the balanced outer quotes.
    if (name.size() > 2 && name.front() == '\'' && name.back() == '\'')
      name = trim(name.substr(1, name.size() - 2));
    if (!name.empty()) out.push_back(squeeze_spaces(name));
    pos = end + 1;
  }
  return out;
}

std::vector<std::string> split_ofac_programs(std::string_view field) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    const std::string_view t = trim(cur);
    if (!t.empty() && t != "-0-") add_unique(out, std::string(t));
    cur.clear();
  };
  for (const char c : field) {
    if (c == '[' || c == ']') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

}  // namespace detail

namespace {

constexpr std::string_view null_marker = "-0-";

std::string_view value(const std::vector<std::string>& f, std::size_t i) {
  if (i >= f.size()) return {};
  const std::string_view v = detail::trim(f[i]);
  return v == null_marker ? std::string_view{} : v;
}

bool parse_id(std::string_view s, std::uint64_t& out) {
  s = detail::trim(s);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

entity_type sdn_type(std::string_view t) {
  if (t.empty()) return entity_type::organization;  // "-0-" is how sdn.csv says "entity"
  return parse_entity_type(t).value_or(entity_type::unknown);
}

void add_warning(entity_list& list, std::string_view file, std::size_t line, std::string message) {
  list.warnings.push_back(diagnostic{std::string(file), line, 0, std::move(message)});
}

std::string decode(std::string_view bytes, std::string_view file, entity_list& list) {
  bool recoded = false;
  std::string text = detail::to_utf8(bytes, &recoded);
  if (recoded)
    list.warnings.push_back(
        diagnostic{std::string(file), 0, 0, "not valid UTF-8; decoded as windows-1252"});
  return text;
}

}  // namespace

result<entity_list> import_ofac_sdn_csv(std::string_view sdn, std::string_view alt,
                                        std::string_view add, const import_options& options) {
  entity_list list;
  const std::string sdn_text = decode(sdn, "", list);
  std::unordered_map<std::uint64_t, std::size_t> index;       // ent_num -> position in entities
  std::unordered_map<std::uint64_t, std::size_t> first_line;  // ent_num -> sdn.csv line
  std::unordered_map<std::uint64_t, std::size_t> repeats;     // ent_num -> extra rows seen

  detail::csv_reader reader(sdn_text);
  detail::csv_row row;
  while (reader.next(row)) {
    if (!row.error.empty()) {
      add_warning(list, "", row.line, row.error);
      continue;
    }
    if (row.fields.size() != 12) {
      add_warning(list, "", row.line,
                  "expected 12 fields, got " + std::to_string(row.fields.size()));
      continue;
    }
    std::uint64_t num = 0;
    if (!parse_id(row.fields[0], num)) {
      add_warning(list, "", row.line,
                  "field 1 (ent_num): not a number: '" + std::string(row.fields[0]) + "'");
      continue;
    }
    const std::string_view name = value(row.fields, 1);
    if (name.empty()) {
      add_warning(list, "", row.line, "field 2 (SDN_Name): empty");
      continue;
    }
    entity e;
    e.id = "ofac-sdn:" + std::to_string(num);
    // A repeated ent_num is a publishing error, but both rows name someone sanctioned:
    // dropping one would hide a listed name. The later one gets a distinct id; alt.csv and
    // add.csv rows can only be attached to the first.
    if (const auto first = first_line.find(num); first != first_line.end()) {
      const std::size_t n = ++repeats[num] + 1;
      e.id += "#" + std::to_string(n);
      add_warning(list, "", row.line,
                  "duplicate ent_num " + std::to_string(num) + " (first on line " +
                      std::to_string(first->second) + "); kept as " + e.id);
    } else {
      first_line.emplace(num, row.line);
      index.emplace(num, list.entities.size());
    }
    e.type = sdn_type(value(row.fields, 2));
    if (e.type == entity_type::unknown)
      add_warning(list, "", row.line,
                  "field 3 (SDN_Type): unknown type '" + std::string(value(row.fields, 2)) + "'");
    e.primary_name = detail::squeeze_spaces(name);
    detail::add_alias(
        e, e.type == entity_type::person ? detail::person_order(name) : std::string(name),
        strength::strong, alias_kind::primary);
    e.programs = detail::split_ofac_programs(value(row.fields, 3));
    if (const std::string_view remarks = value(row.fields, 11); !remarks.empty()) {
      e.remarks = std::string(remarks);
      for (std::string& weak : detail::extract_weak_akas(remarks))
        detail::add_alias(e, e.type == entity_type::person ? detail::person_order(weak) : weak,
                          strength::weak, alias_kind::weak_aka);
    }
    list.entities.push_back(std::move(e));
  }

  if (!alt.empty()) {
    const std::string text = decode(alt, "alt.csv", list);
    detail::csv_reader r(text);
    while (r.next(row)) {
      if (!row.error.empty()) {
        add_warning(list, "alt.csv", row.line, row.error);
        continue;
      }
      if (row.fields.size() < 4) {
        add_warning(list, "alt.csv", row.line,
                    "expected 5 fields, got " + std::to_string(row.fields.size()));
        continue;
      }
      std::uint64_t num = 0;
      if (!parse_id(row.fields[0], num)) {
        add_warning(list, "alt.csv", row.line, "field 1 (ent_num): not a number");
        continue;
      }
      const auto it = index.find(num);
      if (it == index.end()) {
        add_warning(list, "alt.csv", row.line, "unknown ent_num " + std::to_string(num));
        continue;
      }
      const std::string_view name = value(row.fields, 3);
      if (name.empty()) {
        add_warning(list, "alt.csv", row.line, "field 4 (alt_name): empty");
        continue;
      }
      const std::string type = detail::lower_ascii(value(row.fields, 2));
      alias_kind kind = alias_kind::aka;
      if (type == "fka") {
        kind = alias_kind::fka;
      } else if (type == "nka") {
        kind = alias_kind::nka;
      } else if (type != "aka") {
        add_warning(list, "alt.csv", row.line, "field 3 (alt_type): unknown '" + type + "'");
      }
      entity& e = list.entities[it->second];
      detail::add_alias(
          e, e.type == entity_type::person ? detail::person_order(name) : std::string(name),
          strength::strong, kind);
    }
  }

  if (!add.empty()) {
    const std::string text = decode(add, "add.csv", list);
    detail::csv_reader r(text);
    while (r.next(row)) {
      if (!row.error.empty()) {
        add_warning(list, "add.csv", row.line, row.error);
        continue;
      }
      if (row.fields.size() < 5) {
        add_warning(list, "add.csv", row.line,
                    "expected 6 fields, got " + std::to_string(row.fields.size()));
        continue;
      }
      std::uint64_t num = 0;
      if (!parse_id(row.fields[0], num)) {
        add_warning(list, "add.csv", row.line, "field 1 (ent_num): not a number");
        continue;
      }
      const auto it = index.find(num);
      if (it == index.end()) {
        add_warning(list, "add.csv", row.line, "unknown ent_num " + std::to_string(num));
        continue;
      }
      if (const std::string_view country = value(row.fields, 4); !country.empty())
        detail::add_unique(list.entities[it->second].countries, std::string(country));
    }
  }

  return detail::finish(std::move(list), "ofac-sdn-csv", options.list_name, detail::is_blank(sdn));
}

}  // namespace sanctwatch::entities
