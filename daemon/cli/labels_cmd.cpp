// `labels export`: analysts' verdicts on alerts as an evaluation set for `eval`, or as rule
// tests for the rule author (docs/triage.md).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "core/json_fields.hpp"
#include "service/runtime.hpp"
#include "store/store.hpp"

namespace sanctwatch::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// One line of a TSV field: tabs and line breaks become spaces.
std::string field(std::string s) {
  for (auto& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

// What `eval` reads as an article: "Title: …", then the text. The kept text of the item when
// the state still has it (state.text_retention), else what the alert document carries.
std::string article_text(store::store& db, const store::labelled_alert& l, const json& doc) {
  std::string out;
  if (const auto k = db.kept(l.feed_id, l.item_key)) {
    out = "Title: " + field(k->it.title) + "\n\n";
    for (const auto* part : {&k->it.summary, &k->it.content, &k->article})
      if (!part->empty()) out += *part + "\n\n";
    return out;
  }
  const json& item = doc.contains("item") ? doc["item"] : json::object();
  out = "Title: " + field(json_string(item, "title")) + "\n\n" + json_string(item, "summary") + "\n\n";
  if (doc.contains("evidence") && doc["evidence"].is_array())
    for (const auto& e : doc["evidence"]) out += json_string(e, "text") + "\n";
  return out;
}

int export_eval(store::store& db, const std::vector<store::labelled_alert>& all,
                const std::string& out_dir) {
  std::error_code ec;
  fs::create_directories(fs::path(out_dir) / "articles", ec);
  if (ec) {
    std::fprintf(stderr, "sanctwatch labels export: %s: %s\n", out_dir.c_str(),
                 ec.message().c_str());
    return usage_error;
  }
  std::ofstream tsv(fs::path(out_dir) / "labels.tsv", std::ios::binary | std::ios::trunc);
  tsv << "id\ttags\tverdict\n";
  int n = 0;
  for (const auto& l : all) {
    const json doc = json::parse(l.document, nullptr, false);
    // A true positive is about what the alert said; a false positive about none of it.
    std::string tags;
    if (l.triage.label == "true-positive" && doc.contains("tags") && doc["tags"].is_array())
      for (const auto& t : doc["tags"])
        if (t.is_string()) tags += (tags.empty() ? "" : ",") + t.get<std::string>();
    if (tags.empty()) tags = "none";
    tsv << l.triage.alert_id << '\t' << tags << '\t'
        << field(l.triage.label + " by " + l.triage.labelled_by +
                 (l.triage.label_reason.empty() ? "" : ": " + l.triage.label_reason))
        << '\n';
    std::ofstream art(fs::path(out_dir) / "articles" / (l.triage.alert_id + ".txt"),
                      std::ios::binary | std::ios::trunc);
    art << article_text(db, l, doc);
    ++n;
  }
  if (!tsv) {
    std::fprintf(stderr, "sanctwatch labels export: cannot write %s/labels.tsv\n", out_dir.c_str());
    return usage_error;
  }
  std::fprintf(stderr,
               "%d labelled alert%s written to %s (labels.tsv, articles/): sanctwatch eval --labels "
               "%s/labels.tsv %s/articles\n",
               n, n == 1 ? "" : "s", out_dir.c_str(), out_dir.c_str(), out_dir.c_str());
  return ok;
}

int export_rule_tests(const std::vector<store::labelled_alert>& all, std::ostream& out) {
  struct cases {
    std::vector<std::string> match, no_match;  // YAML lines
  };
  std::map<std::string, cases> by_rule;
  for (const auto& l : all) {
    const json doc = json::parse(l.document, nullptr, false);
    if (!doc.is_object() || !doc.contains("rules") || !doc["rules"].is_array()) continue;
    std::vector<std::string> sentences;
    if (doc.contains("evidence") && doc["evidence"].is_array())
      for (const auto& e : doc["evidence"])
        if (auto t = json_string(e, "text"); !t.empty()) sentences.push_back(std::move(t));
    if (sentences.empty()) sentences.push_back(json_string(doc["item"], "title"));
    const bool fp = l.triage.label == "false-positive";
    const std::string why = "  # alert " + l.triage.alert_id + ", " + l.triage.label + " by " +
                            field(l.triage.labelled_by) +
                            (l.triage.label_reason.empty() ? "" : ": " + field(l.triage.label_reason));
    for (const auto& r : doc["rules"]) {
      const std::string rule = json_string(r, "id");
      if (rule.empty()) continue;
      auto& c = by_rule[rule];
      for (const auto& s : sentences)
        // A JSON string is a YAML double-quoted scalar.
        (fp ? c.no_match : c.match).push_back("      - " + json(s).dump() + why);
    }
  }
  out << "# sanctwatch labels export --format rule-tests: " << all.size()
      << " labelled alerts. Under each rule id, cases for its `tests:` (docs/rules.md): the\n"
         "# evidence sentences of its false positives as no_match, of its true positives as "
         "match.\n";
  for (const auto& [rule, c] : by_rule) {
    out << json(rule).dump() << ":\n  tests:\n";
    if (!c.match.empty()) {
      out << "    match:\n";
      for (const auto& line : c.match) out << line << "\n";
    }
    if (!c.no_match.empty()) {
      out << "    no_match:\n";
      for (const auto& line : c.no_match) out << line << "\n";
    }
  }
  return ok;
}

}  // namespace

int run_labels(const args& a) {
  if (a.positional.size() != 1 || a.positional[0] != "export") {
    std::fprintf(stderr, "sanctwatch labels: give export (see --help)\n");
    return usage_error;
  }
  const std::string format = a.get("--format", "eval");
  if (format != "eval" && format != "rule-tests") {
    std::fprintf(stderr, "sanctwatch labels export: --format must be eval or rule-tests\n");
    return usage_error;
  }
  if (format == "eval" && !a.has("--out")) {
    std::fprintf(stderr,
                 "sanctwatch labels export: --format eval writes a folder: give --out DIR\n");
    return usage_error;
  }
  std::optional<timestamp> since;
  if (a.has("--since")) {
    const std::string s = a.get("--since");
    if (!(since = parse_since(s))) {
      std::fprintf(stderr, "sanctwatch labels export: --since '%s' is neither a date nor a duration\n",
                   s.c_str());
      return usage_error;
    }
  }
  auto state = state_of(config_path(a), "labels");
  if (!state) return usage_error;
  try {
    store::store db(state->location, state->password);
    const auto all = db.labelled(since);
    if (format == "eval") return export_eval(db, all, a.get("--out"));
    if (!a.has("--out")) return export_rule_tests(all, std::cout);
    std::ofstream out(a.get("--out"), std::ios::binary | std::ios::trunc);
    const int rc = export_rule_tests(all, out);
    out.flush();
    if (!out) {
      std::fprintf(stderr, "sanctwatch labels export: cannot write %s\n", a.get("--out").c_str());
      return usage_error;
    }
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sanctwatch labels: %s\n", e.what());
    return usage_error;
  }
}

}  // namespace sanctwatch::cli
