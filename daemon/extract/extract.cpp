#include "extract/extract.hpp"

#include <cstdio>

#include "core/uri.hpp"
#include "extract/clean.hpp"
#include "extract/dom.hpp"
#include "extract/encoding.hpp"
#include "extract/metadata.hpp"
#include "extract/render.hpp"
#include "extract/score.hpp"

namespace sanctwatch::extract {
namespace {

// JSON-LD articleBody shorter than this is a summary, not the article.
constexpr std::size_t k_min_json_body_chars = 200;

std::size_t chars_of(const std::vector<std::string>& paragraphs) {
  std::size_t n = 0;
  for (const auto& p : paragraphs) n += measure(p).chars;
  return n;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100);
  return buf;
}

}  // namespace

std::string article::text() const {
  std::string out;
  for (const auto& p : paragraphs) {
    if (!out.empty()) out += "\n\n";
    out += p;
  }
  return out;
}

result<article> extract(std::string_view html_bytes, const extract_options& options) {
  if (html_bytes.size() > options.max_input_bytes)
    return error{"too_large", "page of " + std::to_string(html_bytes.size()) +
                                  " bytes is larger than the limit of " +
                                  std::to_string(options.max_input_bytes)};
  decoded_page decoded = decode_page(html_bytes, options.charset);
  if (trim_space(decoded.utf8).empty()) return error{"empty", "the page is empty"};

  const document doc = parse_html(decoded.utf8, {options.max_nodes, options.max_depth});
  page p(doc);
  clean(p);
  selection sel = select_content(p);
  page_metadata meta = read_metadata(p, sel.top, options.url);
  rendered text = render(p, sel.containers);

  article a;
  decisions& why = a.why;
  why.charset = decoded.charset;
  why.charset_source = decoded.source;
  if (!decoded.note.empty()) why.notes.push_back(decoded.note);
  for (const auto& n : doc.notes) why.notes.push_back(n);
  why.nodes = doc.nodes.size() - 1;
  why.removed = p.removed_roots;
  why.method = sel.method;
  why.chosen = std::move(sel.chosen);
  why.runners_up = std::move(sel.runners_up);
  why.siblings = std::move(sel.siblings);
  for (auto& n : sel.notes) why.notes.push_back(std::move(n));
  auto count = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  if (text.dropped_link_lines)
    why.notes.push_back("left out " + count(text.dropped_link_lines, "paragraph", "paragraphs") +
                        " made mostly of a link");
  if (text.dropped_labels)
    why.notes.push_back("left out " + count(text.dropped_labels, "label", "labels") +
                        " (\"Advertisement\", \"Share this\", ...)");

  a.paragraphs = std::move(text.paragraphs);
  // The headline repeated as the first line of the text (a "headline" div, an h2).
  if (!a.paragraphs.empty() && !meta.title.empty() && a.paragraphs.front() == meta.title)
    a.paragraphs.erase(a.paragraphs.begin());

  // JSON-LD articleBody: the whole text on pages that render it with scripts, or show only
  // a part to visitors without a subscription.
  if (!meta.article_body.empty()) {
    std::vector<std::string> body = split_paragraphs(meta.article_body);
    const std::size_t body_chars = chars_of(body), dom_chars = chars_of(a.paragraphs);
    if (body_chars >= k_min_json_body_chars && dom_chars < body_chars / 2) {
      why.notes.push_back("the markup's text (" + std::to_string(dom_chars) +
                          " characters) replaced by JSON-LD articleBody (" +
                          std::to_string(body_chars) + ")");
      if (!why.chosen.path.empty()) {
        why.runners_up.insert(why.runners_up.begin(), why.chosen);
        why.runners_up.front().note = "only " + percent(dom_chars / double(body_chars)) +
                                      " of the text of JSON-LD articleBody";
      }
      why.chosen = candidate{"script[type=application/ld+json] articleBody", 0, body_chars, 0,
                             "the page's own article text, in its metadata"};
      if (why.runners_up.size() > 5) why.runners_up.resize(5);
      why.siblings.clear();
      why.method = "json-ld articleBody";
      a.paragraphs = std::move(body);
    } else {
      why.notes.push_back("JSON-LD articleBody (" + std::to_string(body_chars) +
                          " characters) not used: the markup holds " + std::to_string(dom_chars));
    }
  }

  a.title = std::move(meta.title);
  a.byline = std::move(meta.byline);
  a.published = meta.published;
  a.site_name = std::move(meta.site_name);
  a.language = std::move(meta.language);
  a.canonical_url = std::move(meta.canonical_url);
  why.sources = std::move(meta.sources);
  for (auto& n : meta.notes) why.notes.push_back(std::move(n));
  return a;
}

}  // namespace sanctwatch::extract
