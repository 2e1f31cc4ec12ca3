#include "service/pipeline.hpp"

#include "core/hash.hpp"
#include "core/version.hpp"
#include "engine/alert.hpp"
#include "engine/match.hpp"

namespace sanctwatch::service {

std::string item_key(const item& it) { return hex64(fnv1a64(it.id)); }

std::string content_hash(const item& it) {
  // Only what rules can see: a new date or a reordered category list is not new content.
  std::uint64_t h = fnv1a64(it.title);
  for (const std::string* s : {&it.summary, &it.content, &it.link}) h = fnv1a64(*s, fnv1a64("\x1f", h));
  for (const auto& a : it.authors) h = fnv1a64(a, fnv1a64("\x1e", h));
  for (const auto& c : it.categories) h = fnv1a64(c, fnv1a64("\x1d", h));
  return hex64(h);
}

pipeline::pipeline(store::store& db, std::vector<std::shared_ptr<sinks::sink>> sinks)
    : db_(db), sinks_(std::move(sinks)) {}

pipeline_stats pipeline::process(const feed_identity& feed, const feed_document& doc,
                                 timestamp now) {
  pipeline_stats stats;
  stats.items = static_cast<int>(doc.items.size());
  if (!rules_) return stats;
  static const engine::producer_info producer{"sanctwatch", version, engine::host_name()};
  const engine::feed_ref ref{feed.id, feed.title.empty() ? doc.feed.title : feed.title, feed.url};

  std::vector<std::string> unchanged;
  for (const auto& it : doc.items) {
    const std::string key = item_key(it);
    const std::string hash = content_hash(it);
    const auto seen = db_.content_hash(feed.id, key);
    if (seen && *seen == hash) {
      unchanged.push_back(key);
      continue;
    }
    (seen ? stats.changed : stats.new_items)++;
    const auto fired_before = seen ? db_.fired_rules(feed.id, key) : std::set<std::string>{};

    std::vector<store::alert_record> alerts;
    for (const auto& m : engine::match(*rules_, it)) {
      const auto& r = *m.matched_rule;
      if (fired_before.count(r.id)) continue;
      const std::string document =
          engine::make_alert(m, it, ref, rules_->hash, now, producer).dump(
              -1, ' ', false, nlohmann::json::error_handler_t::replace);
      auto view = sinks::view_of(document);
      store::alert_record a;
      a.id = view->id;
      a.rule_id = r.id;
      a.severity = std::string(to_string(r.level));
      a.document = document;
      a.created_at = now;
      for (const auto& s : sinks_)
        if (s->accepts(*view)) a.sinks.push_back(s->name());
      stats.rules_fired.push_back(a.rule_id);
      alerts.push_back(std::move(a));
    }
    stats.alerts += static_cast<int>(alerts.size());
    db_.record({feed.id, key, hash, now}, alerts);
  }
  db_.touch(feed.id, unchanged, now);
  return stats;
}

}  // namespace sanctwatch::service
