// Loader: every error kind located at file:line:col, all errors collected, whole-or-nothing.
#include <gtest/gtest.h>

#include "helpers.hpp"

namespace sanctwatch::engine::test {
namespace {

// The single error of a load, as "line:col: message".
std::string only_error(const std::string& yaml, std::map<std::string, std::string> files = {}) {
  auto l = load_yaml(yaml, std::move(files));
  EXPECT_FALSE(l.rules);
  EXPECT_EQ(l.errors.size(), 1u) << errors_of(l);
  if (l.errors.empty()) return {};
  const auto& e = l.errors[0];
  EXPECT_EQ(e.where.file, "rules/test.yaml");
  return std::to_string(e.where.line) + ":" + std::to_string(e.where.column) + ": " + e.message;
}

TEST(engine_load, minimal_rule_loads) {
  auto l = load_yaml(R"(
lists:
  a: [sanction*]
rules:
  - id: x
    title: X
    when: '@a'
)");
  ASSERT_TRUE(l.rules) << errors_of(l);
  EXPECT_EQ(l.rules->rules.size(), 1u);
  EXPECT_EQ(l.rules->hash.size(), 64u);
}

TEST(engine_load, unknown_top_level_key) {
  EXPECT_EQ(only_error("lists: {}\nrule:\n  - id: x\n"),
            "2:1: unknown key 'rule' in a rule file (did you mean 'rules'?); known keys: lists, "
            "macros, entity_lists, rules");
}

TEST(engine_load, unknown_rule_key) {
  auto e = only_error(
      "lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: '@a'\n    sevrity: high\n");
  EXPECT_EQ(e.substr(0, 40), "7:5: unknown key 'sevrity' in a rule (di");
  EXPECT_NE(e.find("did you mean 'severity'?"), std::string::npos) << e;
}

TEST(engine_load, unknown_list_suggests_nearest) {
  // The column points inside the when: string (plain scalar starting at column 11).
  EXPECT_EQ(only_error("lists:\n  sanction_terms: [x]\nrules:\n  - id: x\n    title: X\n"
                       "    when: near(@sanction_term, @sanction_terms)\n"),
            "6:16: unknown list '@sanction_term' (did you mean '@sanction_terms'?)");
}

TEST(engine_load, position_inside_quoted_and_block_scalars) {
  EXPECT_EQ(
      only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: \"@a and @b\"\n"),
      "6:19: unknown list '@b'");
  EXPECT_EQ(only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: >\n"
                       "      @a and\n      not @zz\n"),
            "8:11: unknown list '@zz'");
}

TEST(engine_load, duplicate_rule_ids_name_both_places) {
  auto e = only_error(
      "lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: '@a'\n"
      "  - id: x\n    title: Y\n    when: '@a'\n");
  EXPECT_EQ(e, "7:9: duplicate rule id 'x' (first defined at rules/test.yaml:4:9)");
}

TEST(engine_load, bad_regex_mapped_to_rule_position) {
  auto e =
      only_error("rules:\n  - id: x\n    title: X\n    when: 'near(/sanc(tion/, \"china\")'\n");
  EXPECT_EQ(e.substr(0, 21), "4:17: bad regex: Miss") << e;
}

// Regexes Hyperscan would spend seconds to minutes on (\W{1,100}a\w{1,100}: minutes) are
// refused before compiling, as located errors.
TEST(engine_load, costly_regexes_refused_before_compiling) {
  auto rule = [](const std::string& re) {
    return "rules:\n  - id: x\n    title: X\n    when: '/" + re + "/'\n";
  };
  EXPECT_EQ(only_error(rule("[a-z]{1,10000}x")),
            "4:12: bad regex: repeat count over 1000 (use + or *)");
  EXPECT_TRUE(only_error(rule("((a{1,100}){1,100})"))
                  .starts_with("4:12: bad regex: too large once its repeats a"));
  EXPECT_TRUE(only_error(rule("\\W{1,100}a\\w{1,100}"))
                  .starts_with("4:12: bad regex: too many repeated \\w, \\d, \\s or \\p"));
  EXPECT_TRUE(only_error(rule("(?:[\\w-]+\\s){1,40}x"))
                  .starts_with("4:12: bad regex: too many repeated \\w, \\d, \\s or \\p"));
  // Ordinary counted repeats still load.
  auto ok = load_yaml(rule("sdn-[0-9]{3,6}|a{1000}"));
  EXPECT_TRUE(ok.rules) << errors_of(ok);
  // The bound holds for the whole ruleset too: many small repeats add up.
  std::string many = "rules:\n";
  for (int i = 0; i < 6; ++i)
    many += "  - id: r" + std::to_string(i) + "\n    title: X\n    when: '/x" + std::to_string(i) +
            "\\d{1,7}/'\n";
  auto l = load_yaml(many);
  EXPECT_FALSE(l.rules);
  ASSERT_EQ(l.errors.size(), 2u) << errors_of(l);
  EXPECT_NE(l.errors[0].message.find("in all (at most 32)"), std::string::npos);
}

TEST(engine_load, bad_within) {
  EXPECT_EQ(only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n"
                       "    when: near(@a, @a, within=-3)\n"),
            "6:31: within= must be a whole number from 0 to 1000, got '-3'");
  EXPECT_EQ(only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n"
                       "    when: near(@a, @a, within=many)\n"),
            "6:31: within= must be a whole number from 0 to 1000, got 'many'");
}

TEST(engine_load, bad_severity) {
  EXPECT_EQ(only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    severity: hihg\n"
                       "    when: '@a'\n"),
            "6:15: bad severity 'hihg' (did you mean 'high'?); one of: info, low, medium, high, "
            "critical");
}

TEST(engine_load, type_errors) {
  EXPECT_EQ(only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: [X]\n    when: '@a'\n"),
            "5:12: title must be a string");
  EXPECT_EQ(only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    tags: sanctions\n"
                       "    when: '@a'\n"),
            "6:11: tags must be a list of strings");
  EXPECT_EQ(only_error("lists:\n  a: x\nrules: []\n"), "2:6: list 'a' must be a sequence of terms");
  // near() arguments must yield hits.
  EXPECT_EQ(only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n"
                       "    when: near(@a, not @a)\n"),
            "6:20: near() arguments must be lists, phrases, regexes or entity(), not 'not @a'");
}

TEST(engine_load, expression_syntax_errors_have_columns) {
  EXPECT_EQ(
      only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: '@a and or @a'\n"),
      "6:19: 'or' needs an operand before it");
  EXPECT_EQ(only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: '(@a'\n"),
            "6:15: expected ')', got end of expression");
  EXPECT_EQ(
      only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: 'count(@a) 3'\n"),
      "6:22: count() must be compared: count(A) >= N (or >, ==, <=, <)");
  EXPECT_EQ(
      only_error("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: '@a in body'\n"),
      "6:18: expected a field name (title, summary, content, author, category, link, article, lead), got a "
      "word 'body'");
}

TEST(engine_load, bad_terms) {
  EXPECT_EQ(only_error("lists:\n  a: ['sanc*tion']\nrules: []\n"),
            "2:7: '*' is only allowed at the end of a word (prefix match), in 'sanc*tion'");
  EXPECT_EQ(only_error("lists:\n  a: [{term: OFAC, case: upper}]\nrules: []\n"),
            "2:26: case must be 'exact' or 'ignore', got 'upper'");
}

TEST(engine_load, yaml_syntax_error_located) {
  auto l = load_yaml("rules:\n  - id: x\n   title: [unclosed\n");
  ASSERT_FALSE(l.rules);
  ASSERT_FALSE(l.errors.empty());
  EXPECT_EQ(l.errors[0].where.file, "rules/test.yaml");
  EXPECT_GT(l.errors[0].where.line, 0);
  EXPECT_NE(l.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(engine_load, all_errors_collected_and_nothing_loads) {
  auto l = load_yaml(
      "lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: '@b'\n"
      "  - id: y\n    title: Y\n    severity: huge\n    when: '@a'\n"
      "  - id: z\n    title: Z\n    when: '@a'\n    bogus: 1\n");
  EXPECT_FALSE(l.rules);
  EXPECT_EQ(l.errors.size(), 3u) << errors_of(l);
}

TEST(engine_load, caret_display) {
  auto l = load_yaml("lists:\n  a: [x]\nrules:\n  - id: x\n    title: X\n    when: '@a and @bb'\n");
  ASSERT_EQ(l.errors.size(), 1u);
  const std::string f = format_error(l.errors[0]);
  EXPECT_NE(f.find("rules/test.yaml:6:19: error: unknown list '@bb'"), std::string::npos) << f;
  EXPECT_NE(f.find("    when: '@a and @bb'"), std::string::npos) << f;
  EXPECT_NE(f.find("|                   ^"), std::string::npos) << f;
}

TEST(engine_load, entity_list_formats_and_errors) {
  const std::string ents =
      "namespace: w\nentities:\n  - id: h\n    name: Huawei Technologies Co., Ltd.\n"
      "    aliases: [Huawei, {name: HW, strength: weak}]\n";
  auto ok = load_yaml(
      "entity_lists:\n  firms:\n    source: e/firms.yaml\nrules:\n  - id: x\n"
      "    title: X\n    when: entity(@firms)\n",
      {{"rules/e/firms.yaml", ents}});
  ASSERT_TRUE(ok.rules) << errors_of(ok);
  ASSERT_EQ(ok.rules->entity_lists.size(), 1u);
  EXPECT_EQ(ok.rules->entity_lists[0].entities[0].id, "w:h");

  EXPECT_EQ(
      only_error(
          "entity_lists:\n  firms:\n    source: sdn.csv\n    format: ofac-sdn-cvs\nrules: []\n"),
      "4:13: unsupported entity list format 'ofac-sdn-cvs' (did you mean 'ofac-sdn-csv'?) (known: "
      "ofac-sdn-csv, ofac-sdn-xml, csl-csv, opensanctions-ftm, uk-csv, eu-fsf-xml, un-sc-xml, "
      "yaml)");
  EXPECT_EQ(only_error("entity_lists:\n  firms:\n    source: e/firms.yaml\n    types: [ship, "
                       "planet]\nrules: []\n",
                       {{"rules/e/firms.yaml", ents}}),
            "4:19: unknown entity type 'planet' (known: organization, person, vessel, aircraft)");
  EXPECT_EQ(only_error("entity_lists:\n  firms:\n    source: e/firms.yaml\nrules:\n  - id: x\n"
                       "    title: X\n    when: entity(@firm)\n",
                       {{"rules/e/firms.yaml", ents}}),
            "7:18: unknown entity list '@firm' (did you mean '@firms'?)");
  // Importer warnings (a skipped key, a skipped row) are located in the list file; the
  // ruleset still loads.
  auto warned =
      load_yaml("entity_lists:\n  firms:\n    source: e/firms.yaml\nrules: []\n",
                {{"rules/e/firms.yaml", "entities:\n  - id: h\n    name: H\n    colour: red\n"}});
  ASSERT_TRUE(warned.rules) << errors_of(warned);
  ASSERT_EQ(warned.warnings.size(), 1u);
  EXPECT_EQ(warned.warnings[0].where.file, "rules/e/firms.yaml");
  EXPECT_EQ(warned.warnings[0].where.line, 4);
  EXPECT_EQ(warned.warnings[0].where.column, 5);
  EXPECT_NE(warned.warnings[0].message.find("unknown key 'colour'"), std::string::npos);
  // A list that cannot be read at all is an error located in the list file.
  auto bad = load_yaml("entity_lists:\n  firms:\n    source: e/firms.yaml\nrules: []\n",
                       {{"rules/e/firms.yaml", "entities:\n  - id: [h\n"}});
  ASSERT_EQ(bad.errors.size(), 1u) << errors_of(bad);
  EXPECT_EQ(bad.errors[0].where.file, "rules/e/firms.yaml");
  EXPECT_GE(bad.errors[0].where.line, 2);
  EXPECT_NE(bad.errors[0].message.find("cannot load entity list 'firms' (yaml)"),
            std::string::npos);
}

TEST(engine_load, entity_list_used_as_term_list) {
  EXPECT_EQ(only_error("entity_lists:\n  firms:\n    source: f.yaml\nrules:\n  - id: x\n"
                       "    title: X\n    when: '@firms'\n",
                       {{"rules/f.yaml", "entities: []\n"}}),
            "7:12: '@firms' is an entity list; write entity(@firms)");
}

TEST(engine_load, hash_changes_with_bytes) {
  auto a = load_yaml("lists:\n  a: [x]\nrules: []\n");
  auto b = load_yaml("lists:\n  a: [y]\nrules: []\n");
  ASSERT_TRUE(a.rules && b.rules);
  EXPECT_NE(a.rules->hash, b.rules->hash);
  EXPECT_EQ(a.rules->hash, load_yaml("lists:\n  a: [x]\nrules: []\n").rules->hash);
}

// --- macros ----------------------------------------------------------------------------------

TEST(engine_load, macros_are_shared_by_rules_and_other_macros) {
  auto l = load_yaml(R"(
lists:
  a: [alpha]
  b: [beta]
macros:
  both: near(@a, @b, within=3)
  strong: $both and count(@a) >= 2
rules:
  - id: x
    title: X
    when: $strong or ($both in title)
    tests:
      match: ["alpha beta and alpha again", {title: "alpha beta", content: ""}]
      no_match: ["alpha beta once"]
)");
  ASSERT_TRUE(l.rules) << errors_of(l);
  EXPECT_EQ(l.rules->rules.size(), 1u);
}

TEST(engine_load, macro_errors_are_located_in_the_macro) {
  // The unknown list is reported once, where the macro is written (line 4, inside the
  // macro's string), and the rule that uses it says which macro is broken.
  auto l = load_yaml("lists:\n  a: [x]\nmacros:\n  m: '@a or @zz'\nrules:\n  - id: x\n"
                     "    title: X\n    when: $m and @a\n");
  ASSERT_FALSE(l.rules);
  ASSERT_EQ(l.errors.size(), 2u) << errors_of(l);
  EXPECT_EQ(l.errors[0].where.line, 4u);
  EXPECT_EQ(l.errors[0].where.column, 13u);
  EXPECT_EQ(l.errors[0].message, "unknown list '@zz'");
  EXPECT_EQ(l.errors[1].where.line, 8u);
  EXPECT_EQ(l.errors[1].where.column, 11u);
  EXPECT_EQ(l.errors[1].message, "macro '$m' has errors (defined at rules/test.yaml:4:3)");
}

TEST(engine_load, unknown_macro_suggests_nearest) {
  EXPECT_EQ(only_error("lists:\n  a: [x]\nmacros:\n  lead_story: '@a'\nrules:\n  - id: x\n"
                       "    title: X\n    when: '@a and $lead_stroy'\n"),
            "8:19: unknown macro '$lead_stroy' (did you mean '$lead_story'?)");
}

TEST(engine_load, macro_cycles_and_duplicates_are_errors) {
  EXPECT_EQ(only_error("lists:\n  a: [x]\nmacros:\n  m: '@a and $m'\nrules: []\n"),
            "4:14: macro '$m' refers to itself");
  auto l = load_yaml("lists:\n  a: [x]\nmacros:\n  p: '$q'\n  q: '$p or @a'\nrules: []\n");
  ASSERT_FALSE(l.rules);
  EXPECT_NE(errors_of(l).find("refers to itself"), std::string::npos) << errors_of(l);
  EXPECT_EQ(only_error("lists:\n  a: [x]\nmacros:\n  m: '@a'\n  m: '@a'\nrules: []\n"),
            "5:3: duplicate macro '$m' (first defined at rules/test.yaml:4:3)");
}

TEST(engine_load, macro_in_near_must_yield_hits) {
  EXPECT_EQ(only_error("lists:\n  a: [x]\nmacros:\n  m: '@a and @a'\nrules:\n  - id: x\n"
                       "    title: X\n    when: 'near($m, @a)'\n"),
            "8:17: near() arguments must be lists, phrases, regexes or entity(), not '$m'");
}

// --- suppresses ------------------------------------------------------------------------------

TEST(engine_load, suppresses_names_known_rules_and_never_loops) {
  const std::string head = "lists:\n  a: [x]\nrules:\n";
  EXPECT_EQ(only_error(head + "  - id: alpha\n    title: A\n    when: '@a'\n"
                              "    suppresses: [alpah-x]\n"
                              "  - id: alpha-x\n    title: B\n    when: '@a'\n"),
            "7:18: rule 'alpha' suppresses unknown rule 'alpah-x' (did you mean 'alpha-x'?)");
  EXPECT_EQ(only_error(head + "  - id: alpha\n    title: A\n    when: '@a'\n"
                              "    suppresses: [alpha]\n"),
            "7:18: rule 'alpha' cannot suppress itself");
  EXPECT_EQ(only_error(head + "  - id: p\n    title: P\n    when: '@a'\n    suppresses: [q]\n"
                              "  - id: q\n    title: Q\n    when: '@a'\n    suppresses: [r]\n"
                              "  - id: r\n    title: R\n    when: '@a'\n    suppresses: [p]\n"),
            "15:18: rule 'r' cannot suppress 'p': 'p' already suppresses it (directly or "
            "through other rules)");
  EXPECT_EQ(only_error(head + "  - id: p\n    title: P\n    when: '@a'\n    suppresses: q\n"),
            "7:17: suppresses must be a list of rule ids");
}

}  // namespace
}  // namespace sanctwatch::engine::test
