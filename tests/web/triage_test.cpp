// Working the alerts over HTTP on loopback, against a real state: the alert page, signing in
// (cookies, throttling), CSRF on every form, acknowledging, labelling and silencing from the
// page and from the JSON API, each change checked in the store.
#include <gtest/gtest.h>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "seeded_state.hpp"
#include "core/time.hpp"
#include "web/auth.hpp"

namespace sanctwatch::web {
namespace {

using json = nlohmann::json;
using namespace testing_web;

const std::string password = "correct horse battery";
const std::string designation = std::string(31, 'b') + "1";

// The value of a cookie set by a response ("" when it sets none), and its attributes.
std::string set_cookie(const httplib::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) return v;
  return "";
}
std::string cookie_of(const std::string& set) {
  return set.substr(0, set.find(';'));
}
// The value of a hidden form field named `name` in a page.
std::string hidden(const std::string& page, const std::string& name, std::size_t from = 0) {
  const std::string key = "name=\"" + name + "\" value=\"";
  const auto at = page.find(key, from);
  if (at == std::string::npos) return "";
  const auto start = at + key.size();
  return page.substr(start, page.find('"', start) - start);
}

class triage_web : public seeded_web {
 protected:
  void SetUp() override {
    seeded_web::SetUp();
    // One designation with an entity from a list and an update from a second outlet.
    auto doc = json::parse(document(designation, "Treasury designates Harbourline Terminals",
                                    "sanctions", "wire", "Treasury designated Harbourline Terminals"));
    doc["entities"] = {{{"id", "ofac-sdn:9001"}, {"name", "HARBOURLINE TERMINALS"},
                        {"type", "organization"}, {"matched", "Harbourline Terminals"},
                        {"list", "sdn"}, {"programs", {"RUSSIA-EO14024", "SDGT"}}}};
    doc["evidence"][0]["marks"] = {{{"start", 0}, {"end", 8}, {"term", "treasury"}, {"list", "x"}},
                                   {{"start", 20}, {"end", 41}, {"term", "harbourline terminals"},
                                    {"list", "sdn"}, {"entity", "ofac-sdn:9001"}}};
    store::store db(state_);
    db.record({"wire", "designation", "h", t(5000)},
              {{designation, "sanctions.rule", "high", "story-d", doc.dump(), t(5000), {"desk"}}});
    auto update = doc;
    update["type"] = "alert.updated";
    update["revision"] = 1;
    update["sources"].push_back({{"feed", "portdaily"}, {"link", "https://port.example/1"},
                                 {"published", nullptr}});
    update["sources_total"] = 2;
    update["changes"] = {{"rules_added", json::array()}, {"entities_added", json::array()}};
    db.record({"portdaily", "copy", "h", t(5100), "story-d"}, {},
              {{designation, 1, update.dump(), t(5100), {"desk"}}});
    db.mark_retry(designation, "desk", t(6000), 503, "chat is down");
  }
  std::unique_ptr<server> start_with_user(bool public_read = false) {
    return start({.public_read = public_read, .users = {{"ana", hash_password(password)}}});
  }
  // Signs in through the form; the Cookie header of the session.
  std::string sign_in(server& s, const std::string& pw = password, int* status = nullptr) {
    httplib::Client c("http://" + s.address());
    auto form = c.Get("/login?next=/alerts/" + designation);
    EXPECT_EQ(form->status, 200);
    const std::string login = cookie_of(set_cookie(*form, "sw_login"));
    auto r = c.Post("/login", {{"Cookie", login}},
                    httplib::Params{{"csrf", hidden(form->body, "csrf")},
                                    {"next", hidden(form->body, "next")},
                                    {"name", "ana"},
                                    {"password", pw}});
    if (status) *status = r->status;
    return cookie_of(set_cookie(*r, "sw_session"));
  }
  // The CSRF token a signed-in page carries.
  std::string csrf(server& s, const std::string& session) {
    httplib::Client c("http://" + s.address());
    return hidden(c.Get("/alerts/" + designation, {{"Cookie", session}})->body, "csrf");
  }
};

}  // namespace

TEST_F(triage_web, the_alert_page_shows_evidence_entities_sources_revisions_and_delivery) {
  auto s = start({.public_read = true});
  auto r = get(*s, "/alerts/" + designation);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  const std::string& page = r->body;
  EXPECT_NE(page.find("<h1>Treasury designates Harbourline Terminals</h1>"), std::string::npos);
  EXPECT_NE(page.find("<mark>Treasury</mark> designated <mark>Harbourline Terminals</mark>"),
            std::string::npos)
      << page;
  // The entity with its list, programs and the publisher's id.
  EXPECT_NE(page.find("<td>HARBOURLINE TERMINALS</td><td>Harbourline Terminals</td><td>sdn</td>"
                      "<td>RUSSIA-EO14024, SDGT</td><td><code>ofac-sdn:9001</code></td>"),
            std::string::npos)
      << page;
  // Both sources, linked; both revisions; the chat's failed attempt.
  EXPECT_NE(page.find("<h2 id=\"sources\">Sources (2)</h2>"), std::string::npos);
  EXPECT_NE(page.find("<a href=\"https://port.example/1\" rel=\"noopener noreferrer\">"),
            std::string::npos);
  EXPECT_NE(page.find("raised</li>"), std::string::npos);
  EXPECT_NE(page.find("updated with 2 sources</li>"), std::string::npos) << page;
  EXPECT_NE(page.find("<td>desk</td><td>0</td><td>retrying"), std::string::npos) << page;
  EXPECT_NE(page.find("503 chat is down"), std::string::npos);
  EXPECT_NE(page.find("<td>desk</td><td>1</td><td>pending"), std::string::npos);
  // Public reading offers no actions.
  EXPECT_EQ(page.find("<form method=\"post\""), std::string::npos);

  // Hostile article text is text here too.
  r = get(*s, "/alerts/" + hostile);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body.find("<script>"), std::string::npos);
  EXPECT_EQ(r->body.find("<img"), std::string::npos);
  EXPECT_NE(r->body.find("&lt;script&gt;alert(1)&lt;/script&gt; headline"), std::string::npos);
  EXPECT_NE(r->body.find("onerror=alert(2)&gt; sanctioned"), std::string::npos);

  r = get(*s, "/alerts/nope");
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->body.find("No alert has the id nope"), std::string::npos);

  // The same as JSON.
  r = get(*s, "/api/alerts/" + designation);
  ASSERT_EQ(r->status, 200);
  const auto j = json::parse(r->body);
  EXPECT_EQ(j["alert"]["revision"], 1);
  EXPECT_EQ(j["triage"]["state"], "new");
  ASSERT_EQ(j["revisions"].size(), 2u);
  EXPECT_EQ(j["revisions"][1]["sources_total"], 2);
  ASSERT_EQ(j["deliveries"].size(), 2u);
  EXPECT_EQ(j["deliveries"][0]["last_status"], 503);
  EXPECT_EQ(j["deliveries"][0]["last_error"], "chat is down");
  EXPECT_EQ(get(*s, "/api/alerts/nope")->status, 404);
}

TEST_F(triage_web, signing_in_sets_a_strict_http_only_session_and_is_throttled) {
  auto s = start_with_user();
  // Pages send a visitor to the form, keeping where they were going.
  auto r = get(*s, "/alerts/" + designation + "?x=1");
  EXPECT_EQ(r->status, 303);
  // (cpp-httplib's client decodes Location; the server sends it percent-encoded.)
  EXPECT_EQ(r->get_header_value("Location"), "/login?next=/alerts/" + designation + "?x=1");
  EXPECT_EQ(get(*s, "/")->status, 303);
  EXPECT_EQ(get(*s, "/api/alerts")->status, 401);  // scripts get a status, not a form

  httplib::Client c("http://" + s->address());
  auto form = c.Get("/login?next=//elsewhere.example/");
  ASSERT_EQ(form->status, 200);
  const std::string login = set_cookie(*form, "sw_login");
  EXPECT_NE(login.find("; HttpOnly; SameSite=Strict"), std::string::npos) << login;
  EXPECT_EQ(hidden(form->body, "next"), "/");  // never off this site
  // Without the form's token (another site's form): refused.
  r = c.Post("/login", {{"Cookie", cookie_of(login)}},
             httplib::Params{{"name", "ana"}, {"password", password}});
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(set_cookie(*r, "sw_session"), "");
  // Right: a session cookie, HttpOnly and SameSite=Strict; Secure only behind TLS.
  r = c.Post("/login", {{"Cookie", cookie_of(login)}},
             httplib::Params{{"csrf", hidden(form->body, "csrf")}, {"next", "/silences"},
                             {"name", "ana"}, {"password", password}});
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(r->get_header_value("Location"), "/silences");
  const std::string session = set_cookie(*r, "sw_session");
  EXPECT_NE(session.find("; Path=/; HttpOnly; SameSite=Strict"), std::string::npos) << session;
  EXPECT_EQ(session.find("Secure"), std::string::npos);
  r = get(*s, "/", {{"Cookie", cookie_of(session)}});
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("Signed in as <strong>ana</strong>"), std::string::npos);
  EXPECT_EQ(get(*s, "/api/alerts", {{"Cookie", cookie_of(session)}})->status, 200);
  form = c.Get("/login", {{"X-Forwarded-Proto", "https"}});
  r = c.Post("/login", {{"Cookie", cookie_of(set_cookie(*form, "sw_login"))}, {"X-Forwarded-Proto", "https"}},
             httplib::Params{{"csrf", hidden(form->body, "csrf")}, {"name", "ana"}, {"password", password}});
  EXPECT_NE(set_cookie(*r, "sw_session").find("; Secure"), std::string::npos);
  // A made-up session is nobody.
  EXPECT_EQ(get(*s, "/", {{"Cookie", "sw_session=" + std::string(64, 'a')}})->status, 303);

  // Signing out ends the session (it needs its token too).
  const std::string token = csrf(*s, cookie_of(session));
  ASSERT_EQ(token.size(), 64u);
  EXPECT_EQ(c.Post("/logout", {{"Cookie", cookie_of(session)}}, httplib::Params{})->status, 403);
  r = c.Post("/logout", {{"Cookie", cookie_of(session)}}, httplib::Params{{"csrf", token}});
  EXPECT_EQ(r->status, 303);
  EXPECT_NE(set_cookie(*r, "sw_session").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(get(*s, "/", {{"Cookie", cookie_of(session)}})->status, 303);

  // Wrong passwords: told so, then throttled for the address.
  for (int i = 0; i < 5; ++i) {
    int status = 0;
    EXPECT_EQ(sign_in(*s, "wrong", &status), "");
    EXPECT_EQ(status, 401);
  }
  int status = 0;
  EXPECT_EQ(sign_in(*s, password, &status), "");
  EXPECT_EQ(status, 429);
}

TEST_F(triage_web, forms_acknowledge_and_label_with_their_csrf_token_only) {
  auto s = start_with_user();
  const std::string session = sign_in(*s);
  ASSERT_FALSE(session.empty());
  httplib::Client c("http://" + s->address());
  auto page = c.Get("/alerts/" + designation, {{"Cookie", session}})->body;
  EXPECT_NE(page.find("id=\"acknowledge-form\""), std::string::npos) << page;
  const std::string token = hidden(page, "csrf");
  const std::string base = "/alerts/" + designation;

  // No token, a wrong one, or no session: refused, nothing changes.
  auto r = c.Post(base + "/acknowledge", {{"Cookie", session}}, httplib::Params{{"note", "x"}});
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("did not come from this site"), std::string::npos);
  EXPECT_EQ(c.Post(base + "/acknowledge", {{"Cookie", session}},
                   httplib::Params{{"csrf", std::string(64, '0')}})->status, 403);
  r = c.Post(base + "/acknowledge", httplib::Params{{"csrf", token}});
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(r->get_header_value("Location"), "/login");
  {
    store::store db(state_);
    EXPECT_FALSE(db.triage(designation));
  }

  // With it: acknowledged with the note, then labelled a false positive with the reason.
  r = c.Post(base + "/acknowledge", {{"Cookie", session}},
             httplib::Params{{"csrf", token}, {"note", "seen <b>this</b>"}});
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(r->get_header_value("Location").rfind(base + "?done=", 0), 0u);
  r = c.Post(base + "/label", {{"Cookie", session}},
             httplib::Params{{"csrf", token}, {"label", "false-positive"}, {"reason", "a port, not a firm"}});
  EXPECT_EQ(r->status, 303);
  {
    store::store db(state_);
    const auto t = db.triage(designation);
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->acknowledged_at);
    EXPECT_EQ(t->acknowledged_by, "ana");
    EXPECT_EQ(t->ack_note, "seen <b>this</b>");
    EXPECT_EQ(t->label, "false-positive");
    EXPECT_EQ(t->label_reason, "a port, not a firm");
    EXPECT_EQ(db.actions(designation).size(), 2u);
  }
  page = c.Get(base + "?done=false-positive", {{"Cookie", session}})->body;
  EXPECT_NE(page.find("<dd id=\"acknowledged\">by ana"), std::string::npos) << page;
  EXPECT_NE(page.find("seen &lt;b&gt;this&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(page.find("<dd id=\"label\">false positive by ana"), std::string::npos);
  EXPECT_NE(page.find("role=\"status\">Labelled false positive.</p>"), std::string::npos);
  // A notice is one of the page's own: a link cannot put words there.
  EXPECT_EQ(c.Get(base + "?done=Call%20us", {{"Cookie", session}})->body.find("Call us"),
            std::string::npos);
  EXPECT_NE(c.Get("/?state=false-positive", {{"Cookie", session}})->body.find(designation),
            std::string::npos);
  // A bad label and an unknown alert say so.
  EXPECT_EQ(c.Post(base + "/label", {{"Cookie", session}},
                   httplib::Params{{"csrf", token}, {"label", "maybe"}})->status, 400);
  EXPECT_EQ(c.Post("/alerts/nope/acknowledge", {{"Cookie", session}},
                   httplib::Params{{"csrf", token}})->status, 404);
  // Taken back.
  EXPECT_EQ(c.Post(base + "/unacknowledge", {{"Cookie", session}},
                   httplib::Params{{"csrf", token}})->status, 303);
  EXPECT_EQ(c.Post(base + "/label", {{"Cookie", session}},
                   httplib::Params{{"csrf", token}, {"label", ""}})->status, 303);
  store::store db(state_);
  const auto t = db.triage(designation);
  EXPECT_FALSE(t->acknowledged_at);
  EXPECT_EQ(t->label, "");
}

TEST_F(triage_web, silences_are_added_and_expired_from_the_page) {
  auto s = start_with_user();
  const std::string session = sign_in(*s);
  httplib::Client c("http://" + s->address());
  // The alert page's link fills the form with its rule and entity.
  auto page = c.Get("/alerts/" + designation, {{"Cookie", session}})->body;
  EXPECT_NE(page.find("/silences?match=rule%3Dsanctions.rule&amp;match=entity%3DHARBOURLINE%20TERMINALS"),
            std::string::npos)
      << page;
  page = c.Get("/silences?match=rule%3Dsanctions.rule&match=entity%3DHARBOURLINE%20TERMINALS",
               {{"Cookie", session}})->body;
  EXPECT_NE(page.find(">rule=sanctions.rule\nentity=HARBOURLINE TERMINALS</textarea>"),
            std::string::npos)
      << page;
  const std::string token = hidden(page, "csrf");
  // Without the token: refused.
  EXPECT_EQ(c.Post("/silences", {{"Cookie", session}},
                   httplib::Params{{"matchers", "tag=sanctions"}, {"for", "2h"}, {"comment", "x"}})->status,
            403);
  // A bad matcher: the form again, saying what is wrong, keeping what was typed.
  auto r = c.Post("/silences", {{"Cookie", session}},
                  httplib::Params{{"csrf", token}, {"matchers", "colour=red"}, {"for", "2h"}, {"comment", "x"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("unknown field &#39;colour&#39;"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(">colour=red</textarea>"), std::string::npos);
  r = c.Post("/silences", {{"Cookie", session}},
             httplib::Params{{"csrf", token}, {"matchers", "rule=*"}, {"for", "2h"}, {"comment", "x"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(c.Post("/silences", {{"Cookie", session}},
                   httplib::Params{{"csrf", token}, {"matchers", "tag=x"}, {"for", "soon"}, {"comment", "x"}})->status,
            400);
  // Added.
  r = c.Post("/silences", {{"Cookie", session}},
             httplib::Params{{"csrf", token},
                             {"matchers", "rule=sanctions.rule\r\n entity=HARBOURLINE TERMINALS \r\n"},
                             {"for", "2h"},
                             {"comment", "known designation"}});
  EXPECT_EQ(r->status, 303);
  std::string id;
  {
    store::store db(state_);
    const auto all = db.silences(std::nullopt);
    ASSERT_EQ(all.size(), 1u);
    id = all[0].id;
    EXPECT_EQ(all[0].matchers, R"(["rule=sanctions.rule","entity=HARBOURLINE TERMINALS"])");
    EXPECT_EQ(all[0].created_by, "ana");
    EXPECT_EQ(all[0].comment, "known designation");
    EXPECT_EQ(all[0].ends_at - all[0].starts_at, std::chrono::hours(2));
  }
  page = c.Get("/silences", {{"Cookie", session}})->body;
  EXPECT_NE(page.find("<tr id=\"silence-" + id + "\">"), std::string::npos);
  EXPECT_NE(page.find("<td>active</td>"), std::string::npos);
  // Expired.
  EXPECT_EQ(c.Post("/silences/" + id + "/expire", {{"Cookie", session}}, httplib::Params{})->status, 403);
  EXPECT_EQ(c.Post("/silences/" + id + "/expire", {{"Cookie", session}},
                   httplib::Params{{"csrf", token}})->status, 303);
  EXPECT_EQ(c.Post("/silences/nope/expire", {{"Cookie", session}},
                   httplib::Params{{"csrf", token}})->status, 404);
  store::store db(state_);
  EXPECT_TRUE(db.silences(now_utc()).empty());
}

TEST_F(triage_web, the_json_api_acts_for_a_basic_user_or_a_session_with_its_token) {
  auto s = start_with_user();
  httplib::Client basic("http://" + s->address());
  basic.set_basic_auth("ana", password);
  const std::string path = "/api/alerts/" + designation + "/label";
  // HTTP Basic: JSON only (no other site's form can send it).
  auto r = basic.Post(path, R"({"label": "true-positive"})", "text/plain");
  EXPECT_EQ(r->status, 415);
  r = basic.Post(path, R"({"label": "true-positive", "reason": "named in the order"})",
                 "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = json::parse(r->body);
  EXPECT_EQ(j["triage"]["state"], "true-positive");
  EXPECT_EQ(j["triage"]["label_reason"], "named in the order");
  EXPECT_EQ(j["triage"]["labelled_by"], "ana");
  EXPECT_EQ(j["history"].size(), 1u);
  EXPECT_EQ(basic.Post(path, R"({"label": "perhaps"})", "application/json")->status, 400);
  EXPECT_EQ(basic.Post(path, "[1]", "application/json")->status, 400);
  EXPECT_EQ(basic.Post("/api/alerts/nope/acknowledge", "{}", "application/json")->status, 404);
  httplib::Client wrong("http://" + s->address());
  wrong.set_basic_auth("ana", "wrong");
  EXPECT_EQ(wrong.Post(path, "{}", "application/json")->status, 401);
  httplib::Client nobody("http://" + s->address());
  EXPECT_EQ(nobody.Post(path, "{}", "application/json")->status, 401);

  // A session (the page's script): the X-CSRF-Token header, or refused.
  const std::string session = sign_in(*s);
  const std::string token = csrf(*s, session);
  httplib::Client c("http://" + s->address());
  r = c.Post("/api/alerts/" + designation + "/acknowledge", {{"Cookie", session}},
             R"({"note": "on it"})", "application/json");
  EXPECT_EQ(r->status, 403);
  r = c.Post("/api/alerts/" + designation + "/acknowledge", {{"Cookie", session}, {"X-CSRF-Token", token}},
             R"({"note": "on it"})", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  j = json::parse(r->body);
  EXPECT_EQ(j["triage"]["acknowledged"], true);
  EXPECT_EQ(j["triage"]["note"], "on it");
  EXPECT_EQ(j["triage"]["state"], "true-positive");  // the label outranks the acknowledgement

  // Silences.
  r = basic.Post("/api/silences", R"({"matchers": ["feed=wire", "text=harbourline"],
                                      "duration": "1h", "comment": "covered"})",
                 "application/json");
  ASSERT_EQ(r->status, 201) << r->body;
  j = json::parse(r->body);
  const std::string id = j["id"];
  EXPECT_EQ(j["state"], "active");
  EXPECT_EQ(j["matchers"], json::array({"feed=wire", "text=harbourline"}));
  EXPECT_EQ(j["created_by"], "ana");
  r = basic.Post("/api/silences", R"({"matchers": [], "duration": "1h"})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("at least one matcher"), std::string::npos);
  EXPECT_EQ(basic.Post("/api/silences", R"({"matchers": ["tag=x"], "ends_at": "2001-01-01"})",
                       "application/json")->status, 400);
  j = json::parse(basic.Get("/api/silences")->body);
  ASSERT_EQ(j["silences"].size(), 1u);
  EXPECT_EQ(j["silences"][0]["comment"], "covered");
  r = basic.Post("/api/silences/" + id + "/expire", "", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["state"], "expired");
  EXPECT_TRUE(json::parse(basic.Get("/api/silences")->body)["silences"].empty());
  EXPECT_EQ(json::parse(basic.Get("/api/silences?all=1")->body)["silences"].size(), 1u);
  EXPECT_EQ(basic.Post("/api/silences/nope/expire", "", "application/json")->status, 404);
}

TEST(web_sessions, sessions_end_after_their_lifetime_unused_and_stay_bounded) {
  sessions ss(std::chrono::seconds(60), 2);
  const auto t0 = sessions::clock::now();
  const auto [a, sa] = ss.start("ana", t0);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(sa.csrf.size(), 64u);
  EXPECT_NE(a, sa.csrf);
  ASSERT_TRUE(ss.find(a, t0 + std::chrono::seconds(59)));  // used: extended
  EXPECT_TRUE(ss.find(a, t0 + std::chrono::seconds(100)));
  EXPECT_FALSE(ss.find(a, t0 + std::chrono::seconds(161)));
  EXPECT_FALSE(ss.find("", t0));
  const auto [b, sb] = ss.start("ben", t0);
  const auto [c, sc] = ss.start("cy", t0 + std::chrono::seconds(1));
  const auto [d, sd] = ss.start("dee", t0 + std::chrono::seconds(2));  // over the bound: b goes
  EXPECT_FALSE(ss.find(b, t0 + std::chrono::seconds(3)));
  EXPECT_EQ(ss.find(c, t0 + std::chrono::seconds(3))->user, "cy");
  ss.end(d);
  EXPECT_FALSE(ss.find(d, t0 + std::chrono::seconds(3)));
  EXPECT_EQ(cookie_value("a=1; sw_session=xyz; b=2", "sw_session"), "xyz");
  EXPECT_EQ(cookie_value("xsw_session=1", "sw_session"), "");
  EXPECT_TRUE(same_token("abc", "abc"));
  EXPECT_FALSE(same_token("abc", "abd"));
  EXPECT_FALSE(same_token("", ""));
}

}  // namespace sanctwatch::web
