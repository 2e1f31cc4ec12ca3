#include "web/pages.hpp"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "web/html.hpp"

namespace sanctwatch::web {
namespace {

std::string percent(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string param(const std::multimap<std::string, std::string>& params, const std::string& key) {
  const auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

// The state as people read it: "false positive" for "false-positive".
std::string state_of(const store::queue_row& r) {
  std::string s = r.state();
  std::replace(s.begin(), s.end(), '-', ' ');
  return s;
}

std::string text_input(const std::multimap<std::string, std::string>& params, const char* name,
                       const char* label, const char* hint) {
  return std::string("<label>") + label + " <input type=\"text\" name=\"" + name + "\" value=\"" +
         escape_html(param(params, name)) + "\" placeholder=\"" + hint + "\"></label>";
}

std::string select(const std::multimap<std::string, std::string>& params, const char* name,
                   const char* label, std::initializer_list<std::pair<const char*, const char*>> options) {
  const std::string chosen = param(params, name);
  std::string out = std::string("<label>") + label + " <select name=\"" + name + "\">";
  for (const auto& [value, shown] : options)
    out += std::string("<option value=\"") + value + "\"" + (chosen == value ? " selected" : "") +
           ">" + shown + "</option>";
  return out + "</select></label>";
}

}  // namespace

std::string query_string(const std::multimap<std::string, std::string>& params,
                         const std::string& drop) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (k == drop || v.empty()) continue;
    out += (out.empty() ? "" : "&") + percent(k) + "=" + percent(v);
  }
  return out;
}

std::string queue_html(const store::queue_page& page,
                       const std::multimap<std::string, std::string>& params,
                       const std::string& problem) {
  std::ostringstream h;
  const std::string filters = query_string(params, "after");
  h << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>sanctwatch: alerts</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
       "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"These alerts as a feed\" "
       "href=\"/alerts.atom"
    << (filters.empty() ? "" : "?" + escape_html(filters)) << "\"></head><body>"
    << "<header><h1>Alerts</h1><p class=\"count\">" << page.total << " alert"
    << (page.total == 1 ? "" : "s") << (filters.empty() ? "" : " match these filters")
    << "</p></header><main>";
  h << "<form class=\"filters\" method=\"get\" action=\"/\" role=\"search\" "
       "aria-label=\"Filter alerts\">"
    << select(params, "severity", "Severity at least",
              {{"", "any"}, {"info", "info"}, {"low", "low"}, {"medium", "medium"},
               {"high", "high"}, {"critical", "critical"}})
    << select(params, "state", "State",
              {{"", "any"}, {"new", "new"}, {"acknowledged", "acknowledged"},
               {"true-positive", "true positive"}, {"false-positive", "false positive"},
               {"silenced", "silenced"}})
    << text_input(params, "q", "Words", "headline or entity")
    << text_input(params, "tag", "Tag", "sanctions") << text_input(params, "rule", "Rule", "rule id")
    << text_input(params, "list", "Entity list", "sdn") << text_input(params, "feed", "Feed", "feed id")
    << text_input(params, "since", "Since", "7d or 2026-12-01")
    << text_input(params, "until", "Until", "2026-12-04")
    << "<button type=\"submit\">Filter</button> <a href=\"/\">Clear</a></form>";
  if (!problem.empty())
    h << "<p class=\"problem\" role=\"alert\">" << escape_html(problem) << "</p>";
  if (page.rows.empty()) {
    h << "<p class=\"empty\">No alerts" << (filters.empty() ? " yet." : " match these filters.")
      << "</p>";
  } else {
    h << "<table class=\"queue\"><caption class=\"visually-hidden\">Alerts, newest first</caption>"
         "<thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Headline</th>"
         "<th scope=\"col\">Rules</th><th scope=\"col\">Entities</th><th scope=\"col\">Outlet</th>"
         "<th scope=\"col\">Time</th><th scope=\"col\">Sources</th><th scope=\"col\">State</th>"
         "</tr></thead><tbody>";
    for (const auto& r : page.rows) {
      const std::string level = severity_name(r.severity);
      const bool web_link = is_web_link(r.link);
      h << "<tr class=\"" << (r.silenced ? "silenced" : "") << "\">"
        << "<td data-label=\"Severity\"><span class=\"sev sev-" << level << "\">" << level
        << "</span></td><td data-label=\"Headline\" class=\"headline\">";
      if (web_link)
        h << "<a href=\"" << escape_html(r.link) << "\" rel=\"noopener noreferrer\">"
          << escape_html(r.headline) << "</a>";
      else
        h << escape_html(r.headline);
      h << "</td><td data-label=\"Rules\">";
      for (std::size_t i = 0; i < r.rules.size(); ++i)
        h << (i ? ", " : "") << "<code>" << escape_html(r.rules[i]) << "</code>";
      h << "</td><td data-label=\"Entities\">";
      const auto ents = nlohmann::json::parse(r.entities, nullptr, false);
      if (ents.is_array())
        for (std::size_t i = 0; i < ents.size(); ++i)
          h << (i ? "; " : "") << escape_html(ents[i].value("name", std::string())) << " <small>("
            << escape_html(ents[i].value("list", std::string())) << ")</small>";
      h << "</td><td data-label=\"Outlet\">" << escape_html(r.feed_id)
        << "</td><td data-label=\"Time\"><time datetime=\"" << format_rfc3339(r.created_at)
        << "\">" << format_rfc3339(r.created_at) << "</time></td><td data-label=\"Sources\">"
        << r.sources << "</td><td data-label=\"State\"><span class=\"state\">" << state_of(r)
        << "</span></td></tr>";
    }
    h << "</tbody></table>";
  }
  if (!page.next.empty()) {
    const std::string next = filters + (filters.empty() ? "" : "&") + "after=" + percent(page.next);
    h << "<nav aria-label=\"Pages\"><a rel=\"next\" href=\"/?" << escape_html(next)
      << "\">Older alerts</a></nav>";
  }
  h << "</main></body></html>\n";
  return h.str();
}

const std::string& stylesheet() {
  // System fonts, contrast above 4.5:1, one column of cards under 50em.
  static const std::string css = R"css(
:root { color-scheme: light dark; --fg: #1a1a1a; --bg: #fff; --muted: #555; --line: #ddd; --mark: #ffe066; }
@media (prefers-color-scheme: dark) { :root { --fg: #eee; --bg: #161616; --muted: #bbb; --line: #444; --mark: #7a6000; } }
body { font: 16px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 1rem 2rem; }
h1 { font-size: 1.4rem; margin: 1rem 0 0; }
.count, small { color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 1rem 0; }
.filters label { display: flex; flex-direction: column; font-size: .9rem; }
input, select, button { font: inherit; padding: .25rem .4rem; }
:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
table.queue { border-collapse: collapse; width: 100%; }
.queue th, .queue td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
.queue tr.silenced { opacity: .7; }
.sev { font-weight: 600; text-transform: uppercase; font-size: .8rem; }
.sev-critical, .sev-high { color: #b00020; }
@media (prefers-color-scheme: dark) { .sev-critical, .sev-high { color: #ff8a80; } }
mark { background: var(--mark); color: inherit; }
.problem { border-left: 4px solid #b00020; padding-left: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
nav { margin: 1rem 0; }
@media (max-width: 50em) {
  .queue thead { display: none; }
  .queue tr { display: block; border-bottom: 1px solid var(--line); padding: .5rem 0; }
  .queue td { display: block; border: 0; padding: .1rem 0; }
  .queue td::before { content: attr(data-label) ": "; color: var(--muted); font-size: .85rem; }
  .queue td.headline::before { content: none; }
}
)css";
  return css;
}

}  // namespace sanctwatch::web
