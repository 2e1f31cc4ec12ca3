#pragma once
/// Matching items against a loaded ruleset: each text field is normalized once and scanned once
/// by the ruleset's Hyperscan database; rules are then evaluated on the hit lists, and only the
/// rules whose terms were hit (plus those that can fire without any hit) are evaluated at all.
/// Thread safety: all functions may run concurrently on one ruleset (per-thread scratch).

#include <cstdint>
#include <string>
#include <vector>

#include "core/item.hpp"
#include "engine/evidence.hpp"
#include "engine/ruleset.hpp"

namespace sanctwatch::engine {

/// One hit shown to the reader. Offsets are bytes into the ORIGINAL field text.
struct evidence_entry {
  field where = field::content;
  std::string list;  ///< the list (or entity list) the term came from; empty for inline terms
  std::string term;  ///< the inline phrase or /regex/ as written; empty for list terms
  std::string text;  ///< the matched original text
  std::uint32_t start = 0, end = 0;
  std::string snippet;  ///< the sentence around the hit, whitespace collapsed, <= ~240 bytes
  std::uint32_t mark_start = 0, mark_end = 0;  ///< the hit inside `snippet`
};

/// An entity named by a fired entity() rule (docs/alerts.md, `entities[]`).
struct entity_hit {
  std::string id;       ///< "ofac-sdn:38641"
  std::string name;     ///< the primary name as the list spells it
  std::string type;     ///< organization | person | vessel | aircraft | unknown
  std::string matched;  ///< the original text that matched
  std::string list;     ///< the entity list's name in the ruleset
  std::vector<std::string> programs;
  bool ambiguous = false;  ///< the matched form belongs to several entities of the list
  std::vector<std::string> candidates;  ///< when ambiguous: every such entity id, list order
};

/// A fired rule with all its evidence.
struct rule_match {
  const rule* matched_rule = nullptr;
  std::vector<evidence_entry> evidence;
  /// The same hits by sentence, for readers (engine/evidence.hpp: pick_sentences, render).
  std::vector<raw_sentence> sentences;
  std::vector<entity_hit> entities;
};

/// --explain: every sub-expression with its value.
struct explain_node {
  std::string text;
  bool value = false;
  std::vector<explain_node> children;
};

struct rule_explanation {
  const rule* explained_rule = nullptr;
  bool fired = false;
  explain_node tree;
};

/// Every rule that fires on the item, in ruleset order.
std::vector<rule_match> match(const ruleset& rs, const item& it);

/// What match() gives for the rules `rules` (indexes into rs.rules) only, without evaluating
/// the others (those that suppress one of them excepted): look-back screening asks only the
/// rules that can name an entity.
std::vector<rule_match> match_only(const ruleset& rs, const item& it,
                                   const std::vector<std::uint32_t>& rules);

/// Every rule, fired or not, with the value of each sub-expression.
std::vector<rule_explanation> explain(const ruleset& rs, const item& it);

/// Evaluates one rule; fills `trace` when given.
bool match_rule(const ruleset& rs, std::size_t rule_index, const item& it,
                explain_node* trace = nullptr);

/// Indented tree, one node per line: "true  near(@a, @b, within=5)".
std::string format_explain(const explain_node& n, int indent = 0);

struct test_failure {
  const rule* failed_rule = nullptr;
  const rule_test* test = nullptr;
  explain_node trace;
};

struct test_report {
  std::size_t tests = 0;
  std::vector<test_failure> failures;
};

/// Runs every rule's inline tests.
test_report run_tests(const ruleset& rs);

/// An item made of a test case's fields.
item item_for_test(const rule_test& t);

}  // namespace sanctwatch::engine
