#include "service/lookback.hpp"

#include <algorithm>
#include <set>

#include "core/version.hpp"
#include "engine/alert.hpp"
#include "service/pipeline.hpp"
#include "service/story_groups.hpp"

namespace sanctwatch::service {

engine::load_outcome lookback_ruleset(const std::vector<std::string>& rule_dirs,
                                      const std::string& list, const entities::entity_list& added,
                                      const std::vector<std::string>& other_lists) {
  std::vector<engine::extra_entity_list> extra;
  engine::extra_entity_list own{list, "", list};
  own.entities = std::make_shared<const entities::entity_list>(added);
  extra.push_back(std::move(own));
  // The other lists stay known by name (a rule may name them) but screen nothing here.
  const auto none = std::make_shared<const entities::entity_list>();
  for (const auto& name : other_lists)
    if (name != list) {
      engine::extra_entity_list other{name, "", name};
      other.entities = none;
      extra.push_back(std::move(other));
    }
  return engine::load_rule_dirs(rule_dirs, std::move(extra));
}

namespace {

// Whether an expression screens entity list `list` (by index, or through entity(@*)).
bool screens(const engine::expr& e, std::uint32_t list) {
  if (e.kind == engine::expr::op::entity && (e.list == list || e.list == engine::all_entity_lists))
    return true;
  for (const auto& a : e.args)
    if (a && screens(*a, list)) return true;
  return false;
}

}  // namespace

lookback_screening screen_kept(store::store& db, std::shared_ptr<const engine::ruleset> rules,
                               const std::string& list, timestamp since, timestamp until) {
  lookback_screening out;
  out.rules = std::move(rules);
  out.list = list;
  if (!out.rules) return out;
  const engine::ruleset& rs = *out.rules;
  // Only the rules that can name an entity of the list are asked: the others' windows and
  // vetoes cost most of the time on sanctions news and can add nothing here.
  std::vector<std::uint32_t> asked;
  for (std::uint32_t l = 0; l < rs.entity_lists.size(); ++l) {
    if (rs.entity_lists[l].name != list) continue;
    for (std::uint32_t i = 0; i < rs.rules.size(); ++i)
      if (rs.rules[i].root && screens(*rs.rules[i].root, l)) asked.push_back(i);
  }
  if (asked.empty()) return out;
  db.kept_items(since, until, [&](store::kept_item&& k) {
    ++out.screened;
    lookback_hit hit;
    for (auto& m : engine::match_only(rs, k.it, asked)) {
      bool names_new = false;
      for (const auto& e : m.entities)
        if (e.list == list) {
          names_new = true;
          if (std::find(hit.entity_ids.begin(), hit.entity_ids.end(), e.id) == hit.entity_ids.end())
            hit.entity_ids.push_back(e.id);
        }
      if (names_new) hit.fired.push_back(std::move(m));
    }
    if (hit.fired.empty()) return;
    hit.feed = {k.feed_id, k.feed_title, k.feed_url};
    hit.kept = std::move(k);
    out.hits.push_back(std::move(hit));
  });
  return out;
}

std::vector<std::string> raise_lookback(store::store& db, const lookback_screening& s,
                                        const std::vector<std::shared_ptr<sinks::sink>>& sinks,
                                        timestamp now, std::size_t max_sentences) {
  std::vector<std::string> recorded;
  if (!s.rules) return recorded;
  static const engine::producer_info producer{"sanctwatch", version, engine::host_name()};
  // Copies of one story across feeds are one alert, grouped as `match` and `backtest` group.
  story_groups groups;
  std::optional<std::vector<sinks::silence>> active;  // read when the first alert is made
  for (std::size_t i = 0; i < s.hits.size(); ++i)
    groups.add(s.hits[i].kept.it, s.hits[i].feed, s.hits[i].fired, i);
  for (const auto& g : groups.groups()) {
    // An entity counts as new for the story unless a look-back alert already stood for it on
    // one of the story's copies (a restart, the next refresh, a copy kept since).
    std::vector<std::string> fresh;
    for (const auto i : g.members)
      for (const auto& e : s.hits[i].entity_ids)
        if (std::find(fresh.begin(), fresh.end(), e) == fresh.end()) fresh.push_back(e);
    std::erase_if(fresh, [&](const std::string& e) {
      return std::any_of(g.members.begin(), g.members.end(), [&](std::size_t i) {
        const auto& k = s.hits[i].kept;
        return db.lookback_raised(s.list, e, k.feed_id, k.item_key);
      });
    });
    if (fresh.empty()) continue;
    std::sort(fresh.begin(), fresh.end());
    auto doc = story_groups::alert(g, s.rules->hash, now, producer, max_sentences);
    doc["id"] = engine::lookback_alert_id(s.list, g.first.id, g.feed.id, fresh);
    doc["lookback"] = true;
    if (!active) active = active_silences(db, now);
    const auto silenced_by = sinks::silencing(*active, doc);
    if (!silenced_by.empty()) {
      doc["silenced"] = true;
      doc["silenced_by"] = silenced_by;
    }
    const std::string document = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const auto view = sinks::view_of(document);
    if (!view) continue;
    store::alert_record a;
    a.id = view->id;
    a.rule_id = view->rule_id;
    for (const auto& r : view->rules) a.rules.push_back(r.id);
    a.severity = std::string(to_string(view->level));
    // No story: later copies of the story join its own alert, never this one.
    a.document = document;
    a.created_at = now;
    for (const auto& sk : sinks)
      if ((silenced_by.empty() || sk->takes_silenced()) && sk->accepts(*view))
        (sk->digest() ? a.digests : a.sinks).push_back(sk->name());
    std::vector<store::lookback_mark> marks;
    for (const auto i : g.members) {
      const auto& h = s.hits[i];
      for (const auto& e : h.entity_ids)
        if (std::binary_search(fresh.begin(), fresh.end(), e))
          marks.push_back({s.list, e, h.kept.feed_id, h.kept.item_key});
    }
    db.record_lookback(a, marks);
    recorded.push_back(document);
  }
  return recorded;
}

lookback_outcome run_lookback(store::store& db, const config::config& cfg,
                              const std::vector<std::shared_ptr<sinks::sink>>& sinks,
                              const std::string& list, const entities::entity_list& added,
                              timestamp now) {
  lookback_outcome out;
  const auto src = std::find_if(cfg.entity_lists.begin(), cfg.entity_lists.end(),
                                [&](const config::entity_source& e) { return e.name == list; });
  if (src == cfg.entity_lists.end() || src->lookback.count() <= 0 || added.entities.empty())
    return out;
  std::vector<std::string> dirs, others;
  for (const auto& d : cfg.rules) dirs.push_back(config::resolve_path(cfg, d));
  for (const auto& e : cfg.entity_lists) others.push_back(e.name);
  auto loaded = lookback_ruleset(dirs, list, added, others);
  if (!loaded.rules) {
    for (const auto& e : loaded.errors) out.error += engine::format_error(e);
    return out;
  }
  // Items recorded up to the refresh itself (the second it happened in included).
  const auto screened =
      screen_kept(db, loaded.rules, list, now - src->lookback, now + std::chrono::seconds{1});
  out.screened = screened.screened;
  out.hits = screened.hits.size();
  out.alerts =
      raise_lookback(db, screened, sinks, now, std::size_t(std::max(1, cfg.alerts.max_evidence)))
          .size();
  return out;
}

}  // namespace sanctwatch::service
