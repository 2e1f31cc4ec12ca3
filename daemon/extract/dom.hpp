#pragma once
/// The page as a compact tree: nodes in one vector (document order), linked by index, with
/// the attributes the extractor reads and the text in one buffer. Built from libxml2's HTML
/// parser through SAX callbacks, so libxml2 never builds its own tree. Everything that walks
/// it is iterative: depth is bounded, but only by a limit.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sanctwatch::extract {

inline constexpr std::uint32_t no_node = 0xFFFFFFFFu;

/// Elements the extractor treats specially; every other name is `other` (its name kept as
/// the attribute `attr::tag_name` for paths).
enum class tag : std::uint8_t {
  other,
  html,
  head,
  body,
  title,
  meta,
  link,
  base,
  script,
  style,
  noscript,
  template_,
  nav,
  aside,
  footer,
  header,
  main,
  article,
  section,
  div,
  span,
  p,
  a,
  br,
  hr,
  img,
  picture,
  figure,
  figcaption,
  h1,
  h2,
  h3,
  h4,
  h5,
  h6,
  ul,
  ol,
  li,
  dl,
  dt,
  dd,
  blockquote,
  pre,
  code,
  table,
  thead,
  tbody,
  tfoot,
  tr,
  td,
  th,
  caption,
  form,
  button,
  input,
  select,
  option,
  textarea,
  label,
  fieldset,
  iframe,
  frame,
  svg,
  math,
  canvas,
  object,
  embed,
  video,
  audio,
  source,
  dialog,
  menu,
  time,
  address,
  b,
  i,
  em,
  strong,
  u,
  small,
  sup,
  sub,
  font,
  center,
  cite,
  q,
  abbr,
  mark,
  s,
  wbr,
  details,
  summary,
};

/// Attributes kept; every other attribute is dropped at parse time.
enum class attr : std::uint8_t {
  tag_name,
  id,
  class_,
  style,
  hidden,
  aria_hidden,
  role,
  itemprop,
  itemtype,
  href,
  rel,
  datetime,
  property,
  name,
  content,
  charset,
  http_equiv,
  type,
  lang,
  pubdate,
};

enum class node_kind : std::uint8_t { document, element, text };

struct node {
  std::uint32_t parent = no_node;
  std::uint32_t first_child = no_node;
  std::uint32_t last_child = no_node;
  std::uint32_t next = no_node;
  std::uint32_t prev = no_node;
  std::uint32_t begin = 0;  ///< text: offset in document::buffer; element: first attribute index
  std::uint32_t size = 0;   ///< text: bytes; element: attribute count
  std::uint16_t depth = 0;
  node_kind kind = node_kind::element;
  tag name = tag::other;
};

struct attribute {
  attr key;
  std::uint32_t begin;  ///< in document::buffer
  std::uint32_t size;
};

struct document {
  std::vector<node> nodes;  ///< nodes[0] is the document
  std::vector<attribute> attrs;
  std::string buffer;                  ///< text contents and attribute values
  std::vector<std::uint32_t> json_ld;  ///< `<script type="application/ld+json">` elements
  std::vector<std::string> notes;      ///< limits hit while parsing

  bool is_element(std::uint32_t n) const { return nodes[n].kind == node_kind::element; }
  bool is_text(std::uint32_t n) const { return nodes[n].kind == node_kind::text; }
  std::string_view text(std::uint32_t n) const {
    return std::string_view(buffer).substr(nodes[n].begin, nodes[n].size);
  }
  /// The attribute's value; empty when absent. `has` tells empty from absent.
  std::string_view get(std::uint32_t n, attr key) const;
  bool has(std::uint32_t n, attr key) const;
  /// The element's name as written (lower case): "div", "amp-img".
  std::string_view tag_name(std::uint32_t n) const;
  /// Every text node below `n` (or `n` itself), concatenated as it is.
  std::string raw_text(std::uint32_t n) const;
  /// The node after `n` in document order, skipping n's children when `skip_children`;
  /// no_node past `root`'s subtree.
  std::uint32_t next_in(std::uint32_t root, std::uint32_t n, bool skip_children = false) const;
  /// "html>body>div#main>article.story" (at most two classes per step).
  std::string path(std::uint32_t n) const;
};

struct parse_limits {
  std::size_t max_nodes = 250'000;
  std::size_t max_depth = 512;
};

/// Parses UTF-8 HTML (already converted and free of invalid sequences and NUL bytes).
document parse_html(std::string_view utf8, const parse_limits& limits);

/// Lower-case tag name to tag; `other` when not one of the enumerated ones.
tag tag_of(std::string_view name);

}  // namespace sanctwatch::extract
