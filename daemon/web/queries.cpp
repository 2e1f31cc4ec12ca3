#include "web/queries.hpp"

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/severity.hpp"
#include "core/time.hpp"
#include "feed/date.hpp"

namespace sanctwatch::web {
namespace {

std::optional<timestamp> when(const std::string& s, timestamp now) {
  if (auto d = config::parse_duration(s)) return now - *d;
  return feed::parse_date(s);
}

}  // namespace

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
      const auto t = when(value, now);
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
