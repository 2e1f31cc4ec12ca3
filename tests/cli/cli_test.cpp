#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/version.hpp"
#include "run_binary.hpp"
#include "temp_dir.hpp"

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

namespace sanctwatch {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A labelled set of three articles and a one-rule ruleset, written into `d`.
void labelled_set(const testing::temp_dir& d) {
  std::filesystem::create_directories(d.file("articles"));
  std::filesystem::create_directories(d.file("rules"));
  write_file(d.file("rules/r.yaml"),
             "rules:\n"
             "  - id: s.any\n"
             "    title: Sanctions mentioned\n"
             "    tags: [sanctions]\n"
             "    when: '\"sanction*\"'\n");
  write_file(d.file("labels.tsv"), "id\tlabel\treason\nm1\tsanctions\tmeasure\nm2\tnone\tsport\n"
                                   "m3\tsanctions\tmissed\n");
  write_file(d.file("articles/m1.txt"), "Title: Ottawa acts\n\nOttawa imposed sanctions on a shipper.\n");
  write_file(d.file("articles/m2.txt"), "Title: Cup final\n\nThe league sanctioned the club.\n");
  write_file(d.file("articles/m3.txt"), "Title: Blacklist\n\nA shipper was blacklisted.\n");
}

TEST(cli_eval, prints_scores_and_confusions) {
  testing::temp_dir d;
  labelled_set(d);
  auto r = testing::run_sanctwatch("eval --labels '" + d.file("labels.tsv") + "' --rules '" +
                                   d.file("rules") + "' '" + d.file("articles") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("3 labelled articles"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sanctions                         2     1     1     1      0.50   0.50  0.50"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("s.any"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("m2  Cup final"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\u00bbsanctioned\u00ab"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("m3  Blacklist"), std::string::npos) << r.out;

  r = testing::run_sanctwatch("eval --format json --labels '" + d.file("labels.tsv") +
                                  "' --rules '" + d.file("rules") + "' '" + d.file("articles") + "'",
                              false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tags"][0]["tag"], "sanctions");
  EXPECT_EQ(j["tags"][0]["fp"], 1);
  EXPECT_EQ(j["false_negatives"][0]["article"], "m3");
}

TEST(cli_eval, thresholds_and_input_errors) {
  testing::temp_dir d;
  labelled_set(d);
  const std::string base = "eval --labels '" + d.file("labels.tsv") + "' --rules '" +
                           d.file("rules") + "' ";
  EXPECT_EQ(testing::run_sanctwatch(base + "--min-precision 0.9 '" + d.file("articles") + "'").exit_code, 1);
  EXPECT_EQ(testing::run_sanctwatch(base + "--min-recall 0.5 '" + d.file("articles") + "'").exit_code, 0);
  std::filesystem::remove(d.file("articles/m3.txt"));
  auto r = testing::run_sanctwatch(base + "'" + d.file("articles") + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("labels.tsv:4:1: error: no article 'm3'"), std::string::npos) << r.out;
  write_file(d.file("bad.tsv"), "m1\tsanctions\nm1\tnone\n");
  r = testing::run_sanctwatch("eval --labels '" + d.file("bad.tsv") + "' '" + d.file("articles") + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("bad.tsv:2:1: error: article 'm1' is labelled twice"), std::string::npos) << r.out;
  EXPECT_EQ(testing::run_sanctwatch("eval '" + d.file("articles") + "'").exit_code, 2);
}

}  // namespace
}  // namespace sanctwatch

namespace sanctwatch {
namespace {

// A feed of `n` stories, one a copy of a story other feeds carry too.
std::string wire_feed(int feed, int n) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire " +
                    std::to_string(feed) + "</title>";
  const auto item = [&](const std::string& id, const std::string& title) {
    out += "<item><guid>" + id + "</guid><link>https://wire" + std::to_string(feed) +
           ".example/" + id + "</link><title>" + title + "</title><description>" + title +
           ".</description></item>";
  };
  item("shared", "Treasury imposed sanctions on Harbourline Shipping over Russia");
  // Distinct stories: each its own firm, country and wording.
  static const char* firms[] = {"Quayside Electronics", "Northgate Optics", "Bramble Avionics",
                                "Larkspur Machine Tools", "Kestrel Semiconductor", "Oriel Drones",
                                "Fenwick Lasers"};
  static const char* places[] = {"Iran", "Belarus", "Myanmar", "Venezuela", "Syria", "Cuba",
                                 "North Korea"};
  for (int i = 0; i < n; ++i) {
    const int k = feed * 7 + i;
    item("s" + std::to_string(i),
         std::string(i % 2 ? "The Commerce Department added " : "Commerce adds ") + firms[k % 7] +
             " of " + places[(k / 7) % 7] + " to the Entity List after shipments of " +
             std::to_string(k) + " controlled parts");
  }
  return out + "</channel></rss>";
}

std::vector<nlohmann::json> alerts_of(const std::string& out) {
  std::vector<nlohmann::json> docs;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    auto d = nlohmann::json::parse(line);
    d.erase("created_at");
    d.erase("updated_at");
    docs.push_back(std::move(d));
  }
  return docs;
}

}  // namespace

TEST(cli_match, inputs_read_in_parallel_give_the_same_alerts_in_the_same_order) {
  testing::temp_dir dir;
  std::string inputs;
  for (int f = 0; f < 9; ++f) {
    const std::string path = dir.file("wire" + std::to_string(f) + ".xml");
    std::ofstream(path) << wire_feed(f, 3 + f % 4);
    inputs += " '" + path + "'";
    if (f == 4) inputs += " '" + dir.file("missing.xml") + "'";  // one bad input among them
  }
  const std::string rules = " --rules '" + std::string(SANCTWATCH_SOURCE_DIR) + "/rules'";
  const auto one = run_sanctwatch("match -j 1" + rules + inputs);
  const auto three = run_sanctwatch("match -j 3" + rules + inputs);
  // The bad input is reported and the others still matched.
  EXPECT_EQ(one.exit_code, 2) << one.out;
  EXPECT_EQ(three.exit_code, 2) << three.out;
  EXPECT_NE(three.out.find("missing.xml: "), std::string::npos) << three.out;
  const auto a = alerts_of(one.out), b = alerts_of(three.out);
  ASSERT_GT(a.size(), 9u) << one.out;
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;
  // The copies of the shared story are one alert, its sources in input order.
  int shared = 0;
  for (const auto& d : b)
    if (d["item"]["title"].get<std::string>().find("Harbourline") != std::string::npos) {
      ++shared;
      EXPECT_EQ(d["sources_total"], 9);
      EXPECT_EQ(d["sources"][0]["link"], "https://wire0.example/shared");
    }
  EXPECT_EQ(shared, 1);
  // -j takes a number of workers.
  for (const char* bad : {"0", "x", "-2", "1000"}) {
    const auto r = run_sanctwatch(std::string("match -j ") + bad + rules + inputs);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.out.find("-j must be a number from 1 to 256"), std::string::npos) << r.out;
  }
}

}  // namespace sanctwatch
