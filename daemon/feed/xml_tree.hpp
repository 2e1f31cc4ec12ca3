#pragma once
/// The XML side of the feed reader, shared by parse.cpp (document structure, recovery) and
/// entries.cpp (what an item's child elements mean): namespace classes, the walking context
/// (namespace bindings, xml:base), and reading text out of pugixml nodes.

#include <pugixml.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/item.hpp"
#include "feed/common.hpp"
#include "feed/prepare.hpp"
#include "feed/url.hpp"

namespace sanctwatch::feed::detail {

// `s == lit` for a string literal: a memcmp of constant length compiles to loads and
// compares, where string_view's == calls memcmp. Element names are compared a lot.
template <std::size_t N>
bool is(std::string_view s, const char (&lit)[N]) {
  return s.size() == N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}

enum class ns : std::uint8_t {
  none,  // no namespace: RSS 0.9x/2.0 elements
  atom10,
  atom03,
  rss10,
  rss090,
  rdf,
  content,
  dc,
  dcterms,
  media,
  xhtml,
  xml,
  other,
};

/// The namespace class of a namespace URI. `atom_alias`, when not empty, is a URI the
/// document's root <feed> uses for Atom: an unknown or outdated namespace read as Atom.
ns classify_uri(std::string_view uri, std::string_view atom_alias = {});

/// Prefixes feeds use without declaring them: the conventional binding is what they meant.
ns conventional_prefix(std::string_view prefix);

struct qname {
  ns uri;
  std::string_view local;
  bool is(ns n, std::string_view l) const { return uri == n && local == l; }
};

inline bool rss_ns(ns n) { return n == ns::none || n == ns::rss10 || n == ns::rss090; }
inline bool atom_ns(ns n) { return n == ns::atom10 || n == ns::atom03; }

// Namespace bindings and xml:base values in force, kept as stacks while walking down.
class context {
 public:
  context(std::string_view url, std::vector<std::string>& warnings) : warnings_(warnings) {
    bases_.emplace_back(url);
  }

  std::size_t enter(pugi::xml_node n) {
    const std::size_t mark = bindings_.size() | (bases_.size() << 32);
    for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
      const char* name = a.name();
      if (name[0] != 'x' || name[1] != 'm' || name[2] != 'l') continue;
      const std::string_view nm(name);
      if (is(nm, "xmlns")) {
        bindings_.push_back({std::string_view{}, classify_uri(a.value(), atom_alias_)});
      } else if (nm.starts_with("xmlns:")) {
        bindings_.push_back({nm.substr(6), classify_uri(a.value(), atom_alias_)});
      } else if (is(nm, "xml:base")) {
        bases_.push_back(resolve_url(bases_.back(), a.value()));
      }
    }
    return mark;
  }

  void leave(std::size_t mark) {
    bindings_.resize(mark & 0xffffffffu);
    bases_.resize(mark >> 32);
  }

  qname name_of(pugi::xml_node n) const {
    // Names are a few bytes long: one loop finds the end and the first ':', rather than a
    // strlen and a memchr call.
    const char* const full = n.name();
    const char* colon = nullptr;
    const char* end = full;
    for (; *end != '\0'; ++end)
      if (*end == ':' && colon == nullptr) colon = end;
    const std::string_view prefix =
        colon == nullptr ? std::string_view{}
                         : std::string_view(full, static_cast<std::size_t>(colon - full));
    const std::string_view local =
        colon == nullptr ? std::string_view(full, static_cast<std::size_t>(end - full))
                         : std::string_view(colon + 1, static_cast<std::size_t>(end - colon - 1));
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it)
      if (it->first == prefix) return {it->second, local};
    return {prefix.empty() ? ns::none : conventional_prefix(prefix), local};
  }

  // Where CDATA content is when the document was parsed from clean_xml_split's output.
  void use_cdata(const detail::cdata_sections* sections, const char* buffer) {
    cdata_ = sections;
    buffer_ = buffer;
  }

  // The value of a text node: for a CDATA section taken out by clean_xml_split, its content.
  std::string_view value(pugi::xml_node n) const {
    const char* v = n.value();
    if (cdata_ && n.type() == pugi::node_cdata) {
      const auto at =
          reinterpret_cast<std::uintptr_t>(v) - reinterpret_cast<std::uintptr_t>(buffer_);
      if (std::string_view content; cdata_->find(at, content)) return content;
    }
    return v;
  }

  /// Reads elements in `uri` as Atom (set before entering the root).
  void set_atom_alias(std::string uri) { atom_alias_ = std::move(uri); }

  const std::string& base() const { return bases_.back(); }
  void push_base(std::string b) { bases_.push_back(std::move(b)); }
  std::string resolve(std::string_view ref) const { return resolve_url(bases_.back(), ref); }

  std::vector<std::string>& warnings_;
  detail::date_tally dates;

 private:
  std::vector<std::pair<std::string_view, ns>> bindings_;
  std::vector<std::string> bases_;
  std::string atom_alias_;
  const detail::cdata_sections* cdata_ = nullptr;
  const char* buffer_ = nullptr;
};

class scope {
 public:
  scope(context& c, pugi::xml_node n) : c_(c), mark_(c.enter(n)) {}
  ~scope() { c_.leave(mark_); }
  scope(const scope&) = delete;
  scope& operator=(const scope&) = delete;

 private:
  context& c_;
  std::size_t mark_;
};

inline std::string_view trim(std::string_view s) {
  auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && sp(s.front())) s.remove_prefix(1);
  while (!s.empty() && sp(s.back())) s.remove_suffix(1);
  return s;
}

/// Serializes the children of `root` as HTML (prefixes and namespace declarations dropped).
void serialize_children(pugi::xml_node root, std::string& out, const context& ctx);

bool has_element_child(pugi::xml_node n);

/// The character data of an element. An element holding markup (HTML written unescaped
/// into <description>) gives that markup serialized.
std::string element_text(pugi::xml_node n, const context& ctx);

// The character data of an element without a copy when it is a single text node (nearly
// always): a view into the parsed document, which outlives the item being built. Otherwise
// element_text's result, kept in `scratch`. Dates, ids and links are only read or trimmed,
// so copying them first was an allocation each.
inline std::string_view element_view(pugi::xml_node n, std::string& scratch, const context& ctx) {
  const pugi::xml_node first = n.first_child();
  if (!first) return {};
  if (!first.next_sibling() &&
      (first.type() == pugi::node_pcdata || first.type() == pugi::node_cdata))
    return ctx.value(first);
  scratch = element_text(n, ctx);
  return scratch;
}

inline std::string_view attr(pugi::xml_node n, const char* name) {
  return n.attribute(name).value();
}

std::optional<std::int64_t> to_int(std::string_view s);

struct text_construct {
  std::string html;
  std::string text;
};

// Atom text constructs: type="text" (default), "html", "xhtml", or a MIME type; Atom 0.3
// also says mode="escaped"/"xml"/"base64".
text_construct atom_text(pugi::xml_node n, context& ctx, bool want_html = true);

/// The text of an element marked mode="base64" (RSS elements take the attribute too),
/// decoded; nullopt when it is not marked or not base64.
std::optional<std::string> base64_text(pugi::xml_node n, const context& ctx);

// Per-item values collected before the precedence rules are applied.
struct item_builder {
  item it;
  std::string own_id;
  std::string_view title_html;  // into the document, title_owned or fallback_title
  std::string title_owned;
  std::string scratch;         // element_view's storage for values read on the spot
  bool title_is_text = false;  // Atom type="text": no markup to strip
  std::string guid_link;
  std::optional<timestamp> pub, dc_date, upd, dc_modified;
  bool have_link_alternate = false;
  std::string fallback_title, fallback_summary_html;
  std::string media_description;
  std::string summary_element;  // HTML of a <summary> in an RSS item, beside its <description>
};

/// One child element of an RSS item (RSS elements and the extensions RSS items carry).
void read_rss_child(pugi::xml_node c, const qname& q, item_builder& b, context& ctx);

/// One child element of an Atom entry.
void read_atom_child(pugi::xml_node c, const qname& q, item_builder& b, context& ctx);

enum class family { rss, atom };

/// Applies the precedence rules (title, summary, content, dates, id) to what was collected.
item finish_item(item_builder&& b, family f);

}  // namespace sanctwatch::feed::detail
