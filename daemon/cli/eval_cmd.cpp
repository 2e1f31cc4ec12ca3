// `sanctwatch eval`: the rules against hand-labelled articles. Precision, recall and F1 per tag
// and per rule, the confusion lists, alerts per article and entity screening scored against the
// names each article mentions.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli/command.hpp"
#include "cli/inputs.hpp"
#include "engine/eval.hpp"
#include "engine/load.hpp"
#include "engine/match.hpp"

namespace sanctwatch::cli {
namespace {

namespace fs = std::filesystem;
namespace ev = engine::eval;

// DIR/<id>.txt, .html, .htm, or any other file named <id>.<ext>.
std::string find_article(const std::string& dir, const std::string& id) {
  for (const char* ext : {".txt", ".html", ".htm", ".xml", ".json"}) {
    fs::path p = fs::path(dir) / (id + ext);
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().stem() == id && e.is_regular_file(ec)) return e.path().string();
  return {};
}

bool parse_ratio(const std::string& s, double& out) {
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && end && *end == 0 && out >= 0 && out <= 1;
}

}  // namespace

int run_eval(const args& a) {
  const std::string format = a.get("--format", "text");
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "sanctwatch eval: --format must be json or text\n");
    return usage_error;
  }
  if (!a.has("--labels") || a.positional.size() != 1) {
    std::fprintf(stderr, "sanctwatch eval: give --labels FILE.tsv and one directory of articles\n");
    return usage_error;
  }
  std::size_t show = 20;
  if (a.has("--show")) {
    char* end = nullptr;
    const std::string v = a.get("--show");
    show = std::strtoul(v.c_str(), &end, 10);
    if (v.empty() || *end) {
      std::fprintf(stderr, "sanctwatch eval: --show wants a number\n");
      return usage_error;
    }
  }
  double min_p = 0, min_r = 0;
  if ((a.has("--min-precision") && !parse_ratio(a.get("--min-precision"), min_p)) ||
      (a.has("--min-recall") && !parse_ratio(a.get("--min-recall"), min_r))) {
    std::fprintf(stderr, "sanctwatch eval: --min-precision and --min-recall want 0 to 1\n");
    return usage_error;
  }
  const std::string dir = a.positional[0];
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::fprintf(stderr, "sanctwatch eval: %s: not a directory of articles\n", dir.c_str());
    return usage_error;
  }

  // Labels first: a bad label file is reported before the rules are compiled.
  std::vector<diagnostic> errors;
  std::string bytes, why;
  const std::string labels_path = a.get("--labels");
  if (!read_input(labels_path, bytes, why)) {
    std::fprintf(stderr, "sanctwatch eval: %s: %s\n", labels_path.c_str(), why.c_str());
    return usage_error;
  }
  const auto labels = ev::parse_labels(bytes, labels_path, errors);
  std::vector<ev::entity_label> entity_labels;
  const bool score_entities = a.has("--entity-labels");
  if (score_entities) {
    const std::string p = a.get("--entity-labels");
    if (!read_input(p, bytes, why)) {
      std::fprintf(stderr, "sanctwatch eval: %s: %s\n", p.c_str(), why.c_str());
      return usage_error;
    }
    entity_labels = ev::parse_entity_labels(bytes, p, errors);
  }
  if (!errors.empty()) {
    std::fputs(format_diagnostics(errors).c_str(), stderr);
    return usage_error;
  }
  if (labels.empty()) {
    std::fprintf(stderr, "sanctwatch eval: %s: no labelled articles\n", labels_path.c_str());
    return usage_error;
  }

  const auto loaded = tested_rules(a, "eval");
  if (!loaded) return usage_error;
  const auto& rs = *loaded;

  std::vector<ev::article_result> results;
  int rc = ok;
  for (const auto& l : labels) {
    const std::string path = find_article(dir, l.id);
    if (path.empty()) {
      std::fprintf(stderr, "%s:%d:1: error: no article '%s' in %s\n", labels_path.c_str(), l.line,
                   l.id.c_str(), dir.c_str());
      rc = usage_error;
      continue;
    }
    input_items in;
    if (!load_input(path, in, why)) {
      std::fprintf(stderr, "sanctwatch eval: %s: %s\n", path.c_str(), why.c_str());
      rc = usage_error;
      continue;
    }
    // A feed file counts as one article: its items' alerts together.
    ev::article_result r;
    r.id = l.id;
    for (const auto& it : in.items) {
      if (r.title.empty()) r.title = it.title;
      for (auto& m : engine::match(rs, it)) r.matches.push_back(std::move(m));
    }
    // Explanations only where a tag was missed: they cost a full evaluation of every rule.
    std::set<std::string> raised;
    for (const auto& m : r.matches) raised.insert(m.matched_rule->tags.begin(), m.matched_rule->tags.end());
    bool missed = false;
    for (const auto& t : l.tags) missed |= !raised.count(t);
    if (missed)
      for (const auto& it : in.items)
        for (auto& x : engine::explain(rs, it))
          if (!x.fired) r.explained.push_back(std::move(x));
    results.push_back(std::move(r));
  }
  if (rc != ok) return rc;

  std::set<std::string> screened;
  for (const auto& l : rs.entity_lists)
    if (!a.has("--entity-source") || l.name == a.get("--entity-source"))
      for (const auto& e : l.entities)
        if (auto uid = ev::list_uid(e.id); !uid.empty()) screened.insert(std::move(uid));
  ev::options opt;
  if (score_entities) {
    opt.entity_labels = &entity_labels;
    opt.entity_list_filter = a.get("--entity-list");
    opt.entity_source = a.get("--entity-source");
    opt.screened = &screened;
  }
  const auto rep = ev::score(rs, labels, results, opt);
  if (format == "json")
    std::cout << ev::to_json(rep).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  else
    std::cout << ev::format_text(rep, show);
  std::cout.flush();

  bool below = false;
  for (const auto& t : rep.tags)
    below |= (a.has("--min-precision") && t.c.precision() < min_p) ||
             (a.has("--min-recall") && t.c.recall() < min_r);
  return below ? findings : ok;
}

}  // namespace sanctwatch::cli
