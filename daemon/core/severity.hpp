#pragma once
/// Alert severity, ordered: info < low < medium < high < critical (docs/alerts.md).

#include <optional>
#include <string_view>

namespace sanctwatch {

enum class severity { info, low, medium, high, critical };

constexpr std::string_view to_string(severity s) {
  switch (s) {
    case severity::info: return "info";
    case severity::low: return "low";
    case severity::medium: return "medium";
    case severity::high: return "high";
    case severity::critical: return "critical";
  }
  return "info";
}

constexpr std::optional<severity> parse_severity(std::string_view s) {
  for (auto v : {severity::info, severity::low, severity::medium, severity::high, severity::critical})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

/// journald / syslog priority: info 6, low 5, medium 4, high 3, critical 2.
constexpr int syslog_priority(severity s) { return 6 - static_cast<int>(s); }

}  // namespace sanctwatch
