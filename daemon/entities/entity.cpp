#include "entities/entity.hpp"

#include "entities/detail.hpp"

namespace sanctwatch::entities {

std::string diagnostic::str() const {
  std::string out;
  if (!file.empty()) out = file + (line ? " " : ": ");
  if (line) {
    out += "line " + std::to_string(line);
    if (column) out += ", column " + std::to_string(column);
    out += ": ";
  } else if (file.empty()) {
    out = "input: ";
  }
  return out + message;
}

std::string_view to_string(entity_type t) {
  switch (t) {
    case entity_type::organization:
      return "organization";
    case entity_type::person:
      return "person";
    case entity_type::vessel:
      return "vessel";
    case entity_type::aircraft:
      return "aircraft";
    case entity_type::unknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(strength s) { return s == strength::weak ? "weak" : "strong"; }

std::string_view to_string(alias_kind k) {
  switch (k) {
    case alias_kind::primary:
      return "primary";
    case alias_kind::aka:
      return "aka";
    case alias_kind::fka:
      return "fka";
    case alias_kind::nka:
      return "nka";
    case alias_kind::weak_aka:
      return "weak_aka";
  }
  return "aka";
}

std::optional<entity_type> parse_entity_type(std::string_view s) {
  const std::string t = detail::lower_ascii(detail::trim(s));
  if (t == "organization" || t == "organisation" || t == "entity" || t == "company" ||
      t == "legalentity")
    return entity_type::organization;
  if (t == "person" || t == "individual") return entity_type::person;
  if (t == "vessel" || t == "ship") return entity_type::vessel;
  if (t == "aircraft" || t == "airplane") return entity_type::aircraft;
  if (t == "unknown") return entity_type::unknown;
  return std::nullopt;
}

}  // namespace sanctwatch::entities
