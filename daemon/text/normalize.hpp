#pragma once
/// Matching-form text: the one normalization shared by rule terms and item text
/// (docs/rules.md, "Matching semantics").

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
///
/// Details (clarifications, not extensions):
/// - "combining marks" are those of the diacritic blocks (U+0300-036F, 1AB0-1AFF, 1DC0-1DFF,
///   20D0-20FF, FE20-FE2F); marks that carry meaning in other scripts (kana voicing, Indic
///   vowel signs) stay. Latin letters with a stroke, which have no decomposition, are folded
///   too (đ -> d, ł -> l, ø -> o, æ -> ae, œ -> oe, þ -> th, ı -> i);
/// - default-ignorable code points (soft hyphen, zero-width space, BOM) disappear (NFKC_CF);
/// - U+2028, U+2029 and U+0085 become '\n' (a line break, which ends a sentence);
/// - every byte a character expands to shares that character's origin ("ß" -> "ss": both 's'
///   map to the ß), so a range covering only part of an expansion maps to an empty range;
/// - a removed possessive belongs to the word before it: "huawei" from "Huawei's" maps back
///   to "Huawei's".
/// Thread-safe; the first call builds a small per-process table (~2 ms).
normalized normalize(std::string_view utf8);

/// The same into `out`, reusing its buffers: no allocation once they have grown to fit.
void normalize(std::string_view utf8, normalized& out);

/// Text only, for terms and names at load time.
std::string normalize_text(std::string_view utf8);

}  // namespace sanctwatch::text
