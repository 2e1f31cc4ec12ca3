// `sanctwatch check`: load every rule file, report every located error, run every rule's
// inline tests and show the explain trace of each failure.
#include <cstdio>
#include <map>
#include <string>

#include "cli/command.hpp"
#include "engine/load.hpp"
#include "engine/match.hpp"

namespace sanctwatch::cli {
namespace {

// Importer warnings: every skipped or partly read row of an entity list, located. A real list
// can have many; the first few per file show the kind, the count shows the scale.
void print_warnings(const std::vector<engine::load_error>& warnings) {
  constexpr std::size_t shown_per_file = 20;
  std::map<std::string, std::size_t> per_file;
  for (const auto& w : warnings) {
    if (++per_file[w.where.file] > shown_per_file) continue;
    std::string text = engine::format_error(w);
    if (auto at = text.find(": error: "); at != std::string::npos)
      text.replace(at, 9, ": warning: ");
    std::fputs(text.c_str(), stderr);
  }
  for (const auto& [file, n] : per_file)
    if (n > shown_per_file)
      std::fprintf(stderr, "%s: %zu more warnings not shown (%zu in all)\n", file.c_str(),
                   n - shown_per_file, n);
}

}  // namespace

int run_check(const args& a) {
  if (!a.positional.empty()) {
    std::fprintf(stderr, "sanctwatch check: unexpected argument '%s'\n", a.positional[0].c_str());
    return usage_error;
  }
  const auto rules = rules_from(a, "check");
  if (!rules) return usage_error;
  auto loaded = engine::load_rule_dirs(rules->dirs, rules->extra);
  print_warnings(loaded.warnings);
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
