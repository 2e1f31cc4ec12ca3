// Kept apart from names.cpp so that only callers of the default overload link against the
// text module's normalizer.
#include "entities/names.hpp"
#include "text/normalize.hpp"

namespace sanctwatch::entities {

std::vector<ambiguous_name> find_ambiguous(const entity_list& list) {
  return find_ambiguous(list, [](std::string_view s) { return text::normalize_text(s); });
}

}  // namespace sanctwatch::entities
