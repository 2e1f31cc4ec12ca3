#include "extract/score.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sanctwatch::extract {
namespace {

constexpr std::uint32_t k_min_paragraph_chars = 25;
constexpr int k_ancestor_levels = 5;
constexpr std::size_t k_shown_runners_up = 5;
// An <article> or articleBody shorter than this is not trusted over the scores.
constexpr std::uint32_t k_plausible_chars = 200;

// Paragraph elements give their score to their parent; any other block that holds text
// directly (a div with text and <br>s) holds an implied paragraph and is scored itself.
bool paragraph_like(tag t) {
  switch (t) {
    case tag::p:
    case tag::pre:
    case tag::li:
    case tag::dd:
    case tag::dt:
    case tag::h2:
    case tag::h3:
    case tag::h4:
    case tag::h5:
    case tag::h6:
    case tag::caption:
    case tag::summary:
    case tag::address:
      return true;
    default:
      return false;
  }
}

double tag_weight(tag t) {
  switch (t) {
    case tag::div:
      return 5;
    case tag::pre:
    case tag::td:
    case tag::blockquote:
      return 3;
    case tag::address:
    case tag::ol:
    case tag::ul:
    case tag::dl:
    case tag::dd:
    case tag::dt:
    case tag::li:
    case tag::form:
      return -3;
    case tag::h1:
    case tag::h2:
    case tag::h3:
    case tag::h4:
    case tag::h5:
    case tag::h6:
    case tag::th:
      return -5;
    default:
      return 0;
  }
}

class scorer {
 public:
  explicit scorer(const page& p)
      : p_(p), doc_(p.doc), score_(doc_.nodes.size(), 0.0), scored_(doc_.nodes.size(), 0) {}

  // Walks the body, cutting its text into paragraphs at every block boundary and <br>.
  void score_paragraphs() {
    struct open_block {
      std::uint32_t node;
      text_stats acc;
    };
    std::vector<open_block> blocks{{p_.body, {}}};
    int in_link = 0;
    auto flush = [&](open_block& b) {
      if (b.acc.chars >= k_min_paragraph_chars) add_paragraph(b.node, b.acc);
      b.acc = {};
    };
    walk(
        doc_, p_.body,
        [&](std::uint32_t n) {
          if (!p_.live(n)) return false;
          const node& x = doc_.nodes[n];
          if (x.kind == node_kind::text) {
            text_stats s = p_.stats[n];
            if (in_link) s.link_chars = s.chars;
            blocks.back().acc.chars += s.chars;
            blocks.back().acc.commas += s.commas;
            blocks.back().acc.link_chars += s.link_chars;
            return false;
          }
          if (x.kind != node_kind::element || n == p_.body) return true;
          if (x.name == tag::a) ++in_link;
          if (x.name == tag::br || x.name == tag::hr) flush(blocks.back());
          if (is_block(x.name)) {
            flush(blocks.back());
            blocks.push_back({n, {}});
          }
          return true;
        },
        [&](std::uint32_t n) {
          if (!p_.live(n) || !doc_.is_element(n) || n == p_.body) return;
          const node& x = doc_.nodes[n];
          if (x.name == tag::a) --in_link;
          if (is_block(x.name) && blocks.size() > 1) {
            flush(blocks.back());
            blocks.pop_back();
          }
        });
    flush(blocks.front());
    // Links are not prose: a container's score shrinks with its link density.
    for (std::uint32_t n : candidates_) score_[n] *= 1.0 - p_.stats[n].link_density();
  }

  // The best candidate, then Readability's corrections.
  std::uint32_t top() const {
    std::uint32_t best = no_node;
    for (std::uint32_t n : candidates_)
      if (best == no_node || score_[n] > score_[best]) best = n;
    return best;
  }

  std::uint32_t refine(std::uint32_t top, std::vector<std::string>& notes) const {
    // Several strong candidates under one ancestor (an article cut into blocks, a live blog's
    // entries): the ancestor is the article.
    std::vector<std::uint32_t> ranked = candidates_;
    const std::size_t five = std::min<std::size_t>(ranked.size(), 5);
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(five),
                      ranked.end(),
                      [&](std::uint32_t a, std::uint32_t b) { return score_[a] > score_[b]; });
    std::vector<std::uint32_t> strong;
    for (std::size_t i = 0; i < five; ++i)
      if (ranked[i] != top && score_[ranked[i]] >= 0.75 * score_[top]) strong.push_back(ranked[i]);
    if (strong.size() >= 3) {
      for (std::uint32_t a = doc_.nodes[top].parent; a != no_node && a != 0 && a != p_.body;
           a = doc_.nodes[a].parent) {
        int under = 0;
        for (std::uint32_t s : strong)
          if (is_ancestor(a, s)) ++under;
        if (under >= 3) {
          notes.push_back(std::to_string(under) + " strong candidates share " + doc_.path(a) +
                          ": taken instead of " + doc_.path(top));
          top = a;
          break;
        }
      }
    }
    // A parent that scores better than its best child holds more of the article.
    double last = score_[top];
    const double threshold = last / 3;
    for (std::uint32_t a = doc_.nodes[top].parent; a != no_node && a != 0 && a != p_.body;
         a = doc_.nodes[a].parent) {
      if (!scored_[a]) continue;
      if (score_[a] < threshold) break;
      if (score_[a] > last) {
        top = a;
        break;
      }
      last = score_[a];
    }
    // An only child says no more than its parent.
    while (top != p_.body) {
      const std::uint32_t parent = doc_.nodes[top].parent;
      if (parent == no_node || parent == 0 || parent == p_.body ||
          live_element_children(parent) != 1)
        break;
      top = parent;
    }
    return top;
  }

  // Readability's sibling rule: siblings that score at least a fifth of the top (more easily
  // with the same class), and paragraphs that read as prose.
  std::vector<std::uint32_t> with_siblings(std::uint32_t top,
                                           std::vector<std::string>& added) const {
    const std::uint32_t parent = doc_.nodes[top].parent;
    if (top == p_.body || parent == no_node || parent == 0) return {top};
    const double threshold = std::max(10.0, score_[top] * 0.2);
    const auto top_class = doc_.get(top, attr::class_);
    std::vector<std::uint32_t> out;
    for (std::uint32_t s = doc_.nodes[parent].first_child; s != no_node; s = doc_.nodes[s].next) {
      if (!p_.live(s) || !doc_.is_element(s)) continue;
      if (s == top) {
        out.push_back(s);
        continue;
      }
      const double bonus =
          !top_class.empty() && doc_.get(s, attr::class_) == top_class ? score_[top] * 0.2 : 0.0;
      bool take = scored_[s] && score_[s] + bonus >= threshold;
      if (!take && doc_.nodes[s].name == tag::p) {
        const text_stats& st = p_.stats[s];
        const double ld = st.link_density();
        if (st.chars > 80 && ld < 0.25) {
          take = true;
        } else if (st.chars > 0 && st.chars <= 80 && ld == 0) {
          const std::string t = doc_.raw_text(s);
          take = t.find(". ") != std::string::npos || (!t.empty() && t.back() == '.');
        }
      }
      if (take) {
        out.push_back(s);
        added.push_back(doc_.path(s));
      }
    }
    return out;
  }

  candidate describe(std::uint32_t n, std::string note) const {
    candidate c;
    c.path = doc_.path(n);
    c.score = std::round(score_[n] * 10) / 10;
    c.text_chars = p_.stats[n].chars;
    c.link_density = std::round(p_.stats[n].link_density() * 1000) / 1000;
    c.note = std::move(note);
    return c;
  }

  const std::vector<std::uint32_t>& candidates() const { return candidates_; }
  double score(std::uint32_t n) const { return score_[n]; }

  bool is_ancestor(std::uint32_t a, std::uint32_t n) const {
    if (doc_.nodes[a].depth >= doc_.nodes[n].depth) return false;
    for (std::uint32_t x = doc_.nodes[n].parent; x != no_node; x = doc_.nodes[x].parent) {
      if (x == a) return true;
      if (doc_.nodes[x].depth <= doc_.nodes[a].depth) return false;
    }
    return false;
  }

 private:
  void add_paragraph(std::uint32_t owner, const text_stats& s) {
    if (doc_.nodes[owner].name == tag::h1) return;  // the headline says nothing about the body
    // Nor do bylines and datelines (left out of the text too).
    if (p_.stats[owner].chars <= 200 && boilerplate_of(doc_, owner) == boilerplate::meta) return;
    const double value = 1.0 + s.commas + std::min(s.chars / 100.0, 3.0);
    std::uint32_t a = paragraph_like(doc_.nodes[owner].name) ? doc_.nodes[owner].parent : owner;
    for (int level = 0; level < k_ancestor_levels && a != no_node && a != 0; ++level) {
      if (doc_.nodes[a].name == tag::html) break;
      if (!scored_[a]) {
        scored_[a] = 1;
        score_[a] = tag_weight(doc_.nodes[a].name) + class_weight(doc_, a);
        candidates_.push_back(a);
      }
      const double divider = level == 0 ? 1.0 : level == 1 ? 2.0 : level * 3.0;
      score_[a] += value / divider;
      if (a == p_.body) break;
      a = doc_.nodes[a].parent;
    }
  }

  std::size_t live_element_children(std::uint32_t n) const {
    std::size_t count = 0;
    for (std::uint32_t c = doc_.nodes[n].first_child; c != no_node; c = doc_.nodes[c].next) {
      if (!p_.live(c)) continue;
      if (doc_.is_element(c))
        ++count;
      else if (p_.stats[c].chars > 0)
        return 2;  // text beside it: not an only child
    }
    return count;
  }

  const page& p_;
  const document& doc_;
  std::vector<double> score_;
  std::vector<std::uint8_t> scored_;
  std::vector<std::uint32_t> candidates_;
};

// The page's own statement of where the article is, strongest first:
//  - [itemprop=articleBody], widened to the <article> (or article microdata scope) around it
//    when that adds little (a standfirst, not a comment section);
//  - the <article> that holds the page's <h1>: the story, beside teaser cards that are
//    <article>s too;
//  - the <article> that holds most of the text of all <article>s (a live blog's entries are
//    many articles, none of them the article).
struct preference {
  std::uint32_t node = no_node;
  std::string kind;
  bool strong = false;  // trusted even when another container scores more text
};

bool is_article_like(const document& doc, std::uint32_t n) {
  return doc.is_element(n) && (doc.nodes[n].name == tag::article || is_article_scope(doc, n));
}

preference preferred_container(const page& p) {
  const document& doc = p.doc;
  auto plausible = [&](std::uint32_t n, std::uint32_t min_chars) {
    return p.stats[n].chars >= min_chars && p.stats[n].link_density() < 0.5;
  };
  auto outer_article = [&](std::uint32_t n) {
    std::uint32_t found = no_node;
    for (std::uint32_t a = doc.nodes[n].parent; a != no_node; a = doc.nodes[a].parent)
      if (is_article_like(doc, a)) found = a;
    return found;
  };
  std::uint32_t body_prop = no_node, best_article = no_node, headline_article = no_node;
  int headline_articles = 0;
  std::uint64_t articles_chars = 0;
  for (std::uint32_t n = 1; n < doc.nodes.size(); ++n) {
    if (!p.live(n) || !doc.is_element(n)) continue;
    if (doc.get(n, attr::itemprop).find("articleBody") != std::string_view::npos) {
      if (plausible(n, k_plausible_chars) &&
          (body_prop == no_node || p.stats[n].chars > p.stats[body_prop].chars))
        body_prop = n;
    } else if (is_article_like(doc, n) && outer_article(n) == no_node) {
      articles_chars += p.stats[n].chars;
      if (plausible(n, k_plausible_chars) &&
          (best_article == no_node || p.stats[n].chars > p.stats[best_article].chars))
        best_article = n;
      bool has_h1 = false;
      for (std::uint32_t x = n; x != no_node && !has_h1; x = doc.next_in(n, x))
        has_h1 = doc.is_element(x) && doc.nodes[x].name == tag::h1;
      if (has_h1) {
        ++headline_articles;
        headline_article = n;
      }
    }
  }
  if (body_prop != no_node) {
    const std::uint32_t outer = outer_article(body_prop);
    if (outer != no_node && p.live(outer) &&
        p.stats[outer].chars <= 1.25 * p.stats[body_prop].chars + 400)
      return {outer, "article around itemprop=articleBody", true};
    return {body_prop, "itemprop=articleBody", true};
  }
  if (headline_articles == 1 && plausible(headline_article, 150))
    return {headline_article, "article element with the headline", true};
  if (best_article != no_node && p.stats[best_article].chars >= 0.6 * articles_chars)
    return {best_article, "article element", false};
  return {};
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100);
  return buf;
}

}  // namespace

selection select_content(const page& p) {
  const document& doc = p.doc;
  selection out;
  scorer s(p);
  s.score_paragraphs();
  const preference pref = preferred_container(p);
  const std::uint32_t preferred = pref.node;
  const std::string& kind = pref.kind;
  const std::uint32_t best = s.top();

  if (best == no_node) {
    if (preferred != no_node) {
      out.containers = {preferred};
      out.top = preferred;
      out.method = kind;
      out.chosen = s.describe(preferred, "no scored paragraphs; the page's own " + kind);
    } else if (p.stats[p.body].chars > 0) {
      out.containers = {p.body};
      out.top = p.body;
      out.method = "body";
      out.chosen = s.describe(p.body, "no paragraph of 25 characters or more: the whole body");
    } else {
      out.method = "none";
      out.notes.push_back("no text outside boilerplate");
    }
    return out;
  }

  const std::uint32_t top = s.refine(best, out.notes);
  std::vector<std::string> added;
  std::vector<std::uint32_t> chosen = s.with_siblings(top, added);
  std::uint64_t chosen_chars = 0;
  for (std::uint32_t n : chosen) chosen_chars += p.stats[n].chars;

  std::uint32_t final_top = top;
  out.method = "score";
  std::string why = "highest score";
  if (top != best) why += " after moving up from " + doc.path(best);
  if (preferred != no_node && preferred != top) {
    const double pc = p.stats[preferred].chars;
    bool use = false;
    std::string reason;
    if (preferred == top || s.is_ancestor(preferred, top)) {
      use = pc <= 1.5 * chosen_chars + 200;
      reason = use ? "holds the best-scoring container"
                   : "holds the best-scoring container but " + percent(pc / chosen_chars - 1) +
                         " more text: too broad";
    } else if (s.is_ancestor(top, preferred)) {
      use = pc >= (pref.strong ? 0.3 : 0.6) * p.stats[top].chars;
      reason =
          use ? "holds " + percent(pc / p.stats[top].chars) + " of the best container's text"
              : "holds only " + percent(pc / p.stats[top].chars) + " of the best container's text";
    } else {
      use = pc >= (pref.strong ? 0.25 : 0.5) * chosen_chars;
      reason =
          use ? "apart from the best container, with " + percent(pc / chosen_chars) + " of its text"
              : "apart from the best container, with only " + percent(pc / chosen_chars) +
                    " of its text";
    }
    if (use) {
      final_top = preferred;
      chosen = {preferred};
      added.clear();
      out.method = kind;
      why = "the page's own " + kind + ": " + reason;
    } else {
      out.notes.push_back(kind + " " + doc.path(preferred) + " not taken: " + reason);
    }
  } else if (preferred != no_node) {
    // The page says where its article is, and it scored best: nothing beside it belongs.
    chosen = {preferred};
    added.clear();
    out.method = kind;
    why = "highest score, and the page's own " + kind;
  }
  out.containers = chosen;
  out.top = final_top;
  out.siblings = added;
  out.chosen = s.describe(final_top, why);

  // Runners-up: the best other candidates, with why they lost.
  std::vector<std::uint32_t> others;
  for (std::uint32_t n : s.candidates())
    if (n != final_top) others.push_back(n);
  const std::size_t shown = std::min(others.size(), k_shown_runners_up);
  std::partial_sort(others.begin(), others.begin() + static_cast<std::ptrdiff_t>(shown),
                    others.end(),
                    [&](std::uint32_t a, std::uint32_t b) { return s.score(a) > s.score(b); });
  for (std::size_t i = 0; i < shown; ++i) {
    const std::uint32_t n = others[i];
    std::string note;
    if (std::find(chosen.begin(), chosen.end(), n) != chosen.end())
      note = "added as a sibling";
    else if (s.is_ancestor(n, final_top))
      note = "encloses the chosen container (more text, more boilerplate)";
    else if (s.is_ancestor(final_top, n))
      note = "part of the chosen container";
    else if (n == best && final_top != best)
      note = "best score, but the page's own " + kind + " was preferred";
    else
      note = "lower score";
    out.runners_up.push_back(s.describe(n, note));
  }
  return out;
}

}  // namespace sanctwatch::extract
