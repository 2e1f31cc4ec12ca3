#include "sinks/sink.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace sanctwatch::sinks {

result<alert_view> view_of(std::string document) {
  auto j = nlohmann::json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("id") || !j.contains("rule") || !j["rule"].is_object())
    return error{"bad_alert", "stored document is not an alert"};
  alert_view a;
  auto str = [](const nlohmann::json& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  a.id = str(j, "id");
  const auto& rule = j["rule"];
  a.rule_id = str(rule, "id");
  a.rule_title = str(rule, "title");
  a.level = parse_severity(str(rule, "severity")).value_or(severity::info);
  if (auto t = rule.find("tags"); t != rule.end() && t->is_array())
    for (const auto& tag : *t)
      if (tag.is_string()) a.tags.push_back(tag.get<std::string>());
  if (auto r = j.find("revision"); r != j.end() && r->is_number_integer() && r->get<int>() > 0)
    a.revision = r->get<int>();
  if (auto it = j.find("item"); it != j.end() && it->is_object()) {
    a.item_title = str(*it, "title");
    a.item_link = str(*it, "link");
  }
  a.document = std::move(document);
  return a;
}

std::string summary_line(const alert_view& a) {
  std::string s = "[" + std::string(to_string(a.level)) + "] " + a.rule_id;
  if (!a.rule_title.empty()) s += ": " + a.rule_title;
  if (!a.item_title.empty()) s += " \xe2\x80\x94 " + a.item_title;
  if (!a.item_link.empty()) s += " " + a.item_link;
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

bool filter::accepts(const alert_view& a) const {
  if (a.level < min_severity) return false;
  auto has = [&](const std::string& t) { return std::find(a.tags.begin(), a.tags.end(), t) != a.tags.end(); };
  if (std::any_of(exclude_tags.begin(), exclude_tags.end(), has)) return false;
  if (!tags.empty() && std::none_of(tags.begin(), tags.end(), has)) return false;
  if (!rules.empty() && std::find(rules.begin(), rules.end(), a.rule_id) == rules.end()) return false;
  return true;
}

}  // namespace sanctwatch::sinks
