#include "sinks/digest_reading.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

// "2024-06-01T09:00:00Z" to its date and time parts, or empty ones.
struct when {
  std::string date, minute, second;
};
when split(const std::string& t) {
  if (t.size() < 19 || t[10] != 'T') return {};
  return {t.substr(0, 10), t.substr(11, 5), t.substr(11, 8)};
}

}  // namespace

result<digest_reading> read_digest(const alert_view& d, const shown_fn& shown,
                                   std::size_t max_sentence) {
  const json j = json::parse(d.document, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("alerts") || !j["alerts"].is_array())
    return error{"bad_digest", "digest " + d.id + ": document is not a digest"};
  digest_reading r;
  r.id = json_string(j, "id").empty() ? d.id : json_string(j, "id");
  r.sink = json_string(j, "sink");
  r.period_start = json_string(j, "period_start");
  r.period_end = json_string(j, "period_end");
  std::map<std::string, std::size_t> group_of;  // headline rule id -> index in r.groups
  for (const auto& e : j["alerts"]) {
    if (!e.is_object() || !e.contains("alert") || !e["alert"].is_object()) continue;
    json doc = e["alert"];
    const bool is_new = !e.contains("new") || !e["new"].is_boolean() || e["new"].get<bool>();
    // Someone who never saw the story reads it as it stands now; someone who did reads what
    // all its updates in this period brought (the digest's `changes`, not the last revision's).
    doc.erase("changes");
    if (!is_new && e.contains("changes") && e["changes"].is_object()) doc["changes"] = e["changes"];
    auto view = view_of(doc.dump(-1, ' ', false, json::error_handler_t::replace));
    if (!view || view->digest) continue;
    auto alert = read_alert(*view, shown ? shown(*view) : std::vector<fired_rule>{}, max_sentence);
    if (!alert) continue;
    digest_entry_reading entry{std::move(*alert), is_new, 0};
    if (const auto u = e.find("updates"); u != e.end() && u->is_number_unsigned())
      entry.updates = u->get<std::size_t>();
    const fired_rule rule = entry.alert.rules.empty() ? fired_rule{} : entry.alert.rules.front();
    auto [at, fresh] = group_of.emplace(rule.id, r.groups.size());
    if (fresh) r.groups.push_back({rule, entry.alert.level, {}});
    auto& g = r.groups[at->second];
    g.level = std::max(g.level, entry.alert.level);
    r.level = std::max(r.level, entry.alert.level);
    ++r.by_severity[static_cast<std::size_t>(entry.alert.level)];
    ++r.alerts;
    g.entries.push_back(std::move(entry));
  }
  if (r.alerts == 0) return error{"bad_digest", "digest " + r.id + ": no readable alert"};
  // Most severe first; at equal severity, groups and alerts keep the order they came in.
  std::stable_sort(r.groups.begin(), r.groups.end(),
                   [](const digest_group& a, const digest_group& b) { return a.level > b.level; });
  for (auto& g : r.groups)
    std::stable_sort(g.entries.begin(), g.entries.end(),
                     [](const digest_entry_reading& a, const digest_entry_reading& b) {
                       return a.alert.level > b.alert.level;
                     });
  return r;
}

std::string digest_note(const digest_entry_reading& e) {
  if (e.is_new)
    return e.updates == 0
               ? std::string()
               : count_of(e.updates, "update", "updates") + " since it was first reported";
  std::string note = e.alert.update ? "Update: " + update_text(*e.alert.update) : "Updated";
  if (e.updates > 1) note += " (" + count_of(e.updates, "update", "updates") + ")";
  return note;
}

std::string digest_counts(const digest_reading& r) {
  std::string levels;
  for (int s = static_cast<int>(severity::critical); s >= 0; --s) {
    const std::size_t n = r.by_severity[static_cast<std::size_t>(s)];
    if (n == 0) continue;
    levels += (levels.empty() ? "" : ", ") + std::to_string(n) + " " +
              std::string(to_string(static_cast<severity>(s)));
  }
  return count_of(r.alerts, "alert", "alerts") + (levels.empty() ? "" : " (" + levels + ")");
}

std::string digest_period(const digest_reading& r) {
  const when a = split(r.period_start), b = split(r.period_end);
  if (a.date.empty() || b.date.empty()) return {};
  if (a.date != b.date)
    return a.date + " " + a.minute + " \xe2\x80\x93 " + b.date + " " + b.minute + " UTC";
  if (a.minute == b.minute) return a.date + " " + a.second + "\xe2\x80\x93" + b.second + " UTC";
  return a.date + " " + a.minute + "\xe2\x80\x93" + b.minute + " UTC";
}

}  // namespace sanctwatch::sinks
