// What the child elements of RSS items and Atom entries mean, and the precedence rules that
// turn them into an item.
#include "feed/xml_tree.hpp"

#include <algorithm>

#include "text/html.hpp"

namespace sanctwatch::feed::detail {
namespace {

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

// The HTML of an RSS element, base64-decoded when it says mode="base64".
std::string rss_html(pugi::xml_node c, const context& ctx) {
  if (auto decoded = base64_text(c, ctx)) return std::move(*decoded);
  return element_text(c, ctx);
}

}  // namespace

// One RSS 0.9x/1.0/2.0 item; also reads the extension elements RSS items carry.
void read_rss_child(pugi::xml_node c, const qname& q, item_builder& b, context& ctx) {
  if (rss_ns(q.uri)) {
    if (is(q.local, "title")) {
      if (b.title_html.empty()) {
        if (auto decoded = base64_text(c, ctx)) {
          b.title_owned = std::move(*decoded);
          b.title_html = b.title_owned;
        } else {
          b.title_html = element_view(c, b.title_owned, ctx);
        }
      }
    } else if (is(q.local, "link")) {
      const std::string_view href = trim(element_view(c, b.scratch, ctx));
      if (b.it.link.empty() && !href.empty()) b.it.link = ctx.resolve(href);
    } else if (is(q.local, "description")) {
      if (b.it.summary_html.empty()) {
        auto decoded = base64_text(c, ctx);
        b.it.summary_html = decoded ? std::move(*decoded) : element_text(c, ctx);
      }
    } else if (is(q.local, "summary")) {
      if (b.summary_element.empty()) b.summary_element = rss_html(c, ctx);
    } else if (is(q.local, "body")) {
      if (b.it.content_html.empty()) serialize_children(c, b.it.content_html, ctx);
    } else if (is(q.local, "fullitem")) {
      if (b.it.content_html.empty()) b.it.content_html = rss_html(c, ctx);
    } else if (is(q.local, "guid")) {
      b.own_id = std::string(trim(element_view(c, b.scratch, ctx)));
      const std::string_view perma = trim(attr(c, "isPermaLink"));
      if (!is(perma, "false") && !b.own_id.empty() &&
          (is(perma, "true") || has_scheme(b.own_id) || b.own_id.starts_with('/')))
        b.guid_link = ctx.resolve(b.own_id);
    } else if (is(q.local, "pubDate")) {
      if (!b.pub) b.pub = ctx.dates.read(element_view(c, b.scratch, ctx));
    } else if (is(q.local, "author")) {
      add_author(b.it, parse_author(element_view(c, b.scratch, ctx)));
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
      if (is(q.local, "creator") || is(q.local, "author") || is(q.local, "contributor")) {
        add_author(b.it, parse_author(element_view(c, b.scratch, ctx)));
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
    case ns::xhtml:
      if (is(q.local, "body") && b.it.content_html.empty())
        serialize_children(c, b.it.content_html, ctx);
      break;
    case ns::atom10:
    case ns::atom03:
      if (is(q.local, "summary")) {
        if (b.summary_element.empty()) b.summary_element = atom_text(c, ctx).html;
      } else if (is(q.local, "link")) {
        if (b.it.link.empty()) read_atom_link(c, b, ctx);
      } else if (is(q.local, "updated")) {
        if (!b.upd) b.upd = ctx.dates.read(element_view(c, b.scratch, ctx));
      }
      break;
    default:
      if (is(q.local, "fullitem") && b.it.content_html.empty())
        b.it.content_html = rss_html(c, ctx);
      break;
  }
}

void read_atom_child(pugi::xml_node c, const qname& q, item_builder& b, context& ctx) {
  if (!atom_ns(q.uri)) {
    if (q.uri == ns::media)
      read_media(c, q, b, ctx);
    else if (q.uri == ns::dc && (is(q.local, "creator") || is(q.local, "author"))) {
      add_author(b.it, parse_author(element_view(c, b.scratch, ctx)));
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
    author a;
    for (pugi::xml_node n = c.first_child(); n; n = n.next_sibling()) {
      if (n.type() != pugi::node_element) continue;
      scope s(ctx, n);
      const qname nq = ctx.name_of(n);
      if (!atom_ns(nq.uri) && nq.uri != ns::none) continue;
      if (is(nq.local, "name"))
        a.name = plain_text(element_view(n, b.scratch, ctx));
      else if (is(nq.local, "email"))
        a.email = std::string(trim(element_view(n, b.scratch, ctx)));
      else if (is(nq.local, "uri") || is(nq.local, "url"))  // "url" in Atom 0.3
        a.uri = ctx.resolve(trim(element_view(n, b.scratch, ctx)));
    }
    add_author(b.it, std::move(a));
  } else if (is(l, "category")) {
    // The term is the category; the label only its display name (RFC 4287 4.2.2).
    std::string_view term = attr(c, "term");
    if (trim(term).empty()) term = attr(c, "label");
    if (std::string a = text::collapse_whitespace(term); !a.empty()) b.it.categories.push_back(a);
  }
}

item finish_item(item_builder&& b, family f) {
  item& it = b.it;
  if (f == family::rss || !b.title_is_text) {
    if (b.title_html.empty()) b.title_html = b.fallback_title;
    it.title = plain_text(b.title_html);
  }
  if (it.link.empty()) it.link = std::move(b.guid_link);
  if (!b.summary_element.empty()) {
    // An item with a summary and a description: the summary is the summary and the
    // description the content, as feedparser reads it.
    if (!it.summary_html.empty() && it.content_html.empty())
      it.content_html = std::move(it.summary_html);
    it.summary_html = std::move(b.summary_element);
  }
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

}  // namespace sanctwatch::feed::detail
