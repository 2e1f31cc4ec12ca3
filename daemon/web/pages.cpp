#include "web/pages.hpp"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"
#include "core/time.hpp"
#include "web/html.hpp"

namespace sanctwatch::web {
namespace {

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
                       const std::multimap<std::string, std::string>& params, const viewer& v,
                       const std::string& problem) {
  std::ostringstream h;
  const std::string filters = query_string(params, "after");
  h << page_open("alerts", v,
                 "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"These alerts "
                 "as a feed\" href=\"/alerts.atom" +
                     (filters.empty() ? "" : "?" + escape_html(filters)) + "\">")
    << "<h1>Alerts</h1><p class=\"count\" id=\"count\" data-total=\"" << page.total
    << "\" data-first=\"" << (page.rows.empty() ? "" : escape_html(page.rows.front().id))
    << "\" data-query=\"" << escape_html(filters) << "\">" << page.total << " alert"
    << (page.total == 1 ? "" : "s") << (filters.empty() ? "" : " match these filters") << "</p>";
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
    h << "<p class=\"keys\">Keys: <kbd>j</kbd> next, <kbd>k</kbd> previous, <kbd>Enter</kbd> "
         "open.</p><table class=\"queue\"><caption class=\"visually-hidden\">Alerts, newest "
         "first</caption><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Headline</th>"
         "<th scope=\"col\">Rules</th><th scope=\"col\">Entities</th><th scope=\"col\">Outlet</th>"
         "<th scope=\"col\">Time</th><th scope=\"col\">Sources</th><th scope=\"col\">State</th>"
         "</tr></thead><tbody>";
    for (const auto& r : page.rows) {
      const std::string level = severity_name(r.severity);
      h << "<tr class=\"alert" << (r.silenced ? " silenced" : "") << "\" data-id=\""
        << escape_html(r.id) << "\"><td data-label=\"Severity\"><span class=\"sev sev-" << level
        << "\">" << level << "</span></td><td data-label=\"Headline\" class=\"headline\">"
        << "<a class=\"open\" href=\"/alerts/" << percent(r.id) << "\">"
        << (r.headline.empty() ? "(no headline)" : escape_html(r.headline)) << "</a>"
        << "</td><td data-label=\"Rules\">";
      for (std::size_t i = 0; i < r.rules.size(); ++i)
        h << (i ? ", " : "") << "<code>" << escape_html(r.rules[i]) << "</code>";
      h << "</td><td data-label=\"Entities\">";
      const auto ents = nlohmann::json::parse(r.entities, nullptr, false);
      if (ents.is_array())
        for (std::size_t i = 0; i < ents.size(); ++i)
          h << (i ? "; " : "") << escape_html(json_string(ents[i], "name")) << " <small>("
            << escape_html(json_string(ents[i], "list")) << ")</small>";
      h << "</td><td data-label=\"Outlet\">" << escape_html(r.feed_id)
        << "</td><td data-label=\"Time\">" << time_html(r.created_at)
        << "</td><td data-label=\"Sources\">" << r.sources
        << "</td><td data-label=\"State\"><span class=\"state state-" << r.state() << "\">"
        << state_of(r) << "</span></td></tr>";
    }
    h << "</tbody></table>";
  }
  if (!page.next.empty()) {
    const std::string next = filters + (filters.empty() ? "" : "&") + "after=" + percent(page.next);
    h << "<nav aria-label=\"Pages\"><a rel=\"next\" href=\"/?" << escape_html(next)
      << "\">Older alerts</a></nav>";
  }
  h << page_close();
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
header.top { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5rem; border-bottom: 1px solid var(--line); padding: .5rem 0; }
header.top nav { margin: 0; display: flex; gap: 1rem; }
header.top a { font-weight: 600; }
form.inline { display: inline; }
.queue tr.current { outline: 3px solid #1a73e8; outline-offset: -3px; }
.keys { color: var(--muted); font-size: .85rem; }
.live { border-left: 4px solid #1a73e8; padding: .25rem .5rem; }
.notice { border-left: 4px solid #2e7d32; padding-left: .5rem; }
.silenced-note { border-left: 4px solid var(--muted); padding-left: .5rem; }
.detail h2 { font-size: 1.1rem; margin-top: 1.5rem; }
.meta { color: var(--muted); }
.evidence li { margin: .3rem 0; }
.evidence .field { color: var(--muted); font-size: .8rem; text-transform: uppercase; }
table.grid { border-collapse: collapse; }
.grid th, .grid td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
form.action, form.silence, form.login { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: .75rem 0; }
form.silence, form.login { flex-direction: column; align-items: start; max-width: 40rem; }
form.action label, form.silence label, form.login label { display: flex; flex-direction: column; font-size: .9rem; }
form.silence textarea { font: inherit; width: min(40rem, 90vw); }
fieldset { border: 1px solid var(--line); }
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

const std::string& script() {
  // Progressive: the pages work without it. Keys on the queue (j/k to move, Enter to open)
  // and live refresh: the newest alert of the same filters is asked for every 30 s (`refresh`
  // in the URL changes that) and a note offers to show the new ones, instead of reloading
  // under the reader's eyes.
  static const std::string js = R"js('use strict';
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('table.queue tr.alert'));
  var current = -1;
  function select(i) {
    if (!rows.length) return;
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (current >= 0 && rows[current]) rows[current].classList.remove('current');
    current = i;
    rows[i].classList.add('current');
    var link = rows[i].querySelector('a.open');
    if (link) link.focus();
    if (rows[i].scrollIntoView) rows[i].scrollIntoView({block: 'nearest'});
  }
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || !rows.length) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    if (e.key === 'j') { select(current + 1); e.preventDefault(); }
    else if (e.key === 'k') { select(current < 0 ? 0 : current - 1); e.preventDefault(); }
    else if (e.key === 'Enter' && current >= 0 && !(t && t.tagName === 'A')) {
      var link = rows[current].querySelector('a.open');
      if (link) { window.location.href = link.href; e.preventDefault(); }
    }
  });

  var count = document.getElementById('count');
  if (!count || /(^|[?&])after=/.test(window.location.search)) return;
  var query = count.getAttribute('data-query') || '';
  var first = count.getAttribute('data-first') || '';
  var total = parseInt(count.getAttribute('data-total'), 10) || 0;
  var m = /(^|[?&])refresh=(\d+)/.exec(window.location.search);
  var every = Math.max(1, Math.min(3600, m ? parseInt(m[2], 10) : 30)) * 1000;
  var note = null;
  function show(n) {
    if (!note) {
      note = document.createElement('p');
      note.className = 'live';
      note.setAttribute('role', 'status');
      note.setAttribute('id', 'live');
      var text = document.createElement('span');
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Show them';
      button.addEventListener('click', function () { window.location.reload(); });
      note.appendChild(text);
      note.appendChild(document.createTextNode(' '));
      note.appendChild(button);
      count.parentNode.insertBefore(note, count.nextSibling);
    }
    note.firstChild.textContent = n > 0 ? n + (n === 1 ? ' new alert.' : ' new alerts.')
                                        : 'The alerts have changed.';
  }
  function poll() {
    if (document.hidden) return;
    var url = '/api/alerts?' + (query ? query + '&' : '') + 'limit=1';
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        var newest = j.alerts.length ? j.alerts[0].alert.id : '';
        if (newest !== first || j.total !== total) show(j.total - total);
      })
      .catch(function () {});
  }
  window.setInterval(poll, every);
})();
)js";
  return js;
}

}  // namespace sanctwatch::web
