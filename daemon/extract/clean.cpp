#include "extract/clean.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace sanctwatch::extract {
namespace {

// --- class and id tokens -------------------------------------------------------------------

// Class and id values are read as tokens: lower-case runs of letters and digits, so that
// "article-body", "articleBody" and "article_body" all give "article" + "body" or
// "articlebody". Prefix lists match the start of a token ("comment" matches "comments",
// "commentlist"); exact lists match whole tokens only ("ad" must not match "address").
struct token_rule {
  std::string_view word;
  bool prefix;
};

constexpr token_rule k_comment_tokens[] = {
    {"comment", true},
    {"disqus", true},
    {"respond", false},
    {"replies", false},
};

constexpr token_rule k_always_tokens[] = {
    {"ad", false},        {"ads", false},        {"adv", false},       {"advert", true},
    {"adslot", true},     {"adunit", true},      {"adbox", true},      {"adcontainer", true},
    {"adwrapper", true},  {"dfp", false},        {"sponsor", true},    {"cookie", true},
    {"consent", true},    {"gdpr", true},        {"newsletter", true}, {"subscri", true},
    {"signup", true},     {"share", true},       {"sharing", true},    {"social", true},
    {"related", true},    {"recommend", true},   {"recirc", true},     {"outbrain", true},
    {"taboola", true},    {"promo", true},       {"popup", true},      {"modal", true},
    {"overlay", true},    {"breadcrumb", true},  {"regwall", true},    {"billboard", true},
    {"skyscraper", true}, {"leaderboard", true}, {"print", false},     {"readmore", true},
    {"readalso", true},   {"seealso", true},     {"moreon", true},     {"donat", true},
};

constexpr token_rule k_layout_tokens[] = {
    {"nav", false},     {"navbar", true},   {"navigation", true}, {"menu", true},
    {"sidebar", true},  {"rail", false},    {"widget", true},     {"header", true},
    {"masthead", true}, {"footer", true},   {"toolbar", true},    {"pagination", true},
    {"pager", false},   {"tags", false},    {"bio", false},       {"login", true},
    {"signin", true},   {"trending", true}, {"popular", true},    {"mostread", true},
    {"topbar", true},   {"skip", false},    {"skiplink", true},   {"banner", true},
    {"aside", false},   {"support", false},
};

constexpr token_rule k_meta_tokens[] = {
    {"byline", true},   {"author", true},    {"autor", true},       {"signature", false},
    {"datum", false},   {"dateline", true},  {"date", false},       {"dates", false},
    {"time", false},    {"timestamp", true}, {"publish", true},     {"updated", false},
    {"credit", true},   {"caption", true},   {"meta", false},       {"readtime", true},
    {"reading", false}, {"label", false},    {"kicker", true},      {"eyebrow", true},
    {"overline", true}, {"dachzeile", true}, {"contributor", true}, {"badge", true},
    {"rubric", true},
};

constexpr token_rule k_positive_tokens[] = {
    {"article", true}, {"content", true}, {"story", true},  {"body", true},
    {"entry", true},   {"hentry", true},  {"post", true},   {"main", true},
    {"text", true},    {"blog", true},    {"column", true},
};

// Class names that only hide things (screen-reader text, utility classes), matched whole.
constexpr std::string_view k_hiding_classes[] = {
    "sr-only",           "visually-hidden", "visuallyhidden", "screen-reader-text",
    "screenreader-only", "hidden",          "hide",           "is-hidden",
    "u-hidden",          "d-none",          "invisible",      "offscreen",
};

// A first token that makes the class a modifier of something else ("has-comments",
// "with-sidebar", "no-ads", "show-share-bar"): such a class says nothing about the element.
constexpr std::string_view k_modifier_tokens[] = {
    "has",   "with", "no", "show",   "is",   "enable",   "enabled", "disable",
    "allow", "can",  "js", "layout", "page", "template", "theme"};

template <std::size_t N>
bool matches(std::string_view token, const token_rule (&rules)[N]) {
  for (const auto& r : rules)
    if (r.prefix ? token.starts_with(r.word) : token == r.word) return true;
  return false;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Calls f(name) for each whitespace-separated name of a class value (an id is one name).
template <class F>
void for_each_name(std::string_view value, F&& f) {
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    std::size_t j = i;
    while (j < value.size() && !std::isspace(static_cast<unsigned char>(value[j]))) ++j;
    if (j > i) f(value.substr(i, j - i));
    i = j;
  }
}

// Lower-case alphanumeric tokens of one class name.
template <class F>
void for_each_token(std::string_view name, F&& f) {
  std::string token;
  auto flush = [&] {
    if (!token.empty()) f(std::string_view(token));
    token.clear();
  };
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      token += static_cast<char>(std::tolower(u));
    else
      flush();
  }
  flush();
}

struct name_reading {
  bool comment = false;
  bool header = false;        // a layout match that was "header": an article may have its own
  bool other_layout = false;  // any other layout match
  boilerplate kind = boilerplate::none;
  bool positive = false;
  bool negative = false;
};

void read_name(std::string_view name, name_reading& r) {
  // A pull quote repeats a sentence of the text ("pull-quote", "pullQuote"); "pull" alone is
  // a float utility ("pull-right").
  std::string joined;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)))
      joined += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (joined.starts_with("pullquote")) {
    r.kind = boilerplate::always;
    r.negative = true;
    return;
  }
  bool first = true;
  bool modifier = false;
  for_each_token(name, [&](std::string_view t) {
    if (first && std::find(std::begin(k_modifier_tokens), std::end(k_modifier_tokens), t) !=
                     std::end(k_modifier_tokens))
      modifier = true;
    first = false;
    if (modifier) return;
    if (matches(t, k_comment_tokens)) {
      r.comment = true;
      r.kind = boilerplate::always;
      r.negative = true;
    } else if (matches(t, k_always_tokens)) {
      r.kind = boilerplate::always;
      r.negative = true;
    } else if (matches(t, k_layout_tokens)) {
      r.kind = std::max(r.kind, boilerplate::layout);
      r.negative = true;
      (t.starts_with("header") ? r.header : r.other_layout) = true;
    } else if (matches(t, k_meta_tokens)) {
      r.kind = std::max(r.kind, boilerplate::meta);
      r.negative = true;
    } else if (matches(t, k_positive_tokens)) {
      r.positive = true;
    }
  });
}

name_reading read_attr(std::string_view value) {
  name_reading r;
  for_each_name(value, [&](std::string_view name) { read_name(name, r); });
  return r;
}

bool hiding_class(std::string_view cls) {
  bool found = false;
  for_each_name(cls, [&](std::string_view name) {
    std::string l(name);
    for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t i = 0; i < std::size(k_hiding_classes); ++i) {
      const std::string_view h = k_hiding_classes[i];
      // The screen-reader classes also come prefixed: "usa-sr-only", "govuk-visually-hidden".
      if (l == h || (i < 5 && l.ends_with(h) && l[l.size() - h.size() - 1] == '-')) found = true;
    }
  });
  return found;
}

// --- hidden and dropped elements -----------------------------------------------------------

std::string squeeze_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool hidden(const document& doc, std::uint32_t n) {
  if (doc.has(n, attr::hidden)) return true;
  if (squeeze_lower(doc.get(n, attr::aria_hidden)) == "true") return true;
  if (const auto style = doc.get(n, attr::style); !style.empty()) {
    const std::string s = squeeze_lower(style);
    if (s.find("display:none") != std::string::npos ||
        s.find("visibility:hidden") != std::string::npos)
      return true;
  }
  return false;
}

// Elements whose content is never article text, wherever they are.
bool dropped_tag(tag t) {
  switch (t) {
    case tag::head:
    case tag::script:
    case tag::style:
    case tag::noscript:
    case tag::template_:
    case tag::nav:
    case tag::aside:
    case tag::footer:
    case tag::button:
    case tag::iframe:
    case tag::frame:
    case tag::svg:
    case tag::math:
    case tag::canvas:
    case tag::object:
    case tag::embed:
    case tag::select:
    case tag::option:
    case tag::textarea:
    case tag::input:
    case tag::dialog:
    case tag::menu:
    case tag::video:
    case tag::audio:
    case tag::figcaption:
      return true;
    default:
      return false;
  }
}

bool layout_role(std::string_view role) {
  const std::string r = squeeze_lower(role);
  return one_of(r, {"navigation", "complementary", "banner", "contentinfo", "menu", "menubar",
                    "search", "dialog", "alertdialog", "toolbar", "tablist"});
}

bool is_content_element(const document& doc, std::uint32_t n) {
  const tag t = doc.nodes[n].name;
  if (t == tag::article || t == tag::main) return true;
  if (doc.get(n, attr::itemprop).find("articleBody") != std::string_view::npos) return true;
  return is_article_scope(doc, n);
}

void add_stats(text_stats& to, const text_stats& s) {
  to.chars += s.chars;
  to.link_chars += s.link_chars;
  to.commas += s.commas;
  to.paragraphs += s.paragraphs;
}

// Bottom-up: children come after their parent in the node vector. Text nodes are measured
// once; a second call only sums again (after more was removed).
void compute_stats(page& p) {
  const document& doc = p.doc;
  const bool measured = p.stats.size() == doc.nodes.size();
  if (!measured) p.stats.assign(doc.nodes.size(), text_stats{});
  for (std::size_t i = 0; i < doc.nodes.size(); ++i)
    if (doc.nodes[i].kind != node_kind::text) p.stats[i] = text_stats{};
  for (std::size_t i = doc.nodes.size(); i-- > 1;) {
    if (p.removed[i]) continue;
    const node& x = doc.nodes[i];
    text_stats& s = p.stats[i];
    if (x.kind == node_kind::text) {
      if (!measured) s = measure(doc.text(static_cast<std::uint32_t>(i)));
    } else {
      if (x.name == tag::a) s.link_chars = s.chars;
      if (x.name == tag::p) ++s.paragraphs;
    }
    add_stats(p.stats[x.parent], s);
  }
}

}  // namespace

text_stats measure(std::string_view text) {
  text_stats s;
  bool space = true;  // a leading run does not count
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      if (!space) ++s.chars;
      space = true;
      continue;
    }
    space = false;
    if ((c & 0xC0) != 0x80) ++s.chars;
    if (c == ',') {
      ++s.commas;
    } else if (c >= 0xD8 && i + 1 < text.size()) {
      const auto d = static_cast<unsigned char>(text[i + 1]);
      // U+060C Arabic comma (D8 8C); U+3001 ideographic (E3 80 81); U+FF0C full-width (EF BC 8C).
      if ((c == 0xD8 && d == 0x8C) ||
          (i + 2 < text.size() && c == 0xE3 && d == 0x80 &&
           static_cast<unsigned char>(text[i + 2]) == 0x81) ||
          (i + 2 < text.size() && c == 0xEF && d == 0xBC &&
           static_cast<unsigned char>(text[i + 2]) == 0x8C))
        ++s.commas;
    }
  }
  return s;
}

boilerplate boilerplate_of(const document& doc, std::uint32_t n) {
  name_reading r = read_attr(doc.get(n, attr::class_));
  name_reading id = read_attr(doc.get(n, attr::id));
  return std::max(r.kind, id.kind);
}

int class_weight(const document& doc, std::uint32_t n) {
  int w = 0;
  for (attr a : {attr::class_, attr::id}) {
    const auto v = doc.get(n, a);
    if (v.empty()) continue;
    const name_reading r = read_attr(v);
    if (r.negative) w -= 25;
    if (r.positive) w += 25;
  }
  return w;
}

bool is_block(tag t) {
  switch (t) {
    case tag::a:
    case tag::span:
    case tag::b:
    case tag::i:
    case tag::em:
    case tag::strong:
    case tag::u:
    case tag::small:
    case tag::sup:
    case tag::sub:
    case tag::font:
    case tag::cite:
    case tag::q:
    case tag::abbr:
    case tag::mark:
    case tag::s:
    case tag::wbr:
    case tag::time:
    case tag::code:
    case tag::img:
    case tag::picture:
    case tag::source:
    case tag::label:
    case tag::br:
      return false;
    default:
      return true;
  }
}

bool is_article_scope(const document& doc, std::uint32_t n) {
  std::string_view type = doc.get(n, attr::itemtype);
  while (!type.empty() && (type.back() == '/' || type.back() == ' ')) type.remove_suffix(1);
  return type.ends_with("Article") || type.ends_with("BlogPosting");
}

std::uint32_t content_ancestor(const document& doc, std::uint32_t n) {
  for (std::uint32_t x = n; x != no_node; x = doc.nodes[x].parent)
    if (doc.nodes[x].kind == node_kind::element && is_content_element(doc, x)) return x;
  return no_node;
}

void clean(page& p) {
  const document& doc = p.doc;
  const std::size_t count = doc.nodes.size();
  p.removed.assign(count, 0);
  for (std::uint32_t i = 1; i < count; ++i)
    if (doc.nodes[i].name == tag::body && doc.is_element(i)) {
      p.body = i;
      break;
    }

  // 1. What is never text: hidden elements and the elements that hold no prose.
  for (std::uint32_t i = 1; i < count; ++i) {
    const node& x = doc.nodes[i];
    if (p.removed[x.parent]) {
      p.removed[i] = 1;
      continue;
    }
    if (x.kind != node_kind::element) continue;
    if (dropped_tag(x.name) || hidden(doc, i) || hiding_class(doc.get(i, attr::class_))) {
      p.removed[i] = 1;
      ++p.removed_roots;
    }
  }

  // 2. Page furniture and boilerplate by class, id and role, unless it holds the article:
  //    an <article>/<main>/articleBody inside it, or (furniture misnamed, "layout-sidebar-left"
  //    around everything) at least 40% of the page's text. Comment sections are dropped even
  //    when they hold more text than the article.
  compute_stats(p);
  std::vector<std::uint8_t> holds_content(count, 0);
  for (std::size_t i = count; i-- > 1;) {
    const node& x = doc.nodes[i];
    if (p.removed[i] || x.kind != node_kind::element) continue;
    const auto self = static_cast<std::uint32_t>(i);
    if (holds_content[i] ||
        (is_content_element(doc, self) && boilerplate_of(doc, self) != boilerplate::always))
      holds_content[x.parent] = 1;
  }
  // Headers that hold a live <h1> head the article (a "story-header" in div soup), not the page.
  std::vector<std::uint8_t> holds_h1(count, 0);
  for (std::size_t i = count; i-- > 1;) {
    const node& x = doc.nodes[i];
    if (p.removed[i] || x.kind != node_kind::element) continue;
    if (holds_h1[i] || x.name == tag::h1) holds_h1[x.parent] = 1;
  }
  std::vector<std::uint8_t> in_content(count, 0), in_code(count, 0);
  const double page_chars = p.stats[p.body].chars;
  for (std::uint32_t i = 1; i < count; ++i) {
    const node& x = doc.nodes[i];
    if (p.removed[x.parent]) {
      p.removed[i] = 1;
      continue;
    }
    if (x.kind != node_kind::element || p.removed[i]) continue;
    in_content[i] = in_content[x.parent] || is_content_element(doc, i);
    in_code[i] = in_code[x.parent] || x.name == tag::pre || x.name == tag::code;
    if (x.name == tag::html || x.name == tag::body || x.name == tag::main || in_code[i]) continue;

    name_reading r = read_attr(doc.get(i, attr::class_));
    // Custom elements name what they are: <amp-ad>, <amp-sidebar>, <social-share-bar>.
    if (x.name == tag::other) read_name(doc.tag_name(i), r);
    const name_reading id = read_attr(doc.get(i, attr::id));
    r.comment = r.comment || id.comment;
    r.header = r.header || id.header;
    r.other_layout = r.other_layout || id.other_layout;
    r.kind = std::max(r.kind, id.kind);
    if ((x.name == tag::header || r.header) && !r.other_layout && (in_content[i] || holds_h1[i]) &&
        r.kind != boilerplate::always)
      continue;  // an article's own header: headline, byline, standfirst
    bool drop = r.kind == boilerplate::always || r.kind == boilerplate::layout ||
                x.name == tag::header || x.name == tag::form || layout_role(doc.get(i, attr::role));
    if (!drop || holds_content[i]) continue;
    const bool most_text = page_chars > 0 && p.stats[i].chars >= 0.4 * page_chars;
    if (most_text && !r.comment) continue;
    p.removed[i] = 1;
    ++p.removed_roots;
  }
  compute_stats(p);
}

}  // namespace sanctwatch::extract
