#pragma once
/// Internals shared by the importers that read a whole list as one pugixml DOM (EU FSF, UN SC):
/// element lookup that ignores namespace prefixes, and node offsets turned into line numbers.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "entities/detail.hpp"

namespace sanctwatch::entities::detail {

/// Element name without a namespace prefix ("fsd:sanctionEntity" -> "sanctionEntity").
inline std::string_view local_name(const pugi::xml_node& n) {
  const std::string_view name = n.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

inline pugi::xml_node first_child(const pugi::xml_node& n, std::string_view name) {
  for (const pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element && local_name(c) == name) return c;
  return {};
}

/// Calls `f` with every child element named `name` (any prefix), in document order.
template <typename F>
void for_children(const pugi::xml_node& n, std::string_view name, F&& f) {
  for (const pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element && local_name(c) == name) f(c);
}

/// The child element's text, whitespace squeezed; "" when absent.
inline std::string child_text(const pugi::xml_node& n, std::string_view name) {
  return squeeze_spaces(first_child(n, name).text().as_string());
}

/// Line numbers of offsets into one text; cheap when asked in increasing order.
class line_counter {
 public:
  explicit line_counter(std::string_view text) : text_(text) {}
  std::size_t at(std::ptrdiff_t offset) {
    const auto off = static_cast<std::size_t>(std::max<std::ptrdiff_t>(offset, 0));
    if (off < pos_) {
      line_ = 1;
      pos_ = 0;
    }
    for (; pos_ < off && pos_ < text_.size(); ++pos_)
      if (text_[pos_] == '\n') ++line_;
    return line_;
  }

 private:
  std::string_view text_;
  std::size_t line_ = 1;
  std::size_t pos_ = 0;  ///< `line_` is the line of text offset `pos_`
};

}  // namespace sanctwatch::entities::detail
