#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/version.hpp"
#include "run_binary.hpp"

namespace sanctwatch {
using testing::run_sanctwatch;

TEST(cli, version) {
  auto r = run_sanctwatch("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("sanctwatch ") + version + "\n");
}

TEST(cli, help_lists_every_command) {
  auto r = run_sanctwatch("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* c : {"parse", "match", "check"}) EXPECT_NE(r.out.find(c), std::string::npos) << c;
}

TEST(cli, every_command_has_help) {
  for (const char* c : {"parse", "match", "check"}) {
    auto r = run_sanctwatch(std::string(c) + " --help");
    EXPECT_EQ(r.exit_code, 0) << c;
    EXPECT_NE(r.out.find(std::string("usage: sanctwatch ") + c), std::string::npos) << r.out;
  }
}

TEST(cli, usage_errors_exit_2) {
  EXPECT_EQ(run_sanctwatch("").exit_code, 2);
  EXPECT_EQ(run_sanctwatch("frobnicate").exit_code, 2);
  auto r = run_sanctwatch("parse --bogus x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown option '--bogus'"), std::string::npos) << r.out;
  r = run_sanctwatch("parse /nonexistent/feed.xml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("/nonexistent/feed.xml: cannot open"), std::string::npos) << r.out;
}

}  // namespace sanctwatch

namespace sanctwatch {
namespace {

std::string sample_feed() { return std::string(SANCTWATCH_SOURCE_DIR) + "/config/sample-feed.xml"; }

}  // namespace

TEST(cli_parse, sample_feed_as_json) {
  auto r = testing::run_sanctwatch("parse '" + sample_feed() + "'", /*merge_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["feed"]["title"], "sanctwatch sample wire");
  EXPECT_EQ(doc["feed"]["format"], "rss2");
  ASSERT_EQ(doc["items"].size(), 6u);
  const auto& first = doc["items"][0];
  EXPECT_EQ(first["id"], "sample-0001");
  EXPECT_EQ(first["published"], "2024-06-01T09:30:00Z");
  EXPECT_EQ(first["authors"], nlohmann::json::array({"Sample Desk"}));
  EXPECT_EQ(first["categories"], nlohmann::json::array({"Sanctions"}));
  const std::string content = first["content"];
  EXPECT_NE(content.find("Beijing\u2019s backing"), std::string::npos) << content;
  EXPECT_EQ(content.find("<p>"), std::string::npos) << content;
  EXPECT_EQ(doc["items"][3]["published"], "2024-05-20T17:45:00Z");
  EXPECT_TRUE(doc["items"][3]["content"].is_null());
}

TEST(cli_parse, text_format_and_stdin) {
  auto r = testing::run_sanctwatch("parse --format text - < '" + sample_feed() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("sanctwatch sample wire (rss2, 6 items)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("* League sanctions club after referee row"), std::string::npos) << r.out;
}

TEST(cli_parse, file_url) {
  auto r = testing::run_sanctwatch("parse 'file://" + sample_feed() + "'", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["items"].size(), 6u);
}

TEST(cli_parse, not_a_feed_is_a_clear_input_error) {
  auto r = testing::run_sanctwatch("parse -", true, std::string("<html><body>hello</body></html>"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("not a feed"), std::string::npos) << r.out;
}

}  // namespace sanctwatch
