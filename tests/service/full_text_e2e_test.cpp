// Full text against the real binary: feeds on loopback whose items carry a line of summary and
// link to article pages on the same server (and under a second host name). What the page
// says is matched as `article`; every way a page can fail leaves the item with its own text,
// the reason in the log and the article cache, and no alert lost.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alert_schema.hpp"
#include "http/test_server.hpp"
#include "run_binary.hpp"
#include "store/store.hpp"
#include "story/link.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using namespace std::chrono_literals;
using sanctwatch::test::http_reply;
using sanctwatch::testing::slurp;

struct feed_item {
  std::string guid, link, title, summary;
  std::string pub_date = "";  // RFC 822; empty: none
};

std::string rss(const std::vector<feed_item>& items) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>";
  for (const auto& i : items) {
    out += "<item><guid>" + i.guid + "</guid><link>" + i.link + "</link><title>" + i.title +
           "</title><description>" + i.summary + "</description>";
    if (!i.pub_date.empty()) out += "<pubDate>" + i.pub_date + "</pubDate>";
    out += "</item>";
  }
  return out + "</channel></rss>";
}

// A news page: navigation, the article, a related-links block and a footer.
std::string page(const std::string& headline, const std::vector<std::string>& paragraphs,
                 const std::string& charset = "utf-8") {
  std::string body = "<!doctype html><html lang=\"en\"><head><meta charset=\"" + charset +
                     "\"><title>" + headline +
                     " | The Daily Ledger</title></head><body>"
                     "<nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> "
                     "<a href=\"/markets\">Markets</a> <a href=\"/sport\">Sport</a></nav>"
                     "<main><article><h1>" +
                     headline + "</h1><p class=\"byline\">By Ada Reporter</p>";
  for (const auto& p : paragraphs) body += "<p>" + p + "</p>";
  body +=
      "</article><aside class=\"related\"><h2>Related</h2><ul>"
      "<li><a href=\"/x\">Football club fined after derby</a></li>"
      "<li><a href=\"/y\">Ten recipes for autumn</a></li></ul></aside></main>"
      "<footer>Copyright The Daily Ledger. <a href=\"/privacy\">Privacy</a></footer>"
      "</body></html>";
  return body;
}

http_reply html(std::string body, const std::string& type = "text/html; charset=utf-8") {
  return http_reply{.headers = {{"Content-Type", type}}, .body = std::move(body)};
}

const std::vector<std::string> filler = {
    "Officials spoke to reporters after a meeting that ran late into the evening, and several "
    "of them declined to give details of what had been agreed.",
    "Analysts said the decision had been expected for some weeks, although the timing came as "
    "a surprise to some of the companies involved.",
};

class full_text_e2e : public ::testing::Test {
 protected:
  // One feed per path; `feed_extra` goes into every feed's mapping, `extra` after the sinks.
  void write_config(const std::vector<std::string>& feeds, const std::string& feed_extra = "",
                    const std::string& extra = "") {
    std::ofstream out(config_);
    out << "state: {path: " << state_ << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "network: {allow_private: [127.0.0.0/8, '::1/128'], timeout: 2s, low_speed_time: 2s}\n"
        << "feeds:\n";
    for (const auto& p : feeds)
      out << "  - {id: " << p.substr(1) << ", url: \"" << server_.url(p) << "\", interval: 1m"
          << feed_extra << "}\n";
    out << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n" << extra;
  }

  std::vector<nlohmann::json> alerts() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(alerts_);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  // The alert whose item is `guid`, or null.
  nlohmann::json alert_for(const std::string& guid) const {
    for (auto& a : alerts())
      if (a.contains("item") && a["item"].value("id", "") == guid) return a;
    return nullptr;
  }

  static bool has_article_evidence(const nlohmann::json& a) {
    for (const auto& e : a.value("evidence", nlohmann::json::array()))
      if (e.value("field", "") == "article") return true;
    return false;
  }

  std::string status_of(const std::string& link) {
    store::store db(state_);
    auto a = db.article(story::canonical_link(link));
    return a ? a->status : "(not fetched)";
  }

  testing::run_result poll() { return testing::run_sanctwatch("poll --all -c '" + config_ + "'"); }

  sanctwatch::test::test_server server_;
  sanctwatch::testing::temp_dir dir_;
  std::string config_ = dir_.file("sanctwatch.yaml");
  std::string state_ = dir_.file("state.db");
  std::string alerts_ = dir_.file("alerts.jsonl");
};

TEST_F(full_text_e2e, the_article_behind_a_one_line_summary_raises_the_alert) {
  auto paragraphs = filler;
  paragraphs.insert(paragraphs.begin(),
                    "The United States imposed sanctions on Tuesday on four Chinese technology "
                    "companies accused of supplying drone parts to Russia's military.");
  server_.route("/news/drones", html(page("A busy day in Washington", paragraphs)));
  server_.route("/wire", http_reply{.body = rss({{"d1", server_.url("/news/drones"),
                                                  "A busy day in Washington",
                                                  "Officials met on Tuesday."}})});
  write_config({"/wire"});
  auto r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto a = alert_for("d1");
  ASSERT_FALSE(a.is_null()) << slurp(alerts_) << r.out;
  EXPECT_TRUE(has_article_evidence(a)) << a.dump(2);
  EXPECT_EQ(server_.count("/news/drones"), 1u);
  EXPECT_EQ(status_of(server_.url("/news/drones")), "ok");
  EXPECT_NE(r.out.find("full text 1 of 1"), std::string::npos) << r.out;
  if (testing::alert_validator_available()) {
    // "field": "article" is part of the alert schema.
    const auto [status, report] = testing::validate_alert_lines(alerts_);
    EXPECT_EQ(status, 0) << report;
  }

  // With full_text: never the same summary raises nothing and the page is not asked for.
  std::filesystem::remove(state_);
  std::filesystem::remove(alerts_);
  server_.clear_log();
  write_config({"/wire"}, ", full_text: never");
  r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(alerts().empty()) << slurp(alerts_);
  EXPECT_EQ(server_.count("/news/drones"), 0u);
}

TEST_F(full_text_e2e, an_sdn_name_in_the_article_is_screened) {
  const std::string sdn = std::string(SANCTWATCH_SHARED_DIR) + "/data/ofac-sdn-2022-01";
  if (!std::filesystem::exists(sdn + "/sdn.csv")) GTEST_SKIP() << "no " << sdn;
  auto paragraphs = filler;
  paragraphs.insert(paragraphs.begin() + 1,
                    "Prosecutors said the shipping agent moved payments for Bank Markazi "
                    "Jomhouri Islami Iran in breach of sanctions for almost three years.");
  server_.route("/court/agent", html(page("Shipping agent in court", paragraphs)));
  server_.route("/wire", http_reply{.body = rss({{"c1", server_.url("/court/agent"),
                                                  "Shipping agent in court",
                                                  "A trial opened in Rotterdam."}})});
  write_config({"/wire"}, "",
               "entity_lists:\n  - {name: ofac-sdn, source: " + sdn +
                   "/sdn.csv, format: ofac-sdn-csv}\n");
  auto r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto a = alert_for("c1");
  ASSERT_FALSE(a.is_null()) << slurp(alerts_) << r.out;
  EXPECT_TRUE(has_article_evidence(a)) << a.dump(2);
  bool named = false;
  for (const auto& e : a.value("entities", nlohmann::json::array()))
    named = named || e.value("list", "") == "ofac-sdn";
  EXPECT_TRUE(named) << a.dump(2);
}

TEST_F(full_text_e2e, one_url_in_two_feeds_is_fetched_once) {
  auto paragraphs = filler;
  paragraphs.insert(paragraphs.begin(),
                    "The European Union adopted sanctions on Monday against three Belarusian "
                    "banks over the crackdown on protesters.");
  server_.route("/eu/banks", html(page("Ministers meet in Brussels", paragraphs)));
  const std::string link = server_.url("/eu/banks");
  server_.route("/a", http_reply{.body = rss({{"a1", link + "?utm_source=a", "Ministers meet",
                                               "A meeting in Brussels."}})});
  server_.route("/b", http_reply{.body = rss({{"b1", link + "?utm_source=b", "Brussels talks",
                                               "Talks in Brussels."}})});
  write_config({"/a", "/b"});
  auto r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(server_.count("/eu/banks"), 1u) << r.out;
  // Both copies were matched with the article: one story alert, and its revision with the
  // second source.
  std::vector<nlohmann::json> first, revisions;
  for (auto& a : alerts()) (a.value("type", "") == "alert.updated" ? revisions : first).push_back(a);
  ASSERT_EQ(first.size(), 1u) << slurp(alerts_);
  ASSERT_EQ(revisions.size(), 1u) << slurp(alerts_);
  EXPECT_EQ(revisions[0].value("sources_total", 0), 2);
  EXPECT_TRUE(has_article_evidence(first[0])) << first[0].dump(2);
  // The next poll of a third feed with the link finds it in the store.
  server_.route("/c", http_reply{.body = rss({{"c1", link, "Later copy", "Brussels again."}})});
  write_config({"/a", "/b", "/c"});
  r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(server_.count("/eu/banks"), 1u) << r.out;
}

TEST_F(full_text_e2e, failed_pages_fall_back_to_the_item_text_with_a_reason) {
  // Each item's own title is a sanctions headline: it must alert whatever its page does.
  const std::string own = "Treasury imposes sanctions on Iranian oil shipping network";
  std::vector<feed_item> items;
  auto add = [&](const std::string& guid, const std::string& path) {
    items.push_back({guid, server_.url(path), own + " (" + guid + ")", "In brief."});
  };
  server_.route("/gone", http_reply{.status = 404, .body = "not here"});
  add("missing", "/gone");
  server_.route("/slow", http_reply{.body = page("Slow", filler), .delay = 5s});
  add("slow", "/slow");
  // 50 MiB of markup, streamed: refused once over the article size cap.
  server_.route("/huge", http_reply{.headers = {{"Content-Type", "text/html"}},
                                    .body = std::string(1 << 20, 'x'),
                                    .repeat = 50});
  add("huge", "/huge");
  server_.route("/report.pdf",
                http_reply{.headers = {{"Content-Type", "application/pdf"}}, .body = "%PDF-1.4"});
  add("pdf", "/report.pdf");
  // A redirect to another host name: followed (link shorteners and feed proxies do this),
  // and recorded.
  server_.route("/short", http_reply::redirect(302, server_.url("/moved", "localhost")));
  server_.route("/moved", html(page("Moved", filler)));
  add("moved", "/short");
  // A page in windows-1251, as its header and its meta tag say.
  const std::string cyrillic_1251 = "\xd1\xe0\xed\xea\xf6\xe8\xe8";  // "Санкции"
  server_.route("/ru", html(page("News", {"Report: " + cyrillic_1251 + " against a bank.",
                                          filler[0], filler[1]},
                                 "windows-1251"),
                            "text/html; charset=windows-1251"));
  add("cp1251", "/ru");
  server_.route("/wire", http_reply{.body = rss(items)});
  // One alert per item here, not one per story: the six headlines are one story.
  write_config({"/wire"}, "", "stories: {enabled: false}\n");
  auto r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const auto& guid : {"missing", "slow", "huge", "pdf", "moved", "cp1251"})
    EXPECT_FALSE(alert_for(guid).is_null()) << guid << "\n" << slurp(alerts_) << r.out;
  EXPECT_EQ(status_of(server_.url("/gone")), "HTTP 404");
  EXPECT_EQ(status_of(server_.url("/slow")), "timeout");
  EXPECT_EQ(status_of(server_.url("/huge")), "too large");
  EXPECT_EQ(status_of(server_.url("/report.pdf")), "not HTML (application/pdf)");
  EXPECT_EQ(status_of(server_.url("/short")), "ok");
  EXPECT_EQ(status_of(server_.url("/ru")), "ok");
  {
    store::store db(state_);
    auto moved = db.article(story::canonical_link(server_.url("/short")));
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->final_url, server_.url("/moved", "localhost"));
    auto ru = db.article(story::canonical_link(server_.url("/ru")));
    ASSERT_TRUE(ru);
    EXPECT_NE(ru->text.find("\xd0\xa1\xd0\xb0\xd0\xbd\xd0\xba\xd1\x86\xd0\xb8\xd0\xb8"),
              std::string::npos)
        << ru->text;
  }
  EXPECT_NE(r.out.find("matched on the feed's text: HTTP 404"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("matched on the feed's text: not HTML (application/pdf)"),
            std::string::npos)
      << r.out;
}

TEST_F(full_text_e2e, long_old_and_linkless_items_are_not_fetched) {
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "Officials met again today to talk about trade. ";
  server_.route("/long", html(page("Long", filler)));
  server_.route("/old", html(page("Old", filler)));
  server_.route("/always", html(page("Always", filler)));
  server_.route("/wire",
                http_reply{.body = rss({{"long", server_.url("/long"), "Trade talks", long_text},
                                        {"old", server_.url("/old"), "Archive", "Short.",
                                         "Mon, 02 Jan 2006 10:00:00 GMT"},
                                        {"nolink", "urn:x:1", "No link", "Short."}})});
  server_.route("/other", http_reply{.body = rss({{"al", server_.url("/always"), "Trade talks",
                                                   long_text}})});
  {
    std::ofstream out(config_);
    out << "state: {path: " << state_ << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "network: {allow_private: [127.0.0.0/8]}\n"
        << "defaults: {full_text_max_age: 30d}\n"
        << "feeds:\n"
        << "  - {id: wire, url: \"" << server_.url("/wire") << "\"}\n"
        << "  - {id: other, url: \"" << server_.url("/other") << "\", full_text: always}\n"
        << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n";
  }
  auto r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(server_.count("/long"), 0u);
  EXPECT_EQ(server_.count("/old"), 0u);
  EXPECT_EQ(server_.count("/always"), 1u);
  // Seen items are not fetched again on the next poll.
  r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(server_.count("/always"), 1u);
}

TEST_F(full_text_e2e, article_links_to_private_addresses_are_refused_by_default) {
  server_.route("/inside", html(page("Inside", filler)));
  server_.route("/wire", http_reply{.body = rss({{"p1", server_.url("/inside"),
                                                  "Sanctions imposed on a shipping firm",
                                                  "Brief."}})});
  {
    std::ofstream out(config_);
    out << "state: {path: " << state_ << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "feeds:\n  - {id: wire, url: \"" << server_.url("/wire") << "\"}\n"
        << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n";
  }
  auto r = poll();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(server_.count("/inside"), 0u);
  EXPECT_EQ(status_of(server_.url("/inside")), "refused: a private address");
}

TEST_F(full_text_e2e, bad_full_text_settings_are_located_errors) {
  {
    std::ofstream out(config_);
    out << "state: {path: " << state_ << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "defaults: {full_text: sometimes, full_text_rate: 0}\n"
        << "feeds:\n  - {id: wire, url: \"http://127.0.0.1:1/x\", full_text: yes}\n";
  }
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find(":3:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("defaults.full_text must be auto, always or never"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("defaults.full_text_rate must be"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("full_text must be auto, always or never"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sanctwatch::service
