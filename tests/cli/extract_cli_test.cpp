// `sanctwatch extract` end to end: the real binary on the test pages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/test_server.hpp"
#include "run_binary.hpp"

namespace sanctwatch {
namespace {

using testing::run_sanctwatch;

std::string page(const char* name) {
  return std::string(SANCTWATCH_SOURCE_DIR) + "/tests/extract/pages/" + name;
}

TEST(cli_extract, text_format_prints_metadata_then_paragraphs) {
  auto r = run_sanctwatch("extract '" + page("wire-sanctions.html") + "'", /*merge_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(
      r.out.rfind("title:     US sanctions Baltic tanker operators over price-cap evasion\n", 0),
      0u)
      << r.out;
  EXPECT_NE(r.out.find("byline:    Marta Ilves, Tom Hardacre\n"), std::string::npos);
  EXPECT_NE(r.out.find("published: 2024-05-14T09:30:00Z\n"), std::string::npos);
  EXPECT_NE(r.out.find("site:      Northwind Daily\n"), std::string::npos);
  EXPECT_NE(r.out.find("\n\nThe United States on Tuesday imposed sanctions"), std::string::npos);
  EXPECT_NE(r.out.find("Kestrel Maritime"), std::string::npos);
  EXPECT_EQ(r.out.find("We use cookies"), std::string::npos);
  EXPECT_EQ(r.out.find("explain:"), std::string::npos);
  EXPECT_EQ(r.out.find("url:"), std::string::npos);  // relative canonical, no --url
  auto with_url = run_sanctwatch("extract --url https://www.northwind-daily.example/x '" +
                                 page("wire-sanctions.html") + "'");
  EXPECT_NE(with_url.out.find("url:       https://www.northwind-daily.example/world/2024/may/14/"),
            std::string::npos)
      << with_url.out;
}

TEST(cli_extract, json_format_with_decisions) {
  auto r =
      run_sanctwatch("extract --format json --explain --url https://example.test/world/story '" +
                         page("split-by-ads.html") + "'",
                     false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["title"], "Chipmaker Kestrel Microdevices added to export blacklist");
  EXPECT_EQ(j["byline"], "Dana Whitcombe");
  EXPECT_EQ(j["published"], "2024-04-02T16:45:00Z");
  EXPECT_TRUE(j["canonical_url"].is_null());
  ASSERT_TRUE(j["paragraphs"].is_array());
  EXPECT_EQ(j["paragraphs"].size(), 9u);
  const auto& d = j["decisions"];
  EXPECT_EQ(d["method"], "score");
  EXPECT_EQ(d["chosen"]["path"],
            "html>body>div#wrapper>div#content-area>div.article-container>div.article-body");
  EXPECT_GT(d["chosen"]["score"].get<double>(), 10.0);
  EXPECT_EQ(d["siblings"].size(), 1u);
  EXPECT_FALSE(d["runners_up"].empty());
  EXPECT_EQ(d["sources"]["title"], "og:title");
  EXPECT_EQ(d["charset"], "utf-8");
}

TEST(cli_extract, explain_in_text_format) {
  auto r = run_sanctwatch("extract --explain '" + page("russian-cp1251.html") + "'", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("  charset:    windows-1251 (meta http-equiv)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  chosen:     html>body>table.layout>tr>td.col-main"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  runner-up:  "), std::string::npos);
  EXPECT_NE(r.out.find("  title:      from h1\n"), std::string::npos) << r.out;
  // converted to UTF-8: "Северный терминал"
  EXPECT_NE(r.out.find("\xd0\xa1\xd0\xb5\xd0\xb2\xd0\xb5\xd1\x80\xd0\xbd\xd1\x8b\xd0\xb9"),
            std::string::npos);
}

TEST(cli_extract, stdin_and_charset_option) {
  // windows-1251 bytes without any declaration: --charset says what HTTP would have.
  const std::string html =
      "<html><body><article><p>\xd1\xe0\xed\xea\xf6\xe8\xe8 \xef\xf0\xee\xf2\xe8\xe2 "
      "\xea\xee\xec\xef\xe0\xed\xe8\xe9, \xe7\xe0\xff\xe2\xe8\xeb\xe8 \xe2 \xec\xe8\xed\xe8\xf1"
      "\xf2\xe5\xf0\xf1\xf2\xe2\xe5.</p></article></body></html>";
  auto r = run_sanctwatch("extract --charset windows-1251 -", false, html);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\xd0\xa1\xd0\xb0\xd0\xbd\xd0\xba\xd1\x86\xd0\xb8\xd0\xb8"),
            std::string::npos)
      << r.out;  // "Санкции"
}

TEST(cli_extract, no_text_exits_1_and_bad_input_exits_2) {
  auto none =
      run_sanctwatch("extract -", true, std::string("<html><body><img src=x></body></html>"));
  EXPECT_EQ(none.exit_code, 1) << none.out;
  EXPECT_NE(none.out.find("no article text found"), std::string::npos);
  auto missing = run_sanctwatch("extract /nonexistent/page.html");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("/nonexistent/page.html: cannot open"), std::string::npos);
  auto empty = run_sanctwatch("extract -", true, std::string("   "));
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.out.find("the page is empty"), std::string::npos) << empty.out;
  EXPECT_EQ(run_sanctwatch("extract --format xml -", true, std::string("x")).exit_code, 2);
}

TEST(cli_extract, fetches_a_url_and_takes_the_charset_of_its_content_type) {
  sanctwatch::test::test_server server;
  // windows-1251 bytes that say nothing of their charset: only the header does.
  const std::string body =
      "<html><head><title>\xd1\xe0\xed\xea\xf6\xe8\xe8</title></head><body><article><p>"
      "\xd1\xe0\xed\xea\xf6\xe8\xe8 \xef\xf0\xee\xf2\xe8\xe2 \xea\xee\xec\xef\xe0\xed\xe8\xe9, "
      "\xe7\xe0\xff\xe2\xe8\xeb\xe8 \xe2 \xec\xe8\xed\xe8\xf1\xf2\xe5\xf0\xf1\xf2\xe2\xe5."
      "</p></article><link rel=canonical href=\"/news/1\"></body></html>";
  server.route("/page",
               sanctwatch::test::http_reply{
                   .headers = {{"Content-Type", "text/html; charset=windows-1251"}}, .body = body});
  server.route("/gone", sanctwatch::test::http_reply{.status = 404});
  auto r = run_sanctwatch("extract --format json --explain " + server.url("/page"), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["title"], "\u0421\u0430\u043d\u043a\u0446\u0438\u0438");  // Санкции
  EXPECT_EQ(j["canonical_url"], server.url("/news/1"));
  EXPECT_EQ(j["decisions"]["charset"], "windows-1251");
  EXPECT_EQ(j["decisions"]["charset_source"], "option");
  auto gone = run_sanctwatch("extract " + server.url("/gone"));
  EXPECT_EQ(gone.exit_code, 2);
  EXPECT_NE(gone.out.find("404"), std::string::npos) << gone.out;
}

TEST(cli_extract, help) {
  auto r = run_sanctwatch("extract --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: sanctwatch extract [--format text|json] [--explain]"),
            std::string::npos)
      << r.out;
  EXPECT_NE(run_sanctwatch("--help").out.find("extract"), std::string::npos);
}

}  // namespace
}  // namespace sanctwatch
