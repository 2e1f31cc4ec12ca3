#pragma once
/// Items gathered into stories and turned into alert documents the way `sanctwatch match`
/// does it, for every command that shows what rules would raise without recording anything
/// (`match`, `backtest`) and for look-back screening: items telling one story (the same
/// canonical link, or near-duplicate text, as the daemon groups them) make one alert, its
/// first item named, every copy a source, every rule that fired on any copy reported.
/// Not thread-safe; cheap to make.

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/item.hpp"
#include "engine/alert.hpp"
#include "engine/match.hpp"
#include "story/fingerprint.hpp"

namespace sanctwatch::service {

class story_groups {
 public:
  struct group {
    item first;
    engine::feed_ref feed;
    std::string link;  ///< canonical
    story::signature sig;
    std::vector<engine::rule_match> fired;
    std::vector<engine::source_ref> sources;
    std::size_t copies = 0;
    std::vector<std::size_t> members;  ///< the tokens add() was given for its items
  };

  /// Adds an item from `feed` on which `fired` (not empty) fired, to the story it tells;
  /// `token` is the caller's name for the item (returned in group::members).
  void add(const item& it, const engine::feed_ref& feed, std::vector<engine::rule_match> fired,
           std::size_t token = 0);

  /// The stories, in the order their first items came.
  const std::vector<group>& groups() const { return groups_; }
  bool empty() const { return groups_.empty(); }

  /// The alert document of one story, as `match` prints it.
  static nlohmann::json alert(const group& g, const std::string& ruleset_hash, timestamp now,
                              const engine::producer_info& producer, std::size_t max_sentences = 3);

 private:
  std::vector<group> groups_;
};

}  // namespace sanctwatch::service
