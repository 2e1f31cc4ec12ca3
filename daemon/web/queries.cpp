#include "web/queries.hpp"

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/severity.hpp"
#include "core/time.hpp"
#include "feed/date.hpp"

namespace sanctwatch::web {
std::optional<timestamp> parse_when(const std::string& s, timestamp now, bool ago) {
  if (auto d = config::parse_duration(s)) return ago ? now - *d : now + *d;
  return feed::parse_date(s);
}

store::silence_record silence_record_of(const sinks::silence& s) {
  return {s.id,      sinks::matchers_json(s.matchers), s.starts_at, s.ends_at,
          s.comment, s.created_by,                     s.created_at};
}

result<queue_query> parse_query(const std::multimap<std::string, std::string>& params,
                                timestamp now) {
  queue_query q;
  auto& f = q.filter;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;  // an empty form field filters nothing
    if (key == "severity") {
      const auto s = parse_severity(value);
      if (!s) return error{"query", "severity must be info, low, medium, high or critical"};
      f.min_severity = static_cast<int>(*s);
    } else if (key == "tag") {
      f.tag = value;
    } else if (key == "rule") {
      f.rule = value;
    } else if (key == "list") {
      f.list = value;
    } else if (key == "feed") {
      f.feed = value;
    } else if (key == "q") {
      f.text = value;
    } else if (key == "state") {
      if (value != "new" && value != "acknowledged" && value != "true-positive" &&
          value != "false-positive" && value != "silenced")
        return error{"query",
                     "state must be new, acknowledged, true-positive, false-positive or silenced"};
      f.state = value;
    } else if (key == "since" || key == "until") {
      const auto t = parse_when(value, now, true);
      if (!t) return error{"query", key + " must be a date (2024-06-01, RFC 3339) or a duration ago (24h)"};
      (key == "since" ? f.since : f.until) = *t;
    } else if (key == "limit") {
      int n = 0;
      try {
        std::size_t used = 0;
        n = std::stoi(value, &used);
        if (used != value.size()) n = 0;
      } catch (const std::exception&) {
        n = 0;
      }
      if (n < 1 || n > 500) return error{"query", "limit must be a number from 1 to 500"};
      q.limit = n;
    } else if (key == "after") {
      if (value.find(':') == std::string::npos) return error{"query", "after is not a page cursor"};
      q.after = value;
    }
  }
  return q;
}

std::string triage_state(const std::optional<store::alert_triage>& t, bool silenced) {
  if (t && !t->label.empty()) return t->label;
  if (t && t->acknowledged_at) return "acknowledged";
  return silenced ? "silenced" : "new";
}

std::string delivery_state_name(const store::delivery& d) {
  if (d.state == store::delivery_state::pending && d.attempts > 0) return "retrying";
  if (d.state == store::delivery_state::delivered && d.last_error.rfind("silenced by ", 0) == 0)
    return "silenced";
  return store::to_string(d.state);
}

std::string silence_state(const store::silence_record& s, timestamp now) {
  if (now < s.starts_at) return "pending";
  return now < s.ends_at ? "active" : "expired";
}

nlohmann::json silence_json(const store::silence_record& s, timestamp now) {
  return {{"id", s.id},
          {"state", silence_state(s, now)},
          {"matchers", nlohmann::json::parse(s.matchers, nullptr, false)},
          {"starts_at", format_rfc3339(s.starts_at)},
          {"ends_at", format_rfc3339(s.ends_at)},
          {"comment", s.comment},
          {"created_by", s.created_by},
          {"created_at", format_rfc3339(s.created_at)}};
}

nlohmann::json alert_json(const store::stored_alert& a, const std::vector<store::alert_revision>& revisions,
                          const std::optional<store::alert_triage>& t,
                          const std::vector<store::triage_action>& history) {
  using json = nlohmann::json;
  const auto time_or_null = [](const std::optional<timestamp>& x) {
    return x ? json(format_rfc3339(*x)) : json(nullptr);
  };
  const json doc = json::parse(a.document, nullptr, false);
  const bool silenced = doc.is_object() && doc.value("silenced", false);
  json out = {{"alert", doc},
              {"triage",
               {{"state", triage_state(t, silenced)},
                {"acknowledged", t && t->acknowledged_at.has_value()},
                {"acknowledged_by", t && t->acknowledged_at ? json(t->acknowledged_by) : json(nullptr)},
                {"acknowledged_at", time_or_null(t ? t->acknowledged_at : std::nullopt)},
                {"note", t && t->acknowledged_at ? json(t->ack_note) : json(nullptr)},
                {"label", t && !t->label.empty() ? json(t->label) : json(nullptr)},
                {"label_reason", t && !t->label.empty() ? json(t->label_reason) : json(nullptr)},
                {"labelled_by", t && !t->label.empty() ? json(t->labelled_by) : json(nullptr)},
                {"labelled_at", time_or_null(t && !t->label.empty() ? t->labelled_at : std::nullopt)},
                {"silenced", silenced}}},
              {"revisions", json::array()},
              {"deliveries", json::array()},
              {"digests", json::array()},
              {"history", json::array()}};
  for (const auto& r : revisions) {
    const json d = json::parse(r.document, nullptr, false);
    out["revisions"].push_back({{"revision", r.revision},
                                {"created_at", format_rfc3339(r.created_at)},
                                {"changes", d.is_object() && d.contains("changes") ? d["changes"] : json(nullptr)},
                                {"sources_total", d.is_object() ? d.value("sources_total", json(nullptr)) : json(nullptr)}});
  }
  for (const auto& d : a.deliveries)
    out["deliveries"].push_back({{"sink", d.sink},
                                 {"revision", d.revision},
                                 {"state", delivery_state_name(d)},
                                 {"attempts", d.attempts},
                                 {"next_attempt", time_or_null(d.state == store::delivery_state::pending ? d.next_attempt : std::nullopt)},
                                 {"last_status", d.last_status ? json(d.last_status) : json(nullptr)},
                                 {"last_error", d.last_error.empty() ? json(nullptr) : json(d.last_error)}});
  for (const auto& d : a.digests)
    out["digests"].push_back({{"sink", d.sink},
                              {"revision", d.revision},
                              {"digest", d.digest_id.empty() ? json(nullptr) : json(d.digest_id)}});
  for (const auto& h : history)
    out["history"].push_back({{"at", format_rfc3339(h.at)},
                              {"user", h.user},
                              {"action", h.action},
                              {"value", h.value.empty() ? json(nullptr) : json(h.value)},
                              {"note", h.note.empty() ? json(nullptr) : json(h.note)}});
  return out;
}

std::string api_page(const store::queue_page& page) {
  using json = nlohmann::json;
  json alerts = json::array();
  for (const auto& r : page.rows)
    alerts.push_back({{"alert", json::parse(r.document, nullptr, false)},
                      {"triage",
                       {{"state", r.state()},
                        {"acknowledged", r.acknowledged},
                        {"label", r.label.empty() ? json(nullptr) : json(r.label)},
                        {"silenced", r.silenced}}}});
  json out = {{"alerts", std::move(alerts)},
              {"total", page.total},
              {"next", page.next.empty() ? json(nullptr) : json(page.next)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace sanctwatch::web
