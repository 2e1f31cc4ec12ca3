#include "extract/metadata.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "core/uri.hpp"
#include "feed/date.hpp"
#include "feed/url.hpp"
#include "text/html.hpp"

namespace sanctwatch::extract {
namespace {

using json = nlohmann::json;

constexpr std::size_t k_max_json_ld_bytes = 4 * 1024 * 1024;
constexpr int k_max_json_depth = 128;
constexpr std::size_t k_max_json_values = 20'000;  // visited per script when looking for articles
constexpr std::size_t k_max_byline_chars = 120;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool looks_like_url(std::string_view s) {
  return s.starts_with("http://") || s.starts_with("https://") || s.starts_with("//") ||
         s.starts_with("www.");
}

std::string clean_text(std::string_view s) {
  std::string t = text::collapse_whitespace(s);
  if (t.find('&') != std::string::npos) t = text::collapse_whitespace(text::decode_entities(t));
  return t;
}

// --- <meta> and friends --------------------------------------------------------------------

struct head_facts {
  std::vector<std::pair<std::string, std::string>> metas;  // lower-case name/property -> content
  std::string html_lang;
  std::string content_language;
  std::string title;
  std::string canonical;
  std::string itemprop_headline;
  std::vector<std::uint32_t> itemprop_author, itemprop_date, rel_author, h1;

  std::string meta(std::string_view key) const {
    for (const auto& [k, v] : metas)
      if (k == key && !v.empty()) return v;
    return {};
  }
};

head_facts scan(const document& doc) {
  head_facts f;
  for (std::uint32_t n = 1; n < doc.nodes.size(); ++n) {
    if (!doc.is_element(n)) continue;
    switch (doc.nodes[n].name) {
      case tag::html:
        if (f.html_lang.empty()) f.html_lang = std::string(doc.get(n, attr::lang));
        break;
      case tag::title:
        if (f.title.empty()) f.title = clean_text(doc.raw_text(n));
        break;
      case tag::meta: {
        const std::string content = clean_text(doc.get(n, attr::content));
        if (iequals(doc.get(n, attr::http_equiv), "content-language")) f.content_language = content;
        for (attr a : {attr::property, attr::name, attr::itemprop}) {
          const auto key = doc.get(n, a);
          if (!key.empty()) f.metas.emplace_back(lower(key), content);
        }
        if (doc.get(n, attr::itemprop) == "datePublished") f.itemprop_date.push_back(n);
        break;
      }
      case tag::link:
        if (f.canonical.empty() &&
            lower(doc.get(n, attr::rel)).find("canonical") != std::string::npos)
          f.canonical = std::string(text::collapse_whitespace(doc.get(n, attr::href)));
        break;
      case tag::h1:
        f.h1.push_back(n);
        break;
      default:
        break;
    }
    const auto ip = doc.get(n, attr::itemprop);
    if (!ip.empty() && doc.nodes[n].name != tag::meta) {
      if (ip == "author" || ip == "creator") f.itemprop_author.push_back(n);
      if (ip == "datePublished") f.itemprop_date.push_back(n);
      if (ip == "headline" && f.itemprop_headline.empty())
        f.itemprop_headline = text::collapse_whitespace(doc.raw_text(n));
    }
    if (doc.nodes[n].name == tag::a &&
        lower(doc.get(n, attr::rel)).find("author") != std::string::npos)
      f.rel_author.push_back(n);
  }
  return f;
}

// --- JSON-LD -------------------------------------------------------------------------------

struct ld_facts {
  std::string headline, date, publisher, language, body;
  std::vector<std::string> authors;
  bool found = false;
};

// JSON-LD as pages write it: inside comments or CDATA markers, with raw line breaks in
// strings (invalid JSON, common), sometimes nested beyond reason.
std::string json_ld_text(std::string_view raw) {
  std::string s(raw);
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  auto strip = [&](std::string_view prefix_or_suffix, bool prefix) {
    std::string_view v = trim_space(s);
    if (prefix && v.starts_with(prefix_or_suffix)) v.remove_prefix(prefix_or_suffix.size());
    if (!prefix && v.ends_with(prefix_or_suffix)) v.remove_suffix(prefix_or_suffix.size());
    s = std::string(v);
  };
  strip("<!--", true);
  strip("-->", false);
  strip("//<![CDATA[", true);
  strip("//]]>", false);
  strip("<![CDATA[", true);
  strip("]]>", false);
  return s;
}

bool too_deep(std::string_view s) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > k_max_json_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool is_article_type(const json& t) {
  auto one = [](const json& v) {
    if (!v.is_string()) return false;
    std::string_view s = v.get_ref<const std::string&>();
    if (auto slash = s.rfind('/'); slash != std::string_view::npos) s.remove_prefix(slash + 1);
    return s.ends_with("Article") || s == "BlogPosting" || s == "LiveBlogPosting" || s == "Report";
  };
  if (t.is_array()) return std::any_of(t.begin(), t.end(), one);
  return one(t);
}

std::string string_of(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->is_string()) return clean_text(it->get_ref<const std::string&>());
  if (it->is_array() && !it->empty() && it->front().is_string())
    return clean_text(it->front().get_ref<const std::string&>());
  return {};
}

// A person or organization: a name, an object with a name, or a reference to one by @id.
std::string name_of(const json& v, const std::map<std::string, const json*>& ids) {
  if (v.is_string()) {
    std::string s = clean_text(v.get_ref<const std::string&>());
    return looks_like_url(s) ? std::string() : s;
  }
  if (!v.is_object()) return {};
  if (std::string n = string_of(v, "name"); !n.empty()) return n;
  if (auto id = v.find("@id"); id != v.end() && id->is_string()) {
    auto it = ids.find(id->get<std::string>());
    if (it != ids.end() && it->second != &v) return string_of(*it->second, "name");
  }
  return {};
}

void read_article(const json& o, const std::map<std::string, const json*>& ids, ld_facts& f) {
  f.found = true;
  f.headline = string_of(o, "headline");
  if (f.headline.empty()) f.headline = string_of(o, "name");
  f.date = string_of(o, "datePublished");
  if (auto a = o.find("author"); a != o.end()) {
    if (a->is_array()) {
      for (const auto& x : *a)
        if (std::string n = name_of(x, ids); !n.empty()) f.authors.push_back(n);
    } else if (std::string n = name_of(*a, ids); !n.empty()) {
      f.authors.push_back(n);
    }
  }
  if (auto p = o.find("publisher"); p != o.end())
    f.publisher = name_of(p->is_array() && !p->empty() ? p->front() : *p, ids);
  f.language = string_of(o, "inLanguage");
  if (auto b = o.find("articleBody"); b != o.end() && b->is_string()) {
    const std::string& body = b->get_ref<const std::string&>();
    f.body = text::looks_like_html(body) ? text::html_to_text(body) : body;
  }
}

ld_facts read_json_ld(const document& doc, std::vector<std::string>& notes) {
  ld_facts f;
  for (std::uint32_t script : doc.json_ld) {
    const std::string raw = doc.raw_text(script);
    if (raw.size() > k_max_json_ld_bytes) {
      notes.push_back("JSON-LD script larger than 4 MiB ignored");
      continue;
    }
    const std::string s = json_ld_text(raw);
    if (too_deep(s)) {
      notes.push_back("JSON-LD nested deeper than 128 levels ignored");
      continue;
    }
    const json j = json::parse(s, nullptr, false);
    if (j.is_discarded()) {
      notes.push_back("JSON-LD that is not JSON ignored");
      continue;
    }
    // Every object, iteratively: articles sit at the top, in arrays, in @graph, or under
    // another object (mainEntity); authors and publishers may be @id references.
    std::vector<const json*> objects, stack{&j};
    std::map<std::string, const json*> ids;
    std::size_t visited = 0;
    while (!stack.empty() && visited++ < k_max_json_values) {
      const json* v = stack.back();
      stack.pop_back();
      if (v->is_array()) {
        for (auto it = v->rbegin(); it != v->rend(); ++it) stack.push_back(&*it);
      } else if (v->is_object()) {
        objects.push_back(v);
        if (auto id = v->find("@id"); id != v->end() && id->is_string() && v->size() > 1)
          ids.emplace(id->get<std::string>(), v);
        for (auto it = v->begin(); it != v->end(); ++it)
          if (it->is_structured()) stack.push_back(&*it);
      }
    }
    for (const json* o : objects) {
      auto t = o->find("@type");
      if (t != o->end() && is_article_type(*t)) {
        read_article(*o, ids, f);
        return f;
      }
    }
  }
  return f;
}

// --- the markup around the article ---------------------------------------------------------

std::string without_prefix(std::string s) {
  static constexpr std::string_view prefixes[] = {
      "by ",
      "by:",
      "von ",
      "von:",
      "par ",
      "por ",
      "di ",
      "door ",
      "av ",
      "text: ",
      "text von ",
      "\xd0\xb0\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80:",
      "\xd0\x90\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80:",
      "\xd0\x90\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80 ",  // "автор:", "Автор:", "Автор "
  };
  for (auto p : prefixes)
    if (s.size() > p.size() && iequals(std::string_view(s).substr(0, p.size()), p)) {
      s.erase(0, p.size());
      break;
    }
  auto junk = [](char c) {
    return c == ' ' || c == '|' || c == ',' || c == '-' || c == ':' || c == '/' || c == ';';
  };
  while (!s.empty() && junk(s.front())) s.erase(s.begin());
  while (!s.empty() && junk(s.back())) s.pop_back();
  return s;
}

// The text of a byline element without the dates and times often set beside the name.
std::string byline_text(const page& p, std::uint32_t n) {
  const document& doc = p.doc;
  // itemprop=author often wraps itemprop=name.
  for (std::uint32_t x = n; x != no_node; x = doc.next_in(n, x))
    if (x != n && doc.is_element(x) && doc.get(x, attr::itemprop) == "name") {
      n = x;
      break;
    }
  std::string out;
  walk(
      doc, n,
      [&](std::uint32_t x) {
        if (doc.is_text(x)) {
          out.append(doc.text(x));
          return false;
        }
        if (x == n) return true;
        const tag t = doc.nodes[x].name;
        if (t == tag::time || t == tag::script || t == tag::style || t == tag::svg) return false;
        if (is_block(t)) out += ' ';
        return true;
      },
      [](std::uint32_t) {});
  std::string s = without_prefix(text::collapse_whitespace(out));
  if (s.size() > k_max_byline_chars) return {};
  return s;
}

bool has_class_token(const document& doc, std::uint32_t n, std::string_view word) {
  const std::string cls = lower(doc.get(n, attr::class_));
  std::size_t at = cls.find(word);
  while (at != std::string::npos) {
    const bool start = at == 0 || !std::isalpha(static_cast<unsigned char>(cls[at - 1]));
    if (start) return true;
    at = cls.find(word, at + 1);
  }
  return false;
}

// Where to look for the headline, byline and date: the article element around the content,
// else the content's grandparent (the block that usually holds headline, byline and body).
std::uint32_t region_of(const page& p, std::uint32_t content) {
  if (content == no_node) return p.body;
  if (std::uint32_t a = content_ancestor(p.doc, content); a != no_node && a != content) return a;
  std::uint32_t r = content;
  for (int i = 0; i < 2; ++i) {
    const std::uint32_t up = p.doc.nodes[r].parent;
    if (up == no_node || up == 0 || up == p.body || p.doc.nodes[up].name == tag::html) break;
    r = up;
  }
  return r;
}

bool inside(const document& doc, std::uint32_t n, std::uint32_t root) {
  for (std::uint32_t x = n; x != no_node; x = doc.nodes[x].parent)
    if (x == root) return true;
  return false;
}

std::string dom_byline(const page& p, const head_facts& f, std::uint32_t region,
                       std::string& source) {
  const document& doc = p.doc;
  auto first = [&](const std::vector<std::uint32_t>& nodes, bool near_only) -> std::string {
    for (std::uint32_t n : nodes) {
      if (near_only ? !inside(doc, n, region) : !p.live(n)) continue;
      if (std::string s = byline_text(p, n); !s.empty()) return s;
    }
    return {};
  };
  std::vector<std::uint32_t> by_class, by_author_class;
  for (std::uint32_t n = region; n != no_node; n = doc.next_in(region, n)) {
    if (!doc.is_element(n)) continue;
    if (has_class_token(doc, n, "byline"))
      by_class.push_back(n);
    else if (has_class_token(doc, n, "author"))
      by_author_class.push_back(n);
  }
  for (bool near_only : {true, false}) {
    const char* where = near_only ? " near the article" : "";
    if (std::string s = first(f.itemprop_author, near_only); !s.empty())
      return source = std::string("itemprop=author") + where, s;
    if (std::string s = first(f.rel_author, near_only); !s.empty())
      return source = std::string("rel=author") + where, s;
    if (near_only) {
      if (std::string s = first(by_class, true); !s.empty()) return source = "class byline", s;
      if (std::string s = first(by_author_class, true); !s.empty())
        return source = "class author", s;
    }
  }
  return {};
}

std::optional<timestamp> dom_date(const page& p, std::uint32_t region, std::string& source) {
  const document& doc = p.doc;
  std::uint32_t first = no_node;
  for (std::uint32_t n = region; n != no_node; n = doc.next_in(region, n)) {
    if (!doc.is_element(n) || doc.nodes[n].name != tag::time || !doc.has(n, attr::datetime))
      continue;
    if (doc.has(n, attr::pubdate) || has_class_token(doc, n, "publish")) {
      first = n;
      break;
    }
    if (first == no_node) first = n;
  }
  if (first == no_node) return std::nullopt;
  source = "<time datetime> near the article";
  return feed::parse_date(trim_space(doc.get(first, attr::datetime)));
}

std::string normalize_language(std::string s) {
  s = std::string(trim_space(s));
  if (auto comma = s.find(','); comma != std::string::npos) s.resize(comma);
  std::replace(s.begin(), s.end(), '_', '-');
  return std::string(trim_space(s));
}

}  // namespace

std::string strip_site_name(std::string_view title, std::string_view site) {
  std::string t = text::collapse_whitespace(title);
  const std::string s = text::collapse_whitespace(site);
  if (s.empty() || t.size() <= s.size()) return t;
  static constexpr std::string_view seps[] = {
      " | ",        " - ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", " : ",
      " \xc2\xb7 ", " / ", " :: ",           " \xc2\xbb ",     ": ",
      " |",         "| "};
  for (auto sep : seps) {
    const std::size_t tail = sep.size() + s.size();
    if (t.size() > tail && iequals(std::string_view(t).substr(t.size() - s.size()), s) &&
        std::string_view(t).substr(t.size() - tail, sep.size()) == sep)
      return std::string(trim_space(std::string_view(t).substr(0, t.size() - tail)));
    if (t.size() > tail && iequals(std::string_view(t).substr(0, s.size()), s) &&
        std::string_view(t).substr(s.size(), sep.size()) == sep)
      return std::string(trim_space(std::string_view(t).substr(tail)));
  }
  return t;
}

page_metadata read_metadata(const page& p, std::uint32_t content, std::string_view base_url) {
  const document& doc = p.doc;
  page_metadata m;
  const head_facts f = scan(doc);
  const ld_facts ld = read_json_ld(doc, m.notes);
  const std::uint32_t region = region_of(p, content);
  auto from = [&](const char* field, const char* source) { m.sources.emplace_back(field, source); };

  // Site first: the title's suffix is stripped with it.
  if (std::string s = f.meta("og:site_name"); !s.empty()) {
    m.site_name = s, from("site", "og:site_name");
  } else if (!ld.publisher.empty()) {
    m.site_name = ld.publisher, from("site", "json-ld publisher");
  } else if (std::string a = f.meta("application-name"); !a.empty()) {
    m.site_name = a, from("site", "meta application-name");
  }

  std::string h1;
  for (bool near_only : {true, false}) {
    for (std::uint32_t n : f.h1) {
      if (near_only ? !inside(doc, n, region) : !p.live(n)) continue;
      h1 = text::collapse_whitespace(doc.raw_text(n));
      if (!h1.empty()) break;
    }
    if (!h1.empty()) break;
  }
  const std::pair<std::string, const char*> titles[] = {
      {ld.headline, "json-ld headline"},
      {f.meta("headline"), "itemprop=headline"},
      {f.itemprop_headline, "itemprop=headline"},
      {f.meta("og:title"), "og:title"},
      {f.meta("twitter:title"), "twitter:title"},
      {h1, "h1"},
      {f.title, "<title>"},
  };
  for (const auto& [t, source] : titles) {
    if (t.empty()) continue;
    m.title = strip_site_name(t, m.site_name);
    // "Opinion | Headline", "Headline (video)": the visible headline inside a decorated title.
    if (!h1.empty() && m.title != h1 && m.title.size() <= h1.size() + 40 &&
        m.title.find(h1) != std::string::npos && std::string_view(source) != "json-ld headline") {
      m.title = h1;
      m.sources.emplace_back("title", std::string(source) + ", trimmed to the h1 inside it");
      break;
    }
    from("title", source);
    break;
  }

  std::string byline_source;
  if (!ld.authors.empty()) {
    std::vector<std::string_view> seen;
    for (const auto& a : ld.authors) {
      if (std::find(seen.begin(), seen.end(), a) != seen.end()) continue;  // listed twice
      seen.push_back(a);
      if (!m.byline.empty()) m.byline += ", ";
      m.byline += a;
    }
    from("byline", "json-ld author");
  } else if (std::string a = f.meta("author"); !a.empty() && !looks_like_url(a)) {
    m.byline = without_prefix(a), from("byline", "meta author");
  } else if (std::string aa = f.meta("article:author"); !aa.empty() && !looks_like_url(aa)) {
    m.byline = without_prefix(aa), from("byline", "article:author");
  } else if (std::string d = dom_byline(p, f, region, byline_source); !d.empty()) {
    m.byline = d;
    m.sources.emplace_back("byline", byline_source);
  }

  const std::pair<std::string, const char*> dates[] = {
      {ld.date, "json-ld datePublished"},
      {f.meta("article:published_time"), "article:published_time"},
      {f.meta("datepublished"), "itemprop=datePublished"},
      {f.meta("date"), "meta date"},
      {f.meta("pubdate"), "meta pubdate"},
      {f.meta("publishdate"), "meta publishdate"},
      {f.meta("publish-date"), "meta publish-date"},
      {f.meta("dc.date.issued"), "meta dc.date.issued"},
      {f.meta("dc.date"), "meta dc.date"},
      {f.meta("dcterms.issued"), "meta dcterms.issued"},
      {f.meta("dcterms.created"), "meta dcterms.created"},
      {f.meta("parsely-pub-date"), "meta parsely-pub-date"},
      {f.meta("sailthru.date"), "meta sailthru.date"},
  };
  for (const auto& [d, source] : dates) {
    if (d.empty()) continue;
    if (auto t = feed::parse_date(d)) {
      m.published = t;
      from("published", source);
      break;
    }
    m.notes.push_back(std::string("unreadable date in ") + source + ": " + d.substr(0, 64));
  }
  if (!m.published) {
    for (std::uint32_t n : f.itemprop_date) {
      if (doc.nodes[n].name == tag::meta) continue;
      if (auto t = feed::parse_date(trim_space(doc.get(n, attr::datetime)))) {
        m.published = t, from("published", "itemprop=datePublished");
        break;
      }
    }
  }
  if (!m.published) {
    std::string source;
    if (auto t = dom_date(p, region, source))
      m.published = t, m.sources.emplace_back("published", source);
  }

  const std::pair<std::string, const char*> languages[] = {
      {f.html_lang, "<html lang>"},
      {f.content_language, "Content-Language"},
      {f.meta("og:locale"), "og:locale"},
      {ld.language, "json-ld inLanguage"},
  };
  for (const auto& [l, source] : languages) {
    std::string v = normalize_language(l);
    if (v.empty()) continue;
    m.language = std::move(v);
    from("language", source);
    break;
  }

  std::string canonical = f.canonical;
  const char* canonical_source = "link rel=canonical";
  if (canonical.empty()) canonical = f.meta("og:url"), canonical_source = "og:url";
  if (!canonical.empty()) {
    // A relative link without the page's URL to resolve it against says nothing useful.
    std::string resolved = feed::resolve_url(base_url, canonical);
    if (feed::has_scheme(resolved)) {
      m.canonical_url = std::move(resolved);
      from("canonical", canonical_source);
    } else {
      m.notes.push_back(std::string("relative ") + canonical_source +
                        " without a page URL to resolve it");
    }
  }

  if (!ld.body.empty()) m.article_body = ld.body;
  return m;
}

}  // namespace sanctwatch::extract
