#include "sinks/sink.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace sanctwatch::sinks {

namespace {

// A digest's view: what the dispatcher and logs need; its alerts are read by the renderers.
result<alert_view> digest_view(const nlohmann::json& j, std::string document) {
  const auto id = j.find("id");
  const auto alerts = j.find("alerts");
  if (id == j.end() || !id->is_string() || alerts == j.end() || !alerts->is_array())
    return error{"bad_digest", "stored document is not a digest"};
  alert_view a;
  a.id = id->get<std::string>();
  a.digest = true;
  if (const auto s = j.find("severity"); s != j.end() && s->is_string())
    a.level = parse_severity(s->get<std::string>()).value_or(severity::info);
  a.item_title = "sanctwatch digest: " + std::to_string(alerts->size()) +
                 (alerts->size() == 1 ? " alert" : " alerts");
  a.document = std::move(document);
  return a;
}

// A list event or a refresh summary: its one line and its text are in the document.
result<alert_view> list_view(const nlohmann::json& j, std::string document) {
  const auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  alert_view a;
  a.id = str("id");
  if (a.id.empty()) return error{"bad_event", "stored list event has no id"};
  a.list_event = true;
  a.rule_id = str("type");
  a.level = parse_severity(str("severity")).value_or(severity::info);
  if (j.value("schema", "") == "sanctwatch.list-refresh/1") {
    a.item_title = str("line");
    a.text = str("text");
  } else {
    std::string name, id;
    if (auto e = j.find("entity"); e != j.end() && e->is_object()) {
      name = e->value("name", "");
      id = e->value("id", "");
    }
    const std::string type = str("type");
    const std::string what = type == "list.added"     ? "added"
                             : type == "list.removed" ? "removed"
                                                      : "changed";
    a.item_title = str("list") + ": " + what + " " + name + " (" + id + ")";
    a.text = a.item_title;
  }
  a.document = std::move(document);
  return a;
}

}  // namespace

result<alert_view> view_of(std::string document) {
  auto j = nlohmann::json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("type") && j["type"] == "digest")
    return digest_view(j, std::move(document));
  if (j.is_object() && j.contains("schema") && j["schema"].is_string() &&
      j["schema"].get<std::string>().starts_with("sanctwatch.list-"))
    return list_view(j, std::move(document));
  // Schema 2 lists `rules`; schema 1 (alerts recorded before the upgrade) had one `rule`.
  const bool v2 = j.is_object() && j.contains("rules") && j["rules"].is_array() &&
                  !j["rules"].empty();
  const bool v1 = j.is_object() && j.contains("rule") && j["rule"].is_object();
  if (!j.is_object() || !j.contains("id") || (!v2 && !v1))
    return error{"bad_alert", "stored document is not an alert"};
  alert_view a;
  auto str = [](const nlohmann::json& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto strings = [](const nlohmann::json& o, const char* k) {
    std::vector<std::string> out;
    if (auto t = o.find(k); t != o.end() && t->is_array())
      for (const auto& x : *t)
        if (x.is_string()) out.push_back(x.get<std::string>());
    return out;
  };
  a.id = str(j, "id");
  for (const auto& r : v2 ? j["rules"] : nlohmann::json::array({j["rule"]})) {
    if (!r.is_object()) continue;
    fired_rule fr{str(r, "id"), str(r, "title"),
                  parse_severity(str(r, "severity")).value_or(severity::info), strings(r, "tags")};
    a.level = std::max(a.level, fr.level);
    for (const auto& t : fr.tags)
      if (std::find(a.tags.begin(), a.tags.end(), t) == a.tags.end()) a.tags.push_back(t);
    a.rules.push_back(std::move(fr));
  }
  if (a.rules.empty()) return error{"bad_alert", "stored document is not an alert"};
  a.rule_id = a.rules.front().id;
  a.rule_title = a.rules.front().title;
  if (auto r = j.find("revision"); r != j.end() && r->is_number_integer() && r->get<int>() > 0)
    a.revision = r->get<int>();
  if (auto c = j.find("changes"); c != j.end() && c->is_object()) {
    a.rules_added = strings(*c, "rules_added");
    a.entities_added_count = strings(*c, "entities_added").size();
    a.entities_added = a.entities_added_count > 0;
    a.severity_raised = c->contains("severity_from");
    a.severity_from = str(*c, "severity_from");
  }
  if (auto it = j.find("item"); it != j.end() && it->is_object()) {
    a.item_title = str(*it, "title");
    a.item_link = str(*it, "link");
  }
  a.document = std::move(document);
  return a;
}

std::string summary_line(const alert_view& a, const std::vector<fired_rule>& shown) {
  const auto& rules = shown.empty() ? a.rules : shown;
  const auto listed = [&](const std::string& id) {
    return std::any_of(rules.begin(), rules.end(), [&](const fired_rule& r) { return r.id == id; });
  };
  std::string s;
  if (a.has_changes()) {
    // What is new comes first: the story itself was logged before. Added rules the sink's
    // filter hides are not named.
    std::string now;
    const auto add = [&](const std::string& x) { now += (now.empty() ? "" : ", ") + x; };
    for (const auto& id : a.rules_added)
      if (listed(id)) add(id);
    if (a.entities_added_count > 0)
      add(std::to_string(a.entities_added_count) + " more entit" +
          (a.entities_added_count == 1 ? "y" : "ies"));
    if (!a.severity_from.empty()) add("severity raised from " + a.severity_from);
    if (!now.empty()) s = "update: now also " + now + " \xe2\x80\x94 ";
  }
  std::string level(to_string(a.level));
  for (auto& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  s += "[" + level + "] " + (a.item_title.empty() ? a.rule_title : a.item_title);
  std::string ids;
  for (const auto& r : rules) ids += (ids.empty() ? "" : " ") + r.id;
  if (!ids.empty()) s += " \xe2\x80\x94 " + ids;
  if (!a.item_link.empty()) s += " " + a.item_link;
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return s;
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
    s.replace(pos, what.size(), with);
}

std::string log_line(std::string_view s, std::size_t max) {
  if (s.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut);
  }
  std::string out(s);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool filter::accepts(const fired_rule& r) const {
  if (r.level < min_severity) return false;
  auto has = [&](const std::string& t) { return std::find(r.tags.begin(), r.tags.end(), t) != r.tags.end(); };
  if (std::any_of(exclude_tags.begin(), exclude_tags.end(), has)) return false;
  if (!tags.empty() && std::none_of(tags.begin(), tags.end(), has)) return false;
  if (!rules.empty() && std::find(rules.begin(), rules.end(), r.id) == rules.end()) return false;
  return true;
}

bool filter::accepts(const alert_view& a) const {
  return std::any_of(a.rules.begin(), a.rules.end(), [&](const fired_rule& r) { return accepts(r); });
}

bool filter::accepts_changes(const alert_view& a) const {
  for (const auto& r : a.rules)
    if (std::find(a.rules_added.begin(), a.rules_added.end(), r.id) != a.rules_added.end() &&
        accepts(r))
      return true;
  return (a.entities_added || a.severity_raised) && accepts(a);
}

}  // namespace sanctwatch::sinks
