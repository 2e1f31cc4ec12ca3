#pragma once
/// The values every module passes around: a parsed feed and its items.
/// Plain aggregates; no I/O, no behaviour beyond small helpers.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sanctwatch {

using timestamp = std::chrono::sys_seconds;

struct enclosure {
  std::string url;
  std::string type;
  std::optional<std::int64_t> length;
};

/// Who wrote an item, as far as the feed says: Atom's name, email and uri; an RSS or Dublin Core
/// author written "Name (email)" or "email (Name)" split into its parts. Empty when unknown.
struct author {
  std::string name;
  std::string email;
  std::string uri;
};

/// One news item, normalized from any feed format. Text fields (title, summary,
/// content) are plain text: markup removed, entities decoded, whitespace collapsed.
/// The original markup stays in `summary_html` / `content_html` for later full-text use.
struct item {
  std::string id;    ///< guid / atom:id, else the link, else a hash of title+content; never the date
  std::string title;
  std::string link;  ///< absolute: resolved against xml:base, the channel link and the feed URL
  std::optional<timestamp> published;  ///< UTC; empty when absent or unparseable
  std::optional<timestamp> updated;
  std::string summary;
  std::string content;
  std::string summary_html;
  std::string content_html;
  std::vector<std::string> authors;    ///< names (an email when that is all the feed gives)
  std::vector<author> author_details;  ///< one per entry of `authors`, in the same order
  std::vector<std::string> categories;
  std::vector<enclosure> enclosures;
  /// The main text of the page `link` points to, when sanctwatch fetched and extracted it
  /// (feeds' `full_text`); plain text, paragraphs separated by blank lines. Not a feed field:
  /// item identity and content_hash never depend on it.
  std::string article;
};

/// Feed-level metadata.
struct feed_meta {
  std::string format;  ///< "rss2", "rss1", "rss0.9x", "atom1", "atom0.3", "json1"
  std::string title;
  std::string link;
  std::string id;
  std::string description;
  std::optional<int> ttl_minutes;  ///< RSS <ttl>, used by the scheduler
};

/// The result of parsing one feed document. `warnings` lists recoveries made on
/// ill-formed input (undefined entities, truncation, junk before the root, ...).
struct feed_document {
  feed_meta feed;
  std::vector<item> items;
  std::vector<std::string> warnings;
};

}  // namespace sanctwatch
