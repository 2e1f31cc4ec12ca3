#pragma once
// Shared helpers for the engine tests: inline YAML rulesets and one-field items.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "engine/load.hpp"
#include "engine/match.hpp"

namespace sanctwatch::engine::test {

/// Loads one inline rule file (named rules/test.yaml); `files` serves entity sources.
inline load_outcome load_yaml(const std::string& yaml,
                              std::map<std::string, std::string> files = {}) {
  load_options o;
  o.read = [files](const std::string& p) -> result<std::string> {
    auto it = files.find(p);
    if (it == files.end()) return error{"io", "no such file"};
    return it->second;
  };
  return load_ruleset({{"rules/test.yaml", yaml}}, o);
}

/// All errors, formatted, for failure messages.
inline std::string errors_of(const load_outcome& l) {
  std::string s;
  for (const auto& e : l.errors) s += format_error(e);
  return s;
}

/// A ruleset with one rule `r` whose `when:` is given, plus common lists.
inline std::shared_ptr<const ruleset> rule_when(const std::string& when,
                                                const std::string& extra_lists = "") {
  std::string y =
      "lists:\n"
      "  sanc: [sanction*, asset freeze, {term: OFAC, case: exact}]\n"
      "  china: [China, Chinese, Beijing, Hong Kong]\n"
      "  bank: [bank, banks]\n" +
      extra_lists +
      "rules:\n"
      "  - id: r\n"
      "    title: t\n"
      "    when: '" +
      when + "'\n";
  auto l = load_yaml(y);
  EXPECT_TRUE(l.rules) << errors_of(l);
  return l.rules;
}

inline item content_item(const std::string& content, const std::string& title = "") {
  item it;
  it.id = "i1";
  it.title = title;
  it.content = content;
  return it;
}

inline bool fires(const ruleset& rs, const std::string& content, const std::string& title = "") {
  return !match(rs, content_item(content, title)).empty();
}

}  // namespace sanctwatch::engine::test
