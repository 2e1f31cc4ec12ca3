#include "feed/xml_tree.hpp"

#include <algorithm>
#include <charconv>

#include "text/html.hpp"

namespace sanctwatch::feed::detail {

ns classify_uri(std::string_view uri, std::string_view atom_alias) {
  if (is(uri, "http://www.w3.org/2005/Atom")) return ns::atom10;
  if (is(uri, "http://purl.org/atom/ns#")) return ns::atom03;
  // The drafts between Atom 0.3 and RFC 4287 ("http://purl.org/atom/ns#draft-ietf-atompub-
  // format-08") are nearer 1.0.
  if (uri.starts_with("http://purl.org/atom/ns#")) return ns::atom10;
  if (!atom_alias.empty() && uri == atom_alias) return ns::atom10;
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
  if (is(prefix, "xhtml")) return ns::xhtml;
  return ns::other;
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

std::optional<std::int64_t> to_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Atom text constructs: type="text" (default), "html", "xhtml", or a MIME type; Atom 0.3
// also says mode="escaped"/"xml"/"base64".
// Without `want_html`, t.html may be left empty when the text does not need it.
namespace {

// Whether a text construct's content is base64: Atom 0.3 says so with mode="base64"; in
// Atom 1.0 (RFC 4287 3.1.1.3) any type that is not text, HTML, XHTML or XML is.
bool base64_content(std::string_view type, std::string_view mode) {
  if (!mode.empty()) return is(mode, "base64");
  if (type.empty() || is(type, "text") || is(type, "html") || is(type, "xhtml")) return false;
  if (type.starts_with("text/") || type.ends_with("+xml") || type.ends_with("/xml")) return false;
  return type.find('/') != std::string_view::npos;
}

// Binary media have no text to decode: an image in base64 is not news.
bool binary_type(std::string_view type) {
  return type.starts_with("image/") || type.starts_with("audio/") || type.starts_with("video/");
}

std::optional<std::string> decode_element(pugi::xml_node n, const context& ctx) {
  std::string scratch;
  return decode_base64_text(element_view(n, scratch, ctx));
}

}  // namespace

std::optional<std::string> base64_text(pugi::xml_node n, const context& ctx) {
  const pugi::xml_attribute mode = n.attribute("mode");
  if (!mode || trim(mode.value()) != "base64") return std::nullopt;
  return decode_element(n, ctx);
}

text_construct atom_text(pugi::xml_node n, context& ctx, bool want_html) {
  const std::string_view type = trim(attr(n, "type"));
  const std::string_view mode = trim(attr(n, "mode"));
  text_construct t;
  if (!type.empty() || !mode.empty()) {
    if (base64_content(type, mode)) {
      if (binary_type(type)) return t;
      if (auto decoded = decode_element(n, ctx)) {
        t.html = std::move(*decoded);
        t.text = is(type, "text/plain") ? detail::collapse(t.html) : plain_text(t.html);
        return t;
      }
    }
  }
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

}  // namespace sanctwatch::feed::detail
