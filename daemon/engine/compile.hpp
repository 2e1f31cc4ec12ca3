#pragma once
/// Internal to the engine: turning terms into atoms, building the phrase index and the regex
/// database.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/list_cache.hpp"
#include "engine/ruleset.hpp"

namespace sanctwatch::engine::detail {

/// A term as written ("sanction*", "export control*", "Huawei's") -> a phrase atom. Returns an
/// error message (empty on success).
std::string make_phrase_atom(std::string_view written, atom& out);

/// Hyperscan flags for a user regex with the given /flags.
unsigned regex_flags(std::string_view flags);

/// Bounds on a regex, checked before Hyperscan sees it: it unrolls counted repeats, and for
/// large ones (or Unicode classes repeated a few dozen times) it spends seconds to minutes
/// before compiling or rejecting them.
inline constexpr std::uint64_t max_regex_repeat = 1000;        ///< largest {m,n} count
inline constexpr std::uint64_t max_regex_size = 5000;          ///< atoms once repeats are unrolled
inline constexpr std::uint64_t max_regex_weight = 8;           ///< \w \d \s \p copies, per regex
inline constexpr std::uint64_t max_ruleset_regex_weight = 32;  ///< the same, whole ruleset

/// Copies of Unicode classes (\w, \d, \s, \p{..}, negations) once counted repeats are
/// unrolled: what the ruleset-wide bound adds up.
std::uint64_t regex_weight(std::string_view pattern);

/// Checks the bounds above, then compiles one regex alone to report its error precisely;
/// empty when it compiles.
std::string check_regex(const std::string& pattern, unsigned flags);

/// Indexes every phrase atom (ruleset::phrases), compiles the regex atoms into one Hyperscan
/// database, fills rules_of_atom/always_rules. Returns an error message (empty on success).
/// With `cache`, a large word index (many thousand phrases: an entity list's names) is taken
/// from it when this build indexed the same atoms before, and kept in it when built.
std::string compile_database(ruleset& rs, const list_cache* cache = nullptr);

/// UTF-8 word characters as the matcher sees them (letters, digits; not punctuation/symbols).
bool is_word_cp(char32_t cp);

}  // namespace sanctwatch::engine::detail
