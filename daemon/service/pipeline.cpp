#include "service/pipeline.hpp"

#include "core/hash.hpp"
#include "core/time.hpp"
#include "core/version.hpp"
#include "engine/alert.hpp"
#include "engine/match.hpp"
#include "story/fingerprint.hpp"
#include "story/link.hpp"

namespace sanctwatch::service {
namespace {

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json source_entry(const std::string& feed_id, const item& it) {
  return {{"feed", feed_id},
          {"link", it.link.empty() ? nlohmann::json() : nlohmann::json(it.link)},
          {"published",
           it.published ? nlohmann::json(format_rfc3339(*it.published)) : nlohmann::json()}};
}

// Whether `sources` already lists this outlet of the story: the same feed with the same
// canonical link (a feed re-publishing an item under a new guid is not a new outlet).
bool listed(const nlohmann::json& sources, const std::string& feed_id, const item& it) {
  const std::string link = story::canonical_link(it.link);
  for (const auto& s : sources) {
    if (!s.is_object() || s.value("feed", "") != feed_id) continue;
    const auto l = s.find("link");
    const std::string other = l != s.end() && l->is_string() ? l->get<std::string>() : "";
    if (story::canonical_link(other) == link) return true;
  }
  return false;
}

}  // namespace

std::string item_key(const item& it) { return hex64(fnv1a64(it.id)); }

std::string content_hash(const item& it) {
  // Only what rules can see: a new date or a reordered category list is not new content.
  std::uint64_t h = fnv1a64(it.title);
  for (const std::string* s : {&it.summary, &it.content, &it.link})
    h = fnv1a64(*s, fnv1a64("\x1f", h));
  for (const auto& a : it.authors) h = fnv1a64(a, fnv1a64("\x1e", h));
  for (const auto& c : it.categories) h = fnv1a64(c, fnv1a64("\x1d", h));
  return hex64(h);
}

std::string story_id(const std::string& feed_id, const item& it) {
  // Length-prefixed, so ("a", "bc") and ("ab", "c") differ.
  return hex64(fnv1a64(it.id, fnv1a64(std::to_string(feed_id.size()) + ":" + feed_id + ";")));
}

pipeline::pipeline(store::store& db, std::vector<std::shared_ptr<sinks::sink>> sinks,
                   story_settings stories)
    : db_(db), sinks_(std::move(sinks)), stories_(stories) {}

store::story_record pipeline::assign_story(const std::string& feed_id, const item& it,
                                           const std::string& key, bool seen, timestamp now) {
  store::story_record own{story_id(feed_id, it), feed_id, it.id, {}, {}, now, now};
  if (!stories_.enabled) return own;
  const std::string link = story::canonical_link(it.link);
  const auto join = [&](store::story_record s) {
    db_.join_story(s.id, link, now);
    return s;
  };
  // An edited item stays in its story, even if the edit moved its text away.
  if (seen)
    if (const auto sid = db_.item_story(feed_id, key))
      if (auto s = db_.story(*sid)) return join(std::move(*s));
  const timestamp since = now - stories_.window;
  if (!link.empty())
    if (auto s = db_.story_by_link(link, since)) return join(std::move(*s));
  const auto sig = story::fingerprint(story::story_text(it));
  if (!sig.empty()) {
    std::optional<store::story_record> best;
    double best_similarity = story::same_story_similarity;
    for (auto& c : db_.story_candidates(story::band_keys(sig), since)) {
      const double sim = story::similarity(sig, story::from_bytes(c.signature));
      if (sim >= best_similarity && (!best || sim > best_similarity)) {
        best_similarity = sim;
        best = std::move(c);
      }
    }
    if (best) return join(std::move(*best));
  }
  own.signature = story::to_bytes(sig);
  own.band_keys = story::band_keys(sig);
  db_.add_story(own, link);
  return own;
}

pipeline_stats pipeline::process(const feed_identity& feed, const feed_document& doc,
                                 timestamp now) {
  pipeline_progress p;
  while (!p.done) process_some(feed, doc, now, p);
  return p.stats;
}

void pipeline::announce(pipeline_progress& p, timestamp now) {
  for (auto& [key, pr] : p.pending) {
    if (!pr.changed) continue;
    auto& j = pr.document;
    j["type"] = "alert.updated";
    j["revision"] = pr.revision;
    j["updated_at"] = format_rfc3339(now);
    j["sources_total"] = db_.source_count(pr.alert_id);
    store::alert_update u{pr.alert_id, pr.revision, dump(j), now, {}};
    if (auto view = sinks::view_of(u.document))
      for (const auto& s : sinks_)
        if (s->supports_updates() && s->accepts(*view)) u.sinks.push_back(s->name());
    db_.add_revision(u);
    ++p.stats.updates;
    pr.changed = false;
    ++pr.revision;
  }
}

void pipeline::finish_early(pipeline_progress& p, timestamp now) {
  if (!p.pending.empty()) {
    store::store::batch tx(db_);
    announce(p, now);
    tx.commit();
  }
  p.done = true;
}

void pipeline::process_some(const feed_identity& feed, const feed_document& doc, timestamp now,
                            pipeline_progress& p) {
  if (!p.started) {
    p.started = true;
    p.stats.items = static_cast<int>(doc.items.size());
    p.rules = rules_;
  }
  if (!p.rules || p.next >= doc.items.size()) {
    p.done = true;
    return;
  }
  pipeline_stats& stats = p.stats;
  const engine::ruleset& rules = *p.rules;
  static const engine::producer_info producer{"sanctwatch", version, engine::host_name()};
  const engine::feed_ref ref{feed.id, feed.title.empty() ? doc.feed.title : feed.title, feed.url};

  // The step is one transaction: a commit per item made a 20,000-item feed spend most of its
  // time in file locks and WAL writes, and a bounded step keeps the write lock short for other
  // readers and writers. Each item's story lookup reads what its record writes; a crash or an
  // error anywhere in the step leaves none of it, and its items are simply new again.
  store::store::batch tx(db_);
  std::vector<std::string> unchanged;
  const std::size_t end = std::min(doc.items.size(), p.next + pipeline_progress::step_items);
  const auto deadline = std::chrono::steady_clock::now() + pipeline_progress::step_time;
  std::size_t worked = 0;  // items matched in this step; at least one per step
  for (; p.next < end; ++p.next) {
    const item& it = doc.items[p.next];
    const std::string key = item_key(it);
    const std::string hash = content_hash(it);
    const auto seen = db_.content_hash(feed.id, key);
    if (seen && *seen == hash) {
      unchanged.push_back(key);
      continue;
    }
    if (p.max_new && std::size_t(stats.new_items + stats.changed) >= p.max_new) {
      // Over the feed's cap for one poll: left unseen, so the next poll takes it.
      ++p.deferred;
      continue;
    }
    if (worked > 0 && std::chrono::steady_clock::now() >= deadline) break;  // next step
    ++worked;
    (seen ? stats.changed : stats.new_items)++;
    const auto fired_before = seen ? db_.fired_rules(feed.id, key) : std::set<std::string>{};
    std::vector<engine::rule_match> fired;
    for (auto& m : engine::match(rules, it))
      if (!fired_before.count(m.matched_rule->id)) fired.push_back(std::move(m));

    // Only items that fire a rule join stories: a copy that fires none has nothing to add to
    // an alert, and the story tables stay as small as the alerts.
    store::story_record story;
    if (!fired.empty()) story = assign_story(feed.id, it, key, seen.has_value(), now);

    std::vector<store::alert_record> alerts;
    std::vector<store::alert_update> updates;
    for (const auto& m : fired) {
      const auto& r = *m.matched_rule;
      if (stories_.enabled) {
        // A later copy of a story this rule already alerted on: one more source, announced
        // with the story's other new copies as one revision when the document is through.
        // The alert's document is read once per document, not once per copy.
        auto pit = p.pending.find({story.id, r.id});
        if (pit == p.pending.end())
          if (const auto existing = db_.alert_for_story(story.id, r.id)) {
            auto j = nlohmann::json::parse(existing->document, nullptr, false);
            if (!j.is_object()) j = nlohmann::json::object();
            if (!j.contains("sources") || !j["sources"].is_array())
              j["sources"] = nlohmann::json::array();
            pit = p.pending
                      .emplace(std::make_pair(story.id, r.id),
                               pending_revision{existing->alert_id, existing->revision + 1,
                                                std::move(j), false})
                      .first;
          }
        if (pit != p.pending.end()) {
          auto& pr = pit->second;
          auto& sources = pr.document["sources"];
          if (!listed(sources, feed.id, it)) {
            if (sources.size() < max_listed_sources) sources.push_back(source_entry(feed.id, it));
            pr.changed = true;
          }
          updates.push_back({pr.alert_id, 0, {}, now, {}});  // the source, announced later
          continue;
        }
      }
      nlohmann::json j = engine::make_alert(m, it, ref, rules.hash, now, producer,
                                            {{feed.id, it.link, it.published}});
      // The id is hash(rule, story); a story is named by its first item, so an alert on a
      // story of one item keeps the id it always had.
      j["id"] = engine::alert_id(r.id, story.item_id, story.feed_id);
      j["type"] = "alert.created";
      j["revision"] = 0;
      j["sources_total"] = 1;
      const std::string document = dump(j);
      auto view = sinks::view_of(document);
      store::alert_record a;
      a.id = view->id;
      a.rule_id = r.id;
      a.severity = std::string(to_string(r.level));
      a.story_id = story.id;
      a.document = document;
      a.created_at = now;
      for (const auto& s : sinks_)
        if (s->accepts(*view)) a.sinks.push_back(s->name());
      stats.rules_fired.push_back(a.rule_id);
      alerts.push_back(std::move(a));
    }
    stats.alerts += static_cast<int>(alerts.size());
    db_.record({feed.id, key, hash, now, stories_.enabled ? story.id : std::string()}, alerts,
               updates);
  }
  db_.touch(feed.id, unchanged, now);
  p.done = p.next >= doc.items.size();
  if (p.done) announce(p, now);
  tx.commit();
}

}  // namespace sanctwatch::service
