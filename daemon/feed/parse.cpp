#include "feed/parse.hpp"

namespace sanctwatch::feed {

result<feed_document> parse(std::string_view, const parse_options&) {
  return error{"unsupported", "feed parsing is not built yet"};
}

}  // namespace sanctwatch::feed
