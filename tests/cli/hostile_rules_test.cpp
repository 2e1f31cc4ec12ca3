// Rule files with catastrophic regexes: Hyperscan never backtracks, so what it accepts scans
// in linear time, and what it cannot compile is a located load error, not a crash or a hang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch {
namespace {

using testing::run_sanctwatch;

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A rules directory under `dir` holding one file, r.yaml, with `yaml`.
std::string rules_dir(const sanctwatch::testing::temp_dir& dir, const std::string& yaml) {
  const std::string rules = dir.file("rules");
  std::filesystem::create_directories(rules);
  write(rules + "/r.yaml", yaml);
  return rules;
}

TEST(cli_hostile_rules, uncompilable_regexes_are_located_errors) {
  sanctwatch::testing::temp_dir dir;
  const std::string rules = rules_dir(dir,
                                      "rules:\n"
                                      "  - id: rx.empty\n"
                                      "    title: matches the empty string\n"
                                      "    severity: low\n"
                                      "    when: /(a|b)*$/\n"
                                      "  - id: rx.backref\n"
                                      "    title: a back-reference\n"
                                      "    severity: low\n"
                                      "    when: /(ab)\\1/\n"
                                      "  - id: rx.lookaround\n"
                                      "    title: a look-ahead\n"
                                      "    severity: low\n"
                                      "    when: /sanction(?=s)/\n"
                                      "  - id: rx.huge\n"
                                      "    title: a pattern too large to compile\n"
                                      "    severity: low\n"
                                      "    when: /(\\w+\\s?){200}z/\n");
  const auto r = run_sanctwatch("check --rules '" + rules + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  for (const char* at : {"r.yaml:5:11: error: bad regex", "r.yaml:9:11: error: bad regex",
                         "r.yaml:13:11: error: bad regex", "r.yaml:17:11: error: bad regex"})
    EXPECT_NE(r.out.find(at), std::string::npos) << at << "\n" << r.out;
  EXPECT_NE(r.out.find("4 errors; ruleset not loaded"), std::string::npos) << r.out;
}

TEST(cli_hostile_rules, nested_quantifiers_scan_a_megabyte_in_one_pass) {
  sanctwatch::testing::temp_dir dir;
  const std::string rules =
      rules_dir(dir,
                "rules:\n"
                "  - id: rx.nested\n"
                "    title: nested quantifiers, the classic backtracking traps\n"
                "    severity: low\n"
                "    when: /(a+)+b/ or /(x|xx)*y/ or /([a-z]+ ?)+z/\n"
                "  - id: rx.repeat\n"
                "    title: counted repeats of a wildcard\n"
                "    severity: low\n"
                "    when: /(.*a){12}b/\n");
  ASSERT_EQ(run_sanctwatch("check --rules '" + rules + "'").exit_code, 0);
  // What makes a backtracking engine take forever: long runs that almost match.
  const std::string article = dir.file("article.txt");
  write(article, "Title: runs\n\n" + std::string(1000000, 'a') + " " + std::string(500000, 'x') +
                     " " + std::string(200000, 'q') + "\n");
  auto r = run_sanctwatch("match --rules '" + rules + "' '" + article + "'", false);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(r.out.empty()) << r.out.substr(0, 500);  // none of them completes
  // The same runs with the final character: each fires once, with bounded evidence.
  write(article, "Title: runs\n\n" + std::string(1000000, 'a') + "b " + std::string(500000, 'x') +
                     "y " + std::string(200000, 'q') + "z c\n");
  r = run_sanctwatch("match --rules '" + rules + "' '" + article + "'", false);
  ASSERT_EQ(r.exit_code, 1) << r.out.substr(0, 500);  // 1: found something
  std::istringstream lines(r.out);
  std::set<std::string> fired;
  for (std::string line; std::getline(lines, line);) {
    const auto alert = nlohmann::json::parse(line);
    for (const auto& rule : alert["rules"]) fired.insert(rule["id"].get<std::string>());
    EXPECT_LT(line.size(), 20000u) << "evidence is cut, not the whole megabyte";
    ASSERT_FALSE(alert["evidence"].empty());
    for (const auto& e : alert["evidence"]) {
      const std::string text = e["text"];
      EXPECT_LE(text.size(), 310u);  // about 300 characters (ASCII here) and "…"
      ASSERT_FALSE(e["marks"].empty());
      for (const auto& m : e["marks"])
        EXPECT_EQ(text.substr(m["start"], m["end"].get<std::size_t>() - m["start"].get<std::size_t>()),
                  m["term"].get<std::string>());
    }
  }
  EXPECT_EQ(fired, (std::set<std::string>{"rx.nested", "rx.repeat"}));
}

}  // namespace
}  // namespace sanctwatch
