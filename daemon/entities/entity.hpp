#pragma once
/// The entity model shared by every importer and by the rule engine: who is listed, under
/// which names, how strongly each name identifies them, and why they are listed.
/// Plain values; no I/O. Importers live in import.hpp, name handling in names.hpp.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sanctwatch::entities {

enum class entity_type { organization, person, vessel, aircraft, unknown };

/// How well a name identifies its entity. Weak names (OFAC "weak AKAs", UK "low quality"
/// aliases, OpenSanctions weakAlias) never fire alone in the engine.
enum class strength { strong, weak };

/// Where a name came from in the source list.
enum class alias_kind {
  primary,   ///< the list's main name
  aka,       ///< also known as
  fka,       ///< formerly known as (OpenSanctions previousName too)
  nka,       ///< now known as
  weak_aka,  ///< a low-quality alias (OFAC remarks `a.k.a. 'X'`, UK "Low quality", weakAlias)
};

struct alias {
  std::string text;  ///< UTF-8; persons in "First Last" order when the source allowed it
  entities::strength strength = entities::strength::strong;
  alias_kind kind = alias_kind::aka;

  bool operator==(const alias&) const = default;
};

struct entity {
  std::string id;  ///< source-prefixed: "ofac-sdn:36", "csl:...", "os:...", "uk:RUS0001"
  entity_type type = entity_type::unknown;
  std::string primary_name;  ///< as the list spells it ("ABBAS, Abu")
  /// Every name to screen for. names[0] is the primary name (kind primary), reordered to
  /// "First Last" for persons; the rest in source order, without exact duplicates.
  std::vector<alias> names;
  std::vector<std::string> programs;   ///< sanctions programs / regimes / source lists
  std::vector<std::string> countries;  ///< as the source spells them, deduplicated
  std::optional<std::string> remarks;
};

/// A problem at a place in the input: a skipped row, an unknown key, a bad field.
struct diagnostic {
  std::string file;        ///< which buffer, when an importer takes several ("alt.csv"); else ""
  std::size_t line = 0;    ///< 1-based; 0 when the problem concerns the whole input
  std::size_t column = 0;  ///< 1-based; 0 when unknown
  std::string message;

  /// "line 12: reason", "line 3, column 7: reason", "alt.csv line 4: reason", "input: reason".
  std::string str() const;
};

struct entity_list {
  std::string name;           ///< the list's name (from import_options), e.g. "ofac-sdn"
  std::string source_format;  ///< the format name it was read with, e.g. "ofac-sdn-csv"
  std::vector<entity> entities;
  /// Rows that were skipped or partly read, in input order. A list with warnings is still
  /// usable; an import that reads nothing at all fails instead.
  std::vector<diagnostic> warnings;
};

std::string_view to_string(entity_type t);
std::string_view to_string(strength s);
std::string_view to_string(alias_kind k);
/// "organization" | "person" | "vessel" | "aircraft" | "unknown"; also the source spellings
/// "entity", "company", "individual", "ship", "airplane" (case-insensitive).
std::optional<entity_type> parse_entity_type(std::string_view s);

}  // namespace sanctwatch::entities
