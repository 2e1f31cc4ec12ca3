#pragma once
/// Words and sentences of normalized text, for word-window (`near`) matching.

#include <cstdint>
#include <string_view>
#include <vector>

namespace sanctwatch::text {

struct word {
  std::uint32_t start;     ///< byte offset in the normalized text
  std::uint32_t end;       ///< one past the last byte
  std::uint32_t sentence;  ///< sentence index, 0-based
};

/// Words of normalized text: maximal runs of letters, digits and marks (any non-ASCII
/// UTF-8 letter counts as a letter); an apostrophe or hyphen between two letters stays
/// inside the word ("o'brien", "dual-use"). Sentences end at `.`, `!` or `?` followed by
/// whitespace and at line breaks (a `;` joins two clauses of one sentence); a period after a single letter or a known abbreviation
/// ("u.s.", "mr.", "co.", "inc.", "no.", "st.", "gen.") does not end a sentence.
/// Clarifications: closing quotes and brackets may stand between the stop and the whitespace
/// (`said." Next`); `。` and the Arabic/Devanagari full stops end a sentence without whitespace;
/// the abbreviation list also has mrs, ms, dr, prof, jr, sr, corp, ltd, sen, rep, gov, lt, col,
/// capt, sgt, adm, maj, vs. Empty sentences are not counted. Letters and digits next to a
/// hyphen do not join ("covid-19" is two words).
std::vector<word> words(std::string_view normalized_text);

}  // namespace sanctwatch::text
