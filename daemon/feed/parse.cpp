#include "feed/parse.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/hash.hpp"
#include "feed/common.hpp"
#include "feed/date.hpp"
#include "feed/prepare.hpp"
#include "feed/url.hpp"
#include "text/html.hpp"

namespace sanctwatch::feed {
namespace detail {

// collapse_whitespace copies text that is already collapsed at memcpy-like speed itself
// (16-byte scan, nothing moved before the first change), so a pre-scan here would only
// read the text twice.
std::string collapse(std::string_view s) { return text::collapse_whitespace(s); }

std::string plain_text(std::string_view s) {
  if (s.empty()) return {};
  if (text::is_clean_text(s)) return std::string(s);
  return text::looks_like_html(s) ? text::html_to_text(s) : collapse(s);
}

std::string item_id(std::string_view own_id, const item& it) {
  std::string_view id = own_id;
  while (!id.empty() && std::isspace(static_cast<unsigned char>(id.front()))) id.remove_prefix(1);
  while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.remove_suffix(1);
  if (!id.empty()) return std::string(id);
  if (!it.link.empty()) return it.link;
  const std::string_view body = !it.content.empty() ? it.content : it.summary;
  std::uint64_t h = fnv1a64(it.title);
  h = fnv1a64(std::string_view("\x1f", 1), h);  // so "ab"+"c" and "a"+"bc" differ
  h = fnv1a64(body, h);
  return "hash:" + hex64(h);
}

std::optional<timestamp> date_tally::read(std::string_view text) {
  auto t = parse_date(text);
  if (!t) {
    std::string_view trimmed = text;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
      trimmed.remove_prefix(1);
    if (!trimmed.empty() && bad++ == 0) first = std::string(trimmed.substr(0, 60));
  }
  return t;
}

void date_tally::report(std::vector<std::string>& warnings) const {
  if (bad)
    warnings.push_back("could not read " + std::to_string(bad) + " date(s) (first: '" + first +
                       "'); left empty");
}

}  // namespace detail

namespace {

using detail::plain_text;

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

ns classify_uri(std::string_view uri) {
  if (is(uri, "http://www.w3.org/2005/Atom")) return ns::atom10;
  if (is(uri, "http://purl.org/atom/ns#")) return ns::atom03;
  if (is(uri, "http://purl.org/rss/1.0/")) return ns::rss10;
  if (is(uri, "http://my.netscape.com/rdf/simple/0.9/")) return ns::rss090;
  if (is(uri, "http://www.w3.org/1999/02/22-rdf-syntax-ns#")) return ns::rdf;
  if (is(uri, "http://purl.org/rss/1.0/modules/content/")) return ns::content;
  if (is(uri, "http://purl.org/dc/elements/1.1/")) return ns::dc;
  if (is(uri, "http://purl.org/dc/terms/")) return ns::dcterms;
  if (is(uri, "http://search.yahoo.com/mrss/") || is(uri, "http://search.yahoo.com/mrss"))
    return ns::media;
  if (is(uri, "http://www.w3.org/1999/xhtml")) return ns::xhtml;
  // RSS 2.0 was briefly published with namespaces of its own; their elements are RSS 2.0's.
  if (uri.empty() || is(uri, "http://backend.userland.com/rss2") ||
      is(uri, "http://blogs.law.harvard.edu/tech/rss") ||
      is(uri, "http://backend.userland.com/rss"))
    return ns::none;
  return ns::other;
}

// Prefixes feeds use without declaring them: the conventional binding is what they meant.
ns conventional_prefix(std::string_view prefix) {
  if (is(prefix, "xml")) return ns::xml;
  if (is(prefix, "dc")) return ns::dc;
  if (is(prefix, "dcterms")) return ns::dcterms;
  if (is(prefix, "content")) return ns::content;
  if (is(prefix, "media")) return ns::media;
  if (is(prefix, "atom")) return ns::atom10;
  if (is(prefix, "rdf")) return ns::rdf;
  return ns::other;
}

struct qname {
  ns uri;
  std::string_view local;
  bool is(ns n, std::string_view l) const { return uri == n && local == l; }
};

bool rss_ns(ns n) { return n == ns::none || n == ns::rss10 || n == ns::rss090; }
bool atom_ns(ns n) { return n == ns::atom10 || n == ns::atom03; }

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
        bindings_.push_back({std::string_view{}, classify_uri(a.value())});
      } else if (nm.starts_with("xmlns:")) {
        bindings_.push_back({nm.substr(6), classify_uri(a.value())});
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

  const std::string& base() const { return bases_.back(); }
  void push_base(std::string b) { bases_.push_back(std::move(b)); }
  std::string resolve(std::string_view ref) const { return resolve_url(bases_.back(), ref); }

  std::vector<std::string>& warnings_;
  detail::date_tally dates;

 private:
  std::vector<std::pair<std::string_view, ns>> bindings_;
  std::vector<std::string> bases_;
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

std::string_view trim(std::string_view s) {
  auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && sp(s.front())) s.remove_prefix(1);
  while (!s.empty() && sp(s.back())) s.remove_suffix(1);
  return s;
}

void escape_into(std::string& out, std::string_view s, bool attribute) {
  std::size_t span = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* rep = nullptr;
    switch (s[i]) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '"':
        rep = attribute ? "&quot;" : nullptr;
        break;
      default:
        break;
    }
    if (rep) {
      out.append(s.substr(span, i - span));
      out.append(rep);
      span = i + 1;
    }
  }
  out.append(s.substr(span));
}

bool is_void_element(std::string_view n) {
  static constexpr std::string_view voids[] = {"br",   "img",  "hr",  "input", "meta",   "link",
                                               "area", "base", "col", "embed", "source", "wbr"};
  return std::find(std::begin(voids), std::end(voids), n) != std::end(voids);
}

// Serializes the children of `root` as HTML: element names without their prefix (an
// "xhtml:p" is a <p>), namespace declarations dropped, text escaped. Walks the tree without
// recursion, so any depth a hostile document reaches costs time, never stack.
void serialize_children(pugi::xml_node root, std::string& out, const context& ctx) {
  const auto local_name = [](pugi::xml_node e) {
    std::string_view name(e.name());
    if (const auto colon = name.find(':'); colon != std::string_view::npos)
      name.remove_prefix(colon + 1);
    return name;
  };
  pugi::xml_node c = root.first_child();
  while (c) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      escape_into(out, ctx.value(c), false);
    } else if (c.type() == pugi::node_element) {
      const std::string_view name = local_name(c);
      out += '<';
      out.append(name);
      for (pugi::xml_attribute a = c.first_attribute(); a; a = a.next_attribute()) {
        const std::string_view an(a.name());
        if (is(an, "xmlns") || an.starts_with("xmlns:")) continue;
        out += ' ';
        out.append(an);
        out.append("=\"");
        escape_into(out, a.value(), true);
        out += '"';
      }
      out += '>';
      if (c.first_child()) {
        c = c.first_child();
        continue;
      }
      if (!is_void_element(name)) out.append("</").append(name).append(">");
    }
    // The next node: a sibling, or the sibling of the nearest ancestor that has one, closing
    // each element left on the way up.
    while (!c.next_sibling()) {
      c = c.parent();
      if (!c || c == root) return;
      out.append("</").append(local_name(c)).append(">");
    }
    c = c.next_sibling();
  }
}

bool has_element_child(pugi::xml_node n) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) return true;
  return false;
}

// The character data of an element. An element holding markup (HTML written unescaped
// into <description>) gives that markup serialized.
std::string element_text(pugi::xml_node n, const context& ctx) {
  pugi::xml_node first = n.first_child();
  if (!first) return {};
  if (!first.next_sibling() &&
      (first.type() == pugi::node_pcdata || first.type() == pugi::node_cdata))
    return std::string(ctx.value(first));
  if (has_element_child(n)) {
    std::string out;
    serialize_children(n, out, ctx);
    return out;
  }
  std::string out;
  for (pugi::xml_node c = first; c; c = c.next_sibling())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += ctx.value(c);
  return out;
}

// The character data of an element without a copy when it is a single text node (nearly
// always): a view into the parsed document, which outlives the item being built. Otherwise
// element_text's result, kept in `scratch`. Dates, ids and links are only read or trimmed,
// so copying them first was an allocation each.
std::string_view element_view(pugi::xml_node n, std::string& scratch, const context& ctx) {
  const pugi::xml_node first = n.first_child();
  if (!first) return {};
  if (!first.next_sibling() &&
      (first.type() == pugi::node_pcdata || first.type() == pugi::node_cdata))
    return ctx.value(first);
  scratch = element_text(n, ctx);
  return scratch;
}

std::string_view attr(pugi::xml_node n, const char* name) { return n.attribute(name).value(); }

std::optional<std::int64_t> to_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

struct text_construct {
  std::string html;
  std::string text;
};

// Atom text constructs: type="text" (default), "html", "xhtml", or a MIME type; Atom 0.3
// also says mode="escaped"/"xml"/"base64".
// Without `want_html`, t.html may be left empty when the text does not need it.
text_construct atom_text(pugi::xml_node n, context& ctx, bool want_html = true) {
  const std::string_view type = attr(n, "type");
  const std::string_view mode = attr(n, "mode");
  text_construct t;
  const bool xhtml = is(type, "xhtml") || type.find("xhtml") != std::string_view::npos ||
                     (is(mode, "xml") && type.find("html") != std::string_view::npos);
  if (xhtml || (has_element_child(n) && !is(mode, "escaped"))) {
    pugi::xml_node div;
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) {
        scope s(ctx, c);
        const qname q = ctx.name_of(c);
        if (is(q.local, "div") && !div && (q.uri == ns::xhtml || q.uri == ns::none))
          div = c;
        else {
          div = pugi::xml_node();
          break;
        }
      }
    }
    serialize_children(div ? div : n, t.html, ctx);
    t.text = plain_text(t.html);
    return t;
  }
  std::string scratch;
  std::string_view html;
  if (want_html) {
    t.html = element_text(n, ctx);
    html = t.html;
  } else {
    html = element_view(n, scratch, ctx);
  }
  if (is(type, "html") || type.find("html") != std::string_view::npos || is(mode, "escaped")) {
    t.text = plain_text(html);
  } else {
    t.text = detail::collapse(html);
  }
  return t;
}

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
};

void add_enclosure(item& it, std::string url, std::string_view type,
                   std::optional<std::int64_t> length) {
  if (url.empty()) return;
  for (const auto& e : it.enclosures)
    if (e.url == url) return;
  it.enclosures.push_back({std::move(url), std::string(trim(type)), length});
}

void read_media(pugi::xml_node c, const qname& q, item_builder& b, context& ctx) {
  if (is(q.local, "content")) {
    std::string_view type = attr(c, "type");
    if (type.empty()) type = attr(c, "medium");
    add_enclosure(b.it, ctx.resolve(attr(c, "url")), type, to_int(attr(c, "fileSize")));
  } else if (is(q.local, "thumbnail")) {
    add_enclosure(b.it, ctx.resolve(attr(c, "url")), "image", std::nullopt);
  } else if (is(q.local, "description")) {
    if (b.media_description.empty()) b.media_description = element_text(c, ctx);
  } else if (is(q.local, "title")) {
    if (b.fallback_title.empty()) b.fallback_title = element_text(c, ctx);
  } else if (is(q.local, "group")) {
    for (pugi::xml_node g = c.first_child(); g; g = g.next_sibling()) {
      if (g.type() != pugi::node_element) continue;
      scope s(ctx, g);
      const qname gq = ctx.name_of(g);
      if (gq.uri == ns::media && !is(gq.local, "group")) read_media(g, gq, b, ctx);
    }
  }
}

void read_atom_link(pugi::xml_node c, item_builder& b, context& ctx) {
  std::string_view rel = trim(attr(c, "rel"));
  const std::string_view href = attr(c, "href");
  if (rel.empty()) rel = "alternate";
  if (is(rel, "alternate") || is(rel, "http://www.iana.org/assignments/relation/alternate")) {
    // The first alternate wins, unless a later one is the HTML page.
    const std::string_view type = attr(c, "type");
    if (!b.have_link_alternate || (is(type, "text/html") && b.it.link.empty())) {
      b.it.link = ctx.resolve(href);
      b.have_link_alternate = true;
    }
  } else if (is(rel, "enclosure")) {
    add_enclosure(b.it, ctx.resolve(href), attr(c, "type"), to_int(attr(c, "length")));
  }
}

// One RSS 0.9x/1.0/2.0 item; also reads the extension elements RSS items carry.
void read_rss_child(pugi::xml_node c, const qname& q, item_builder& b, context& ctx) {
  if (rss_ns(q.uri)) {
    if (is(q.local, "title")) {
      if (b.title_html.empty()) b.title_html = element_view(c, b.title_owned, ctx);
    } else if (is(q.local, "link")) {
      const std::string_view href = trim(element_view(c, b.scratch, ctx));
      if (b.it.link.empty() && !href.empty()) b.it.link = ctx.resolve(href);
    } else if (is(q.local, "description")) {
      if (b.it.summary_html.empty()) b.it.summary_html = element_text(c, ctx);
    } else if (is(q.local, "guid")) {
      b.own_id = std::string(trim(element_view(c, b.scratch, ctx)));
      const std::string_view perma = trim(attr(c, "isPermaLink"));
      if (!is(perma, "false") && !b.own_id.empty() &&
          (is(perma, "true") || has_scheme(b.own_id) || b.own_id.starts_with('/')))
        b.guid_link = ctx.resolve(b.own_id);
    } else if (is(q.local, "pubDate")) {
      if (!b.pub) b.pub = ctx.dates.read(element_view(c, b.scratch, ctx));
    } else if (is(q.local, "author")) {
      if (std::string a = plain_text(element_view(c, b.scratch, ctx)); !a.empty())
        b.it.authors.push_back(std::move(a));
    } else if (is(q.local, "category")) {
      if (std::string a = plain_text(element_view(c, b.scratch, ctx)); !a.empty())
        b.it.categories.push_back(std::move(a));
    } else if (is(q.local, "enclosure")) {
      add_enclosure(b.it, ctx.resolve(attr(c, "url")), attr(c, "type"), to_int(attr(c, "length")));
    }
    return;
  }
  switch (q.uri) {
    case ns::content:
      if (is(q.local, "encoded") && b.it.content_html.empty())
        b.it.content_html = element_text(c, ctx);
      break;
    case ns::dc:
      if (is(q.local, "creator") || is(q.local, "contributor")) {
        if (std::string a = plain_text(element_view(c, b.scratch, ctx)); !a.empty())
          b.it.authors.push_back(std::move(a));
      } else if (is(q.local, "date")) {
        if (!b.dc_date) b.dc_date = ctx.dates.read(element_view(c, b.scratch, ctx));
      } else if (is(q.local, "subject")) {
        if (std::string a = plain_text(element_view(c, b.scratch, ctx)); !a.empty())
          b.it.categories.push_back(std::move(a));
      } else if (is(q.local, "title")) {
        if (b.fallback_title.empty()) b.fallback_title = element_text(c, ctx);
      } else if (is(q.local, "description")) {
        if (b.fallback_summary_html.empty()) b.fallback_summary_html = element_text(c, ctx);
      } else if (is(q.local, "identifier")) {
        if (b.own_id.empty()) b.own_id = std::string(trim(element_view(c, b.scratch, ctx)));
      }
      break;
    case ns::dcterms:
      if (is(q.local, "modified")) {
        if (!b.dc_modified) b.dc_modified = ctx.dates.read(element_view(c, b.scratch, ctx));
      } else if (is(q.local, "created") || is(q.local, "issued")) {
        if (!b.dc_date) b.dc_date = ctx.dates.read(element_view(c, b.scratch, ctx));
      }
      break;
    case ns::media:
      read_media(c, q, b, ctx);
      break;
    case ns::atom10:
      if (is(q.local, "link")) {
        if (b.it.link.empty()) read_atom_link(c, b, ctx);
      } else if (is(q.local, "updated")) {
        if (!b.upd) b.upd = ctx.dates.read(element_view(c, b.scratch, ctx));
      }
      break;
    default:
      break;
  }
}

void read_atom_child(pugi::xml_node c, const qname& q, item_builder& b, context& ctx) {
  if (!atom_ns(q.uri)) {
    if (q.uri == ns::media)
      read_media(c, q, b, ctx);
    else if (q.uri == ns::dc && is(q.local, "creator")) {
      if (std::string a = plain_text(element_view(c, b.scratch, ctx)); !a.empty())
        b.it.authors.push_back(std::move(a));
    } else if (q.uri == ns::dc && is(q.local, "subject")) {
      if (std::string a = plain_text(element_view(c, b.scratch, ctx)); !a.empty())
        b.it.categories.push_back(std::move(a));
    }
    return;
  }
  const std::string_view l = q.local;
  if (is(l, "id")) {
    b.own_id = std::string(trim(element_view(c, b.scratch, ctx)));
  } else if (is(l, "title")) {
    // The markup of an Atom title is not kept (finish_item uses the text as it is).
    b.it.title = atom_text(c, ctx, false).text;
    b.title_is_text = true;
  } else if (is(l, "link")) {
    read_atom_link(c, b, ctx);
  } else if (is(l, "published") || is(l, "issued") || is(l, "created")) {
    if (!b.pub || is(l, "published")) {
      if (auto t = ctx.dates.read(element_view(c, b.scratch, ctx))) b.pub = t;
    }
  } else if (is(l, "updated") || is(l, "modified")) {
    if (!b.upd) b.upd = ctx.dates.read(element_view(c, b.scratch, ctx));
  } else if (is(l, "summary")) {
    text_construct t = atom_text(c, ctx);
    b.it.summary_html = std::move(t.html);
    b.it.summary = std::move(t.text);
  } else if (is(l, "content")) {
    text_construct t = atom_text(c, ctx);
    b.it.content_html = std::move(t.html);
    b.it.content = std::move(t.text);
    if (const std::string_view src = attr(c, "src"); !src.empty() && b.it.link.empty())
      b.it.link = ctx.resolve(src);
  } else if (is(l, "author")) {
    for (pugi::xml_node n = c.first_child(); n; n = n.next_sibling()) {
      if (n.type() != pugi::node_element) continue;
      const qname nq = ctx.name_of(n);
      if (atom_ns(nq.uri) && is(nq.local, "name"))
        if (std::string a = plain_text(element_view(n, b.scratch, ctx)); !a.empty())
          b.it.authors.push_back(std::move(a));
    }
  } else if (is(l, "category")) {
    std::string_view label = attr(c, "label");
    if (label.empty()) label = attr(c, "term");
    if (std::string a = text::collapse_whitespace(label); !a.empty()) b.it.categories.push_back(a);
  }
}

enum class family { rss, atom };

item finish_item(item_builder&& b, family f) {
  item& it = b.it;
  if (f == family::rss || !b.title_is_text) {
    if (b.title_html.empty()) b.title_html = b.fallback_title;
    it.title = plain_text(b.title_html);
  }
  if (it.link.empty()) it.link = std::move(b.guid_link);
  if (it.summary_html.empty()) it.summary_html = std::move(b.fallback_summary_html);
  if (it.summary_html.empty()) it.summary_html = std::move(b.media_description);
  if (f == family::rss) {
    it.summary = plain_text(it.summary_html);
    it.content = plain_text(it.content_html);
  }
  it.published = b.pub ? b.pub : b.dc_date;
  it.updated = b.upd ? b.upd : b.dc_modified;
  // item_id keeps a non-empty trimmed own id as it is: move it when trimming changes nothing.
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  if (!b.own_id.empty() && !space(b.own_id.front()) && !space(b.own_id.back()))
    it.id = std::move(b.own_id);
  else
    it.id = detail::item_id(b.own_id, it);
  return std::move(it);
}

bool is_html_root(std::string_view name) {
  return is(name, "html") || is(name, "HTML") || is(name, "body") || is(name, "head");
}

class xml_reader {
 public:
  xml_reader(const parse_options& o, std::vector<std::string>& w) : ctx_(o.url, w) {}

  // Returns an error for documents that are not feeds.
  std::optional<error> read(pugi::xml_node root, feed_document& doc) {
    scope s(ctx_, root);
    const qname q = ctx_.name_of(root);
    if (q.uri == ns::none && is(q.local, "rss")) {
      const std::string_view v = trim(attr(root, "version"));
      doc.feed.format = v.starts_with("0.9") ? "rss0.9x" : "rss2";
      pugi::xml_node channel;
      for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element && ctx_.name_of(c).local == "channel") {
          channel = c;
          break;
        }
      if (!channel) return error{"not_a_feed", "an <rss> document without a <channel>"};
      scope cs(ctx_, channel);
      read_rss_channel(channel, doc);
      item_parent_ = channel;
      item_name_ = "item";
      read_rss_items(channel, doc);
      return std::nullopt;
    }
    if (q.uri == ns::rdf && is(q.local, "RDF")) {
      pugi::xml_node channel;
      ns flavour = ns::rss10;
      for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        const qname cq = ctx_.name_of(c);
        if ((cq.uri == ns::rss10 || cq.uri == ns::rss090 || cq.uri == ns::none) &&
            is(cq.local, "channel")) {
          channel = c;
          flavour = cq.uri;
          break;
        }
      }
      if (!channel) return error{"not_a_feed", "an RDF document without an RSS <channel>"};
      doc.feed.format = flavour == ns::rss090 ? "rss0.9x" : "rss1";
      {
        scope cs(ctx_, channel);
        read_rss_channel(channel, doc);
        doc.feed.id = std::string(trim(attr(channel, "rdf:about")));
      }
      // Items are the channel's siblings here, but its link is still their base.
      if (has_scheme(doc.feed.link)) ctx_.push_base(doc.feed.link);
      item_parent_ = root;
      const std::string_view ch(channel.name());
      const auto colon = ch.find(':');
      item_name_ =
          colon == std::string_view::npos ? "item" : std::string(ch.substr(0, colon + 1)) + "item";
      read_rss_items(root, doc);
      return std::nullopt;
    }
    if (is(q.local, "feed") && (atom_ns(q.uri) || q.uri == ns::none)) {
      doc.feed.format =
          q.uri == ns::atom03 || trim(attr(root, "version")) == "0.3" ? "atom0.3" : "atom1";
      item_parent_ = root;
      const std::string_view rn(root.name());
      const auto colon = rn.find(':');
      item_name_ = colon == std::string_view::npos ? "entry"
                                                   : std::string(rn.substr(0, colon + 1)) + "entry";
      read_atom(root, doc);
      return std::nullopt;
    }
    if (is_html_root(q.local))
      return error{"not_a_feed",
                   "an HTML page (<" + std::string(root.name()) + "> root), not a feed"};
    return error{"not_a_feed", "an XML document with root <" + std::string(root.name()) +
                                   ">, not RSS, RDF or Atom"};
  }

 private:
  // Room for as many items as `parent` has children (an upper bound), so that the vector
  // does not move every item it holds each time it grows. Capped: a body of many tiny
  // elements must not reserve hundreds of megabytes.
  static void reserve_items(pugi::xml_node parent, feed_document& doc) {
    constexpr std::size_t cap = 4096;
    std::size_t children = 0;
    for (pugi::xml_node n = parent.first_child(); n && children < cap; n = n.next_sibling())
      ++children;
    doc.items.reserve(doc.items.size() + children);
  }

  void read_rss_channel(pugi::xml_node channel, feed_document& doc) {
    for (pugi::xml_node c = channel.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      scope s(ctx_, c);
      const qname q = ctx_.name_of(c);
      if (rss_ns(q.uri)) {
        if (is(q.local, "title") && doc.feed.title.empty()) {
          doc.feed.title = plain_text(element_text(c, ctx_));
        } else if (is(q.local, "link") && doc.feed.link.empty()) {
          doc.feed.link = ctx_.resolve(trim(element_text(c, ctx_)));
        } else if (is(q.local, "description") && doc.feed.description.empty()) {
          doc.feed.description = plain_text(element_text(c, ctx_));
        } else if (is(q.local, "ttl")) {
          if (auto v = to_int(element_text(c, ctx_)); v && *v > 0 && *v < 1000000)
            doc.feed.ttl_minutes = static_cast<int>(*v);
        }
      } else if (q.is(ns::atom10, "link") && trim(attr(c, "rel")) == "self" &&
                 doc.feed.id.empty()) {
        doc.feed.id = ctx_.resolve(attr(c, "href"));
      }
    }
    // Relative item links are relative to the channel link (when it is absolute).
    if (has_scheme(doc.feed.link)) ctx_.push_base(doc.feed.link);
  }

  void read_rss_items(pugi::xml_node parent, feed_document& doc) {
    reserve_items(parent, doc);
    for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
      if (n.type() != pugi::node_element) continue;
      scope s(ctx_, n);
      const qname q = ctx_.name_of(n);
      if (!rss_ns(q.uri) || !is(q.local, "item")) continue;
      item_builder b;
      if (const std::string_view about = trim(attr(n, "rdf:about")); !about.empty())
        b.own_id = std::string(about);
      for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        scope cs(ctx_, c);
        read_rss_child(c, ctx_.name_of(c), b, ctx_);
      }
      doc.items.push_back(finish_item(std::move(b), family::rss));
      item_parent_ = parent;
      item_name_ = n.name();
    }
  }

  void read_atom(pugi::xml_node root, feed_document& doc) {
    reserve_items(root, doc);
    std::vector<std::string> feed_authors;
    // Feed-level elements first: entries inherit the feed's authors (RFC 4287 4.2.1).
    for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      scope s(ctx_, c);
      const qname q = ctx_.name_of(c);
      if (!atom_ns(q.uri) && q.uri != ns::none) continue;
      if (is(q.local, "title")) {
        doc.feed.title = atom_text(c, ctx_).text;
      } else if (is(q.local, "subtitle") || is(q.local, "tagline")) {
        doc.feed.description = atom_text(c, ctx_).text;
      } else if (is(q.local, "id")) {
        doc.feed.id = std::string(trim(element_text(c, ctx_)));
      } else if (is(q.local, "link")) {
        std::string_view rel = trim(attr(c, "rel"));
        if ((rel.empty() || is(rel, "alternate")) && doc.feed.link.empty())
          doc.feed.link = ctx_.resolve(attr(c, "href"));
      } else if (is(q.local, "author")) {
        item_builder tmp;
        read_atom_child(c, q, tmp, ctx_);
        feed_authors = std::move(tmp.it.authors);
      }
    }
    for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling()) {
      if (n.type() != pugi::node_element) continue;
      scope s(ctx_, n);
      const qname q = ctx_.name_of(n);
      if (!is(q.local, "entry") || (!atom_ns(q.uri) && q.uri != ns::none)) continue;
      item_builder b;
      for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        scope cs(ctx_, c);
        const qname cq = ctx_.name_of(c);
        // Atom without a namespace declaration: read as Atom rather than not at all.
        read_atom_child(c, cq.uri == ns::none ? qname{ns::atom10, cq.local} : cq, b, ctx_);
      }
      if (b.it.authors.empty()) b.it.authors = feed_authors;
      doc.items.push_back(finish_item(std::move(b), family::atom));
      item_parent_ = root;
      item_name_ = n.name();
    }
  }

 public:
  context ctx_;
  // Where items live and what they are called, for resuming after a syntax error; set
  // from the items seen, else from the format's defaults.
  pugi::xml_node item_parent_;
  std::string item_name_;
};

constexpr unsigned xml_parse_flags = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol;

std::string_view first_meaningful(std::string_view s) {
  for (;;) {
    while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r'))
      s.remove_prefix(1);
    if (s.starts_with("\xEF\xBB\xBF")) {
      s.remove_prefix(3);
      continue;
    }
    return s;
  }
}

bool looks_like_html_page(std::string_view s) {
  const std::string_view head = s.substr(0, 512);
  std::string lower(head);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("<!doctype html") != std::string::npos ||
         lower.find("<html") != std::string::npos;
}

// The start tag of the element whose name starts at `name` inside `buffer` (an in-place
// parse keeps names where they were), read from `text`, clean_xml's output, of which the
// buffer is clean_xml_split's.
std::string start_tag(std::string_view text, const char* buffer, const char* name,
                      const detail::cdata_sections& sections) {
  const std::size_t off = sections.full_offset(static_cast<std::size_t>(name - buffer));
  if (off == 0 || off > text.size() || text[off - 1] != '<') return {};
  const auto gt = text.find('>', off);
  if (gt == std::string_view::npos) return {};
  std::string tag(text.substr(off - 1, gt - off + 2));
  if (tag.size() >= 2 && tag[tag.size() - 2] == '/') tag.erase(tag.size() - 2, 1);
  return tag;
}

// The next start tag named `name` at or after `from`.
std::size_t find_start_tag(std::string_view text, std::string_view name, std::size_t from) {
  for (std::size_t p = text.find('<', from); p != std::string_view::npos;
       p = text.find('<', p + 1)) {
    if (text.substr(p + 1, name.size()) != name) continue;
    const std::size_t after = p + 1 + name.size();
    if (after >= text.size()) return std::string_view::npos;
    const char c = text[after];
    if (c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r') return p;
  }
  return std::string_view::npos;
}

// Adds the items of one parse to `doc`. After a syntax error the last item may be the one
// the error cut off; it is kept only if it says something (a title or a link): an item that
// is only an id is no news.
void note_syntax_error(const pugi::xml_parse_result& r, std::size_t items_before, std::size_t shift,
                       feed_document& doc, std::vector<std::string>& warnings) {
  std::string msg = std::string("ill-formed XML at byte ") + std::to_string(r.offset + shift) +
                    " (" + r.description() + ")";
  if (doc.items.size() > items_before) {
    const item& last = doc.items.back();
    if (last.title.empty() && last.link.empty()) {
      doc.items.pop_back();
      msg += "; dropped an incomplete last item";
    }
  }
  warnings.push_back(std::move(msg));
}

constexpr int max_resumes = 64;

// Feeds are parsed one after another on a worker thread; reusing one buffer per thread
// saves an mmap, page faults and munmap per document (buffers pass glibc's mmap threshold).
// Oversized buffers are released so one huge feed does not pin its memory.
class scratch_buffer {
 public:
  scratch_buffer() : s_(take()) {}
  ~scratch_buffer() {
    if (s_.capacity() <= max_kept) pool() = std::move(s_);
  }
  scratch_buffer(const scratch_buffer&) = delete;
  scratch_buffer& operator=(const scratch_buffer&) = delete;
  std::string& get() { return s_; }

 private:
  static constexpr std::size_t max_kept = 8u << 20;
  static std::string& pool() {
    thread_local std::string p;
    return p;
  }
  static std::string take() { return std::move(pool()); }
  std::string s_;
};

result<feed_document> parse_xml(std::string_view utf8, const parse_options& options,
                                std::vector<std::string> warnings) {
  scratch_buffer scratch;
  std::string& buffer = scratch.get();
  // CDATA content (most of a typical feed's bytes) is checked by the clean-up pass and kept
  // out of the buffer: pugixml would only scan it again, byte by byte, for its end.
  detail::cdata_sections cdata;
  detail::clean_xml_split(utf8, buffer, cdata, warnings);
  if (buffer.empty()) return error{"not_a_feed", "plain text without any markup, not a feed"};

  pugi::xml_document xml;
  pugi::xml_parse_result r =
      xml.load_buffer_inplace(buffer.data(), buffer.size(), xml_parse_flags, pugi::encoding_utf8);
  if (!detail::cdata_parsed(cdata, buffer.data(), buffer.size())) {
    // A "<![CDATA[" inside a tag or an attribute value, or one after a syntax error: parse
    // the whole text, as the sections would have been read without the split.
    std::vector<std::string> again;  // the same warnings as the first time
    detail::clean_xml(utf8, buffer, again);
    cdata.pieces.clear();
    r = xml.load_buffer_inplace(buffer.data(), buffer.size(), xml_parse_flags, pugi::encoding_utf8);
  }
  pugi::xml_node root = xml.document_element();
  if (!root) {
    if (looks_like_html_page(utf8)) return error{"not_a_feed", "an HTML page, not a feed"};
    return error{"not_a_feed", std::string("not XML: ") + r.description()};
  }

  feed_document doc;
  xml_reader reader(options, warnings);
  if (!cdata.pieces.empty()) reader.ctx_.use_cdata(&cdata, buffer.data());
  if (auto e = reader.read(root, doc)) return *e;
  detail::date_tally& dates = reader.ctx_.dates;
  if (r) {
    dates.report(warnings);
    doc.warnings = std::move(warnings);
    return doc;
  }

  // Offsets are reported in clean_xml's output, with the CDATA content in place.
  const std::size_t error_at = cdata.full_offset(static_cast<std::size_t>(r.offset));
  note_syntax_error(r, 0, error_at - static_cast<std::size_t>(r.offset), doc, warnings);
  // pugixml stops at the first error. When items follow it (a mismatched tag in the middle
  // of the document), parse again from the next item start, inside the start tags of the
  // item's ancestors so namespace declarations and xml:base still apply. Each round starts
  // further on, and the rounds are capped: a hostile document cannot make this quadratic.
  if (reader.item_parent_ && !reader.item_name_.empty()) {
    std::vector<std::string> ignored;
    const std::string text = detail::clean_xml(utf8, ignored);  // the buffer before pugixml
    std::vector<pugi::xml_node> chain;
    for (pugi::xml_node n = reader.item_parent_; n && n.type() == pugi::node_element;
         n = n.parent())
      chain.push_back(n);
    std::string wrapper;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      std::string tag = start_tag(text, buffer.data(), it->name(), cdata);
      if (tag.empty()) tag = "<" + std::string(it->name()) + ">";
      wrapper += tag;
    }
    parse_options inner = options;
    if (has_scheme(doc.feed.link) && doc.feed.format.starts_with("rss")) inner.url = doc.feed.link;
    std::size_t from = error_at;
    std::size_t resumed = 0;
    for (int round = 0; round < max_resumes; ++round) {
      const std::size_t at = find_start_tag(text, reader.item_name_, from);
      if (at == std::string_view::npos) break;
      std::string part = wrapper;
      part.append(text, at, std::string::npos);
      pugi::xml_document again;
      const auto r2 =
          again.load_buffer_inplace(part.data(), part.size(), xml_parse_flags, pugi::encoding_utf8);
      feed_document more;
      std::vector<std::string> more_warnings;
      xml_reader sub(inner, more_warnings);
      if (!again.document_element() || sub.read(again.document_element(), more)) break;
      const std::size_t before = doc.items.size();
      for (auto& i : more.items) doc.items.push_back(std::move(i));
      resumed += doc.items.size() - before;
      dates.bad += sub.ctx_.dates.bad;
      if (r2) break;
      note_syntax_error(r2, before, at - wrapper.size(), doc, warnings);
      if (static_cast<std::size_t>(r2.offset) <= wrapper.size()) break;
      const std::size_t next = at + (static_cast<std::size_t>(r2.offset) - wrapper.size());
      if (next <= at) break;
      from = next;
    }
    if (resumed)
      warnings.push_back("resumed after the error: " + std::to_string(resumed) + " more item(s)");
  }
  warnings.push_back("recovered " + std::to_string(doc.items.size()) + " item(s) in total");
  dates.report(warnings);
  doc.warnings = std::move(warnings);
  return doc;
}

}  // namespace

result<feed_document> parse(std::string_view bytes, const parse_options& options) {
  if (first_meaningful(bytes).empty() && bytes.find('\0') == std::string_view::npos)
    return error{"empty",
                 bytes.empty() ? "empty document (0 bytes)" : "document holds only whitespace"};
  std::vector<std::string> warnings;
  // The charset decision needs to know whether an XML declaration may speak; JSON has none.
  const detail::charset_choice choice = detail::choose_charset(bytes, options.content_type, true);
  std::string storage;
  const std::string_view utf8 = detail::decode(bytes, choice, storage, warnings);
  const std::string_view head = first_meaningful(utf8);
  if (head.empty()) return error{"empty", "document holds only whitespace"};
  if (head[0] == '{' || head[0] == '[') {
    if (head[0] == '[')
      return error{"not_a_feed", "a JSON array, not a JSON Feed (which is an object)"};
    return detail::parse_json_feed(detail::clean_json(head), options, std::move(warnings));
  }
  if (utf8.find('<') == std::string_view::npos)
    return error{"not_a_feed", "plain text without any markup, not a feed"};
  return parse_xml(utf8, options, std::move(warnings));
}

}  // namespace sanctwatch::feed
