#include "sinks/text_render.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "sinks/alert_reading.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return {};
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// One line: control characters (a title with a newline, an escape sequence) become spaces, so
// text from feeds can neither break the block nor drive the terminal.
std::string clean(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return s;
}

const char* severity_colour(const std::string& sev) {
  if (sev == "critical" || sev == "high") return "\x1b[1;31m";
  if (sev == "medium") return "\x1b[1;33m";
  return "\x1b[1;36m";
}

}  // namespace

std::string render_text(const json& doc, const text_style& style,
                        const std::vector<std::string>& shown_rules) {
  const std::string bold = style.color ? "\x1b[1m" : "";
  const std::string reset = style.color ? "\x1b[0m" : "";
  const json item = doc.value("item", json::object());
  // Schema 1 documents carry one `rule`.
  json rules = doc.contains("rules") && doc["rules"].is_array()
                   ? doc["rules"]
                   : json::array({doc.value("rule", json::object())});
  std::string sev = str(doc, "severity");
  if (sev.empty() && !rules.empty()) sev = str(rules[0], "severity");
  std::string out;
  const std::string title = str(item, "title").empty() ? "(untitled)" : clean(str(item, "title"));
  out += (style.color ? severity_colour(sev) : "") + ("[" + upper(sev) + "]") + reset + " " +
         bold + title + reset + "\n";
  // Outlet, date and link on one line.
  std::string where = clean(str(item.value("feed", json::object()), "title"));
  const std::string published = str(item, "published");
  if (!published.empty()) where += (where.empty() ? "" : " · ") + published.substr(0, 10);
  const std::string link = clean(str(item, "link"));
  if (!link.empty()) where += (where.empty() ? "" : " · ") + link;
  if (!where.empty()) out += "  " + where + "\n";
  if (const auto c = doc.find("changes"); c != doc.end() && c->is_object()) {
    std::string now;
    for (const auto& r : c->value("rules_added", json::array()))
      // An added rule the sink's filter hides stays hidden.
      if (r.is_string() &&
          (shown_rules.empty() || std::find(shown_rules.begin(), shown_rules.end(),
                                            r.get<std::string>()) != shown_rules.end()))
        now += (now.empty() ? "" : ", ") + clean(r.get<std::string>());
    const auto ents = c->value("entities_added", json::array());
    if (!ents.empty()) now += (now.empty() ? "" : ", ") + std::to_string(ents.size()) + " more entit" + (ents.size() == 1 ? "y" : "ies");
    if (c->contains("severity_from"))
      now += (now.empty() ? "" : ", ") + std::string("severity raised from ") + str(*c, "severity_from");
    out += "  " + bold + "update" + reset + ": now also " + now + "\n";
  }
  std::string rl;
  for (const auto& r : rules) {
    const std::string id = str(r, "id");
    if (!shown_rules.empty() &&
        std::find(shown_rules.begin(), shown_rules.end(), id) == shown_rules.end())
      continue;
    rl += (rl.empty() ? "" : "; ") + clean(id) + " (" + clean(str(r, "title")) + ")";
  }
  if (!rl.empty()) out += "  rules: " + rl + "\n";
  for (const auto& e : doc.value("entities", json::array())) {
    std::string line = "  entity: " + clean(str(e, "name")) + " (" + clean(str(e, "id"));
    const std::string type = str(e, "type");
    if (!type.empty()) line += ", " + type;
    std::string programs;
    for (const auto& p : e.value("programs", json::array()))
      if (p.is_string()) programs += (programs.empty() ? "" : " ") + clean(p.get<std::string>());
    if (!programs.empty()) line += ", " + programs;
    line += ") as \"" + clean(str(e, "matched")) + "\"";
    if (e.value("ambiguous", false)) line += " [ambiguous]";
    out += line + "\n";
  }
  for (const auto& e : doc.value("evidence", json::array())) {
    const std::string text = str(e, "text");
    std::string s;
    // Schema 2: marks at byte offsets of the sentence; schema 1: one word per entry.
    if (e.contains("marks") && e["marks"].is_array()) {
      // marked_runs widens a mark that would split a code point and merges overlapping ones.
      std::vector<std::pair<std::size_t, std::size_t>> marks;
      for (const auto& m : e["marks"])
        if (m.is_object() && m.value("start", json()).is_number_unsigned() &&
            m.value("end", json()).is_number_unsigned())
          marks.emplace_back(m["start"].get<std::size_t>(), m["end"].get<std::size_t>());
      for (const auto& run : marked_runs(text, std::move(marks)))
        s += run.marked ? (style.color ? bold : "\xc2\xbb") + clean(run.text) +
                              (style.color ? reset : "\xc2\xab")
                        : clean(run.text);
    } else {
      s = clean(str(e, "snippet").empty() ? text : str(e, "snippet"));
    }
    const std::string field = str(e, "field");
    out += "  > " + (field.empty() || field == "content" ? "" : field + ": ") + s + "\n";
  }
  const auto total = doc.value("sources_total", 1);
  if (total > 1) out += "  also reported by " + std::to_string(total - 1) + " more source" + (total == 2 ? "" : "s") + "\n";
  out += "\n";
  return out;
}

bool stdout_wants_color() {
  const char* no = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) == 1 && (no == nullptr || *no == '\0');
}

}  // namespace sanctwatch::sinks
