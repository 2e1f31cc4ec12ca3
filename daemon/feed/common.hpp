#pragma once
/// Helpers shared by the XML and JSON Feed readers: text-field conversion, item ids and
/// per-document warning tallies.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/item.hpp"
#include "core/result.hpp"
#include "feed/parse.hpp"

namespace sanctwatch::feed::detail {

/// collapse_whitespace (kept as the feed code's one entry point for it).
std::string collapse(std::string_view s);

/// Plain text of a field that may hold HTML: html_to_text when it looks like markup,
/// else whitespace collapsed.
std::string plain_text(std::string_view maybe_html);

/// The id rule: the feed's own id, else the link, else a stable hash of title and content.
/// Never the date, which feeds rewrite.
std::string item_id(std::string_view own_id, const item& it);

/// Counts dates that could not be read, for one summary warning per document.
struct date_tally {
  std::size_t bad = 0;
  std::string first;
  std::optional<timestamp> read(std::string_view text);
  void report(std::vector<std::string>& warnings) const;
};

/// Reads a JSON Feed document (already UTF-8).
result<feed_document> parse_json_feed(std::string_view utf8, const parse_options& options,
                                      std::vector<std::string> warnings);

}  // namespace sanctwatch::feed::detail
