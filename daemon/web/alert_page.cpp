// The alert page (`/alerts/ID`): what an analyst reads before deciding, and the forms that
// record the decision. The document is the alert's latest revision; nothing from it is
// written without escape_html (or evidence_html, which escapes around its marks).
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"
#include "core/time.hpp"
#include "feed/date.hpp"
#include "web/pages.hpp"
#include "web/queries.hpp"

namespace sanctwatch::web {
namespace {

using json = nlohmann::json;

std::string link_or_text(const std::string& url, const std::string& text) {
  if (!is_web_link(url)) return escape_html(text);
  return "<a href=\"" + escape_html(url) + "\" rel=\"noopener noreferrer\">" + escape_html(text) +
         "</a>";
}

std::string joined(const json& values) {
  std::string out;
  for (const auto& v : values)
    if (v.is_string()) out += (out.empty() ? "" : ", ") + escape_html(v.get<std::string>());
  return out;
}

std::string when(const std::string& rfc3339) {
  if (const auto t = feed::parse_date(rfc3339)) return time_html(*t);
  return escape_html(rfc3339);
}

// What an update brought, in words.
std::string changes_text(const json& doc) {
  const auto& c = json_object(doc, "changes");
  std::string out;
  if (const auto& r = json_array(c, "rules_added"); !r.empty()) out += "rules " + joined(r) + "; ";
  if (const auto& e = json_array(c, "entities_added"); !e.empty())
    out += "entities " + joined(e) + "; ";
  if (const auto from = json_string(c, "severity_from"); !from.empty())
    out += "severity from " + escape_html(from) + " to " + escape_html(json_string(doc, "severity")) +
           "; ";
  const auto total = doc.is_object() && doc.contains("sources_total") && doc["sources_total"].is_number()
                         ? doc["sources_total"].get<std::int64_t>()
                         : 0;
  if (total > 0) out += std::to_string(total) + " source" + (total == 1 ? "" : "s");
  return out.empty() ? "another source" : out;
}

void triage_section(std::ostringstream& h, const alert_view& a, const viewer& v,
                    const std::string& rule, const json& doc) {
  const std::string base = "/alerts/" + percent(a.alert.id);
  const auto& t = a.triage;
  h << "<section aria-labelledby=\"triage\"><h2 id=\"triage\">Triage</h2><dl class=\"facts\">";
  h << "<dt>Acknowledged</dt><dd id=\"acknowledged\">";
  if (t && t->acknowledged_at)
    h << "by " << escape_html(t->acknowledged_by) << ", " << time_html(*t->acknowledged_at)
      << (t->ack_note.empty() ? "" : ": " + escape_html(t->ack_note));
  else
    h << "no";
  h << "</dd><dt>Label</dt><dd id=\"label\">";
  if (t && !t->label.empty()) {
    h << (t->label == "true-positive" ? "true positive" : "false positive") << " by "
      << escape_html(t->labelled_by);
    if (t->labelled_at) h << ", " << time_html(*t->labelled_at);
    if (!t->label_reason.empty()) h << ": " << escape_html(t->label_reason);
  } else {
    h << "none";
  }
  h << "</dd></dl>";
  if (!v.signed_in()) {
    if (v.sign_in)
      h << "<p><a href=\"/login?next=" << percent(base) << "\">Sign in</a> to acknowledge, label or "
        << "silence.</p>";
    h << "</section>";
    return;
  }
  const bool acked = t && t->acknowledged_at;
  if (!acked) {
    h << "<form method=\"post\" action=\"" << base << "/acknowledge\" class=\"action\" "
      << "id=\"acknowledge-form\">" << csrf_field(v)
      << "<label>Note (optional) <input type=\"text\" name=\"note\" maxlength=\"2000\"></label>"
         "<button type=\"submit\">Acknowledge</button></form>";
  } else {
    h << "<form method=\"post\" action=\"" << base << "/unacknowledge\" class=\"action\">"
      << csrf_field(v) << "<button type=\"submit\">Take the acknowledgement back</button></form>";
  }
  const std::string label = t ? t->label : "";
  h << "<form method=\"post\" action=\"" << base << "/label\" class=\"action\" id=\"label-form\">"
    << csrf_field(v) << "<fieldset><legend>Label</legend>"
    << "<label><input type=\"radio\" name=\"label\" value=\"true-positive\""
    << (label == "true-positive" ? " checked" : "") << " required> True positive</label> "
    << "<label><input type=\"radio\" name=\"label\" value=\"false-positive\""
    << (label == "false-positive" ? " checked" : "") << "> False positive</label></fieldset>"
    << "<label>Reason <input type=\"text\" name=\"reason\" maxlength=\"2000\" "
       "placeholder=\"what makes it right or wrong\"></label>"
       "<button type=\"submit\">Save the label</button></form>";
  if (!label.empty())
    h << "<form method=\"post\" action=\"" << base << "/label\" class=\"action\">" << csrf_field(v)
      << "<input type=\"hidden\" name=\"label\" value=\"\"><button type=\"submit\">Remove the "
         "label</button></form>";
  // A silence for alerts like this one: its rule and its first entity, to edit before saving.
  std::string silence = "/silences?match=" + percent("rule=" + rule);
  for (const auto& e : json_array(doc, "entities"))
    if (const auto name = json_string(e, "name"); !name.empty()) {
      silence += "&match=" + percent("entity=" + name);
      break;
    }
  h << "<p><a href=\"" << escape_html(silence) << "\" id=\"silence-link\">Silence alerts like "
    << "this…</a></p></section>";
}

}  // namespace

std::string alert_html(const alert_view& a, const viewer& v, const std::string& notice) {
  const json doc = json::parse(a.alert.document, nullptr, false);
  const auto& item = json_object(doc, "item");
  const std::string title = json_string(item, "title");
  const std::string headline = title.empty() ? "(no headline)" : title;
  const std::string severity = json_string(doc, "severity");
  std::ostringstream h;
  h << page_open(headline, v) << "<p><a href=\"/\">← Alerts</a></p><article class=\"detail\">"
    << "<h1>" << escape_html(headline) << "</h1><p class=\"meta\"><span class=\"sev sev-"
    << escape_html(severity) << "\">" << escape_html(severity) << "</span> · raised "
    << time_html(a.alert.created_at);
  if (const auto updated = json_string(doc, "updated_at"); !updated.empty())
    h << " · updated " << when(updated);
  h << " · " << escape_html(json_string(json_object(item, "feed"), "title").empty()
                                ? a.alert.feed_id
                                : json_string(json_object(item, "feed"), "title"));
  if (const auto link = json_string(item, "link"); is_web_link(link))
    h << " · " << link_or_text(link, "Read the article");
  h << "</p>";
  if (!notice.empty()) h << "<p class=\"notice\" role=\"status\">" << escape_html(notice) << "</p>";
  if (doc.is_object() && doc.value("silenced", false)) {
    h << "<p class=\"silenced-note\">Silenced: sent to machine sinks only, by silence ";
    const auto& by = json_array(doc, "silenced_by");
    for (std::size_t i = 0; i < by.size(); ++i)
      if (by[i].is_string()) h << (i ? ", " : "") << "<code>" << escape_html(by[i].get<std::string>()) << "</code>";
    h << " (<a href=\"/silences?all=1\">silences</a>).</p>";
  }
  if (doc.is_object() && doc.value("lookback", false))
    h << "<p>Raised when a list named an entity this article had mentioned (look-back).</p>";
  if (const auto summary = json_string(item, "summary"); !summary.empty())
    h << "<p class=\"summary\">" << escape_html(summary) << "</p>";

  h << "<section aria-labelledby=\"evidence\"><h2 id=\"evidence\">Evidence</h2>";
  const auto& evidence = json_array(doc, "evidence");
  if (evidence.empty()) h << "<p>None recorded.</p>";
  else {
    h << "<ul class=\"evidence\">";
    for (const auto& e : evidence)
      h << "<li><span class=\"field\">" << escape_html(json_string(e, "field")) << "</span> "
        << evidence_html(e) << "</li>";
    h << "</ul>";
  }
  h << "</section><section aria-labelledby=\"rules\"><h2 id=\"rules\">Rules</h2><ul>";
  std::string first_rule = a.alert.rule_id;
  for (const auto& r : json_array(doc, "rules"))
    h << "<li><code>" << escape_html(json_string(r, "id")) << "</code> "
      << escape_html(json_string(r, "title")) << " <small>(" << escape_html(json_string(r, "severity"))
      << (json_array(r, "tags").empty() ? "" : "; " + joined(json_array(r, "tags"))) << ")</small></li>";
  h << "</ul></section>";

  const auto& entities = json_array(doc, "entities");
  if (!entities.empty()) {
    h << "<section aria-labelledby=\"entities\"><h2 id=\"entities\">Entities</h2><table class=\"grid\">"
         "<thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Matched text</th>"
         "<th scope=\"col\">List</th><th scope=\"col\">Programs</th><th scope=\"col\">Publisher's "
         "id</th></tr></thead><tbody>";
    for (const auto& e : entities)
      h << "<tr><td>" << escape_html(json_string(e, "name"))
        << (e.is_object() && e.value("ambiguous", false) ? " <small>(ambiguous)</small>" : "")
        << "</td><td>" << escape_html(json_string(e, "matched")) << "</td><td>"
        << escape_html(json_string(e, "list")) << "</td><td>" << joined(json_array(e, "programs"))
        << "</td><td><code>" << escape_html(json_string(e, "id")) << "</code></td></tr>";
    h << "</tbody></table></section>";
  }

  const auto& sources = json_array(doc, "sources");
  h << "<section aria-labelledby=\"sources\"><h2 id=\"sources\">Sources (" << sources.size()
    << ")</h2><ul>";
  for (const auto& s : sources) {
    const auto link = json_string(s, "link");
    h << "<li>" << escape_html(json_string(s, "feed"));
    if (!link.empty()) h << ": " << link_or_text(link, link);
    if (const auto p = json_string(s, "published"); !p.empty()) h << " · " << when(p);
    h << "</li>";
  }
  h << "</ul></section>";

  triage_section(h, a, v, first_rule, doc);

  h << "<section aria-labelledby=\"revisions\"><h2 id=\"revisions\">Revisions</h2><ol start=\"0\" "
       "class=\"revisions\">";
  for (const auto& r : a.revisions) {
    h << "<li>" << time_html(r.created_at) << ": ";
    if (r.revision == 0) h << "raised";
    else h << "updated with " << changes_text(json::parse(r.document, nullptr, false));
    h << "</li>";
  }
  h << "</ol></section>";

  h << "<section aria-labelledby=\"delivery\"><h2 id=\"delivery\">Delivery</h2>";
  if (a.alert.deliveries.empty() && a.alert.digests.empty()) {
    h << "<p>Routed to no sink.</p>";
  } else {
    h << "<table class=\"grid\"><thead><tr><th scope=\"col\">Sink</th><th scope=\"col\">Revision</th>"
         "<th scope=\"col\">State</th><th scope=\"col\">Attempts</th><th scope=\"col\">Last answer</th>"
         "</tr></thead><tbody>";
    for (const auto& d : a.alert.deliveries) {
      const std::string state = delivery_state_name(d);
      h << "<tr><td>" << escape_html(d.sink) << "</td><td>" << d.revision << "</td><td>" << state;
      if (d.state == store::delivery_state::pending && d.next_attempt)
        h << " (next " << time_html(*d.next_attempt) << ")";
      h << "</td><td>" << d.attempts << "</td><td>"
        << (d.last_status ? std::to_string(d.last_status) + " " : "") << escape_html(d.last_error)
        << "</td></tr>";
    }
    for (const auto& d : a.alert.digests)
      h << "<tr><td>" << escape_html(d.sink) << "</td><td>" << d.revision << "</td><td>"
        << (d.digest_id.empty() ? "queued for the next digest"
                                : "in digest <code>" + escape_html(d.digest_id) + "</code>")
        << "</td><td></td><td></td></tr>";
    h << "</tbody></table>";
  }
  h << "</section>";

  if (!a.history.empty()) {
    h << "<section aria-labelledby=\"history\"><h2 id=\"history\">History</h2><ul class=\"history\">";
    for (const auto& x : a.history) {
      h << "<li>" << time_html(x.at) << " " << escape_html(x.user) << ": " << escape_html(x.action);
      if (!x.value.empty()) h << " " << escape_html(x.value);
      if (!x.note.empty()) h << " — " << escape_html(x.note);
      h << "</li>";
    }
    h << "</ul></section>";
  }
  h << "</article>" << page_close();
  return h.str();
}

}  // namespace sanctwatch::web
