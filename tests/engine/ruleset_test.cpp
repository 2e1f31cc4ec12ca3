// The default ruleset (rules/): loads, its inline tests pass, the test articles and the seeds
// give the expected alerts; and the real binary end to end.
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "alert_schema.hpp"
#include "helpers.hpp"
#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::engine::test {
namespace {

namespace fs = std::filesystem;
const std::string rules_dir = std::string(SANCTWATCH_SOURCE_DIR) + "/rules";
const std::string articles_dir = std::string(SANCTWATCH_TEST_DATA) + "/articles";
const std::string seeds_dir = std::string(SANCTWATCH_SHARED_DIR) + "/seeds";

using sanctwatch::testing::slurp;

const ruleset& default_rules() {
  static auto loaded = load_rule_dirs({rules_dir});
  if (!loaded.rules) {
    std::string all;
    for (const auto& e : loaded.errors) all += format_error(e);
    ADD_FAILURE() << all;
    std::abort();
  }
  return *loaded.rules;
}

// An article file as `match` reads it: "Title: ..." first line, or the seeds' "date" prefix.
item article(const std::string& path) {
  std::string s = slurp(path);
  item it;
  it.id = fs::path(path).filename().string();
  if (s.rfind("Title:", 0) == 0) {
    auto nl = s.find('\n');
    it.title = s.substr(7, nl - 7);
    s.erase(0, nl + 1);
  }
  it.content = s;
  return it;
}

// Tags of the rules that fire, info rules left out.
std::set<std::string> fired_tags(const item& it) {
  std::set<std::string> tags;
  for (const auto& m : match(default_rules(), it))
    if (m.matched_rule->level != severity::info)
      tags.insert(m.matched_rule->tags.begin(), m.matched_rule->tags.end());
  return tags;
}

TEST(engine_default_rules, load_and_pass_their_tests) {
  const auto& rs = default_rules();
  EXPECT_GE(rs.rules.size(), 10u);
  auto rep = run_tests(rs);
  EXPECT_GE(rep.tests, 50u);
  for (const auto& f : rep.failures)
    ADD_FAILURE() << f.failed_rule->id << ": " << f.test->label << "\n" << format_explain(f.trace);
  std::set<std::string> tags;
  for (const auto& r : rs.rules) {
    tags.insert(r.tags.begin(), r.tags.end());
    EXPECT_FALSE(r.fires_without_hits) << r.id << " would fire on every item";
    bool has_match = false, has_no_match = false;
    for (const auto& t : r.tests) (t.expect_match ? has_match : has_no_match) = true;
    EXPECT_TRUE(has_match && has_no_match) << r.id << " needs match and no_match tests";
  }
  for (const char* t : {"sanctions", "export-controls", "entity"}) EXPECT_TRUE(tags.count(t)) << t;
}

TEST(engine_default_rules, articles_meet_expectations) {
  std::ifstream in(articles_dir + "/expectations.txt");
  ASSERT_TRUE(in) << "missing expectations.txt";
  std::size_t checked = 0;
  std::set<std::string> listed;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    ASSERT_NE(colon, std::string::npos) << line;
    const std::string file = line.substr(0, colon);
    listed.insert(file);
    std::set<std::string> want;
    std::istringstream tags(line.substr(colon + 1));
    for (std::string t; std::getline(tags, t, ',');) {
      t.erase(0, t.find_first_not_of(' '));
      t.erase(t.find_last_not_of(' ') + 1);
      if (!t.empty() && t != "-") want.insert(t);
    }
    auto got = fired_tags(article(articles_dir + "/" + file));
    std::string g;
    for (const auto& t : got) g += t + " ";
    EXPECT_EQ(got, want) << file << " fired: " << g;
    ++checked;
  }
  EXPECT_GE(checked, 10u);
  for (const auto& e : fs::directory_iterator(articles_dir))
    if (e.path().extension() == ".txt" && e.path().filename() != "expectations.txt") {
      EXPECT_TRUE(listed.count(e.path().filename().string())) << e.path() << " has no expectation";
    }
}

TEST(engine_default_rules, seeds_fire) {
  if (!fs::exists(seeds_dir)) GTEST_SKIP() << "no " << seeds_dir;
  auto first = fired_tags(article(seeds_dir + "/000_935ebd66a5df73d6.txt"));
  EXPECT_TRUE(first.count("sanctions"));
  auto second = fired_tags(article(seeds_dir + "/003_61fa157d4637f645.txt"));
  EXPECT_TRUE(second.count("sanctions"));
  EXPECT_TRUE(second.count("export-controls"));
}

// --- the real binary --------------------------------------------------------------------------

using sanctwatch::testing::run_sanctwatch;

std::set<std::string> tags_of_output(const std::string& out) {
  std::set<std::string> tags;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto doc = nlohmann::json::parse(line);
    EXPECT_EQ(doc["schema"], "sanctwatch.alert/2");
    for (const auto& t : doc["tags"]) tags.insert(t.get<std::string>());
  }
  return tags;
}

TEST(engine_cli, match_seeds_end_to_end) {
  if (!fs::exists(seeds_dir)) GTEST_SKIP() << "no " << seeds_dir;
  auto a = run_sanctwatch(
      "match --rules '" + rules_dir + "' '" + seeds_dir + "/000_935ebd66a5df73d6.txt'", false);
  EXPECT_EQ(a.exit_code, 1) << a.out;  // 1: alerts found
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 1) << "one alert per article";
  EXPECT_TRUE(tags_of_output(a.out).count("sanctions")) << a.out;
  auto b = run_sanctwatch(
      "match --rules '" + rules_dir + "' '" + seeds_dir + "/003_61fa157d4637f645.txt'", false);
  EXPECT_EQ(b.exit_code, 1) << b.out;
  EXPECT_EQ(std::count(b.out.begin(), b.out.end(), '\n'), 1) << "one alert per article";
  auto tags = tags_of_output(b.out);
  EXPECT_TRUE(tags.count("sanctions")) << b.out;
  EXPECT_TRUE(tags.count("export-controls")) << b.out;
}

// What `match` prints follows the published schema (docs/alert.schema.json), checked by a
// real JSON Schema validator over every test article, the sample feed and an entity list.
TEST(engine_cli, match_output_follows_the_alert_schema) {
  if (!testing::alert_validator_available())
    GTEST_SKIP() << "/usr/bin/python3 with jsonschema (python3-jsonschema) is not installed";
  sanctwatch::testing::temp_dir dir;
  const std::string out = dir.file("alerts.jsonl");
  const std::string list = std::string(SANCTWATCH_TEST_DATA) + "/entities/sdn.csv";
  std::string inputs = "'" + std::string(SANCTWATCH_SOURCE_DIR) + "/config/sample-feed.xml'";
  for (const auto& e : fs::directory_iterator(articles_dir)) inputs += " '" + e.path().string() + "'";
  auto r = run_sanctwatch("match --rules '" + rules_dir + "' --entities ofac-sdn-csv:'" + list +
                              "' " + inputs + " > '" + out + "'",
                          false);
  ASSERT_EQ(r.exit_code, 1) << r.out;
  const auto [status, report] = testing::validate_alert_lines(out);
  EXPECT_EQ(status, 0) << report;
  EXPECT_NE(report.find(" 0 problems"), std::string::npos) << report;
}

// Several inputs carrying one story (an edited copy of the same article): one alert, the
// first copy named, both as sources, the rules of both.
TEST(engine_cli, match_prints_one_alert_per_story_across_inputs) {
  sanctwatch::testing::temp_dir dir;
  const std::string body =
      "The finance ministry in Ottawa imposed sanctions on four shipping companies on Monday, "
      "saying they carried oil for the government in Caracas despite an embargo, and froze "
      "their assets held by Canadian banks, officials told reporters at a briefing.";
  std::ofstream(dir.file("a.txt")) << "Title: Ottawa sanctions four shipping firms\n\n" << body << "\n";
  std::ofstream(dir.file("b.txt")) << "Title: Canada sanctions four shipping firms\n\n"
                                   << body << " The firms did not reply.\n";
  std::ofstream(dir.file("c.txt")) << "Title: Rail strike ends\n\nDrivers went back to work.\n";
  auto r = run_sanctwatch("match --rules '" + rules_dir + "' '" + dir.file("a.txt") + "' '" +
                              dir.file("c.txt") + "' '" + dir.file("b.txt") + "'",
                          false);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  std::istringstream in(r.out);
  std::vector<nlohmann::json> docs;
  for (std::string line; std::getline(in, line);) docs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(docs.size(), 1u) << r.out;
  EXPECT_EQ(docs[0]["item"]["title"], "Ottawa sanctions four shipping firms");
  EXPECT_EQ(docs[0]["sources_total"], 2);
  EXPECT_EQ(docs[0]["sources"].size(), 2u);
}

TEST(engine_cli, match_negative_article_prints_nothing_and_exits_0) {
  auto r = run_sanctwatch(
      "match --rules '" + rules_dir + "' '" + articles_dir + "/neg_f1_race_sanctioned.txt'", false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST(engine_cli, match_text_format_and_explain) {
  auto r = run_sanctwatch("match --format text --explain --rules '" + rules_dir + "' '" +
                          articles_dir + "/pos_ofac_settlement.txt'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("[HIGH] "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sanctions.enforcement (Sanctions enforcement action)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  > "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("»"), std::string::npos) << r.out;  // not a terminal: marks as »…«
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FIRED  sanctions.enforcement"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-      export-controls.entity-list"), std::string::npos) << r.out;
}

TEST(engine_cli, match_stdin_and_bad_rules) {
  auto r = run_sanctwatch(
      "match --rules '" + rules_dir + "' - < '" + articles_dir + "/pos_ofac_settlement.txt'",
      false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(tags_of_output(r.out).count("sanctions"));
  auto missing = run_sanctwatch("match --rules /nonexistent/rules x.txt");
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
}

TEST(engine_cli, match_feed_file_detected_by_content) {
  const fs::path feed =
      fs::temp_directory_path() / ("sanctwatch-feed-" + std::to_string(::getpid()));
  std::ofstream(feed) << "\xEF\xBB\xBF  <?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
                         "<title>T</title><link>https://example.com/</link>"
                         "<item><title>US sanctions Hong Kong firms supplying Russia</title>"
                         "<guid>a-1</guid><description>The Treasury imposed sanctions on three "
                         "companies.</description></item>"
                         "<item><title>Race sanctioned</title><guid>b-2</guid>"
                         "<description>The race was sanctioned by the FIA.</description></item>"
                         "</channel></rss>";
  auto r = run_sanctwatch("match --rules '" + rules_dir + "' '" + feed.string() + "'", false);
  fs::remove(feed);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  std::istringstream in(r.out);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    auto doc = nlohmann::json::parse(line);
    EXPECT_EQ(doc["item"]["id"], "a-1");
    EXPECT_EQ(doc["item"]["feed"]["title"], "T");
  }
  EXPECT_GE(n, 1u);
}

TEST(engine_cli, match_unsupported_entity_format_is_a_load_error) {
  auto r =
      run_sanctwatch("match --rules '" + rules_dir + "' --entities ofac-sdn-cvs:/tmp/sdn.csv -");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("/tmp/sdn.csv: error: unsupported entity list format 'ofac-sdn-cvs' (did "
                       "you mean 'ofac-sdn-csv'?)"),
            std::string::npos)
      << r.out;
}

// `--entities` adds a list for one run; the default rules screen it through entity(@*).
TEST(engine_cli, match_entities_from_the_command_line) {
  const std::string list = std::string(SANCTWATCH_TEST_DATA) + "/entities/sdn.csv";
  const std::string article =
      std::string(SANCTWATCH_TEST_DATA) + "/articles/" + "pos_ofac_hong_kong_designations.txt";
  auto r = run_sanctwatch("match --rules '" + rules_dir + "' --entities ofac-sdn-csv:'" + list +
                          "' '" + article + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  auto c =
      run_sanctwatch("check --rules '" + rules_dir + "' --entities ofac-sdn-csv:'" + list + "'");
  EXPECT_EQ(c.exit_code, 0) << c.out;
  EXPECT_NE(c.out.find(" passed, 0 failed"), std::string::npos) << c.out;
}

TEST(engine_cli, check_default_rules_exits_0) {
  auto r = run_sanctwatch("check --rules '" + rules_dir + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(" passed, 0 failed"), std::string::npos) << r.out;
}

TEST(engine_cli, check_broken_rules_exits_1_with_locations) {
  const fs::path dir =
      fs::temp_directory_path() / ("sanctwatch-engine-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "bad.yaml")
      << "lists:\n  sanction_terms: [sanction*]\nrules:\n  - id: x\n"
         "    title: X\n    when: near(@sanction_term, @sanction_terms)\n";
  std::ofstream(dir / "failing.yaml") << "rules:\n  - id: y\n    title: Y\n    when: '\"iran\"'\n"
                                         "    tests: {match: [Iraq]}\n";
  auto r = run_sanctwatch("check --rules '" + dir.string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("bad.yaml:6:16: error: unknown list '@sanction_term' (did you mean "
                       "'@sanction_terms'?)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("^"), std::string::npos) << r.out;
  fs::remove(dir / "bad.yaml");
  auto t = run_sanctwatch("check --rules '" + dir.string() + "'");
  EXPECT_EQ(t.exit_code, 1) << t.out;
  EXPECT_NE(t.out.find("failing.yaml:5:21: rule 'y': expected a match: \"Iraq\""),
            std::string::npos)
      << t.out;
  EXPECT_NE(t.out.find("1 rules, 1 tests: 0 passed, 1 failed"), std::string::npos) << t.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sanctwatch::engine::test
