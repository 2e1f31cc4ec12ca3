#include "engine/eval.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace sanctwatch::engine::eval {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The cells of each non-empty, non-comment line but a header, with the line number and each
// cell's column.
struct row {
  int line = 0;
  std::vector<std::string_view> cells;
  std::vector<int> columns;
};

std::vector<row> rows_of(std::string_view bytes) {
  std::vector<row> out;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  int line = 0;
  while (!bytes.empty()) {
    ++line;
    std::size_t nl = bytes.find('\n');
    std::string_view l = bytes.substr(0, nl);
    bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (trim(l).empty() || trim(l).front() == '#') continue;
    row r;
    r.line = line;
    std::size_t col = 0;
    while (true) {
      std::size_t tab = l.find('\t', col);
      r.cells.push_back(trim(l.substr(col, tab == std::string_view::npos ? l.npos : tab - col)));
      r.columns.push_back(int(col) + 1);
      if (tab == std::string_view::npos) break;
      col = tab + 1;
    }
    out.push_back(std::move(r));
  }
  // A first row naming its columns ("id<TAB>label…") is a header.
  if (!out.empty() && out.front().cells[0] == "id") out.erase(out.begin());
  return out;
}

void add_error(std::vector<diagnostic>& errors, const std::string& file, std::string_view bytes,
               int line, int column, std::string message) {
  errors.push_back({file, line, column, std::move(message), std::string(line_of(bytes, line))});
}

// Lower-case letters and digits, one space between runs: how names are compared.
std::string key(std::string_view s) {
  std::string out;
  bool gap = false;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c >= 0x80) {
      if (gap && !out.empty()) out += ' ';
      gap = false;
      out += char(std::tolower(c));
    } else {
      gap = true;
    }
  }
  return out;
}

// "SUEX OTC, S.R.O. (ent 33151)" -> "SUEX OTC, S.R.O."
std::string_view without_uid(std::string_view s) {
  std::size_t p = s.find("(ent ");
  return trim(p == std::string_view::npos ? s : s.substr(0, p));
}

bool entity_right(const entity_hit& e, const entity_label& g) {
  const std::string uid = list_uid(e.id);
  const std::string guid = list_uid(g.listed_as);
  if (!uid.empty() && !guid.empty()) return uid == guid;
  const std::string m = key(e.matched);
  return (!m.empty() && m == key(g.name_in_text)) ||
         (!e.name.empty() && key(e.name) == key(without_uid(g.listed_as)));
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string marked(const evidence_entry& e) {
  if (e.mark_end > e.snippet.size() || e.mark_start > e.mark_end) return e.snippet;
  return e.snippet.substr(0, e.mark_start) + "\u00bb" +
         e.snippet.substr(e.mark_start, e.mark_end - e.mark_start) + "\u00ab" +
         e.snippet.substr(e.mark_end);
}

std::string shorten(std::string s, std::size_t n) {
  for (char& c : s)
    if (c == '\n' || c == '\t') c = ' ';
  if (s.size() > n) {
    std::size_t cut = n;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
    s += "\u2026";
  }
  return s;
}

std::string fmt(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

std::string list_uid(std::string_view s) {
  auto digits = [](std::string_view d) {
    return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (std::size_t p = s.find("(ent "); p != std::string_view::npos) {
    std::string_view rest = s.substr(p + 5);
    std::size_t e = rest.find(')');
    std::string_view d = rest.substr(0, e);
    return digits(d) ? std::string(d) : std::string();
  }
  std::size_t c = s.rfind(':');
  if (c == std::string_view::npos) return {};
  std::string_view d = s.substr(c + 1);
  return digits(d) ? std::string(d) : std::string();
}

std::vector<label> parse_labels(std::string_view bytes, const std::string& file,
                                std::vector<diagnostic>& errors) {
  std::vector<label> out;
  std::set<std::string> seen;
  for (const row& r : rows_of(bytes)) {
    if (r.cells.size() < 2 || r.cells[0].empty() || r.cells[1].empty()) {
      add_error(errors, file, bytes, r.line, 1,
                "a label row is 'id<TAB>tags' (tags comma-separated, or 'none')");
      continue;
    }
    label l;
    l.id = std::string(r.cells[0]);
    l.line = r.line;
    if (!seen.insert(l.id).second) {
      add_error(errors, file, bytes, r.line, 1, "article '" + l.id + "' is labelled twice");
      continue;
    }
    std::string_view tags = r.cells[1];
    bool bad = false;
    while (!tags.empty()) {
      std::size_t comma = tags.find(',');
      std::string_view t = trim(tags.substr(0, comma));
      tags.remove_prefix(comma == std::string_view::npos ? tags.size() : comma + 1);
      if (t.empty() || t.find_first_of(" \"'") != std::string_view::npos) {
        add_error(errors, file, bytes, r.line, r.columns[1],
                  "bad tag list '" + std::string(r.cells[1]) + "' (tags comma-separated, or 'none')");
        bad = true;
        break;
      }
      if (t != "none" && !has(l.tags, std::string(t))) l.tags.emplace_back(t);
    }
    if (!bad) out.push_back(std::move(l));
  }
  return out;
}

std::vector<entity_label> parse_entity_labels(std::string_view bytes, const std::string& file,
                                              std::vector<diagnostic>& errors) {
  std::vector<entity_label> out;
  for (const row& r : rows_of(bytes)) {
    if (r.cells.size() < 3 || r.cells[0].empty() || r.cells[1].empty()) {
      add_error(errors, file, bytes, r.line, 1,
                "an entity label row is 'id<TAB>name_in_text<TAB>listed_as[<TAB>list]'");
      continue;
    }
    out.push_back({std::string(r.cells[0]), std::string(r.cells[1]), std::string(r.cells[2]),
                   r.cells.size() > 3 ? std::string(r.cells[3]) : std::string(), r.line});
  }
  return out;
}

report score(const ruleset& rs, const std::vector<label>& labels,
             const std::vector<article_result>& results, const options& opt) {
  report rep;
  std::map<std::string, const label*> by_id;
  for (const auto& l : labels) by_id[l.id] = &l;

  // The scored tags, in the order labels first use them.
  for (const auto& l : labels)
    for (const auto& t : l.tags)
      if (std::none_of(rep.tags.begin(), rep.tags.end(), [&](const tag_score& s) { return s.tag == t; }))
        rep.tags.push_back({t, 0, {}});
  auto scored = [&](const std::string& t) {
    return std::any_of(rep.tags.begin(), rep.tags.end(), [&](const tag_score& s) { return s.tag == t; });
  };
  std::map<std::string, std::size_t> rule_index;
  for (const auto& r : rs.rules) {
    rule_score s;
    s.rule = r.id;
    for (const auto& t : r.tags)
      if (scored(t)) s.tags.push_back(t);
    if (s.tags.empty()) continue;
    rule_index[r.id] = rep.rules.size();
    rep.rules.push_back(std::move(s));
  }

  std::size_t alerts = 0, pos_alerts = 0, neg_alerts = 0, positives = 0;
  std::map<std::string, std::vector<const entity_label*>> gold_of;
  if (opt.entity_labels) {
    rep.entities.scored = true;
    rep.entities.list_filter = opt.entity_list_filter;
    rep.entities.source = opt.entity_source;
    for (const auto& g : *opt.entity_labels) gold_of[g.article].push_back(&g);
  }

  for (const auto& a : results) {
    auto li = by_id.find(a.id);
    if (li == by_id.end()) continue;
    const label& l = *li->second;
    ++rep.articles;
    alerts += a.matches.size();
    (l.tags.empty() ? neg_alerts : pos_alerts) += a.matches.size();
    if (!a.matches.empty()) {
      ++rep.alerting;
      if (l.tags.empty()) ++rep.alerting_negative;
    }
    if (!l.tags.empty()) ++positives;
    if (a.matches.size() > rep.max_alerts) {
      rep.max_alerts = a.matches.size();
      rep.max_alerts_article = a.id;
    }
    for (auto& ts : rep.tags) {
      const bool truth = has(l.tags, ts.tag);
      ts.labelled += truth;
      std::vector<const rule_match*> firing;
      for (const auto& m : a.matches)
        if (has(m.matched_rule->tags, ts.tag)) firing.push_back(&m);
      const bool raised = !firing.empty();
      if (truth && raised) ++ts.c.tp;
      if (!truth && raised) {
        ++ts.c.fp;
        confusion c{ts.tag, a.id, a.title, {}, {}, {}};
        for (const auto* m : firing) c.rules.push_back(m->matched_rule->id);
        for (const auto& e : firing.front()->evidence)
          if (e.where != field::title || firing.front()->evidence.size() == 1) {
            c.evidence = marked(e);
            break;
          }
        rep.false_positives.push_back(std::move(c));
      }
      if (truth && !raised) {
        ++ts.c.fn;
        confusion c{ts.tag, a.id, a.title, {}, {}, {}};
        for (const auto& x : a.explained) {
          if (!has(x.explained_rule->tags, ts.tag)) continue;
          std::string why = x.explained_rule->id + ":";
          const auto& kids = x.tree.children.empty() ? std::vector<explain_node>{x.tree}
                                                     : x.tree.children;
          for (const auto& k : kids)
            why += std::string(" ") + (k.value ? "[true] " : "[false] ") + shorten(k.text, 70);
          c.reasons.push_back(std::move(why));
        }
        rep.false_negatives.push_back(std::move(c));
      }
    }
    for (auto& rsc : rep.rules) {
      const bool fired = std::any_of(a.matches.begin(), a.matches.end(), [&](const rule_match& m) {
        return m.matched_rule->id == rsc.rule;
      });
      const bool truth = std::any_of(rsc.tags.begin(), rsc.tags.end(),
                                     [&](const std::string& t) { return has(l.tags, t); });
      rsc.fired += fired;
      if (fired && truth) ++rsc.c.tp;
      if (fired && !truth) ++rsc.c.fp;
      if (!fired && truth) ++rsc.c.fn;
    }

    if (!rep.entities.scored) continue;
    // Entities named by alerts, once per article and entity.
    const auto& gold = gold_of[a.id];
    std::vector<entity_match> named;
    std::set<const entity_label*> found;
    for (const auto& m : a.matches) {
      for (const auto& e : m.entities) {
        if (!opt.entity_source.empty() && e.list != opt.entity_source) continue;
        if (std::any_of(named.begin(), named.end(),
                        [&](const entity_match& x) { return x.entity_id == e.id; }))
          continue;
        entity_match em{a.id, e.id, e.name, e.type, e.matched, m.matched_rule->id, false};
        for (const auto* g : gold)
          if (entity_right(e, *g)) {
            em.right = true;
            found.insert(g);
          }
        named.push_back(std::move(em));
      }
    }
    for (auto& em : named) {
      ++rep.entities.matches;
      rep.entities.right += em.right;
      if (!em.right) rep.entities.wrong.push_back(std::move(em));
    }
    for (const auto* g : gold) {
      if (!opt.entity_list_filter.empty() && g->list != opt.entity_list_filter) continue;
      const std::string uid = list_uid(g->listed_as);
      if (!found.count(g) && !uid.empty() && opt.screened) {
        if (!opt.screened->count(uid)) {
          ++rep.entities.not_screened;
          continue;
        }
      }
      ++rep.entities.gold;
      if (found.count(g))
        ++rep.entities.found;
      else
        rep.entities.missed.push_back(*g);
    }
  }
  if (rep.articles) rep.alerts_per_article = double(alerts) / double(rep.articles);
  if (positives) rep.alerts_per_positive = double(pos_alerts) / double(positives);
  if (rep.articles > positives)
    rep.alerts_per_negative = double(neg_alerts) / double(rep.articles - positives);
  return rep;
}

std::string format_text(const report& r, std::size_t list_limit) {
  std::string o;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%zu labelled articles\n\n%-28s %6s %5s %5s %5s %9s %6s %5s\n",
                r.articles, "tag", "labels", "tp", "fp", "fn", "precision", "recall", "f1");
  o += buf;
  for (const auto& t : r.tags) {
    std::snprintf(buf, sizeof buf, "%-28s %6zu %5zu %5zu %5zu %9s %6s %5s\n", t.tag.c_str(),
                  t.labelled, t.c.tp, t.c.fp, t.c.fn, fmt(t.c.precision()).c_str(),
                  fmt(t.c.recall()).c_str(), fmt(t.c.f1()).c_str());
    o += buf;
  }
  std::snprintf(buf, sizeof buf, "\n%-40s %5s %5s %5s %9s %6s\n", "rule", "fired", "tp", "fp",
                "precision", "recall");
  o += buf;
  for (const auto& s : r.rules) {
    std::snprintf(buf, sizeof buf, "%-40s %5zu %5zu %5zu %9s %6s\n", s.rule.c_str(), s.fired,
                  s.c.tp, s.c.fp, s.fired ? fmt(s.c.precision()).c_str() : "-",
                  fmt(s.c.recall()).c_str());
    o += buf;
  }
  std::snprintf(buf, sizeof buf,
                "\narticles with an alert: %zu of %zu (%zu of them labelled none)\n"
                "rules per article: %.2f (labelled with a tag: %.2f, none: %.2f; most: %zu on "
                "%s)\n",
                r.alerting, r.articles, r.alerting_negative, r.alerts_per_article,
                r.alerts_per_positive, r.alerts_per_negative, r.max_alerts,
                r.max_alerts_article.empty() ? "-" : r.max_alerts_article.c_str());
  o += buf;
  const auto& e = r.entities;
  if (e.scored) {
    std::snprintf(buf, sizeof buf,
                  "\nentities%s%s: %zu named, %zu right: precision %s; %zu labelled names, %zu "
                  "found: recall %s (%zu more labelled names are not screened by these rules)\n",
                  e.source.empty() ? "" : (" of @" + e.source).c_str(),
                  e.list_filter.empty() ? "" : (" (labels of '" + e.list_filter + "')").c_str(),
                  e.matches, e.right, fmt(e.precision()).c_str(), e.gold, e.found,
                  fmt(e.recall()).c_str(), e.not_screened);
    o += buf;
  }
  if (list_limit == 0) return o;
  auto section = [&](const char* head, std::size_t n) {
    std::snprintf(buf, sizeof buf, "\n%s (%zu%s)\n", head, n,
                  n > list_limit ? (", first " + std::to_string(list_limit)).c_str() : "");
    o += buf;
  };
  section("false positives", r.false_positives.size());
  for (std::size_t i = 0; i < r.false_positives.size() && i < list_limit; ++i) {
    const auto& c = r.false_positives[i];
    std::string rules;
    for (const auto& x : c.rules) rules += (rules.empty() ? "" : ", ") + x;
    o += "  " + c.tag + "  " + c.article + "  " + shorten(c.title, 80) + "\n    by " + rules +
         ": " + shorten(c.evidence, 240) + "\n";
  }
  section("false negatives", r.false_negatives.size());
  for (std::size_t i = 0; i < r.false_negatives.size() && i < list_limit; ++i) {
    const auto& c = r.false_negatives[i];
    o += "  " + c.tag + "  " + c.article + "  " + shorten(c.title, 80) + "\n";
    for (const auto& why : c.reasons) o += "    " + why + "\n";
  }
  if (e.scored) {
    section("wrong entities", e.wrong.size());
    for (std::size_t i = 0; i < e.wrong.size() && i < list_limit; ++i) {
      const auto& w = e.wrong[i];
      o += "  " + w.article + "  \"" + w.matched + "\" -> " + w.name + " (" + w.entity_id + ", " +
           w.type + ") by " + w.rule + "\n";
    }
    section("missed entities", e.missed.size());
    for (std::size_t i = 0; i < e.missed.size() && i < list_limit; ++i) {
      const auto& m = e.missed[i];
      o += "  " + m.article + "  \"" + m.name_in_text + "\" (" + m.listed_as + ")\n";
    }
  }
  return o;
}

nlohmann::json to_json(const report& r) {
  using nlohmann::json;
  auto cj = [](const counts& c) {
    return json{{"tp", c.tp},
                {"fp", c.fp},
                {"fn", c.fn},
                {"precision", c.precision()},
                {"recall", c.recall()},
                {"f1", c.f1()}};
  };
  json j{{"articles", r.articles}, {"tags", json::array()}, {"rules", json::array()}};
  for (const auto& t : r.tags) {
    json x = cj(t.c);
    x["tag"] = t.tag;
    x["labelled"] = t.labelled;
    j["tags"].push_back(std::move(x));
  }
  for (const auto& s : r.rules) {
    json x = cj(s.c);
    x["rule"] = s.rule;
    x["tags"] = s.tags;
    x["fired"] = s.fired;
    j["rules"].push_back(std::move(x));
  }
  j["alerting_articles"] = {{"all", r.alerting}, {"none", r.alerting_negative}};
  j["rules_per_article"] = {{"all", r.alerts_per_article},
                             {"labelled", r.alerts_per_positive},
                             {"none", r.alerts_per_negative},
                             {"max", r.max_alerts},
                             {"max_article", r.max_alerts_article}};
  auto conf = [](const std::vector<confusion>& v) {
    json a = json::array();
    for (const auto& c : v)
      a.push_back({{"tag", c.tag},
                   {"article", c.article},
                   {"title", c.title},
                   {"rules", c.rules},
                   {"evidence", c.evidence},
                   {"reasons", c.reasons}});
    return a;
  };
  j["false_positives"] = conf(r.false_positives);
  j["false_negatives"] = conf(r.false_negatives);
  if (r.entities.scored) {
    const auto& e = r.entities;
    json w = json::array(), m = json::array();
    for (const auto& x : e.wrong)
      w.push_back({{"article", x.article},
                   {"entity", x.entity_id},
                   {"name", x.name},
                   {"type", x.type},
                   {"matched", x.matched},
                   {"rule", x.rule}});
    for (const auto& x : e.missed)
      m.push_back({{"article", x.article}, {"name_in_text", x.name_in_text}, {"listed_as", x.listed_as}});
    j["entities"] = {{"list", e.list_filter},   {"source", e.source}, {"named", e.matches},
                     {"right", e.right},        {"precision", e.precision()},
                     {"labelled", e.gold},      {"found", e.found},
                     {"recall", e.recall()},    {"not_screened", e.not_screened},
                     {"wrong", std::move(w)},   {"missed", std::move(m)}};
  }
  return j;
}

}  // namespace sanctwatch::engine::eval
