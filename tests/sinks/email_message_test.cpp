// The email of an alert, read back by a real MIME parser (Python's `email` package with its
// default policy, what mail tools built on it see): headers decoded, both parts, threading,
// escaping, and the wire rules (CRLF only, short lines).
#include "sinks/email_message.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sinks/mail_tools.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

json document(const std::string& title, int revision = 0) {
  json doc = {
      {"schema", "sanctwatch.alert/1"},
      {"id", "a1f3"},
      {"created_at", "2026-11-22T10:15:03Z"},
      {"rule",
       {{"id", "sanctions.threat.china-finance"},
        {"title", "Sanctions threatened against Chinese firms or banks"},
        {"severity", "high"},
        {"tags", {"sanctions", "china"}}}},
      {"item",
       {{"id", "sample-0001"},
        {"title", title},
        {"link", "https://news.example/story?a=1&b=2"},
        {"published", "2026-11-22T09:00:00Z"},
        {"feed", {{"id", "wire"}, {"title", "Example Wire"}, {"url", nullptr}}}}},
      {"evidence",
       {{{"field", "body"},
         {"text", "secondary sanctions"},
         {"snippet", "The Treasury threatened secondary sanctions on banks that deal with <them>."},
         {"start", 10},
         {"end", 29}}}},
      {"entities",
       {{{"id", "sdn-1"},
         {"name", "Bank of Kunlun"},
         {"matched", "Kunlun Bank"},
         {"list", "sdn"},
         {"programs", {"IRAN"}},
         {"ambiguous", false}}}},
      {"sources",
       {{{"feed", "wire"}, {"link", "https://news.example/story?a=1&b=2"}, {"published", nullptr}},
        {{"feed", "other"}, {"link", "https://other.example/copy"}, {"published", nullptr}}}}};
  if (revision > 0) {
    doc["type"] = "alert.updated";
    doc["revision"] = revision;
    doc["updated_at"] = "2026-11-23T08:00:00Z";
    doc["sources_total"] = 2;
  }
  return doc;
}

alert_view view(const json& doc) { return view_of(doc.dump()).value(); }

const mailbox from{"sanctwatch", "alerts@example.org"};
const std::vector<mailbox> to = {{"", "risk@example.org"},
                                 {"Zoë Müller, Compliance", "zoe@example.org"},
                                 {"Desk \"Asia\"", "asia.desk@example.org"}};
const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);

// CRLF line ends only, no line over 78 bytes (998 is the hard limit).
void expect_wire_form(const std::string& m) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\r') {
      ASSERT_TRUE(i + 1 < m.size() && m[i + 1] == '\n') << "bare CR at " << i;
    }
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
      EXPECT_LE(i - 1 - start, 78u) << m.substr(start, i - start);
      start = i + 1;
    }
  }
  EXPECT_TRUE(m.ends_with("\r\n"));
}

class email_message_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = testing::python_missing(false); !why.empty()) GTEST_SKIP() << why;
  }
  json parsed(const std::string& m) {
    json p = testing::parse_email(m, dir_);
    EXPECT_TRUE(p.is_object()) << m;
    return p.is_object() ? p : json::object();
  }
  testing::temp_dir dir_;
};

TEST_F(email_message_test, headers_decode_to_what_the_alert_says) {
  const std::string title = "\xc3\x9cmlaut \xe2\x80\x93 \xe2\x80\x9cquotes\xe2\x80\x9d: EU weighs "
                            "sanctions on banks in a headline long enough to need folding "
                            "over several encoded words \xe2\x80\x94 \xe6\xbc\xa2\xe5\xad\x97 too";
  const auto a = view(document(title));
  const std::string m = build_email(a, from, to, now).value();
  expect_wire_form(m);
  const json p = parsed(m);
  EXPECT_EQ(p["defects"], json::array()) << m;
  EXPECT_EQ(p["headers"]["Subject"], "[HIGH] " + title) << m;
  EXPECT_EQ(p["headers"]["Message-ID"], "<sanctwatch.a1f3@example.org>");
  EXPECT_FALSE(p["headers"].contains("In-Reply-To"));
  EXPECT_FALSE(p["headers"].contains("References"));
  EXPECT_EQ(p["date"], "2026-11-22T10:15:03+00:00");  // the alert's time, not the sender's
  EXPECT_NE(m.find("\r\nDate: Sun, 22 Nov 2026 10:15:03 +0000\r\n"), std::string::npos) << m;
  EXPECT_EQ(p["headers"]["MIME-Version"], "1.0");
  EXPECT_EQ(p["headers"]["Auto-Submitted"], "auto-generated");
  EXPECT_EQ(p["from"], json({"alerts@example.org"}));
  EXPECT_EQ(p["from_names"], json({"sanctwatch"}));
  EXPECT_EQ(p["to"], json({"risk@example.org", "zoe@example.org", "asia.desk@example.org"}));
  EXPECT_EQ(p["to_names"], json({"", "Zoë Müller, Compliance", "Desk \"Asia\""}));
  EXPECT_EQ(p["content_type"], "multipart/alternative");
  // The same alert, the same bytes: a resend is a duplicate receivers can drop.
  EXPECT_EQ(build_email(a, from, to, now + std::chrono::hours(5)).value(), m);
}

TEST_F(email_message_test, both_parts_carry_the_alert_and_html_escapes_it) {
  const auto a = view(document("<script>alert(1)</script> & Co. sanctioned"));
  const std::string m = build_email(a, from, to, now).value();
  expect_wire_form(m);
  const json p = parsed(m);
  EXPECT_EQ(p["defects"], json::array());
  ASSERT_EQ(p["parts"].size(), 2u) << p.dump();
  const json& text = p["parts"][0];
  const json& html = p["parts"][1];
  EXPECT_EQ(text["type"], "text/plain");
  EXPECT_EQ(html["type"], "text/html");
  for (const json& part : {text, html}) {
    EXPECT_EQ(part["charset"], "utf-8");
    EXPECT_EQ(part["encoding"], "quoted-printable");
  }
  // Decoded, each part is exactly what was rendered (the quoted-printable round trip).
  const auto content = render_email(a).value();
  EXPECT_EQ(text["content"].get<std::string>(), content.text);
  EXPECT_EQ(html["content"].get<std::string>(), content.html);

  const std::string t = text["content"];
  for (const char* want : {"[HIGH] <script>alert(1)</script> & Co. sanctioned",
                           "Rules:      Sanctions threatened against Chinese firms or banks "
                           "(sanctions.threat.china-finance)",
                           "https://news.example/story?a=1&b=2", "sanctions.threat.china-finance",
                           "Severity:   high", "Tags:       sanctions, china", "Example Wire",
                           "threatened \xc2\xbbsecondary sanctions\xc2\xab on banks that deal with <them>.",
                           "Bank of Kunlun (sdn-1; IRAN) as \"Kunlun Bank\"", "Also reported by 1 other outlet",
                           "other: https://other.example/copy", "sanctwatch alert a1f3"})
    EXPECT_NE(t.find(want), std::string::npos) << want << "\n" << t;

  const std::string h = html["content"];
  EXPECT_EQ(h.find("<script>"), std::string::npos) << h;
  EXPECT_NE(h.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co. sanctioned"), std::string::npos) << h;
  EXPECT_NE(h.find("<a href=\"https://news.example/story?a=1&amp;b=2\">"), std::string::npos) << h;
  EXPECT_NE(h.find("threatened <mark><b>secondary sanctions</b></mark> on banks that deal with "
                   "&lt;them&gt;."),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("<li>Bank of Kunlun (sdn-1; IRAN) as &quot;Kunlun Bank&quot;</li>"),
            std::string::npos)
      << h;
}

TEST_F(email_message_test, an_update_threads_under_the_alert) {
  const auto a = view(document("US warns Chinese banks", 2));
  ASSERT_EQ(a.revision, 2);
  const std::string m = build_email(a, from, to, now).value();
  expect_wire_form(m);
  const json p = parsed(m);
  EXPECT_EQ(p["headers"]["Message-ID"], "<sanctwatch.a1f3-2@example.org>");
  EXPECT_EQ(p["headers"]["In-Reply-To"], "<sanctwatch.a1f3@example.org>");
  EXPECT_EQ(p["headers"]["References"], "<sanctwatch.a1f3@example.org>");
  EXPECT_EQ(p["date"], "2026-11-23T08:00:00+00:00");
  EXPECT_NE(p["parts"][0]["content"].get<std::string>().find("Update 2: the story was reported again"),
            std::string::npos);
}

TEST_F(email_message_test, a_document_without_a_time_is_dated_now_and_links_stay_web_links) {
  json doc = document("Plain title");
  doc.erase("created_at");
  doc["item"]["link"] = "javascript:alert(1)";
  const std::string m = build_email(view(doc), from, to, now).value();
  const json p = parsed(m);
  EXPECT_EQ(p["date"], "2019-12-20T00:00:00+00:00");  // 50 × 365 days after 1970
  EXPECT_EQ(p["headers"]["Subject"], "[HIGH] Plain title");
  EXPECT_NE(m.find("\r\nSubject: [HIGH] Plain title\r\n"), std::string::npos);  // no encoding needed
  EXPECT_EQ(p["parts"][1]["content"].get<std::string>().find("href=\"javascript"), std::string::npos);
}

TEST_F(email_message_test, long_and_awkward_subjects_fold_and_decode_exactly) {
  for (const std::string& title :
       {std::string(300, 'x'), std::string("a =?utf-8?q?not-a-word?= b"),
        std::string(120, ' ') + "spaces",
        std::string("word ") + std::string(40, 'w') + " " + std::string(75, 'v')}) {
    const std::string field = header_field("Subject", title);
    const std::string m = field + "\r\nMIME-Version: 1.0\r\n\r\nbody\r\n";
    expect_wire_form(m);
    const json p = parsed(m);
    EXPECT_EQ(p["headers"]["Subject"], title) << field;
    EXPECT_EQ(p["defects"], json::array()) << field;
  }
}

TEST(email_message, quoted_printable_rules) {
  EXPECT_EQ(quoted_printable("a=b \n.x\nt\t"), "a=3Db=20\r\n=2Ex\r\nt=09");
  EXPECT_EQ(quoted_printable("\xc3\xbc"), "=C3=BC");
  const std::string lines = quoted_printable(std::string(200, '=') + "\n" + std::string(300, 'z'));
  std::size_t start = 0;
  for (std::size_t nl; (nl = lines.find("\r\n", start)) != std::string::npos; start = nl + 2)
    EXPECT_LE(nl - start, 76u);
  EXPECT_LE(lines.size() - start, 76u);
}

TEST(email_message, dates_and_ids) {
  using namespace std::chrono;
  EXPECT_EQ(rfc5322_date(sys_days{2024y / 2 / 29} + hours(23) + minutes(5) + seconds(9)),
            "Thu, 29 Feb 2024 23:05:09 +0000");
  EXPECT_EQ(email_message_id("abc", 0, "example.org"), "<sanctwatch.abc@example.org>");
  EXPECT_EQ(email_message_id("abc", 3, "example.org"), "<sanctwatch.abc-3@example.org>");
  EXPECT_EQ(email_message_id("a<b>c d", 0, ""), "<sanctwatch.a-b-c-d@sanctwatch.invalid>");
}

TEST(mailbox, forms_the_config_may_write) {
  auto m = parse_mailbox("sanctwatch <alerts@example.org>").value();
  EXPECT_EQ(m.name, "sanctwatch");
  EXPECT_EQ(m.address, "alerts@example.org");
  EXPECT_EQ(m.domain(), "example.org");
  EXPECT_EQ(parse_mailbox("  risk@example.org ").value().address, "risk@example.org");
  EXPECT_EQ(parse_mailbox("<risk@example.org>").value().name, "");
  m = parse_mailbox("\"Risk, \\\"desk\\\"\" <risk+alerts@sub.example.org>").value();
  EXPECT_EQ(m.name, "Risk, \"desk\"");
  EXPECT_EQ(m.address, "risk+alerts@sub.example.org");
  EXPECT_EQ(parse_mailbox("ops@[192.0.2.1]").value().domain(), "[192.0.2.1]");
  for (const char* bad : {"", "risk", "risk@", "@example.org", "risk@exa mple.org", ".risk@example.org",
                          "ri..sk@example.org", "risk@-example.org", "risk@example..org",
                          "r\xc3\xbc@example.org", "risk@example.org\r\nRCPT TO:<x@y>",
                          "Risk <risk@example.org", "a b@example.org", "Risk > <risk@example.org>"})
    EXPECT_FALSE(parse_mailbox(bad).ok()) << bad;
}

}  // namespace
}  // namespace sanctwatch::sinks
