// `sanctwatch check`: load every rule file, report every located error, run every rule's
// inline tests and show the explain trace of each failure.
#include <cstdio>
#include <string>

#include "cli/command.hpp"
#include "engine/load.hpp"
#include "engine/match.hpp"

namespace sanctwatch::cli {

int run_check(const args& a) {
  if (!a.positional.empty()) {
    std::fprintf(stderr, "sanctwatch check: unexpected argument '%s'\n", a.positional[0].c_str());
    return usage_error;
  }
  std::vector<std::string> dirs = a.all("--rules");
  if (dirs.empty()) dirs.push_back("rules");
  auto loaded = engine::load_rule_dirs(dirs);
  if (!loaded.rules) {
    for (const auto& e : loaded.errors) std::fputs(engine::format_error(e).c_str(), stderr);
    std::fprintf(stderr, "%zu error%s; ruleset not loaded\n", loaded.errors.size(),
                 loaded.errors.size() == 1 ? "" : "s");
    return findings;
  }
  const auto& rs = *loaded.rules;
  auto report = engine::run_tests(rs);
  for (const auto& f : report.failures) {
    const auto& w = f.test->where;
    std::printf("%s:%d:%d: rule '%s': expected %s: \"%s\"\n%s\n", w.file.c_str(), w.line, w.column,
                f.failed_rule->id.c_str(), f.test->expect_match ? "a match" : "no match",
                f.test->label.c_str(), engine::format_explain(f.trace, 1).c_str());
  }
  std::printf("%zu rules, %zu tests: %zu passed, %zu failed\n", rs.rules.size(), report.tests,
              report.tests - report.failures.size(), report.failures.size());
  return report.failures.empty() ? ok : findings;
}

}  // namespace sanctwatch::cli
