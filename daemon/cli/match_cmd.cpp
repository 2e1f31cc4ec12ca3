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
#include "sinks/text_render.hpp"
#include "story/fingerprint.hpp"
#include "story/link.hpp"
#include "text/html.hpp"

namespace sanctwatch::cli {
namespace {

// Items of the inputs that tell one story (the same canonical link, or near-duplicate text,
// as the daemon groups them): one alert, its first item named, every copy a source, every
// rule that fired on any copy.
struct story_group {
  item first;
  engine::feed_ref feed;
  std::string link;
  story::signature sig;
  std::vector<engine::rule_match> fired;
  std::vector<engine::source_ref> sources;
  std::size_t copies = 0;
};

story_group* find_story(std::vector<story_group>& stories, const std::string& link,
                        const story::signature& sig) {
  for (auto& g : stories) {
    if (!link.empty() && g.link == link) return &g;
    if (!sig.empty() && story::similarity(sig, g.sig) >= story::same_story_similarity) return &g;
  }
  return nullptr;
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
  const bool color = format == "text" && sinks::stdout_wants_color();
  bool found = false;
  std::vector<story_group> stories;  // in the order their first item came
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
      // One alert per story: every rule that fired on it, its entities, its evidence.
      auto fired = engine::match(rs, it);
      if (!fired.empty()) {
        found = true;
        const std::string link = story::canonical_link(it.link);
        auto sig = story::fingerprint(story::story_text(it));
        story_group* g = find_story(stories, link, sig);
        if (!g) {
          stories.push_back({it, items.feed, link, std::move(sig), {}, {}, 0});
          g = &stories.back();
        }
        for (auto& m : fired)
          if (std::none_of(g->fired.begin(), g->fired.end(), [&](const engine::rule_match& x) {
                return x.matched_rule == m.matched_rule;
              }))
            g->fired.push_back(std::move(m));
        // The same outlet twice (one feed given twice) is one source.
        const bool listed = std::any_of(g->sources.begin(), g->sources.end(), [&](const auto& x) {
          return x.feed == items.feed.id && story::canonical_link(x.link) == link;
        });
        if (!listed) {
          if (g->sources.size() < 100) g->sources.push_back({items.feed.id, it.link, it.published});
          ++g->copies;
        }
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
  for (const auto& g : stories) {
    auto doc = engine::make_alert(g.fired, g.first, g.feed, {g.first.id, g.feed.id}, rs.hash, now,
                                  producer, g.sources);
    doc["sources_total"] = g.copies;
    const std::string document = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (format == "json") {
      std::cout << document << '\n';
    } else if (auto view = sinks::view_of(document)) {
      if (auto block = sinks::render_text(*view, {color})) std::cout << *block;
    }
  }
  // Like grep: 1 when something was found, 0 when not, 2 for errors.
  return rc != ok ? rc : found ? findings : ok;
}

}  // namespace sanctwatch::cli
