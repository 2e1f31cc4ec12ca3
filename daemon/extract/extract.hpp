#pragma once
/// Article extraction: the title, byline, date, site and main text of a news or blog page,
/// without its menus, banners, share bars, related links, comments and ads. Bytes in, values
/// out: no I/O (fetching and file reading live one layer up). Thread-safe: calls share no
/// state, so pages may be extracted on several threads at once.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/item.hpp"
#include "core/result.hpp"

namespace sanctwatch::extract {

struct extract_options {
  /// The URL the page came from: the base for the canonical link, and shown in decisions.
  std::string url;
  /// The charset of the HTTP Content-Type header ("windows-1251"), or the whole header
  /// ("text/html; charset=windows-1251"). A byte order mark wins over it; it wins over the
  /// page's own `<meta charset>` / `<meta http-equiv="Content-Type">`.
  std::string charset;
  /// Larger input is refused (error "too_large") rather than cut: half an article would
  /// be matched as if it were all of it.
  std::size_t max_input_bytes = 8 * 1024 * 1024;
  /// Elements and text nodes kept from the parse; past it the rest of the page is not
  /// parsed (a note in decisions says so).
  std::size_t max_nodes = 250'000;
  /// Nesting kept; deeper elements are attached at this depth (their text is kept).
  std::size_t max_depth = 512;
};

/// One candidate container for the main text, as --explain shows it.
struct candidate {
  std::string path;  ///< "html>body>div#main>article.story"
  double score = 0;  ///< after the link-density discount
  std::size_t text_chars = 0;
  double link_density = 0;  ///< characters inside links / all characters
  std::string note;         ///< why it was chosen or rejected
};

/// Why the extractor decided what it did. Meant for people (`sanctwatch extract --explain`)
/// and tests; the wording is not a stable interface.
struct decisions {
  std::string charset;  ///< the charset the bytes were read as ("utf-8", "windows-1251")
  std::string
      charset_source;  ///< "bom", "option", "meta charset", "meta http-equiv", "default", ...
  std::string
      method;  ///< "score", "article element", "itemprop=articleBody", "json-ld articleBody"
  candidate chosen;
  std::vector<candidate> runners_up;  ///< best first, at most 5
  std::vector<std::string> siblings;  ///< paths of the chosen container's siblings that were added
  /// Where each metadata field came from: {"title", "json-ld headline"}, ...
  std::vector<std::pair<std::string, std::string>> sources;
  std::vector<std::string> notes;  ///< limits hit, removals counted, fallbacks taken
  std::size_t nodes = 0;           ///< elements and text nodes parsed
  std::size_t removed = 0;         ///< subtrees dropped as boilerplate or hidden
};

struct article {
  std::string title;
  std::string byline;                  ///< author names, ", "-separated; no "By"
  std::optional<timestamp> published;  ///< UTC
  std::string site_name;
  std::string language;       ///< BCP 47 as the page declares it ("en", "de-DE"); may be empty
  std::string canonical_url;  ///< rel=canonical or og:url, resolved against the URL; may be empty
  std::vector<std::string> paragraphs;  ///< the main text: headings, paragraphs, list items, quotes
  decisions why;

  /// The paragraphs joined by blank lines.
  std::string text() const;
};

/// Extracts the article of an HTML page. Malformed markup, unknown charsets and hostile
/// structures degrade to a best effort with a note in decisions; the only errors are
/// error{"empty", ...} for input of nothing but whitespace and error{"too_large", ...} above
/// max_input_bytes. A page without a recognisable article returns what text it has (the
/// method says how it was chosen); an empty `paragraphs` means none was found.
result<article> extract(std::string_view html_bytes, const extract_options& options = {});

}  // namespace sanctwatch::extract
