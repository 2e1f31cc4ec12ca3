#pragma once
/// Which part of the page is the article: candidate containers scored by their text, the
/// best one with its qualifying siblings, or the page's own <article> / articleBody.

#include <cstdint>
#include <string>
#include <vector>

#include "extract/clean.hpp"
#include "extract/extract.hpp"

namespace sanctwatch::extract {

struct selection {
  std::vector<std::uint32_t> containers;  ///< document order; empty when the page has no text
  std::uint32_t top = no_node;            ///< the chosen container (one of `containers`)
  std::string method;                     ///< decisions::method
  candidate chosen;
  std::vector<candidate> runners_up;
  std::vector<std::string> siblings;
  std::vector<std::string> notes;
};

/// Scores every container that holds paragraphs (Readability's scheme: 1 + commas +
/// min(chars/100, 3) per paragraph of 25 characters or more, added to its container in
/// full, its parent in half and further ancestors in thirds; tag and class/id weights;
/// the total discounted by link density), takes the best, moves to an ancestor that several
/// strong candidates share, adds siblings that score well or read as prose, and prefers
/// [itemprop=articleBody] or a dominant <article> when they hold that text.
selection select_content(const page& p);

}  // namespace sanctwatch::extract
