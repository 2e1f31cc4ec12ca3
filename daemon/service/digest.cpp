#include "service/digest.hpp"

#include <algorithm>

#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "core/version.hpp"

namespace sanctwatch::service {
namespace {

using json = nlohmann::json;

severity level_of(const json& doc) {
  const auto s = doc.find("severity");
  return s != doc.end() && s->is_string()
             ? parse_severity(s->get<std::string>()).value_or(severity::info)
             : severity::info;
}

std::string headline_rule(const json& doc) {
  const auto r = doc.find("rules");
  if (r == doc.end() || !r->is_array() || r->empty() || !(*r)[0].is_object()) return {};
  return (*r)[0].value("id", "");
}

// Adds the strings of `from` not yet in `to` (both arrays).
void add_new(json& to, const json& from) {
  if (!from.is_array()) return;
  for (const auto& x : from)
    if (x.is_string() && std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
}

// One alert of a digest: its entries folded together.
struct folded {
  json doc;  // the latest revision's document
  int latest = -1;
  bool is_new = false;  // revision 0 is among the entries
  std::size_t updates = 0;
  json rules_added = json::array(), entities_added = json::array();
  std::string severity_from;  // from the first update that raised it
};

}  // namespace

json make_digest(const std::string& sink, std::chrono::seconds period,
                 const std::vector<store::queued_entry>& entries, timestamp now) {
  std::vector<folded> alerts;
  std::map<std::string, std::size_t> index;
  // The id hashes the sink (length-prefixed), the time and the members: an entry is sealed
  // once, so its members name the digest, and the time keeps a later digest of an alert
  // recorded again (after retention forgot it) from reusing the id.
  std::uint64_t h = fnv1a64(std::to_string(sink.size()) + ":" + sink + ";" + format_rfc3339(now));
  for (const auto& e : entries) {
    h = fnv1a64(e.alert_id + ":" + std::to_string(e.revision) + ";", h);
    json doc = json::parse(e.document, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) continue;
    auto [at, fresh] = index.emplace(e.alert_id, alerts.size());
    if (fresh) alerts.emplace_back();
    folded& f = alerts[at->second];
    if (e.revision == 0) {
      f.is_new = true;
    } else {
      ++f.updates;
      if (const auto c = doc.find("changes"); c != doc.end() && c->is_object()) {
        add_new(f.rules_added, c->value("rules_added", json::array()));
        add_new(f.entities_added, c->value("entities_added", json::array()));
        if (f.severity_from.empty()) f.severity_from = c->value("severity_from", "");
      }
    }
    if (e.revision > f.latest) {
      f.latest = e.revision;
      f.doc = std::move(doc);
    }
  }
  // Most severe first; at equal severity by headline rule (so a rule's alerts sit together),
  // then as they came.
  std::stable_sort(alerts.begin(), alerts.end(), [](const folded& a, const folded& b) {
    const auto la = level_of(a.doc), lb = level_of(b.doc);
    if (la != lb) return la > lb;
    return headline_rule(a.doc) < headline_rule(b.doc);
  });
  severity level = severity::info;
  json list = json::array();
  for (auto& f : alerts) {
    level = std::max(level, level_of(f.doc));
    json entry = {{"new", f.is_new}, {"updates", f.updates}};
    if (!f.is_new &&
        (!f.rules_added.empty() || !f.entities_added.empty() || !f.severity_from.empty())) {
      json c = {{"rules_added", f.rules_added}, {"entities_added", f.entities_added}};
      if (!f.severity_from.empty()) c["severity_from"] = f.severity_from;
      entry["changes"] = std::move(c);
    }
    entry["alert"] = std::move(f.doc);
    list.push_back(std::move(entry));
  }
  static const json producer = {{"name", "sanctwatch"}, {"version", version}};
  return {{"schema", "sanctwatch.digest/1"},
          {"type", "digest"},
          {"id", "digest-" + hex64(h)},
          {"sink", sink},
          {"created_at", format_rfc3339(now)},
          {"period_start", format_rfc3339(entries.empty() ? now : entries.front().added_at)},
          {"period_end", format_rfc3339(now)},
          {"period_seconds", period.count()},
          {"severity", std::string(to_string(level))},
          {"alerts_total", list.size()},
          {"alerts", std::move(list)},
          {"producer", producer}};
}

int seal_due_digests(store::store& db,
                     const std::map<std::string, std::shared_ptr<sinks::sink>>& sinks,
                     timestamp now) {
  int sealed = 0;
  for (const auto& open : db.open_digests()) {
    const auto it = sinks.find(open.sink);
    if (it == sinks.end()) continue;  // kept for a later config, as its outbox rows are
    const auto& period = it->second->digest();
    if (!period || !it->second->takes_digests()) {
      // The sink delivers each alert as it comes now: so do its queued ones.
      const int n = db.release_queued(open.sink, now);
      log::info("sink " + open.sink + " collects no digest now: " + std::to_string(n) +
                " queued alert(s) released to it one by one");
      continue;
    }
    if (open.oldest + *period > now) continue;
    // Read and sealed in one transaction: the entries the document lists are the entries the
    // seal takes. Daemons sharing the state seal one at a time, and one that waited finds
    // the entries taken (or only younger ones, not due yet): each digest is built once.
    store::store::batch tx(db);
    db.serialize(store::store::work::digests);
    const auto entries = db.queued(open.sink, now);
    if (entries.empty() || entries.front().added_at + *period > now) continue;
    const json doc = make_digest(open.sink, *period, entries, now);
    const auto& list = doc["alerts"];
    store::digest_record d{doc["id"].get<std::string>(),
                           open.sink,
                           list.empty() ? std::string() : headline_rule(list[0]["alert"]),
                           doc["severity"].get<std::string>(),
                           doc.dump(-1, ' ', false, json::error_handler_t::replace),
                           now};
    const int taken = db.seal_digest(d, now);
    tx.commit();
    ++sealed;
    log::info("digest " + d.id + " for " + open.sink + ": " + std::to_string(doc["alerts"].size()) +
              " alert(s) from " + std::to_string(taken) + " queued entr" +
              (taken == 1 ? "y" : "ies"));
  }
  return sealed;
}

std::optional<timestamp> next_digest_due(
    store::store& db, const std::map<std::string, std::shared_ptr<sinks::sink>>& sinks) {
  std::optional<timestamp> next;
  for (const auto& open : db.open_digests()) {
    const auto it = sinks.find(open.sink);
    if (it == sinks.end()) continue;
    const auto& period = it->second->digest();
    const timestamp due =
        period && it->second->takes_digests() ? open.oldest + *period : open.oldest;
    if (!next || due < *next) next = due;
  }
  return next;
}

}  // namespace sanctwatch::service
