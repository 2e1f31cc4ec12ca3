#include "extract/dom.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>
#include <utility>

namespace sanctwatch::extract {
namespace {

constexpr std::pair<std::string_view, tag> k_tags[] = {
    {"a", tag::a},
    {"abbr", tag::abbr},
    {"address", tag::address},
    {"article", tag::article},
    {"aside", tag::aside},
    {"audio", tag::audio},
    {"b", tag::b},
    {"base", tag::base},
    {"blockquote", tag::blockquote},
    {"body", tag::body},
    {"br", tag::br},
    {"button", tag::button},
    {"canvas", tag::canvas},
    {"caption", tag::caption},
    {"center", tag::center},
    {"cite", tag::cite},
    {"code", tag::code},
    {"dd", tag::dd},
    {"details", tag::details},
    {"dialog", tag::dialog},
    {"div", tag::div},
    {"dl", tag::dl},
    {"dt", tag::dt},
    {"em", tag::em},
    {"embed", tag::embed},
    {"fieldset", tag::fieldset},
    {"figcaption", tag::figcaption},
    {"figure", tag::figure},
    {"font", tag::font},
    {"footer", tag::footer},
    {"form", tag::form},
    {"frame", tag::frame},
    {"h1", tag::h1},
    {"h2", tag::h2},
    {"h3", tag::h3},
    {"h4", tag::h4},
    {"h5", tag::h5},
    {"h6", tag::h6},
    {"head", tag::head},
    {"header", tag::header},
    {"hr", tag::hr},
    {"html", tag::html},
    {"i", tag::i},
    {"iframe", tag::iframe},
    {"img", tag::img},
    {"input", tag::input},
    {"label", tag::label},
    {"li", tag::li},
    {"link", tag::link},
    {"main", tag::main},
    {"mark", tag::mark},
    {"math", tag::math},
    {"menu", tag::menu},
    {"meta", tag::meta},
    {"nav", tag::nav},
    {"noscript", tag::noscript},
    {"object", tag::object},
    {"ol", tag::ol},
    {"option", tag::option},
    {"p", tag::p},
    {"picture", tag::picture},
    {"pre", tag::pre},
    {"q", tag::q},
    {"s", tag::s},
    {"script", tag::script},
    {"section", tag::section},
    {"select", tag::select},
    {"small", tag::small},
    {"source", tag::source},
    {"span", tag::span},
    {"strong", tag::strong},
    {"style", tag::style},
    {"sub", tag::sub},
    {"summary", tag::summary},
    {"sup", tag::sup},
    {"svg", tag::svg},
    {"table", tag::table},
    {"tbody", tag::tbody},
    {"td", tag::td},
    {"template", tag::template_},
    {"textarea", tag::textarea},
    {"tfoot", tag::tfoot},
    {"th", tag::th},
    {"thead", tag::thead},
    {"time", tag::time},
    {"title", tag::title},
    {"tr", tag::tr},
    {"u", tag::u},
    {"ul", tag::ul},
    {"video", tag::video},
    {"wbr", tag::wbr},
};

struct attr_spec {
  std::string_view name;
  attr key;
  std::uint32_t max_bytes;  // longer values are cut: a class list or a style of 5 MB says no more
};

constexpr std::array<attr_spec, 19> k_attrs{{
    {"aria-hidden", attr::aria_hidden, 16},
    {"charset", attr::charset, 64},
    {"class", attr::class_, 1024},
    {"content", attr::content, 65536},
    {"datetime", attr::datetime, 128},
    {"hidden", attr::hidden, 16},
    {"href", attr::href, 4096},
    {"http-equiv", attr::http_equiv, 64},
    {"id", attr::id, 256},
    {"itemprop", attr::itemprop, 256},
    {"itemtype", attr::itemtype, 512},
    {"lang", attr::lang, 64},
    {"name", attr::name, 256},
    {"property", attr::property, 256},
    {"pubdate", attr::pubdate, 16},
    {"rel", attr::rel, 256},
    {"role", attr::role, 64},
    {"style", attr::style, 1024},
    {"type", attr::type, 128},
}};

const attr_spec* attr_of(const char* name) {
  const std::string_view n(name);
  auto it = std::lower_bound(k_attrs.begin(), k_attrs.end(), n,
                             [](const attr_spec& s, std::string_view v) { return s.name < v; });
  return it != k_attrs.end() && it->name == n ? &*it : nullptr;
}

bool is_json_ld_type(std::string_view t) {
  // "application/ld+json", with any case and parameters.
  constexpr std::string_view want = "application/ld+json";
  if (t.size() < want.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(t[i])) != want[i]) return false;
  return true;
}

// Work libxml2 may spend on end tags that match no open element: each one makes it search
// the whole stack of open elements, so a deep page followed by a flood of stray end tags
// costs depth x count. Past this many stack entries searched, the parse stops.
constexpr std::size_t k_stray_end_tag_budget = 20'000'000;

class builder {
 public:
  builder(document& doc, const parse_limits& limits, htmlParserCtxtPtr ctxt)
      : doc_(doc), limits_(limits), ctxt_(ctxt) {
    open_.push_back({0, 0, false});
  }

  void start(const xmlChar* name, const xmlChar** atts) {
    if (stopped_) return;
    if (doc_.nodes.size() >= limits_.max_nodes) return stop("node limit");
    const auto* cname = reinterpret_cast<const char*>(name);
    const tag t = tag_of(cname);
    const std::uint32_t parent = open_.back().attach;
    const std::uint32_t n = add_node(parent, node_kind::element);
    node& e = doc_.nodes[n];
    e.name = t;
    e.begin = static_cast<std::uint32_t>(doc_.attrs.size());
    if (t == tag::other) add_attr(attr::tag_name, cname, 256);
    bool json_ld = false;
    if (atts) {
      for (std::size_t i = 0; atts[i]; i += 2) {
        const auto* an = reinterpret_cast<const char*>(atts[i]);
        const auto* av = atts[i + 1] ? reinterpret_cast<const char*>(atts[i + 1]) : "";
        if (const attr_spec* s = attr_of(an)) {
          add_attr(s->key, av, s->max_bytes);
          if (t == tag::script && s->key == attr::type && is_json_ld_type(av)) json_ld = true;
        }
      }
    }
    doc_.nodes[n].size = static_cast<std::uint32_t>(doc_.attrs.size()) - doc_.nodes[n].begin;
    if (json_ld) doc_.json_ld.push_back(n);
    // Script and style content is not text; only JSON-LD is kept (metadata, articleBody).
    const bool skip = (t == tag::script && !json_ld) || t == tag::style;
    // Past the depth limit the element is kept as a leaf and what it holds goes to its
    // nearest ancestor within the limit.
    const bool flatten = open_.size() > limits_.max_depth;
    if (flatten && !flattened_) {
      flattened_ = true;
      doc_.notes.push_back("nesting deeper than " + std::to_string(limits_.max_depth) +
                           " levels: deeper elements attached at that depth");
    }
    open_.push_back({n, flatten ? parent : n, skip});
  }

  void end() {
    if (stopped_) return;
    if (open_.size() > 1) open_.pop_back();
    last_text_ = no_node;
  }

  void characters(const xmlChar* ch, int len) {
    if (stopped_ || len <= 0 || open_.back().skip_text) return;
    const std::uint32_t parent = open_.back().attach;
    // libxml2 hands one text run over in pieces (at every entity); they become one node.
    if (last_text_ != no_node && doc_.nodes[parent].last_child == last_text_ &&
        doc_.nodes[last_text_].begin + doc_.nodes[last_text_].size == doc_.buffer.size()) {
      doc_.buffer.append(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len));
      doc_.nodes[last_text_].size += static_cast<std::uint32_t>(len);
      return;
    }
    if (doc_.nodes.size() >= limits_.max_nodes) return stop("node limit");
    const std::uint32_t n = add_node(parent, node_kind::text);
    doc_.nodes[n].begin = static_cast<std::uint32_t>(doc_.buffer.size());
    doc_.nodes[n].size = static_cast<std::uint32_t>(len);
    doc_.buffer.append(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len));
    last_text_ = n;
  }

  void error(const xmlError* e) {
    if (stopped_ || !e || e->code != XML_ERR_TAG_NAME_MISMATCH) return;
    stray_work_ += static_cast<std::size_t>(std::max(ctxt_->nameNr, 0));
    if (stray_work_ > k_stray_end_tag_budget) stop("stray end tags under deep nesting");
  }

 private:
  struct open_element {
    std::uint32_t node;
    std::uint32_t attach;  // where children go: the node, or its ancestor past the depth limit
    bool skip_text;
  };

  std::uint32_t add_node(std::uint32_t parent, node_kind kind) {
    const auto n = static_cast<std::uint32_t>(doc_.nodes.size());
    node& x = doc_.nodes.emplace_back();
    node& p = doc_.nodes[parent];
    x.kind = kind;
    x.parent = parent;
    x.depth = static_cast<std::uint16_t>(std::min<std::size_t>(p.depth + 1, UINT16_MAX));
    if (p.last_child == no_node) {
      p.first_child = n;
    } else {
      doc_.nodes[p.last_child].next = n;
      x.prev = p.last_child;
    }
    p.last_child = n;
    if (kind == node_kind::element) last_text_ = no_node;
    return n;
  }

  void add_attr(attr key, const char* value, std::uint32_t max_bytes) {
    std::size_t len = std::strlen(value);
    if (len > max_bytes) {
      len = max_bytes;
      // Do not cut a UTF-8 sequence in two.
      while (len > 0 && (static_cast<unsigned char>(value[len]) & 0xC0) == 0x80) --len;
    }
    doc_.attrs.push_back(
        {key, static_cast<std::uint32_t>(doc_.buffer.size()), static_cast<std::uint32_t>(len)});
    doc_.buffer.append(value, len);
  }

  void stop(const char* why) {
    stopped_ = true;
    doc_.notes.push_back(std::string("parse stopped early: ") + why + " (" +
                         std::to_string(doc_.nodes.size()) + " nodes)");
    xmlStopParser(ctxt_);
  }

  document& doc_;
  const parse_limits& limits_;
  htmlParserCtxtPtr ctxt_;
  std::vector<open_element> open_;
  std::uint32_t last_text_ = no_node;
  std::size_t stray_work_ = 0;
  bool stopped_ = false;
  bool flattened_ = false;
};

builder& of(void* user) { return *static_cast<builder*>(user); }

void on_start(void* user, const xmlChar* name, const xmlChar** atts) { of(user).start(name, atts); }
void on_end(void* user, const xmlChar*) { of(user).end(); }
void on_characters(void* user, const xmlChar* ch, int len) { of(user).characters(ch, len); }
void on_error(void* user, xmlErrorPtr e) { of(user).error(e); }

struct ctxt_closer {
  void operator()(htmlParserCtxtPtr c) const { htmlFreeParserCtxt(c); }
};
using ctxt_ptr = std::unique_ptr<htmlParserCtxt, ctxt_closer>;

}  // namespace

tag tag_of(std::string_view name) {
  const auto* end = std::end(k_tags);
  const auto* it = std::lower_bound(
      std::begin(k_tags), end, name,
      [](const std::pair<std::string_view, tag>& e, std::string_view v) { return e.first < v; });
  return it != end && it->first == name ? it->second : tag::other;
}

std::string_view document::get(std::uint32_t n, attr key) const {
  const node& e = nodes[n];
  if (e.kind != node_kind::element) return {};
  for (std::uint32_t i = e.begin, end = e.begin + e.size; i < end; ++i)
    if (attrs[i].key == key) return std::string_view(buffer).substr(attrs[i].begin, attrs[i].size);
  return {};
}

bool document::has(std::uint32_t n, attr key) const {
  const node& e = nodes[n];
  if (e.kind != node_kind::element) return false;
  for (std::uint32_t i = e.begin, end = e.begin + e.size; i < end; ++i)
    if (attrs[i].key == key) return true;
  return false;
}

std::string_view document::tag_name(std::uint32_t n) const {
  const node& e = nodes[n];
  if (e.kind == node_kind::document) return "#document";
  if (e.kind == node_kind::text) return "#text";
  if (e.name == tag::other) return get(n, attr::tag_name);
  for (const auto& [name, t] : k_tags)
    if (t == e.name) return name;
  return {};
}

std::string document::raw_text(std::uint32_t n) const {
  std::string out;
  for (std::uint32_t x = n; x != no_node; x = next_in(n, x))
    if (nodes[x].kind == node_kind::text) out.append(text(x));
  return out;
}

std::uint32_t document::next_in(std::uint32_t root, std::uint32_t n, bool skip_children) const {
  if (!skip_children && nodes[n].first_child != no_node) return nodes[n].first_child;
  while (n != root && n != no_node) {
    if (nodes[n].next != no_node) return nodes[n].next;
    n = nodes[n].parent;
  }
  return no_node;
}

std::string document::path(std::uint32_t n) const {
  std::vector<std::string> steps;
  for (std::uint32_t x = n; x != no_node && nodes[x].kind == node_kind::element;
       x = nodes[x].parent) {
    std::string step(tag_name(x));
    if (const auto id = get(x, attr::id); !id.empty() && id.size() <= 40) {
      step += '#';
      step += id;
    } else if (const auto cls = get(x, attr::class_); !cls.empty()) {
      int taken = 0;
      std::size_t i = 0;
      while (i < cls.size() && taken < 2) {
        while (i < cls.size() && std::isspace(static_cast<unsigned char>(cls[i]))) ++i;
        std::size_t j = i;
        while (j < cls.size() && !std::isspace(static_cast<unsigned char>(cls[j]))) ++j;
        if (j > i) {
          step += '.';
          step += cls.substr(i, std::min<std::size_t>(j - i, 40));
          ++taken;
        }
        i = j;
      }
    }
    steps.push_back(std::move(step));
  }
  std::string out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (!out.empty()) out += '>';
    out += *it;
  }
  return out;
}

document parse_html(std::string_view utf8, const parse_limits& limits) {
  // libxml2's global tables must be set up once before threads use it.
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });

  document doc;
  doc.nodes.reserve(utf8.size() / 40 + 16);
  doc.buffer.reserve(utf8.size() / 2 + 64);
  doc.nodes.emplace_back().kind = node_kind::document;
  if (utf8.empty() || utf8.size() > static_cast<std::size_t>(INT_MAX)) return doc;
  ctxt_ptr ctxt(htmlCreateMemoryParserCtxt(utf8.data(), static_cast<int>(utf8.size())));
  if (!ctxt) {
    doc.notes.push_back("the HTML parser could not start");
    return doc;
  }
  builder b(doc, limits, ctxt.get());
  htmlSAXHandler sax;
  std::memset(&sax, 0, sizeof sax);
  sax.startElement = on_start;
  sax.endElement = on_end;
  sax.characters = on_characters;
  sax.ignorableWhitespace = on_characters;  // spaces between inline elements are text
  sax.cdataBlock = on_characters;           // script and style content
  sax.serror = on_error;
  sax.initialized = XML_SAX2_MAGIC;  // so that libxml2 reports errors through serror
  std::memcpy(ctxt->sax, &sax, sizeof sax);
  ctxt->userData = &b;
  // The bytes are UTF-8 already: the page's own <meta charset> must not switch decoders.
  htmlCtxtUseOptions(ctxt.get(), HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                     HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC |
                                     HTML_PARSE_NODEFDTD);
  xmlSwitchEncoding(ctxt.get(), XML_CHAR_ENCODING_UTF8);
  htmlParseDocument(ctxt.get());
  return doc;
}

}  // namespace sanctwatch::extract
