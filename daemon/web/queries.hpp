#pragma once
/// The queue's filters as they appear in a URL (`/api/alerts?tag=sanctions&since=7d`), shared
/// by the JSON API, the Atom feed and the page, so a filtered view can be bookmarked and
/// shared; and what the API answers (docs/triage.md, "JSON API").

#include <map>
#include <string>

#include "core/result.hpp"
#include "store/store.hpp"

namespace sanctwatch::web {

/// A query: the filter, the page size and the cursor.
struct queue_query {
  store::queue_filter filter;
  int limit = 50;
  std::string after;
};

/// Reads `severity` (the least: info … critical), `tag`, `rule`, `list`, `feed`, `state`,
/// `q` (words), `since`/`until` (a date, RFC 3339, or a duration ago such as `24h`),
/// `limit` (1–500) and `after` (a page's cursor). Unknown parameters are ignored; a bad
/// value is an error naming it.
result<queue_query> parse_query(const std::multimap<std::string, std::string>& params,
                                timestamp now);

/// The API's answer for one page: {"alerts": [{"alert": document, "triage": {...}}], "total",
/// "next"}.
std::string api_page(const store::queue_page& page);

/// The Atom 1.0 feed of one page (`self`: the feed's own URL, its id too).
std::string atom_feed(const store::queue_page& page, const std::string& self, timestamp now);

}  // namespace sanctwatch::web
