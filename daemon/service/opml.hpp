#pragma once
/// OPML feed lists (bytes in, feeds out): every outline with an xmlUrl, nested folders
/// included; ids from the outline's title (or its URL) made unique.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sanctwatch::service {

struct opml_feed {
  std::string id;
  std::string title;
  std::string url;
};

result<std::vector<opml_feed>> parse_opml(std::string_view bytes);

/// "Reuters World News" -> "reuters-world-news".
std::string slug(std::string_view s);

}  // namespace sanctwatch::service
