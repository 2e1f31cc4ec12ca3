// The sign-in page, the silences page and the short message page.
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "web/pages.hpp"
#include "web/queries.hpp"

namespace sanctwatch::web {

std::string login_html(const viewer& v, const std::string& form_token, const std::string& next,
                       const std::string& problem) {
  std::ostringstream h;
  h << page_open("sign in", v) << "<h1>Sign in</h1>";
  if (!problem.empty()) h << "<p class=\"problem\" role=\"alert\">" << escape_html(problem) << "</p>";
  h << "<form method=\"post\" action=\"/login\" class=\"login\">"
    << "<input type=\"hidden\" name=\"csrf\" value=\"" << escape_html(form_token) << "\">"
    << "<input type=\"hidden\" name=\"next\" value=\"" << escape_html(next) << "\">"
    << "<label>Name <input type=\"text\" name=\"name\" autocomplete=\"username\" required "
       "autofocus></label><label>Password <input type=\"password\" name=\"password\" "
       "autocomplete=\"current-password\" required></label><button type=\"submit\">Sign in"
       "</button></form>"
    << page_close();
  return h.str();
}

std::string silences_html(const std::vector<store::silence_record>& silences, timestamp now,
                          const viewer& v, bool all, const std::vector<std::string>& prefill,
                          const std::string& problem, const std::string& notice) {
  std::ostringstream h;
  h << page_open("silences", v) << "<h1>Silences</h1><p>While a silence is active, the alerts "
    << "all its matchers hold for are still recorded and shown here, marked, and still go to "
    << "machine sinks (JSON lines, webhooks), but not to chat, email or the journal.</p>";
  if (!notice.empty()) h << "<p class=\"notice\" role=\"status\">" << escape_html(notice) << "</p>";
  if (!problem.empty()) h << "<p class=\"problem\" role=\"alert\">" << escape_html(problem) << "</p>";
  std::vector<const store::silence_record*> shown;
  for (const auto& s : silences)
    if (all || now < s.ends_at) shown.push_back(&s);
  if (shown.empty()) {
    h << "<p class=\"empty\">No silences" << (all ? "." : " active or pending.") << "</p>";
  } else {
    h << "<table class=\"grid silences\"><thead><tr><th scope=\"col\">Matchers</th>"
         "<th scope=\"col\">State</th><th scope=\"col\">From</th><th scope=\"col\">Until</th>"
         "<th scope=\"col\">Comment</th><th scope=\"col\">By</th><th scope=\"col\"><span "
         "class=\"visually-hidden\">Actions</span></th></tr></thead><tbody>";
    for (const auto* s : shown) {
      const auto state = silence_state(*s, now);
      h << "<tr id=\"silence-" << escape_html(s->id) << "\"><td>";
      const auto m = nlohmann::json::parse(s->matchers, nullptr, false);
      if (m.is_array())
        for (std::size_t i = 0; i < m.size(); ++i)
          if (m[i].is_string()) h << (i ? " " : "") << "<code>" << escape_html(m[i].get<std::string>()) << "</code>";
      h << "</td><td>" << state << "</td><td>" << time_html(s->starts_at) << "</td><td>"
        << time_html(s->ends_at) << "</td><td>" << escape_html(s->comment) << "</td><td>"
        << escape_html(s->created_by) << "</td><td>";
      if (v.signed_in() && state != "expired")
        h << "<form method=\"post\" action=\"/silences/" << percent(s->id) << "/expire\" "
          << "class=\"inline\">" << csrf_field(v) << "<button type=\"submit\">Expire</button></form>";
      h << "</td></tr>";
    }
    h << "</tbody></table>";
  }
  h << "<p>" << (all ? "<a href=\"/silences\">Only active and pending ones</a>"
                     : "<a href=\"/silences?all=1\">Expired ones too</a>")
    << "</p>";
  if (!v.signed_in()) {
    if (v.sign_in) h << "<p><a href=\"/login?next=/silences\">Sign in</a> to add or expire silences.</p>";
    h << page_close();
    return h.str();
  }
  std::string lines;
  for (const auto& p : prefill) lines += (lines.empty() ? "" : "\n") + p;
  h << "<h2 id=\"new\">New silence</h2><form method=\"post\" action=\"/silences\" class=\"silence\" "
       "aria-labelledby=\"new\">"
    << csrf_field(v)
    << "<label>Matchers, one per line (<code>rule=</code>, <code>tag=</code>, <code>feed=</code>, "
       "<code>entity=</code>, <code>text=</code>; <code>!=</code> negates, <code>*</code> is any "
       "run of characters)<textarea name=\"matchers\" rows=\"4\" required>"
    << escape_html(lines)
    << "</textarea></label><label>For <input type=\"text\" name=\"for\" value=\"2h\" "
       "placeholder=\"2h, 7d\"></label><label>Or until <input type=\"text\" name=\"until\" "
       "placeholder=\"2026-12-31\"></label><label>Comment <input type=\"text\" name=\"comment\" "
       "maxlength=\"2000\" required placeholder=\"why\"></label><button type=\"submit\">Add the "
       "silence</button></form>"
    << page_close();
  return h.str();
}

std::string message_html(const std::string& title, const std::string& message, const viewer& v) {
  return page_open(title, v) + "<h1>" + escape_html(title) + "</h1><p class=\"problem\">" +
         escape_html(message) + "</p><p><a href=\"/\">Back to the alerts</a></p>" + page_close();
}

}  // namespace sanctwatch::web
