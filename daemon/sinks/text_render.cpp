#include "sinks/text_render.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "sinks/alert_reading.hpp"
#include "sinks/digest_reading.hpp"

namespace sanctwatch::sinks {
namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

const char* severity_colour(severity level) {
  if (level >= severity::high) return "\x1b[1;31m";
  if (level == severity::medium) return "\x1b[1;33m";
  return "\x1b[1;36m";
}

// Evidence sentences are clipped by the engine (about 300 characters); this only bounds what a
// hand-edited or foreign document could put on one line.
constexpr std::size_t max_sentence = 4000;

}  // namespace

result<std::string> render_text(const alert_view& a, const text_style& style,
                                const std::vector<fired_rule>& shown) {
  auto read = read_alert(a, shown, max_sentence);
  if (!read) return read.err();
  const alert_reading& r = *read;
  const std::string bold = style.color ? "\x1b[1m" : "";
  const std::string reset = style.color ? "\x1b[0m" : "";
  std::string out = std::string(style.color ? severity_colour(r.level) : "") + "[" +
                    upper(std::string(to_string(r.level))) + "]" + reset + " " + bold +
                    (r.item_title.empty() ? "(untitled)" : r.item_title) + reset + "\n";
  // Outlet, date and link on one line.
  std::string where = r.feed_title;
  for (const auto* part : {&r.published, &r.item_link})
    if (!part->empty()) where += (where.empty() ? "" : " · ") + *part;
  if (!where.empty()) out += "  " + where + "\n";
  if (r.lookback)
    out += "  " + bold + "look-back" + reset + ": newly listed, in the news on " + r.date + "\n";
  if (r.update) {
    // A terminal shows rules by id, as its rules line does.
    update_reading u = *r.update;
    u.rule_titles = u.rule_ids;
    out += "  " + bold + "update" + reset + ": " + update_text(u) + "\n";
  }
  std::string rules;
  for (const auto& rule : r.rules)
    rules += (rules.empty() ? "" : "; ") + rule.id + " (" + rule.title + ")";
  if (!rules.empty()) out += "  rules: " + rules + "\n";
  for (const auto& e : r.entities) {
    out += "  entity: " + e.name + " (" + e.id;
    if (!e.type.empty()) out += ", " + e.type;
    std::string programs;
    for (const auto& p : e.programs) programs += (programs.empty() ? "" : " ") + p;
    if (!programs.empty()) out += ", " + programs;
    out += ") as \"" + e.matched + "\"" + (e.ambiguous ? " [ambiguous]" : "") + "\n";
  }
  for (const auto& e : r.evidence) {
    out += "  > " + (e.field.empty() || e.field == "content" ? "" : e.field + ": ");
    for (const auto& run : e.runs)
      out += run.marked ? (style.color ? bold : "\xc2\xbb") + run.text +
                              (style.color ? reset : "\xc2\xab")
                        : run.text;
    out += "\n";
  }
  if (r.others_total > 0)
    out += "  also reported by " + count_of(r.others_total, "more source", "more sources") + "\n";
  return out + "\n";
}

result<std::string> render_digest_text(const alert_view& d, const text_style& style) {
  auto read = read_digest(d, {}, max_sentence);
  if (!read) return read.err();
  const digest_reading& r = *read;
  const std::string bold = style.color ? "\x1b[1m" : "";
  const std::string reset = style.color ? "\x1b[0m" : "";
  std::string out = std::string(style.color ? severity_colour(r.level) : "") + "[" +
                    upper(std::string(to_string(r.level))) + "]" + reset + " " + bold + "digest" +
                    (r.sink.empty() ? "" : " for " + r.sink) + ": " + digest_counts(r) + reset +
                    "\n";
  if (const std::string period = digest_period(r); !period.empty()) out += "  " + period + "\n";
  for (const auto& g : r.groups) {
    out += "  " + g.rule.id + (g.rule.title.empty() ? "" : " (" + g.rule.title + ")") + ": " +
           count_of(g.entries.size(), "alert", "alerts") + "\n";
    for (const auto& e : g.entries) {
      out += "    [" + upper(std::string(to_string(e.alert.level))) + "] " +
             (e.alert.item_title.empty() ? "(untitled)" : e.alert.item_title);
      if (const std::string note = digest_note(e); !note.empty()) out += " \xc2\xb7 " + note;
      out += "\n";
    }
  }
  return out + "\n";
}

bool stdout_wants_color() {
  const char* no = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) == 1 && (no == nullptr || *no == '\0');
}

}  // namespace sanctwatch::sinks
