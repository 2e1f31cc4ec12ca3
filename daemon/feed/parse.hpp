#pragma once
/// Feed parsing: bytes in, values out. RSS 0.90-0.94 / 2.0, RSS 1.0 (RDF), Atom 0.3 / 1.0
/// (and the drafts between; a root <feed> in an unknown namespace is read as Atom), JSON Feed
/// 1.0 / 1.1. No I/O: fetching and file reading live one layer up.

#include <string>
#include <string_view>

#include "core/item.hpp"
#include "core/result.hpp"

namespace sanctwatch::feed {

struct parse_options {
  /// The HTTP Content-Type header, if any ("application/rss+xml; charset=windows-1251").
  /// Its charset wins over the XML declaration, as in RFC 7303; a BOM wins over both.
  std::string content_type;
  /// The URL the document was fetched from; the last base for resolving relative links.
  std::string url;
};

/// Parses a feed document. Ill-formed but recognisable feeds are recovered as far as
/// possible, with a warning per recovery in feed_document::warnings. A document that is
/// not a feed returns error{"not_a_feed", "<why>"}; empty input returns error{"empty", ...}.
result<feed_document> parse(std::string_view bytes, const parse_options& options = {});

}  // namespace sanctwatch::feed
