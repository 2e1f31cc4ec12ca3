#pragma once
/// Title, byline, date, site, language and canonical link of a page, from JSON-LD,
/// OpenGraph and other <meta> tags, microdata and the markup around the article.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/item.hpp"
#include "extract/clean.hpp"

namespace sanctwatch::extract {

struct page_metadata {
  std::string title;
  std::string byline;
  std::optional<timestamp> published;
  std::string site_name;
  std::string language;
  std::string canonical_url;
  std::string article_body;  ///< JSON-LD articleBody as plain text; empty when none
  std::vector<std::pair<std::string, std::string>> sources;  ///< field -> where it came from
  std::vector<std::string> notes;
};

/// Reads the metadata. `content` is the chosen container (no_node when none): headings,
/// bylines and <time> elements are looked for around it first. `base_url` resolves the
/// canonical link.
///
/// Precedence, first found wins:
///   title      JSON-LD headline, og:title, twitter:title, the article's <h1>, <title>
///              (a " | Site" / " - Site" suffix or "Site | " prefix naming the site removed)
///   byline     JSON-LD author names, <meta name=author>, article:author (not a URL),
///              itemprop=author, rel=author, class byline/author near the article
///   published  JSON-LD datePublished, article:published_time, itemprop=datePublished,
///              <meta name=date|pubdate|dc.date|...>, <time datetime> in the article
///   site       og:site_name, JSON-LD publisher name, application-name
///   language   <html lang>, Content-Language, og:locale, JSON-LD inLanguage
page_metadata read_metadata(const page& p, std::uint32_t content, std::string_view base_url);

/// `title` without a leading or trailing site name joined by | - – — : · or /.
std::string strip_site_name(std::string_view title, std::string_view site);

}  // namespace sanctwatch::extract
