#include "sinks/file_sink.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sinks/alert_fixture.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::sinks {
namespace {

using sanctwatch::testing::slurp;

outcome deliver(sink& s, const alert_view& a) {
  std::optional<outcome> got;
  s.deliver(a, [&](outcome o) { got = o; });
  EXPECT_TRUE(got) << "done was not called synchronously";
  return got.value_or(outcome::retry("no outcome"));
}

}  // namespace

TEST(file_sink, one_document_per_line_appended) {
  sanctwatch::testing::temp_dir dir;
  const auto path = dir.file("alerts.jsonl");
  {
    std::ofstream pre(path);
    pre << "{\"earlier\":true}\n";
  }
  file_sink s("jsonl", {}, path);
  EXPECT_EQ(deliver(s, testing::sample_alert("a1")).result, outcome::kind::delivered);
  EXPECT_EQ(deliver(s, testing::sample_alert("a2")).result, outcome::kind::delivered);
  std::istringstream lines(slurp(path));
  std::string line;
  std::vector<std::string> ids;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    ids.push_back(j.value("id", "earlier"));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"earlier", "a1", "a2"}));
}

TEST(file_sink, takes_updates_as_further_lines) {
  sanctwatch::testing::temp_dir dir;
  file_sink s("jsonl", {}, dir.file("alerts.jsonl"));
  EXPECT_TRUE(s.supports_updates());
  auto doc = nlohmann::json::parse(testing::sample_alert("a1").document);
  EXPECT_EQ(deliver(s, view_of(doc.dump()).value()).result, outcome::kind::delivered);
  doc["type"] = "alert.updated";
  doc["revision"] = 1;
  EXPECT_EQ(deliver(s, view_of(doc.dump()).value()).result, outcome::kind::delivered);
  std::istringstream lines(slurp(dir.file("alerts.jsonl")));
  std::string line;
  std::vector<std::string> seen;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    seen.push_back(j["id"].get<std::string>() + "/" + j.value("type", "alert"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a1/alert", "a1/alert.updated"}));
}

TEST(file_sink, reopen_follows_logrotate) {
  sanctwatch::testing::temp_dir dir;
  const auto path = dir.file("alerts.jsonl");
  file_sink s("jsonl", {}, path);
  deliver(s, testing::sample_alert("before"));
  std::filesystem::rename(path, dir.file("alerts.jsonl.1"));
  deliver(s, testing::sample_alert("still-old-file"));  // the open descriptor follows the rename
  s.reopen();
  deliver(s, testing::sample_alert("after"));
  EXPECT_NE(slurp(dir.file("alerts.jsonl.1")).find("\"still-old-file\""), std::string::npos);
  const auto fresh = slurp(path);
  EXPECT_NE(fresh.find("\"after\""), std::string::npos);
  EXPECT_EQ(fresh.find("\"before\""), std::string::npos);
}

TEST(file_sink, unwritable_path_is_retried_with_the_reason) {
  file_sink s("jsonl", {}, "/nonexistent-dir/alerts.jsonl");
  auto o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_NE(o.error.find("/nonexistent-dir/alerts.jsonl: No such file or directory"),
            std::string::npos)
      << o.error;
}

TEST(file_sink, directory_created_later_is_picked_up) {
  sanctwatch::testing::temp_dir dir;
  const auto path = dir.file("later/alerts.jsonl");
  file_sink s("jsonl", {}, path);
  EXPECT_EQ(deliver(s, testing::sample_alert()).result, outcome::kind::retry);
  std::filesystem::create_directory(dir.file("later"));
  EXPECT_EQ(deliver(s, testing::sample_alert()).result, outcome::kind::delivered);
  EXPECT_FALSE(slurp(path).empty());
}

}  // namespace sanctwatch::sinks
