// `sanctwatch backtest`: a rule set (a new or edited rule) over the item texts the state keeps
// (state.text_retention), printing the alerts it would have raised. Nothing is recorded and
// nothing is sent: the items are grouped into stories and turned into documents exactly as
// `match` does with the same texts.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "config/config.hpp"
#include "core/time.hpp"
#include "engine/load.hpp"
#include "engine/match.hpp"
#include "feed/date.hpp"
#include "service/runtime.hpp"
#include "service/story_groups.hpp"
#include "store/store.hpp"

namespace sanctwatch::cli {

int run_backtest(const args& a) {
  const std::string format = a.get("--format", "json");
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "sanctwatch backtest: --format must be json or text\n");
    return usage_error;
  }
  if (!a.positional.empty()) {
    std::fprintf(stderr, "sanctwatch backtest: unexpected argument '%s'\n",
                 a.positional.front().c_str());
    return usage_error;
  }
  const auto now = now_utc();
  const std::string since_arg = a.get("--since", "30d");
  std::optional<timestamp> since;
  if (auto d = config::parse_duration(since_arg))
    since = now - *d;
  else
    since = feed::parse_date(since_arg);
  if (!since) {
    std::fprintf(stderr, "sanctwatch backtest: --since '%s' is neither a date nor a duration\n",
                 since_arg.c_str());
    return usage_error;
  }

  const std::string cfg_path = config_path(a);
  std::string bytes, why;
  if (!read_input(cfg_path, bytes, why)) {
    std::fprintf(stderr, "sanctwatch backtest: %s: %s\n", cfg_path.c_str(), why.c_str());
    return usage_error;
  }
  const auto parsed = config::parse(bytes, cfg_path);
  if (!parsed.ok()) {
    std::fputs(format_diagnostics(parsed.errors).c_str(), stderr);
    return usage_error;
  }
  const config::config& cfg = parsed.value;

  // The rules: --rules, else the config's; the config's entity lists as the daemon loads them,
  // plus --entities for this run.
  std::vector<std::string> dirs = a.all("--rules");
  if (dirs.empty())
    for (const auto& d : cfg.rules) dirs.push_back(config::resolve_path(cfg, d));
  if (dirs.empty()) {
    std::fprintf(stderr, "sanctwatch backtest: %s names no rules directories; give --rules DIR\n",
                 cfg_path.c_str());
    return usage_error;
  }
  std::vector<engine::extra_entity_list> extra;
  for (const auto& e : cfg.entity_lists) {
    if (e.source.find("://") != std::string::npos) {
      std::fprintf(stderr, "sanctwatch backtest: entity list '%s' comes from a URL: not screened\n",
                   e.name.c_str());
      continue;
    }
    extra.push_back({e.name, e.format, config::resolve_path(cfg, e.source)});
  }
  for (const auto& spec : a.all("--entities")) {
    auto x = engine::parse_entity_spec(spec);
    if (!x) {
      std::fprintf(
          stderr, "sanctwatch backtest: --entities wants FORMAT:PATH, e.g. ofac-sdn-csv:sdn.csv\n");
      return usage_error;
    }
    extra.push_back(std::move(*x));
  }
  const auto rules = tested_rules(dirs, extra);
  if (!rules) return usage_error;

  service::story_groups stories;
  std::int64_t screened = 0;
  const auto state = service::state_access_for(cfg);
  if (!state) {
    std::fprintf(stderr, "sanctwatch backtest: %s\n", state.err().message.c_str());
    return usage_error;
  }
  try {
    store::store db(state->location, state->password);
    db.kept_items(*since, std::nullopt, [&](store::kept_item&& k) {
      ++screened;
      auto fired = engine::match(*rules, k.it);
      if (!fired.empty())
        stories.add(k.it, {k.feed_id, k.feed_title, k.feed_url}, std::move(fired));
    });
  } catch (const store::db_error& e) {
    std::fprintf(stderr, "sanctwatch backtest: state database: %s\n", e.what());
    return usage_error;
  }
  print_story_alerts(stories, *rules, format);
  std::fprintf(stderr, "sanctwatch backtest: %lld kept items since %s, %zu alerts\n",
               static_cast<long long>(screened), format_rfc3339(*since).c_str(),
               stories.groups().size());
  return stories.empty() ? ok : findings;
}

}  // namespace sanctwatch::cli
