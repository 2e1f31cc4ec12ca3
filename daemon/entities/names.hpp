#pragma once
/// What the engine screens for, derived from entity names: match variants, whether a name may
/// fire on its own, and which derived names point at more than one entity.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "entities/entity.hpp"

namespace sanctwatch::entities {

/// The strings to screen for one name, original first, deduplicated, in list case:
/// - the name as listed (whitespace squeezed);
/// - for persons, "LAST, First" reordered to "First LAST";
/// - double quotes removed (`"ROMASHKA"` -> ROMASHKA);
/// - for non-persons, legal forms removed (strip_legal_forms);
/// - each of those with hyphens as spaces (ROSOBORON-EXPORT -> ROSOBORON EXPORT).
/// The engine normalizes them (text::normalize_text) like any other term.
std::vector<std::string> match_variants(std::string_view name, entity_type type);
std::vector<std::string> match_variants(const alias& a, entity_type type);

/// What the text must show before a name counts as a mention (docs/entities.md):
enum class name_gate : std::uint8_t {
  none,         ///< a distinctive name: any case, anywhere
  context,      ///< short, acronym or weak alias: the list's case (Title Case for ALL-CAPS
                ///< lists) and support in its sentence
  proper_name,  ///< several words, all ordinary English: capitalised as a proper name
  proper_name_and_support,  ///< one ordinary word: capitalised, not the first word of its
                            ///< sentence nor in a title, and support in its sentence
};
/// Support is a sanctions term (the ruleset's entity_context list) in the same sentence, or the
/// entity's kind named next to it ("the tanker Humanity", "Leverage SA").
name_gate gate_for(std::string_view name, bool weak);

/// True when a name must not fire alone (the engine then wants exact case and a context term
/// in the same sentence): one word shorter than 8 letters, one common English word, an acronym
/// (all caps of at most 5 letters, or dotted: "I.R.G.C."), several words with fewer than 8
/// letters in all ("IS BANK"), or several words that are all common English words
/// ("GOLDEN STAR").
bool needs_context(std::string_view name);
/// Also true for every weak alias.
bool needs_context(const alias& a);

/// Whether `word` (any case, surrounding punctuation ignored) is an ordinary English word: in
/// the English word list compiled in at build time (Debian's wamerican, proper nouns included:
/// "September" is there as "Wagner" is) or the built-in list of words common in firm names.
bool is_common_word(std::string_view word);

/// Whether a lower-case ASCII word is in the compiled-in English word list.
bool is_dictionary_word(std::string_view lower_word);

/// A normalized match string that several entities of one list derive.
struct ambiguous_name {
  std::string key;                      ///< normalized form
  std::vector<std::string> entity_ids;  ///< candidates, in list order
};

using normalizer = std::function<std::string(std::string_view)>;

/// Every match_variants() string of every name of every entity, normalized with `normalize`,
/// that belongs to more than one entity; sorted by key.
std::vector<ambiguous_name> find_ambiguous(const entity_list& list, const normalizer& normalize);
/// The same with the engine's normalization, text::normalize_text.
std::vector<ambiguous_name> find_ambiguous(const entity_list& list);

}  // namespace sanctwatch::entities
