#pragma once
/// The chosen containers as paragraphs of plain text.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "extract/clean.hpp"

namespace sanctwatch::extract {

struct rendered {
  std::vector<std::string> paragraphs;
  std::size_t dropped_link_lines = 0;  ///< paragraphs that were mostly one link ("Read more: …")
  std::size_t dropped_labels = 0;      ///< "Advertisement", "Share this article", ...
};

/// Paragraphs of the containers' live content: every block element (p, h2-h6, li,
/// blockquote, div, td, ...) and every <br> starts a new paragraph; inline text is joined
/// and whitespace collapsed. Left out: <h1> (the headline is the title), short bylines, dates
/// and credits (by class), paragraphs that are mostly a link, ad and share labels, and
/// headings with no text after them.
rendered render(const page& p, const std::vector<std::uint32_t>& containers);

/// Plain text (JSON-LD articleBody) cut into paragraphs at line breaks.
std::vector<std::string> split_paragraphs(std::string_view text);

}  // namespace sanctwatch::extract
