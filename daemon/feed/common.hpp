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

/// An author as RSS and Dublin Core write one: "Name (email)", "email (Name)", "Name <email>",
/// an email alone or a name alone. Markup is removed and whitespace collapsed first.
author parse_author(std::string_view text);

/// Appends an author: its name to it.authors (its email when it has no name) and the details
/// to it.author_details. Nothing when both name and email are empty.
void add_author(item& it, author a);

/// Decodes base64 (RFC 4648, whitespace allowed, padding optional); nullopt when the text is
/// not base64. The result is made valid UTF-8 without control characters, since it is text.
std::optional<std::string> decode_base64_text(std::string_view s);

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
