// `sanctwatch match`: feeds, article files or stdin against the rules; alerts on stdout.
// No state, no sinks: the same documents the daemon would deliver.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

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

namespace {

// One input read and matched: its items and what fired on each, or why it could not be read;
// with --explain, what to print for it.
struct matched_input {
  input_items items;
  std::vector<std::vector<engine::rule_match>> fired;  ///< per item
  std::string why;  ///< not empty: the input could not be read
  std::string explained;
};

void match_input(const engine::ruleset& rs, const std::string& in, bool explain,
                 matched_input& out) {
  if (!load_input(in, out.items, out.why)) {
    if (out.why.empty()) out.why = "cannot be read";
    return;
  }
  out.fired.reserve(out.items.items.size());
  for (const auto& it : out.items.items) {
    out.fired.push_back(engine::match(rs, it));
    if (explain) {
      std::ostringstream x;
      x << "# explain: " << in << ": " << (it.title.empty() ? it.id : it.title) << '\n';
      for (const auto& e : engine::explain(rs, it))
        x << (e.fired ? "FIRED  " : "-      ") << e.explained_rule->id << '\n'
          << engine::format_explain(e.tree, 2);
      x << '\n';
      out.explained += x.str();
    }
  }
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
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  if (a.has("-j")) {
    const std::string j = a.get("-j");
    char* end = nullptr;
    const long n = std::strtol(j.c_str(), &end, 10);
    if (j.empty() || *end != '\0' || n < 1 || n > 256) {
      std::fprintf(stderr, "sanctwatch match: -j must be a number from 1 to 256, not '%s'\n",
                   j.c_str());
      return usage_error;
    }
    jobs = static_cast<unsigned>(n);
  }
  const auto loaded = tested_rules(a, "match");
  if (!loaded) return usage_error;
  const auto& rs = *loaded;
  const bool explain = a.has("--explain");
  const auto& inputs = a.positional;
  // Standard input is read once, in order: never by a worker.
  if (std::find(inputs.begin(), inputs.end(), "-") != inputs.end()) jobs = 1;
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(inputs.size()));

  bool found = false;
  int rc = ok;
  // One alert per story: every rule that fired on it, its entities, its evidence. Stories
  // are grouped in input order whatever order the workers finish in, so the output is the
  // same for every -j.
  service::story_groups stories;
  const auto take = [&](const std::string& in, matched_input& m) {
    if (!m.why.empty()) {
      std::fprintf(stderr, "sanctwatch match: %s: %s\n", in.c_str(), m.why.c_str());
      rc = usage_error;
      return;
    }
    for (std::size_t i = 0; i < m.items.items.size(); ++i)
      if (!m.fired[i].empty()) {
        found = true;
        stories.add(m.items.items[i], m.items.feed, std::move(m.fired[i]));
      }
    if (explain) std::cout << m.explained << std::flush;
  };
  // Inputs go to the workers in windows of a few per worker, taken in input order, so at
  // most one window of parsed inputs is held at once.
  const std::size_t window = jobs == 1 ? 1 : 4 * static_cast<std::size_t>(jobs);
  for (std::size_t from = 0; from < inputs.size(); from += window) {
    const std::size_t to = std::min(inputs.size(), from + window);
    std::vector<matched_input> done(to - from);
    if (jobs == 1) {
      for (std::size_t i = from; i < to; ++i) match_input(rs, inputs[i], explain, done[i - from]);
    } else {
      std::atomic<std::size_t> next{from};
      std::vector<std::thread> workers;
      for (unsigned w = 0; w < jobs; ++w)
        workers.emplace_back([&] {
          for (std::size_t i; (i = next.fetch_add(1)) < to;)
            match_input(rs, inputs[i], explain, done[i - from]);
        });
      for (auto& t : workers) t.join();
    }
    for (std::size_t i = from; i < to; ++i) take(inputs[i], done[i - from]);
  }
  print_story_alerts(stories, rs, format);
  // Like grep: 1 when something was found, 0 when not, 2 for errors.
  return rc != ok ? rc : found ? findings : ok;
}

}  // namespace sanctwatch::cli
