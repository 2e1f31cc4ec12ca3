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
#include "service/story_groups.hpp"
#include "sinks/text_render.hpp"
#include "text/html.hpp"

namespace sanctwatch::cli {

void print_story_alerts(const service::story_groups& stories, const engine::ruleset& rs,
                        const std::string& format) {
  static const engine::producer_info producer{"sanctwatch", version, engine::host_name()};
  const auto now = now_utc();
  const bool color = format == "text" && sinks::stdout_wants_color();
  for (const auto& g : stories.groups()) {
    const auto doc = service::story_groups::alert(g, rs.hash, now, producer);
    const std::string document = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (format == "json") {
      std::cout << document << '\n';
    } else if (auto view = sinks::view_of(document)) {
      if (auto block = sinks::render_text(*view, {color})) std::cout << *block;
    }
  }
}

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
  const bool explain = a.has("--explain");
  bool found = false;
  // One alert per story: every rule that fired on it, its entities, its evidence.
  service::story_groups stories;
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
      auto fired = engine::match(rs, it);
      if (!fired.empty()) {
        found = true;
        stories.add(it, items.feed, std::move(fired));
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
  print_story_alerts(stories, rs, format);
  // Like grep: 1 when something was found, 0 when not, 2 for errors.
  return rc != ok ? rc : found ? findings : ok;
}

}  // namespace sanctwatch::cli
