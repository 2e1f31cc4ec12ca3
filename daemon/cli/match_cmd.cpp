// `sanctwatch match`: feeds, article files or stdin against the rules; alerts on stdout.
// No state, no sinks: the same documents the daemon would deliver.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "cli/inputs.hpp"
#include "core/time.hpp"
#include "core/version.hpp"
#include "engine/alert.hpp"
#include "engine/load.hpp"
#include "engine/match.hpp"
#include "feed/parse.hpp"
#include "text/html.hpp"

namespace sanctwatch::cli {
namespace {

void print_text(const engine::rule_match& m, const item& it) {
  const auto& r = *m.matched_rule;
  std::string sev(to_string(r.level));
  std::transform(sev.begin(), sev.end(), sev.begin(), ::toupper);
  std::printf("[%s] %s: %s\n", sev.c_str(), r.id.c_str(), r.title.c_str());
  std::printf("  item: %s%s%s\n", it.title.empty() ? "(untitled)" : it.title.c_str(),
              it.link.empty() ? "" : "  ", it.link.c_str());
  for (const auto& e : m.entities) {
    std::string cands;
    for (const auto& c : e.candidates) cands += (cands.empty() ? "" : ", ") + c;
    std::printf("  entity: %s (%s, @%s) matched \"%s\"%s%s%s\n", e.name.c_str(), e.id.c_str(),
                e.list.c_str(), e.matched.c_str(), e.ambiguous ? " [ambiguous: " : "",
                cands.c_str(), e.ambiguous ? "]" : "");
  }
  // The sentences that made the rule fire (at most three, each once), marks between »«;
  // --explain has every term.
  for (const auto& e : engine::pick_sentences({&m.sentences})) {
    std::string s;
    std::size_t at = 0;
    for (const auto& mk : e.marks) {
      s += e.text.substr(at, mk.start - at) + "»" + mk.term + "«";
      at = mk.end;
    }
    s += e.text.substr(at);
    std::printf("  %s: %s\n", engine::field_name(e.where), s.c_str());
  }
  std::printf("\n");
}

}  // namespace

int run_match(const args& a) {
  const std::string format = a.get("--format", "json");
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "sanctwatch match: --format must be json or text\n");
    return usage_error;
  }
  if (a.positional.empty()) {
    std::fprintf(
        stderr, "sanctwatch match: give at least one INPUT (feed file, .txt/.html article or -)\n");
    return usage_error;
  }
  const auto loaded = tested_rules(a, "match");
  if (!loaded) return usage_error;
  const auto& rs = *loaded;
  const engine::producer_info producer{"sanctwatch", version, engine::host_name()};
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const bool explain = a.has("--explain");
  int rc = ok;
  for (const auto& in : a.positional) {
    input_items items;
    std::string why;
    if (!load_input(in, items, why)) {
      std::fprintf(stderr, "sanctwatch match: %s: %s\n", in.c_str(), why.c_str());
      rc = usage_error;
      continue;
    }
    for (const auto& it : items.items) {
      for (const auto& m : engine::match(rs, it)) {
        if (format == "json")
          std::cout << engine::make_alert(m, it, items.feed, rs.hash, now, producer)
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                    << '\n';
        else
          print_text(m, it);
      }
      if (explain) {
        std::cout << "# explain: " << in << ": " << (it.title.empty() ? it.id : it.title) << '\n';
        for (const auto& x : engine::explain(rs, it)) {
          std::cout << (x.fired ? "FIRED  " : "-      ") << x.explained_rule->id << '\n'
                    << engine::format_explain(x.tree, 2);
        }
        std::cout << '\n';
      }
    }
    std::cout.flush();
  }
  return rc;
}

}  // namespace sanctwatch::cli
