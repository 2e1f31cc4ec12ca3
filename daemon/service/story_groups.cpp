#include "service/story_groups.hpp"

#include <algorithm>

#include "story/link.hpp"

namespace sanctwatch::service {

void story_groups::add(const item& it, const engine::feed_ref& feed,
                       std::vector<engine::rule_match> fired, std::size_t token) {
  const std::string link = story::canonical_link(it.link);
  auto sig = story::fingerprint(story::story_text(it));
  group* g = nullptr;
  for (auto& x : groups_) {
    if ((!link.empty() && x.link == link) ||
        (!sig.empty() && story::similarity(sig, x.sig) >= story::same_story_similarity)) {
      g = &x;
      break;
    }
  }
  if (!g) {
    groups_.push_back({it, feed, link, std::move(sig), {}, {}, 0, {}});
    g = &groups_.back();
  }
  g->members.push_back(token);
  for (auto& m : fired)
    if (std::none_of(g->fired.begin(), g->fired.end(),
                     [&](const engine::rule_match& x) { return x.matched_rule == m.matched_rule; }))
      g->fired.push_back(std::move(m));
  // The same outlet twice (one feed given twice) is one source.
  const bool listed = std::any_of(g->sources.begin(), g->sources.end(), [&](const auto& x) {
    return x.feed == feed.id && story::canonical_link(x.link) == link;
  });
  if (!listed) {
    if (g->sources.size() < 100) g->sources.push_back({feed.id, it.link, it.published});
    ++g->copies;
  }
}

nlohmann::json story_groups::alert(const group& g, const std::string& ruleset_hash, timestamp now,
                                   const engine::producer_info& producer,
                                   std::size_t max_sentences) {
  auto doc = engine::make_alert(g.fired, g.first, g.feed, {g.first.id, g.feed.id}, ruleset_hash,
                                now, producer, g.sources, max_sentences);
  doc["sources_total"] = g.copies;
  return doc;
}

}  // namespace sanctwatch::service
