#pragma once
/// What is not article text: the boilerplate and hidden parts of a page, found before
/// scoring, and the class/id hints that scoring weighs.

#include <cstdint>
#include <string_view>
#include <vector>

#include "extract/dom.hpp"

namespace sanctwatch::extract {

/// Text measures of one node's subtree, boilerplate excluded.
struct text_stats {
  std::uint32_t chars = 0;       ///< code points, whitespace runs counted as one
  std::uint32_t link_chars = 0;  ///< of those, inside <a>
  std::uint32_t commas = 0;      ///< ',' and the Arabic, full-width and ideographic commas
  std::uint32_t paragraphs = 0;  ///< <p> elements

  double link_density() const { return chars ? static_cast<double>(link_chars) / chars : 0.0; }
};

/// The page and what the passes learned about it; every vector is indexed by node.
struct page {
  const document& doc;
  std::vector<std::uint8_t> removed;  ///< 1: the node is in a dropped subtree
  std::vector<text_stats> stats;      ///< per node, after removal
  std::uint32_t body = 0;             ///< <body>, else the document
  std::size_t removed_roots = 0;      ///< subtrees dropped

  explicit page(const document& d) : doc(d) {}
  bool live(std::uint32_t n) const { return !removed[n]; }
};

/// How a class or id reads. `always`: boilerplate wherever it is (comments, cookie notices,
/// share bars, ads, related links); `layout`: page furniture (sidebars, menus, page headers
/// and footers) unless it holds most of the page's text; `meta`: bylines, dates and credits,
/// kept for metadata but left out of the text when short.
enum class boilerplate : std::uint8_t { none, meta, layout, always };  // weakest first
boilerplate boilerplate_of(const document& doc, std::uint32_t n);

/// Readability's class weight: +25 for a positive class (article, content, story, body,
/// entry, post, main, text), -25 for a negative one (comment, sidebar, promo, related,
/// footer, share, social, advert, ...), the same again for the id.
int class_weight(const document& doc, std::uint32_t n);

/// True for elements that start a new block of text (p, div, li, h2, td, ...); unknown
/// elements count as blocks.
bool is_block(tag t);

/// Marks hidden nodes and boilerplate as removed and fills page::stats.
void clean(page& p);

/// Measures of one text node.
text_stats measure(std::string_view text);

/// True for a microdata scope of an article (itemtype schema.org/NewsArticle, Article,
/// BlogPosting, ...): the page's <article> by another name.
bool is_article_scope(const document& doc, std::uint32_t n);

/// The element's nearest ancestor (or itself) that is <article>, <main>,
/// [itemprop=articleBody] or an article's microdata scope; no_node when none.
std::uint32_t content_ancestor(const document& doc, std::uint32_t n);

/// Calls enter(n) for every node of root's subtree in document order and exit(n) after its
/// children; enter returns false to skip the children (exit is still called). Iterative.
template <class Enter, class Exit>
void walk(const document& doc, std::uint32_t root, Enter&& enter, Exit&& exit) {
  std::uint32_t n = root;
  for (;;) {
    if (enter(n) && doc.nodes[n].first_child != no_node) {
      n = doc.nodes[n].first_child;
      continue;
    }
    for (;;) {
      exit(n);
      if (n == root) return;
      if (doc.nodes[n].next != no_node) {
        n = doc.nodes[n].next;
        break;
      }
      n = doc.nodes[n].parent;
    }
  }
}

}  // namespace sanctwatch::extract
