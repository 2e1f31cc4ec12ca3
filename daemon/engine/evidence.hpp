#pragma once
/// Evidence as people read it: the sentences that made rules fire, each once, with the words
/// that mattered marked. A fired rule keeps its sentences raw (the sentence's original bytes
/// and the hits inside them); the sentences shown for a story are picked over all of its fired
/// rules, merged (a sentence two rules fired on appears once, with both rules' marks) and only
/// then clipped, so the marks' offsets are exact in the text that is delivered.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ruleset.hpp"

namespace sanctwatch::engine {

/// A hit inside a raw sentence: bytes [start, end) of `raw_sentence::source`.
struct raw_mark {
  std::uint32_t start = 0, end = 0;
  std::string list;    ///< the list or entity list, or the phrase or /regex/ as written
  std::string entity;  ///< for an entity's name: its id ("ofac-sdn:33151")
};

/// One sentence of a field that a rule's condition used.
struct raw_sentence {
  field where = field::content;
  std::uint32_t sentence = 0;  ///< index in its field: the same sentence of two rules merges
  std::uint32_t offset = 0;    ///< where `source` starts in the original field, for ordering
  std::string source;          ///< the sentence's original bytes (capped around its hits)
  std::vector<raw_mark> marks;  ///< sorted by start, not overlapping
};

/// A mark as delivered: bytes [start, end) of `evidence_sentence::text`, the matched text as
/// it appears there, and the list (or phrase) it came from.
struct evidence_mark {
  std::uint32_t start = 0, end = 0;
  std::string term, list, entity;
};

struct evidence_sentence {
  field where = field::content;
  std::string text;  ///< whitespace collapsed, clipped to about `max_chars` around its marks ("…")
  std::vector<evidence_mark> marks;
};

/// The text of a raw sentence as delivered: whitespace runs collapsed to one space, and when
/// longer than `max_chars` characters, cut at spaces around its marks with "…" at each cut
/// (marks that do not fit are dropped, the first one always kept).
evidence_sentence render(const raw_sentence& s, std::size_t max_chars = 300);

/// The sentences shown for a set of fired rules, most important first: those of the first
/// (headline) rule, then the others'; within each, the sentences with the most distinct lists,
/// then earlier ones. A sentence appears once, with the marks of every rule that used it. At
/// most `max` sentences.
std::vector<evidence_sentence> pick_sentences(
    const std::vector<const std::vector<raw_sentence>*>& per_rule, std::size_t max = 3,
    std::size_t max_chars = 300);

}  // namespace sanctwatch::engine
