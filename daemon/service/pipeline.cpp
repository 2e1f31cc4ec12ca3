#include "service/pipeline.hpp"

#include <algorithm>
#include <set>

#include "core/hash.hpp"
#include "core/log.hpp"
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

// Adds what a later copy of a story found to the story's alert: rules that had not fired on
// it, entities it did not name, a higher severity, their evidence sentences first. Sources are
// added by the caller.
void merge_findings(pending_revision& pr, const std::vector<engine::rule_match>& fired,
                    std::size_t max_sentences) {
  auto& j = pr.document;
  if (!j.contains("rules") || !j["rules"].is_array()) j["rules"] = nlohmann::json::array();
  if (!j.contains("entities") || !j["entities"].is_array()) j["entities"] = nlohmann::json::array();
  std::set<std::string> have;
  for (const auto& r : j["rules"])
    if (r.is_object()) have.insert(r.value("id", ""));
  std::set<std::pair<std::string, std::string>> named;
  for (const auto& e : j["entities"])
    if (e.is_object()) named.insert({e.value("list", ""), e.value("id", "")});
  const auto before = parse_severity(j.value("severity", "info")).value_or(severity::info);
  severity level = before;
  std::vector<const engine::rule_match*> fresh;
  for (const auto* m : engine::headline_order(fired)) {
    const auto& r = *m->matched_rule;
    bool adds = false;
    if (have.insert(r.id).second) {
      j["rules"].push_back(engine::rule_json(r));
      pr.rules_added.push_back(r.id);
      level = std::max(level, r.level);
      auto& tags = j["tags"];
      if (!tags.is_array()) tags = nlohmann::json::array();
      for (const auto& t : r.tags)
        if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
      adds = true;
    }
    for (const auto& e : m->entities)
      if (named.insert({e.list, e.id}).second) {
        j["entities"].push_back(engine::entity_json(e));
        pr.entities_added.push_back(e.id);
        adds = true;
      }
    if (adds) fresh.push_back(m);
  }
  if (fresh.empty()) return;
  pr.changed = true;
  if (level > before) {
    if (pr.severity_from.empty()) pr.severity_from = std::string(to_string(before));
    j["severity"] = std::string(to_string(level));
  }
  // Most severe rule first, as a new alert lists them.
  auto& rules = j["rules"];
  std::stable_sort(rules.begin(), rules.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    auto lv = [](const nlohmann::json& r) {
      return parse_severity(r.is_object() ? r.value("severity", "info") : "info")
          .value_or(severity::info);
    };
    return lv(a) > lv(b);
  });
  // The new findings' sentences first, then the ones already shown, each once.
  nlohmann::json ev = engine::evidence_json(fresh, max_sentences);
  if (j.contains("evidence") && j["evidence"].is_array())
    for (const auto& e : j["evidence"]) {
      if (ev.size() >= max_sentences) break;
      if (std::none_of(ev.begin(), ev.end(), [&](const nlohmann::json& x) {
            return x.value("text", "") == e.value("text", "") &&
                   x.value("field", "") == e.value("field", "");
          }))
        ev.push_back(e);
    }
  j["evidence"] = std::move(ev);
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
  // Until the step commits, no other daemon sharing the state assigns a story: two copies of
  // one story polled at the same moment by two daemons join one story, and make one alert.
  db_.serialize(store::store::work::stories);
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
    // `changes`: what this revision brings beyond sources. Machine sinks take every revision
    // (they replace the alert by id); people get one only when it reports something new.
    if (!pr.rules_added.empty() || !pr.entities_added.empty() || !pr.severity_from.empty()) {
      nlohmann::json c = {{"rules_added", pr.rules_added}, {"entities_added", pr.entities_added}};
      if (!pr.severity_from.empty()) c["severity_from"] = pr.severity_from;
      j["changes"] = std::move(c);
    } else {
      j.erase("changes");
    }
    const bool silenced = apply_silences(p, j, now);
    store::alert_update u{pr.alert_id, pr.revision, dump(j), now, {}};
    if (auto view = sinks::view_of(u.document))
      for (const auto& s : sinks_)
        if (s->takes_alerts() && (!silenced || s->takes_silenced()) && (s->supports_updates()
                                      ? s->accepts(*view)
                                      : view->has_changes() && s->accepts_changes(*view)))
          (s->digest() ? u.digests : u.sinks).push_back(s->name());
    db_.add_revision(u);
    ++p.stats.updates;
    pr.changed = false;
    pr.rules_added.clear();
    pr.entities_added.clear();
    pr.severity_from.clear();
    ++pr.revision;
  }
}

std::vector<sinks::silence> active_silences(store::store& db, timestamp now) {
  std::vector<sinks::silence> out;
  for (auto& r : db.silences(now)) {
    auto m = sinks::parse_matchers(r.matchers);
    if (!m) {
      log::warning("silence " + r.id + " left out: " + m.err().message);
      continue;
    }
    out.push_back({std::move(r.id), std::move(m.value()), r.starts_at, r.ends_at,
                   std::move(r.comment), std::move(r.created_by), r.created_at});
  }
  return out;
}

bool pipeline::apply_silences(pipeline_progress& p, nlohmann::json& alert, timestamp now) {
  if (!p.silences) p.silences = active_silences(db_, now);
  alert.erase("silenced");
  alert.erase("silenced_by");
  if (p.silences->empty()) return false;
  const auto ids = sinks::silencing(*p.silences, alert);
  if (ids.empty()) return false;
  alert["silenced"] = true;
  alert["silenced_by"] = ids;
  return true;
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
    if (!fired.empty()) {
      // A later copy of a story that already has its alert (or an edit of its item): one
      // more source and whatever it found that the alert did not have, announced with the
      // story's other new copies as one revision when the document is through. The alert's
      // document is read once per document, not once per copy.
      auto pit = p.pending.find(story.id);
      if (pit == p.pending.end())
        if (const auto existing = db_.alert_for_story(story.id)) {
          auto j = nlohmann::json::parse(existing->document, nullptr, false);
          if (!j.is_object()) j = nlohmann::json::object();
          if (!j.contains("sources") || !j["sources"].is_array())
            j["sources"] = nlohmann::json::array();
          pending_revision pr;
          pr.alert_id = existing->alert_id;
          pr.revision = existing->revision + 1;
          pr.document = std::move(j);
          pit = p.pending.emplace(story.id, std::move(pr)).first;
        }
      if (pit != p.pending.end()) {
        auto& pr = pit->second;
        const std::size_t rules_before = pr.rules_added.size();
        merge_findings(pr, fired, max_sentences_);
        auto& sources = pr.document["sources"];
        if (!listed(sources, feed.id, it)) {
          if (sources.size() < max_listed_sources) sources.push_back(source_entry(feed.id, it));
          pr.changed = true;
        }
        store::alert_update u{pr.alert_id, 0, {}, now, {}};  // the source, announced later
        u.rules.assign(pr.rules_added.begin() + std::ptrdiff_t(rules_before), pr.rules_added.end());
        for (const auto& r : u.rules) stats.rules_fired.push_back(r);
        updates.push_back(std::move(u));
      } else {
        nlohmann::json j =
            engine::make_alert(fired, it, ref, {story.item_id, story.feed_id}, rules.hash, now,
                               producer, {{feed.id, it.link, it.published}}, max_sentences_);
        const bool silenced = apply_silences(p, j, now);
        const std::string document = dump(j);
        auto view = sinks::view_of(document);
        store::alert_record a;
        a.id = view->id;
        a.rule_id = view->rule_id;
        for (const auto& r : view->rules) a.rules.push_back(r.id);
        a.severity = std::string(to_string(view->level));
        a.story_id = story.id;
        a.document = document;
        a.created_at = now;
        for (const auto& s : sinks_)
          if (s->takes_alerts() && (!silenced || s->takes_silenced()) && s->accepts(*view))
            (s->digest() ? a.digests : a.sinks).push_back(s->name());
        for (const auto& r : a.rules) stats.rules_fired.push_back(r);
        alerts.push_back(std::move(a));
      }
    }
    stats.alerts += static_cast<int>(alerts.size());
    store::item_record rec{feed.id, key, hash, now, stories_.enabled ? story.id : std::string()};
    if (keep_text_) {
      rec.text = &it;
      rec.feed_title = ref.title;
      rec.feed_url = ref.url;
    }
    db_.record(rec, alerts, updates);
  }
  db_.touch(feed.id, unchanged, now);
  p.done = p.next >= doc.items.size();
  if (p.done) announce(p, now);
  tx.commit();
}

}  // namespace sanctwatch::service
