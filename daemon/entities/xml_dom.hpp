#pragma once
/// Internals shared by the importers that read a whole list as one pugixml DOM (EU FSF, UN SC):
/// element lookup that ignores namespace prefixes, and node offsets turned into line numbers.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "core/result.hpp"
#include "entities/detail.hpp"
#include "entities/entity.hpp"

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

/// One list read as a DOM: the UTF-8 text (kept for line numbers), the document, its root.
struct xml_list {
  std::string text;
  pugi::xml_document doc;
  pugi::xml_node root;
};

/// Decodes `bytes` (not UTF-8: windows-1252, with a warning in `list`), parses them and checks
/// the root element's local name: `root`. Errors are "bad_xml", naming `format` and the line
/// of a parse error, or saying the file is not `what` ("an EU Financial Sanctions File").
inline result<bool> load_xml_list(std::string_view bytes, std::string_view format, std::string_view root,
                                  const char* what, entity_list& list, xml_list& out) {
  bool recoded = false;
  out.text = to_utf8(bytes, &recoded);
  if (recoded) list.warnings.push_back({"", 0, 0, "not valid UTF-8; decoded as windows-1252"});
  const pugi::xml_parse_result parsed = out.doc.load_buffer(
      out.text.data(), out.text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed)
    return error{"bad_xml", std::string(format) + ": line " +
                                std::to_string(line_counter(out.text).at(parsed.offset)) + ": " +
                                parsed.description()};
  out.root = out.doc.document_element();
  if (!out.root || local_name(out.root) != root)
    return error{"bad_xml", std::string(format) + ": no <" + std::string(root) +
                                "> root element; not " + what};
  return true;
}

}  // namespace sanctwatch::entities::detail
