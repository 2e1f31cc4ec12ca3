// The web side on loopback: the JSON API and the Atom feed of the alert queue over a real
// state, their filters and paging, access (public, HTTP Basic with argon2id hashes, throttled
// failures), and hostile article text that must come out as text.
#include <gtest/gtest.h>

#include <httplib.h>
#include <pugixml.hpp>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "alert_schema.hpp"
#include "feed/parse.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"
#include "web/auth.hpp"
#include "web/server.hpp"
#include "seeded_state.hpp"

namespace sanctwatch::web {
namespace {

using json = nlohmann::json;
using namespace testing_web;
using web_test = seeded_web;

}  // namespace

TEST_F(web_test, the_api_lists_the_queue_with_filters_and_pages) {
  auto s = start({.public_read = true});
  auto r = get(*s, "/api/alerts");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  auto j = json::parse(r->body);
  EXPECT_EQ(j["total"], 8);
  ASSERT_EQ(j["alerts"].size(), 8u);
  EXPECT_TRUE(j["next"].is_null());
  EXPECT_EQ(j["alerts"][0]["alert"]["id"], hostile);  // newest first
  EXPECT_EQ(j["alerts"][7]["alert"]["id"], hex(0));
  EXPECT_EQ(j["alerts"][7]["triage"]["state"], "acknowledged");
  EXPECT_EQ(j["alerts"][6]["triage"]["state"], "new");
  EXPECT_TRUE(j["alerts"][6]["triage"]["label"].is_null());
  // Every alert is the document sinks deliver, valid against the published schema.
  if (testing::alert_validator_available()) {
    const std::string lines = dir_.file("api.jsonl");
    std::ofstream out(lines);
    for (const auto& a : j["alerts"]) out << a["alert"].dump() << "\n";
    out.close();
    const auto [status, report] = testing::validate_alert_lines(lines);
    EXPECT_EQ(status, 0) << report;
  }
  // Filters, in the URL.
  j = json::parse(get(*s, "/api/alerts?tag=export-controls&feed=desk")->body);
  EXPECT_EQ(j["total"], 2);  // alerts 3 and 5
  j = json::parse(get(*s, "/api/alerts?q=number%205")->body);
  ASSERT_EQ(j["total"], 1);
  EXPECT_EQ(j["alerts"][0]["alert"]["id"], hex(5));
  j = json::parse(get(*s, "/api/alerts?state=acknowledged")->body);
  EXPECT_EQ(j["total"], 1);
  j = json::parse(get(*s, "/api/alerts?since=1970-01-01T00:16:44Z&until=1970-01-01T00:16:46Z")->body);
  EXPECT_EQ(j["total"], 2);  // created at 1004 and 1005
  // Pages by cursor.
  std::vector<std::string> ids;
  std::string path = "/api/alerts?limit=3";
  for (int i = 0; i < 5 && !path.empty(); ++i) {
    j = json::parse(get(*s, path)->body);
    for (const auto& a : j["alerts"]) ids.push_back(a["alert"]["id"]);
    path = j["next"].is_null() ? "" : "/api/alerts?limit=3&after=" + j["next"].get<std::string>();
  }
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(ids[3], hex(4));
  // Bad values say which.
  r = get(*s, "/api/alerts?severity=loud");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("severity must be"), std::string::npos) << r->body;
  EXPECT_EQ(get(*s, "/api/alerts?limit=0")->status, 400);
  EXPECT_EQ(get(*s, "/api/alerts?state=lost")->status, 400);
  EXPECT_EQ(get(*s, "/api/alerts?after=nonsense")->status, 400);
  EXPECT_EQ(get(*s, "/api/alerts?after=x:y")->status, 400);
  EXPECT_EQ(get(*s, "/nothing-here")->status, 404);
  EXPECT_EQ(get(*s, "/healthz")->body, "ok\n");
}

TEST_F(web_test, the_atom_feed_reads_as_atom_and_article_text_stays_text) {
  auto s = start({.public_read = true});
  auto r = get(*s, "/alerts.atom?tag=sanctions", {{"Host", "triage.example:8080"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/atom+xml; charset=utf-8");
  // sanctwatch's own feed parser.
  const auto parsed = feed::parse(r->body);
  ASSERT_TRUE(parsed) << parsed.err().message;
  const auto& d = parsed.value();
  EXPECT_EQ(d.feed.title, "sanctwatch alerts");
  ASSERT_EQ(d.items.size(), 5u);  // hostile, alert6, 4, 2, 0
  EXPECT_EQ(d.items[0].id, "urn:sanctwatch:alert:" + hostile);
  EXPECT_EQ(d.items[1].title, "[HIGH] Story number 6");
  EXPECT_EQ(d.items[1].link, "https://news.example/" + hex(6));
  EXPECT_NE(d.items[1].content.find("Treasury designated firm number 6"), std::string::npos)
      << d.items[1].content;
  // The hostile alert: its markup arrives escaped, as text, in title and content.
  EXPECT_EQ(d.items[0].title, "[HIGH] <script>alert(1)</script> headline");  // a text title
  EXPECT_EQ(d.items[0].content.find("<img"), std::string::npos) << d.items[0].content;
  EXPECT_EQ(r->body.find("<script>"), std::string::npos);
  // The HTML each entry carries (XML-decoded): marks as <mark>, article markup as text.
  pugi::xml_document x;
  ASSERT_TRUE(x.load_string(r->body.c_str()));
  std::vector<std::string> html;
  for (auto e : x.child("feed").children("entry")) html.push_back(e.child_value("content"));
  ASSERT_EQ(html.size(), 5u);
  EXPECT_NE(html[1].find("<mark>Treasury</mark> designated firm number 6"), std::string::npos)
      << html[1];
  EXPECT_NE(html[0].find("<mark>&quot;&gt;&lt;img s</mark>rc=x onerror=alert(2)&gt; sanctioned"),
            std::string::npos)
      << html[0];
  EXPECT_EQ(html[0].find("<img"), std::string::npos) << html[0];
  // Python's feedparser reads it as Atom 1.0, well formed, with the same entries.
  const std::string file = dir_.file("alerts.atom");
  std::ofstream(file) << r->body;
  std::string out;
  FILE* p = ::popen(("/usr/bin/python3 '" + std::string(SANCTWATCH_SOURCE_DIR) +
                     "/tests/web/feedparser_check.py' '" + file + "'")
                        .c_str(),
                    "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  if (::pclose(p) != 0) GTEST_SKIP() << "python3-feedparser is not installed: " << out;
  const auto fp = json::parse(out);
  EXPECT_FALSE(fp["bozo"].get<bool>()) << fp["bozo_exception"];
  EXPECT_EQ(fp["version"], "atom10");
  EXPECT_EQ(fp["title"], "sanctwatch alerts");
  ASSERT_EQ(fp["entries"].size(), 5u);
  EXPECT_EQ(fp["entries"][1]["link"], "https://news.example/" + hex(6));
  EXPECT_EQ(fp["entries"][1]["tags"], json::array({"sanctions"}));
  EXPECT_EQ(fp["entries"][0]["content"].get<std::string>().find("<img"), std::string::npos);
  // Its id is its own address, as the client asked for it.
  EXPECT_NE(r->body.find("<id>http://triage.example:8080/alerts.atom?tag=sanctions</id>"),
            std::string::npos);
}

TEST_F(web_test, without_public_read_it_takes_a_configured_user_and_throttles_guessing) {
  auto s = start({.users = {{"ana", hash_password("correct horse battery")}}});
  auto r = get(*s, "/api/alerts");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Basic realm=\"sanctwatch\", charset=\"UTF-8\"");
  EXPECT_EQ(get(*s, "/alerts.atom")->status, 401);
  httplib::Client c("http://" + s->address());
  c.set_basic_auth("ana", "correct horse battery");
  r = c.Get("/api/alerts");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(c.Get("/alerts.atom")->status, 200);  // what a feed reader does
  httplib::Client wrong("http://" + s->address());
  wrong.set_basic_auth("ana", "correct horse");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(wrong.Get("/api/alerts")->status, 401);
  // Five failures from this address: even the right password waits now.
  r = wrong.Get("/api/alerts");
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "300");
  EXPECT_EQ(c.Get("/api/alerts")->status, 429);
  // The health check needs nobody.
  EXPECT_EQ(get(*s, "/healthz")->status, 200);
}

TEST_F(web_test, the_queue_page_lists_filters_and_pages_with_everything_escaped) {
  auto s = start({.public_read = true});
  auto r = get(*s, "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("style-src 'self'"),
            std::string::npos);
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  const std::string& page = r->body;
  EXPECT_NE(page.find("data-total=\"8\""), std::string::npos) << page;
  EXPECT_NE(page.find(">8 alerts</p>"), std::string::npos) << page;
  // The only script is the page's own; the hostile headline is text.
  EXPECT_EQ(page.find("<script"), page.find("<script src=\"/static/app.js\" defer></script>"));
  EXPECT_EQ(page.find("<script", page.find("<script") + 1), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt; headline"), std::string::npos);
  EXPECT_NE(page.find("<a class=\"open\" href=\"/alerts/" + hex(6) + "\">Story number 6</a>"),
            std::string::npos);
  EXPECT_NE(page.find("<span class=\"state state-acknowledged\">acknowledged</span>"),
            std::string::npos);
  EXPECT_NE(page.find("<label>Words <input type=\"text\" name=\"q\""), std::string::npos);
  // One row per alert, newest first.
  std::size_t rows = 0;
  for (auto at = page.find("<tr class="); at != std::string::npos; at = page.find("<tr class=", at + 1))
    ++rows;
  EXPECT_EQ(rows, 8u);
  EXPECT_LT(page.find("headline</a>"), page.find("Story number 6"));  // the hostile one is newest
  // A filter is a URL: the form shows it, the count says so, the next page keeps it.
  r = get(*s, "/?tag=sanctions&limit=2");
  EXPECT_NE(r->body.find("5 alerts match these filters"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("name=\"tag\" value=\"sanctions\""), std::string::npos);
  const auto next = r->body.find("<a rel=\"next\" href=\"/?");
  ASSERT_NE(next, std::string::npos) << r->body;
  const std::string href = r->body.substr(next + 20, r->body.find('"', next + 20) - next - 20);
  EXPECT_EQ(href.rfind("/?limit=2&amp;tag=sanctions&amp;after=", 0), 0u) << href;
  std::string target = href;
  for (auto at = target.find("&amp;"); at != std::string::npos; at = target.find("&amp;"))
    target.replace(at, 5, "&");
  r = get(*s, target);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("Story number 2"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("Story number 6"), std::string::npos);
  // What a visitor types comes back escaped, and a bad filter says what is wrong.
  r = get(*s, "/?q=%22%3E%3Cscript%3Ex%3C%2Fscript%3E");
  EXPECT_EQ(r->body.find("<script>"), std::string::npos);
  EXPECT_NE(r->body.find("value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""), std::string::npos);
  r = get(*s, "/?severity=loud");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("<p class=\"problem\" role=\"alert\">severity must be"), std::string::npos);
  r = get(*s, "/static/style.css");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_NE(r->body.find("@media (max-width: 50em)"), std::string::npos);
  r = get(*s, "/static/app.js");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(r->body.find("'/api/alerts?'"), std::string::npos);
}

TEST(web_auth, argon2id_hashes_verify_only_their_password) {
  const auto h = hash_password("correct horse battery");
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u) << h;
  EXPECT_TRUE(verify_password(h, "correct horse battery"));
  EXPECT_FALSE(verify_password(h, "correct horse batterY"));
  EXPECT_FALSE(verify_password("$argon2id$nonsense", "x"));
  EXPECT_NE(hash_password("correct horse battery"), h);  // a fresh salt each time
}

TEST(web_auth, the_throttle_forgets_after_its_window) {
  login_throttle th(2, std::chrono::seconds(60));
  const auto t0 = login_throttle::clock::now();
  EXPECT_TRUE(th.allowed("10.0.0.1", t0));
  th.failed("10.0.0.1", t0);
  th.failed("10.0.0.1", t0);
  EXPECT_FALSE(th.allowed("10.0.0.1", t0 + std::chrono::seconds(59)));
  EXPECT_TRUE(th.allowed("10.0.0.2", t0));
  EXPECT_TRUE(th.allowed("10.0.0.1", t0 + std::chrono::seconds(60)));
  th.failed("10.0.0.2", t0);
  th.succeeded("10.0.0.2");
  th.failed("10.0.0.2", t0);
  EXPECT_TRUE(th.allowed("10.0.0.2", t0));
}

TEST(web_server, a_port_in_use_is_an_error_naming_it) {
  sanctwatch::testing::temp_dir dir;
  config::web_settings w{.listen = "127.0.0.1:0", .public_read = true};
  server first(w, dir.file("state.db"), "");
  w.listen = first.address();
  try {
    server second(w, dir.file("state.db"), "");
    FAIL() << "bound twice";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(first.address()), std::string::npos) << e.what();
  }
}

}  // namespace sanctwatch::web
