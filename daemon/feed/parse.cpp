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
#include "feed/xml_tree.hpp"
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
using namespace detail;

bool is_html_root(std::string_view name) {
  return is(name, "html") || is(name, "HTML") || is(name, "body") || is(name, "head");
}

class xml_reader {
 public:
  xml_reader(const parse_options& o, std::vector<std::string>& w) : ctx_(o.url, w) {}

  // Returns an error for documents that are not feeds.
  std::optional<error> read(pugi::xml_node root, feed_document& doc) {
    note_atom_alias(root);
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
  // A root <feed> in a namespace nothing else knows (an outdated or mistyped Atom namespace)
  // is Atom: its namespace is read as Atom's, as feedparser does.
  void note_atom_alias(pugi::xml_node root) {
    const std::string_view name(root.name());
    const auto colon = name.find(':');
    const std::string_view local = colon == std::string_view::npos ? name : name.substr(colon + 1);
    if (!is(local, "feed")) return;
    const std::string decl = colon == std::string_view::npos
                                 ? std::string("xmlns")
                                 : "xmlns:" + std::string(name.substr(0, colon));
    const std::string_view uri = attr(root, decl.c_str());
    if (!uri.empty() && classify_uri(uri) == ns::other) ctx_.set_atom_alias(std::string(uri));
  }

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
    std::string dc_title, dc_description;
    for (pugi::xml_node c = channel.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      scope s(ctx_, c);
      const qname q = ctx_.name_of(c);
      if (rss_ns(q.uri)) {
        if (is(q.local, "title") && doc.feed.title.empty()) {
          auto decoded = base64_text(c, ctx_);
          doc.feed.title = plain_text(decoded ? *decoded : element_text(c, ctx_));
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
      } else if (q.is(ns::dc, "title") && dc_title.empty()) {
        dc_title = plain_text(element_text(c, ctx_));
      } else if (q.is(ns::dc, "description") && dc_description.empty()) {
        dc_description = plain_text(element_text(c, ctx_));
      }
    }
    // Dublin Core's title and description stand in for RSS's when those are missing.
    if (doc.feed.title.empty()) doc.feed.title = std::move(dc_title);
    if (doc.feed.description.empty()) doc.feed.description = std::move(dc_description);
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
    item feed_authors;  // only its authors and author_details
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
        feed_authors.authors = std::move(tmp.it.authors);
        feed_authors.author_details = std::move(tmp.it.author_details);
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
      if (b.it.authors.empty()) {
        b.it.authors = feed_authors.authors;
        b.it.author_details = feed_authors.author_details;
      }
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
