#pragma once
/// The loaded, compiled ruleset: term lists, entity lists, rules with their expression trees,
/// the word index of every term, phrase and entity alias, and the Hyperscan database of the
/// regexes.
/// Built by load_ruleset() (load.hpp); immutable afterwards and safe to share between threads
/// (matching uses a per-thread Hyperscan scratch).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/severity.hpp"
#include "engine/hs_handle.hpp"
#include "engine/phrase_index.hpp"
#include "entities/names.hpp"

namespace sanctwatch::engine {

/// The text fields of an item that rules can look at.
/// `article`: the main text of the page the item links to, fetched and extracted when the feed
/// carries only a summary (docs/full-text.md); empty when not fetched.
enum class field : std::uint8_t { title, summary, content, author, category, link, article };
inline constexpr int field_count = 7;
using field_mask = std::uint8_t;
inline constexpr field_mask mask_of(field f) { return field_mask(1u << unsigned(f)); }
/// title, summary, content, article: the default when a rule names no `fields:`.
inline constexpr field_mask default_fields = 0x47;
/// `in lead`: title, summary and the first `lead_sentences` sentences of content and of the
/// article; this bit narrows the content and article fields of a mask to those sentences.
inline constexpr field_mask lead_only = 0x80;
inline constexpr field_mask lead_fields = default_fields | lead_only;
inline constexpr std::uint32_t lead_sentences = 3;
const char* field_name(field f);

/// A position in a rule or entity file, 1-based, for error messages.
struct location {
  std::string file;
  int line = 0;
  int column = 0;
};

/// One thing to find: a phrase of whole words (found through ruleset::phrases) or a regex
/// (compiled into ruleset::db).
struct atom {
  enum class kind : std::uint8_t { phrase, regex };
  kind type = kind::phrase;
  std::vector<std::string> tokens;  ///< phrase: normalized word tokens
  std::vector<bool> prefix;         ///< phrase: token ends with `*`
  std::string pattern;              ///< the atom's identity; for a regex, the Hyperscan expression
  std::string display;              ///< how it was written, for messages
};

/// A term as written in a list or expression: an atom plus the exact-case requirement.
struct term {
  std::uint32_t atom = 0;
  bool exact_case = false;
  std::string original;  ///< as written (exact-case terms compare against it)
  location where;
};

struct term_list {
  std::string name;
  std::vector<term> terms;
  location where;
  /// (atom, index into terms) sorted by atom: joins against an item's hits.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> by_atom;
};

struct entity_alias {
  std::string name;      ///< the list's name or alias, as written
  std::string stripped;  ///< the matched variant (entities::match_variants), in list case
  bool weak = false;
  bool needs_context = false;  ///< gate != none: does not fire on its own
  entities::name_gate gate = entities::name_gate::none;  ///< what the text must show
  bool ambiguous = false;      ///< the same matching form belongs to several entities
  std::uint32_t atom = 0;
};

struct entity {
  std::string id;  ///< "watched:huawei"
  std::string type;
  std::string name;
  std::vector<std::string> programs;
  std::vector<entity_alias> aliases;
};

struct entity_list {
  std::string name;
  std::vector<entity> entities;
  location where;
  /// (atom, entity index, alias index, index of this list in the ruleset) sorted by atom.
  struct ref {
    std::uint32_t atom, entity, alias, list;
  };
  std::vector<ref> by_atom;
};

/// expr::list of `entity(@*)`: every entity list of the ruleset, including the lists added by
/// `match --entities` and the configuration.
inline constexpr std::uint32_t all_entity_lists = 0xffffffffu;

/// A node of a `when:` expression.
struct expr {
  enum class op : std::uint8_t { list, phrase, regex, entity, near, count, in, and_, or_, not_ };
  enum class cmp : std::uint8_t { ge, gt, eq, le, lt };
  op kind = op::list;
  std::string text;          ///< the source text of this node, for --explain
  std::uint32_t offset = 0;  ///< byte offset of the node in the when string
  std::vector<std::unique_ptr<expr>> args;
  std::string name;         ///< list / entity: the list name as written, without '@'
  std::uint32_t list = 0;   ///< index into lists / entity_lists, or all_entity_lists
  std::string regex_flags;  ///< regex: the flags after the closing '/'
  term own;                 ///< phrase / regex: the term
  int within = 10;          ///< near
  bool sentence_scope = false, ordered = false;  ///< near
  /// near: `unless=X` — a window counts only when no hit of X is in its sentence (scope=sentence)
  /// or within `within` words of it; `unless_within=N` after it narrows that veto to N words of
  /// the window's hits.
  std::vector<std::unique_ptr<expr>> vetoes;
  std::vector<int> veto_within;  ///< per veto: -1 = the sentence or window
  cmp compare = cmp::ge;                         ///< count
  int count = 1;                                 ///< count
  field_mask fields = 0;                         ///< in
  /// A `$macro` reference: the macro's tree, already resolved where the macro is defined (so
  /// the rule's resolve step leaves it alone and its errors stay located in the macro).
  bool resolved = false;
};

struct rule_test {
  bool expect_match = true;
  std::string fields[field_count];  ///< title, summary, content, author, category, link, article
  std::string label;                ///< the text shown in failures
  location where;
};

struct rule {
  std::string id, title, description;
  severity level = severity::medium;
  std::vector<std::string> tags;
  field_mask fields = default_fields;
  std::string when;
  std::unique_ptr<expr> root;
  std::vector<rule_test> tests;
  location where;
  bool fires_without_hits = false;  ///< e.g. `not @x`: evaluated on every item
  /// `suppresses: [ids]`: rules that restate this one's finding; when this rule fires on an
  /// item, they do not (indexes into ruleset::rules).
  std::vector<std::uint32_t> suppresses;
  std::vector<std::uint32_t> suppressed_by;  ///< the inverse, for matching and tests
};

struct ruleset {
  std::vector<atom> atoms;
  std::vector<term_list> lists;
  std::vector<entity_list> entity_lists;
  std::vector<rule> rules;
  std::vector<std::uint32_t> context_atoms;  ///< sanctions/export-control context for entities
  /// atom -> rules for which it is one of the atoms that must be hit (candidate selection).
  std::vector<std::vector<std::uint32_t>> rules_of_atom;
  std::vector<std::uint32_t> always_rules;  ///< rules that can fire without a hit
  detail::phrase_index phrases;             ///< every phrase atom
  field_mask scanned_fields = default_fields;
  std::string hash;  ///< sha256 hex of the loaded files' bytes
  std::vector<std::string> files;
  hs_database db;            ///< the regex atoms; null when there are none
  std::uint64_t serial = 0;  ///< unique per compiled ruleset in this process (scratch caching)
};

}  // namespace sanctwatch::engine
