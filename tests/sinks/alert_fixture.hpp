#pragma once
#include <nlohmann/json.hpp>

#include "sinks/sink.hpp"

namespace sanctwatch::sinks::testing {

/// A small but complete alert document, as the engine writes them.
inline alert_view sample_alert(const std::string& id = "a1f3", severity level = severity::high,
                               std::vector<std::string> tags = {"sanctions", "china"}) {
  nlohmann::json doc = {
      {"schema", "sanctwatch.alert/1"},
      {"id", id},
      {"created_at", "2026-11-22T10:15:03Z"},
      {"rule",
       {{"id", "sanctions.threat.china-finance"},
        {"title", "Sanctions threatened against Chinese firms or banks"},
        {"severity", std::string(to_string(level))},
        {"tags", tags}}},
      {"item",
       {{"id", "sample-0001"},
        {"title", "US warns Chinese banks"},
        {"link", "https://sample.sanctwatch.invalid/1"}}},
      {"evidence", nlohmann::json::array()}};
  auto v = view_of(doc.dump());
  return v.value();
}

}  // namespace sanctwatch::sinks::testing
