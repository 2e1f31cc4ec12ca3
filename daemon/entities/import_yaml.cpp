// The project's curated entity list format (see import.hpp). Every problem is reported with
// its line and column; a bad entry is skipped, the rest of the list still loads.
#include <unordered_set>

#include <yaml-cpp/yaml.h>

#include "entities/detail.hpp"
#include "entities/import.hpp"

namespace sanctwatch::entities {

namespace {

struct yaml_reader {
  entity_list& list;

  void warn(const YAML::Node& n, std::string message) {
    const YAML::Mark m = n.Mark();
    const bool known = m.line >= 0;
    list.warnings.push_back({"", known ? static_cast<std::size_t>(m.line) + 1 : 0,
                             known ? static_cast<std::size_t>(m.column) + 1 : 0,
                             std::move(message)});
  }

  /// A scalar string, or a warning.
  std::optional<std::string> scalar(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
      warn(n, std::string(what) + ": expected a string");
      return std::nullopt;
    }
    return detail::squeeze_spaces(n.Scalar());
  }

  /// A scalar or a list of scalars.
  std::vector<std::string> strings(const YAML::Node& n, std::string_view what) {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      if (auto s = scalar(n, what)) detail::add_unique(out, std::move(*s));
    } else if (n.IsSequence()) {
      for (const YAML::Node& item : n)
        if (auto s = scalar(item, what)) detail::add_unique(out, std::move(*s));
    } else if (!n.IsNull()) {
      warn(n, std::string(what) + ": expected a string or a list of strings");
    }
    return out;
  }

  void read_alias(entity& e, const YAML::Node& a) {
    if (a.IsScalar()) {
      detail::add_alias(e, a.Scalar(), strength::strong, alias_kind::aka);
      return;
    }
    if (!a.IsMap()) {
      warn(a, "alias: expected a string or {name, strength}");
      return;
    }
    std::optional<std::string> name;
    strength s = strength::strong;
    alias_kind kind = alias_kind::aka;
    for (const auto& kv : a) {
      const std::string key = kv.first.Scalar();
      if (key == "name") {
        name = scalar(kv.second, "alias name");
      } else if (key == "strength") {
        const auto v = scalar(kv.second, "strength");
        if (v && *v == "weak") {
          s = strength::weak;
          kind = alias_kind::weak_aka;
        } else if (v && *v != "strong") {
          warn(kv.second, "strength: expected 'strong' or 'weak', got '" + *v + "'");
        }
      } else if (key == "kind") {
        const auto v = scalar(kv.second, "kind");
        if (v && *v == "fka")
          kind = alias_kind::fka;
        else if (v && *v == "nka")
          kind = alias_kind::nka;
        else if (v && *v != "aka")
          warn(kv.second, "kind: expected aka, fka or nka");
      } else {
        warn(kv.first, "alias: unknown key '" + key + "'");
      }
    }
    if (!name || name->empty()) {
      warn(a, "alias: missing 'name'");
      return;
    }
    detail::add_alias(e, std::move(*name), s, kind);
  }

  std::optional<entity> read_entity(const YAML::Node& n) {
    if (!n.IsMap()) {
      warn(n, "entity: expected a mapping with id, type, name");
      return std::nullopt;
    }
    entity e;
    e.type = entity_type::organization;  // the format's default: watched firms
    std::optional<std::string> name;
    YAML::Node aliases;
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (key == "id") {
        if (auto s = scalar(v, "id")) e.id = std::move(*s);
      } else if (key == "type") {
        if (auto s = scalar(v, "type")) {
          const auto t = parse_entity_type(*s);
          if (!t)
            warn(v, "type: expected organization, person, vessel or aircraft, got '" + *s + "'");
          e.type = t.value_or(entity_type::unknown);
        }
      } else if (key == "name") {
        name = scalar(v, "name");
      } else if (key == "aliases") {
        if (!v.IsSequence() && !v.IsNull())
          warn(v, "aliases: expected a list");
        else
          aliases = v;
      } else if (key == "programs") {
        e.programs = strings(v, "programs");
      } else if (key == "countries") {
        e.countries = strings(v, "countries");
      } else if (key == "remarks") {
        if (auto s = scalar(v, "remarks")) e.remarks = std::move(*s);
      } else {
        warn(kv.first, "entity: unknown key '" + key + "'");
      }
    }
    if (e.id.empty()) {
      warn(n, "entity: missing 'id'");
      return std::nullopt;
    }
    if (!name || name->empty()) {
      warn(n, "entity '" + e.id + "': missing 'name'");
      return std::nullopt;
    }
    e.primary_name = *name;
    detail::add_alias(e, e.type == entity_type::person ? detail::person_order(*name) : *name,
                      strength::strong, alias_kind::primary);
    if (aliases.IsSequence())
      for (const YAML::Node& a : aliases) read_alias(e, a);
    return e;
  }
};

}  // namespace

result<entity_list> import_yaml(std::string_view bytes, const import_options& options) {
  entity_list list;
  if (detail::is_blank(bytes))
    return detail::finish(std::move(list), "yaml", options.list_name, true);
  bool recoded = false;
  const std::string text = detail::to_utf8(bytes, &recoded);
  if (recoded) list.warnings.push_back({"", 0, 0, "not valid UTF-8; decoded as windows-1252"});

  auto located = [](const YAML::Mark& m, std::string_view what) {
    return error{"bad_yaml", "yaml: line " + std::to_string(m.line + 1) + ", column " +
                                 std::to_string(m.column + 1) + ": " + std::string(what)};
  };
  // yaml-cpp reports syntax and conversion problems by exception; they are input errors.
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || !root["entities"])
      return error{"bad_yaml",
                   "yaml: line 1, column 1: expected a mapping with an 'entities' list"};
    yaml_reader r{list};
    std::string ns;  // `namespace: w` makes ids "w:<id>"
    for (const auto& kv : root) {
      if (kv.first.Scalar() == "namespace") {
        if (kv.second.IsScalar())
          ns = kv.second.Scalar();
        else
          r.warn(kv.second, "namespace: expected a string");
      } else if (kv.first.Scalar() != "entities") {
        r.warn(kv.first, "unknown top-level key '" + kv.first.Scalar() + "'");
      }
    }
    const YAML::Node entities = root["entities"];
    if (!entities.IsSequence() && !entities.IsNull())
      return located(entities.Mark(), "'entities' must be a list");
    std::unordered_set<std::string> ids;
    if (entities.IsSequence()) {
      for (const YAML::Node& n : entities) {
        std::optional<entity> e = r.read_entity(n);
        if (!e) continue;
        if (!ns.empty()) e->id = ns + ":" + e->id;
        if (!ids.insert(e->id).second) {
          r.warn(n, "duplicate id '" + e->id + "'");
          continue;
        }
        list.entities.push_back(std::move(*e));
      }
    }
  } catch (const YAML::Exception& ex) {
    return located(ex.mark, ex.msg);
  }
  return detail::finish(std::move(list), "yaml", options.list_name, false);
}

}  // namespace sanctwatch::entities
