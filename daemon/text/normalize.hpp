#pragma once
/// Matching-form text: the one normalization shared by rule terms and item text
/// (RULES.md, "Matching semantics").

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sanctwatch::text {

/// Normalized text with a byte offset map back to the original.
struct normalized {
  std::string text;  ///< NFKC, case folded, diacritics removed, quotes/dashes unified, UTF-8
  /// origin[i] is the byte offset in the original of the character that produced byte i of
  /// `text`; origin.size() == text.size() + 1 and origin.back() == original size, so a
  /// normalized range [s, e) maps to the original range [origin[s], origin[e]).
  std::vector<std::uint32_t> origin;
};

/// Normalizes UTF-8 text (invalid bytes become U+FFFD):
/// - Unicode NFKC and full case folding (ICU), then combining marks removed (é -> e, ß -> ss);
/// - curly/prime quotes -> `'` or `"`, every dash and hyphen (U+2010-2015, U+2212) -> `-`,
///   Unicode spaces -> ' ';
/// - possessives: `'s` right after a word and before a non-letter is removed
///   ("huawei's" -> "huawei", "huawei’s" -> "huawei").
/// ASCII runs take a fast path (no ICU call); the result is byte-identical either way.
normalized normalize(std::string_view utf8);

/// Text only, for terms and names at load time.
std::string normalize_text(std::string_view utf8);

}  // namespace sanctwatch::text
