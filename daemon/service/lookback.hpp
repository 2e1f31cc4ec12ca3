#pragma once
/// Look-back screening: when a list refresh adds entities, the items kept in the store
/// (state.text_retention) of the last `lookback` are screened for those entities only, and
/// a hit raises an alert marked `"lookback": true` ("designated today, in the news on …"),
/// once per story: the (list, entity, item) pairs an alert stood for are recorded with it, so
/// a restart or the next refresh never raises them again.
///
/// The list refresher calls run_lookback() with the list's name and the entities the
/// refresh added, after the new list is swapped in. Runs on the daemon's io_context thread
/// (it reads and writes the store); 10,000 kept items against 100 new names take well under a
/// second (bench/service/bench_lookback.cpp, docs/performance.md).

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/alert.hpp"
#include "engine/load.hpp"
#include "engine/match.hpp"
#include "entities/entity.hpp"
#include "sinks/sink.hpp"
#include "store/store.hpp"

namespace sanctwatch::service {

/// The rules to screen a refresh's new entities with: the rule files of `rule_dirs`, with
/// entity list `list` holding only `added`, and each of `other_lists` (the configuration's
/// other lists, which rules may name) empty, so that only the new names can make an entity of
/// a configured list fire.
engine::load_outcome lookback_ruleset(const std::vector<std::string>& rule_dirs,
                                      const std::string& list, const entities::entity_list& added,
                                      const std::vector<std::string>& other_lists = {});

/// A kept item that names one or more of the new entities.
struct lookback_hit {
  store::kept_item kept;
  engine::feed_ref feed;
  /// The rules that fired with a new entity of the list, with their evidence (pointing into
  /// lookback_screening::rules).
  std::vector<engine::rule_match> fired;
  std::vector<std::string> entity_ids;  ///< the new entities it names, list order
};

struct lookback_screening {
  std::shared_ptr<const engine::ruleset> rules;  ///< keeps the hits' rule pointers valid
  std::string list;
  std::size_t screened = 0;  ///< kept items looked at
  std::vector<lookback_hit> hits;
};

/// Screens the items kept in [since, until) with `rules` and keeps every item on which a rule
/// fired naming an entity of list `list`. Reads the store only.
lookback_screening screen_kept(store::store& db, std::shared_ptr<const engine::ruleset> rules,
                               const std::string& list, timestamp since, timestamp until);

/// Raises one look-back alert per story among the hits whose (list, entity, item) pairs were
/// not raised before, routed to `sinks` like any alert, each recorded with its pairs in one
/// transaction. Returns the documents recorded.
std::vector<std::string> raise_lookback(store::store& db, const lookback_screening& s,
                                        const std::vector<std::shared_ptr<sinks::sink>>& sinks,
                                        timestamp now, std::size_t max_sentences = 3);

struct lookback_outcome {
  std::size_t screened = 0;  ///< kept items looked at
  std::size_t hits = 0;      ///< items naming a new entity (raised before or not)
  std::size_t alerts = 0;    ///< look-back alerts recorded now
  std::string error;         ///< the rules would not load; nothing was screened
};

/// The whole look-back for one refresh of list `list` (a name in `cfg.entity_lists`) that
/// added `added`: the list's `lookback` period (nothing when 0 or the list is unknown), the
/// configured rules with only the new entities, screening, and the alerts.
lookback_outcome run_lookback(store::store& db, const config::config& cfg,
                              const std::vector<std::shared_ptr<sinks::sink>>& sinks,
                              const std::string& list, const entities::entity_list& added,
                              timestamp now);

}  // namespace sanctwatch::service
