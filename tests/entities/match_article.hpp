#pragma once
// End to end for importers: a list file given to the real binary as `match --entities
// FORMAT:PATH`, and an article in which a listed name should be found.

#include <filesystem>
#include <fstream>
#include <string>

#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::entities::testing {

/// Runs `sanctwatch match` with one rule that fires on any listed entity, the list given as
/// `--entities FORMAT:PATH`, on one article. Returns the output (alert JSON lines).
inline std::string match_article(const std::string& format, const std::string& list_file,
                                 const std::string& body, int* exit_code) {
  sanctwatch::testing::temp_dir dir;
  std::filesystem::create_directories(dir.path() / "rules");
  std::ofstream(dir.file("rules/listed.yaml"))
      << "rules:\n  - id: listed\n    title: Listed entity named\n    when: entity(@*)\n";
  std::ofstream(dir.file("article.txt")) << "Title: Sanctions news\n\n" << body << "\n";
  const std::string list = std::string(SANCTWATCH_TEST_DATA) + "/entities/" + list_file;
  auto r = sanctwatch::testing::run_sanctwatch("match --rules '" + dir.file("rules") +
                                               "' --entities '" + format + ":" + list + "' '" +
                                               dir.file("article.txt") + "'");
  *exit_code = r.exit_code;
  return r.out;
}

}  // namespace sanctwatch::entities::testing
