// Matching semantics of docs/rules.md: whole words, prefixes, phrases, exact case, possessives,
// every expression form, near() edge cases, evidence offsets into the original text.
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "text/html.hpp"

namespace sanctwatch::engine::test {
namespace {

TEST(engine_match, whole_words_only) {
  auto rs = rule_when("@bank or \"ban\"");
  EXPECT_TRUE(fires(*rs, "The bank was hit."));
  EXPECT_FALSE(fires(*rs, "Bankers met in London."));
  EXPECT_FALSE(fires(*rs, "A banquet was held."));
  auto ban = rule_when("\"ban\"");
  EXPECT_FALSE(fires(*ban, "The bank was hit."));
  EXPECT_TRUE(fires(*ban, "A ban, finally."));
  EXPECT_FALSE(fires(*ban, "Urban planning"));
}

TEST(engine_match, words_end_at_any_punctuation) {
  // Short words after non-ASCII punctuation (a middle dot, a bullet) are still whole words.
  auto rs = rule_when("\"new sanctions\" or \"US\"");
  EXPECT_TRUE(fires(*rs, "Officials\u00b7new sanctions"));
  EXPECT_TRUE(fires(*rs, "\u2022US says"));
  EXPECT_FALSE(fires(*rs, "renew sanctions"));
  EXPECT_FALSE(fires(*rs, "Officials\u00e9new sanctions"));  // a letter joins the words
  // Words longer than 16 bytes compare whole, also at the very end of a text.
  auto longw = rule_when("\"internationalisation*\" or \"counterproliferation\"");
  EXPECT_TRUE(fires(*longw, "counterproliferation"));
  EXPECT_TRUE(fires(*longw, "Internationalisations"));
  EXPECT_FALSE(fires(*longw, "counterproliferations"));
  EXPECT_FALSE(fires(*longw, "counterproliferatio"));
}

TEST(engine_match, prefix_terms) {
  auto rs = rule_when("@sanc");
  EXPECT_TRUE(fires(*rs, "It was sanctioned."));
  EXPECT_TRUE(fires(*rs, "New SANCTIONS announced"));
  EXPECT_TRUE(fires(*rs, "sanction"));
  EXPECT_FALSE(fires(*rs, "desanctioning talks"));  // prefix anchors at the word start
  auto m = match(*rs, content_item("They face sanctions."));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].evidence[0].text, "sanctions");  // the hit extends to the word's end
}

TEST(engine_match, phrase_across_punctuation_and_whitespace) {
  auto rs = rule_when("\"asset freeze\"");
  EXPECT_TRUE(fires(*rs, "an asset freeze"));
  EXPECT_TRUE(fires(*rs, "an Asset-freeze"));
  EXPECT_TRUE(fires(*rs, "the asset,\n  freeze"));
  EXPECT_FALSE(fires(*rs, "asset freezer"));
  EXPECT_FALSE(fires(*rs, "an asset to freeze"));
  auto p = rule_when("\"export control*\"");
  EXPECT_TRUE(fires(*p, "new export controls"));
  EXPECT_TRUE(fires(*p, "export-controlled items"));
  auto mid = rule_when("\"sanction* evasion\"");
  EXPECT_TRUE(fires(*mid, "a sanctions evasion scheme"));
  EXPECT_FALSE(fires(*mid, "a sanctions-free evasion"));
}

TEST(engine_match, exact_case_uses_original_text) {
  auto ex = rule_when("@x", "  x: [{term: OFAC, case: exact}, {term: US, case: exact}]\n");
  EXPECT_TRUE(fires(*ex, "OFAC said"));
  EXPECT_FALSE(fires(*ex, "ofac said"));
  EXPECT_FALSE(fires(*ex, "Ofac said"));
  EXPECT_TRUE(fires(*ex, "the US said"));
  EXPECT_FALSE(fires(*ex, "tell us more"));
  EXPECT_TRUE(fires(*ex, "OFAC's list"));
}

TEST(engine_match, possessives_count_as_the_word) {
  auto rs = rule_when("\"huawei\"");
  EXPECT_TRUE(fires(*rs, "Huawei's chips"));
  EXPECT_TRUE(fires(*rs, "Huawei\xE2\x80\x99s chips"));
  auto m = match(*rs, content_item("Huawei\xE2\x80\x99s chips"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].evidence[0].text, "Huawei");
  EXPECT_EQ(m[0].evidence[0].start, 0u);
  EXPECT_EQ(m[0].evidence[0].end, 6u);
}

TEST(engine_match, evidence_offsets_point_at_original_bytes) {
  auto rs = rule_when("\"societe generale\" or @sanc");
  const std::string text =
      "Caf\xC3\xA9 owners: Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale faces SANCTIONS.";
  auto m = match(*rs, content_item(text));
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].evidence.size(), 2u);
  for (const auto& e : m[0].evidence) EXPECT_EQ(text.substr(e.start, e.end - e.start), e.text);
  EXPECT_EQ(m[0].evidence[0].text, "Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale");
  EXPECT_EQ(m[0].evidence[1].text, "SANCTIONS");
  EXPECT_EQ(m[0].evidence[0].where, field::content);
  // Decomposed accents (e + U+0301) map back including the combining mark.
  const std::string nfd = "Socie\xCC\x81te\xCC\x81 Generale";
  auto d = match(*rs, content_item(nfd));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].evidence[0].text, nfd);
}

TEST(engine_match, offsets_on_text_from_html) {
  auto rs = rule_when("@china");
  const std::string content = text::html_to_text("<p>Caf&eacute; &amp; <b>Beijing</b> talks</p>");
  auto m = match(*rs, content_item(content));
  ASSERT_EQ(m.size(), 1u);
  const auto& e = m[0].evidence[0];
  EXPECT_EQ(e.text, "Beijing");
  EXPECT_EQ(content.substr(e.start, e.end - e.start), "Beijing");
}

TEST(engine_match, lists_phrases_regexes) {
  EXPECT_TRUE(fires(*rule_when("@china"), "Hong  Kong firms"));
  EXPECT_TRUE(fires(*rule_when("/sanction(s|ed)? (on|against)/"), "sanctions against Iran"));
  EXPECT_FALSE(fires(*rule_when("/sanction(s|ed)? (on|against)/"), "sanctions for Iran"));
  auto m = match(*rule_when("/s[a-z]+ns/i"), content_item("New Sanctions"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].evidence[0].text, "Sanctions");
  EXPECT_EQ(m[0].evidence[0].term, "/s[a-z]+ns/i");
}

TEST(engine_match, boolean_operators_and_precedence) {
  // not > and > or: "@a or @b and not @c" == "@a or (@b and (not @c))"
  auto rs = rule_when("@china or @bank and not @sanc");
  EXPECT_TRUE(fires(*rs, "China sanctions"));
  EXPECT_TRUE(fires(*rs, "the bank"));
  EXPECT_FALSE(fires(*rs, "the bank sanctions"));
  auto p = rule_when("(@china or @bank) and not @sanc");
  EXPECT_FALSE(fires(*p, "China sanctions"));
  EXPECT_TRUE(fires(*p, "China talks"));
  auto n = rule_when("not not @bank");
  EXPECT_TRUE(fires(*n, "a bank"));
}

TEST(engine_match, rules_that_fire_without_hits) {
  auto rs = rule_when("not @sanc");
  EXPECT_TRUE(fires(*rs, "nothing relevant"));
  EXPECT_FALSE(fires(*rs, "sanctions"));
}

TEST(engine_match, count_comparisons) {
  const std::string two = "Sanctions here. More sanctions there.";
  EXPECT_TRUE(fires(*rule_when("count(@sanc) >= 2"), two));
  EXPECT_FALSE(fires(*rule_when("count(@sanc) >= 3"), two));
  EXPECT_TRUE(fires(*rule_when("count(@sanc) > 1"), two));
  EXPECT_TRUE(fires(*rule_when("count(@sanc) == 2"), two));
  EXPECT_FALSE(fires(*rule_when("count(@sanc) == 1"), two));
  EXPECT_TRUE(fires(*rule_when("count(@sanc) <= 2 and @sanc"), two));
  EXPECT_TRUE(fires(*rule_when("count(@sanc or @china) >= 3"), two + " China."));
}

TEST(engine_match, field_restriction) {
  auto rs = rule_when("@sanc in title");
  EXPECT_TRUE(fires(*rs, "", "Sanctions on Iran"));
  EXPECT_FALSE(fires(*rs, "Sanctions on Iran", "News"));
  auto several = rule_when("@sanc in (title, summary)");
  item it = content_item("x", "y");
  it.summary = "sanctions";
  EXPECT_FALSE(match(*several, it).empty());
  // A rule's fields: limits every term.
  auto l = load_yaml(
      "lists:\n  a: [sanction*]\nrules:\n  - id: x\n    title: X\n"
      "    fields: [title]\n    when: '@a'\n");
  ASSERT_TRUE(l.rules) << errors_of(l);
  EXPECT_FALSE(fires(*l.rules, "sanctions", "News"));
  EXPECT_TRUE(fires(*l.rules, "", "Sanctions"));
  auto link = rule_when("\"sanctions\" in link");
  item li = content_item("");
  li.link = "https://example.com/news/sanctions-on-iran";
  EXPECT_FALSE(match(*link, li).empty());
}

TEST(engine_match, near_within_counts_words_between) {
  auto w0 = rule_when("near(@sanc, @bank, within=0)");
  EXPECT_TRUE(fires(*w0, "sanctions bank"));
  EXPECT_TRUE(fires(*w0, "bank, sanctions"));  // unordered by default
  EXPECT_FALSE(fires(*w0, "sanctions on bank"));
  auto w2 = rule_when("near(@sanc, @bank, within=2)");
  EXPECT_TRUE(fires(*w2, "sanctions on the bank"));
  EXPECT_FALSE(fires(*w2, "sanctions on the big bank"));
  // Multi-word hits: the words between the phrases count, not the phrase words.
  auto ph = rule_when("near(\"asset freeze\", \"hong kong\", within=1)");
  EXPECT_TRUE(fires(*ph, "asset freeze in Hong Kong"));
}

TEST(engine_match, near_ordered_and_sentence_scope) {
  auto o = rule_when("near(@sanc, @bank, within=5, ordered=true)");
  EXPECT_TRUE(fires(*o, "sanctions hit the bank"));
  EXPECT_FALSE(fires(*o, "the bank faced sanctions"));
  auto s = rule_when("near(@sanc, @bank, within=10, scope=sentence)");
  EXPECT_TRUE(fires(*s, "Sanctions hit the bank."));
  EXPECT_FALSE(fires(*s, "Sanctions were announced. The bank fell."));
  auto t = rule_when("near(@sanc, @bank, within=10)");
  EXPECT_TRUE(fires(*t, "Sanctions were announced. The bank fell."));
  auto three = rule_when("near(@sanc, @bank, @china, within=3)");
  EXPECT_TRUE(fires(*three, "Chinese bank sanctions"));
  EXPECT_FALSE(fires(*three, "Chinese bank one two three four sanctions"));
}

TEST(engine_match, near_same_term_twice_needs_two_hits) {
  auto rs = rule_when("near(@sanc, @sanc, within=3)");
  EXPECT_FALSE(fires(*rs, "sanctions announced"));
  EXPECT_TRUE(fires(*rs, "sanctions and more sanctions"));
  EXPECT_FALSE(fires(*rs, "sanctions one two three four sanctions"));
}

TEST(engine_match, near_overlapping_hits) {
  // "asset freeze" (list sanc) overlaps "freeze" (inline phrase): overlap counts as near.
  auto rs = rule_when("near(@sanc, \"freeze\", within=0)");
  EXPECT_TRUE(fires(*rs, "an asset freeze"));
  // Evidence keeps one entry per stretch of text.
  auto m = match(*rs, content_item("an asset freeze"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].evidence.size(), 1u);
  EXPECT_EQ(m[0].evidence[0].text, "asset freeze");
}

TEST(engine_match, evidence_has_list_and_snippet) {
  auto rs = rule_when("near(@sanc, @china, within=5)");
  auto m = match(*rs, content_item("Intro sentence. The US may impose sanctions on Chinese banks. "
                                   "Another sentence."));
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].evidence.size(), 2u);
  EXPECT_EQ(m[0].evidence[0].list, "sanc");
  EXPECT_EQ(m[0].evidence[1].list, "china");
  EXPECT_EQ(m[0].evidence[0].snippet, "The US may impose sanctions on Chinese banks.");
  const auto& e = m[0].evidence[0];
  EXPECT_EQ(e.snippet.substr(e.mark_start, e.mark_end - e.mark_start), "sanctions");
}

TEST(engine_match, long_sentences_trim_snippets) {
  std::string words;
  for (int i = 0; i < 100; ++i) words += "word" + std::to_string(i) + " ";
  auto rs = rule_when("@sanc");
  auto m = match(*rs, content_item(words + "sanctions " + words + "end."));
  ASSERT_EQ(m.size(), 1u);
  const auto& e = m[0].evidence[0];
  EXPECT_LE(e.snippet.size(), 250u);
  EXPECT_EQ(e.snippet.substr(e.mark_start, e.mark_end - e.mark_start), "sanctions");
}

TEST(engine_match, explain_shows_each_subexpression) {
  auto rs = rule_when("@china and not @sanc");
  auto x = explain(*rs, content_item("China sanctions"));
  ASSERT_EQ(x.size(), 1u);
  EXPECT_FALSE(x[0].fired);
  const std::string t = format_explain(x[0].tree);
  EXPECT_NE(t.find("false  @china and not @sanc"), std::string::npos) << t;
  EXPECT_NE(t.find("  true   @china"), std::string::npos) << t;
  EXPECT_NE(t.find("  false  not @sanc"), std::string::npos) << t;
  EXPECT_NE(t.find("    true   @sanc"), std::string::npos) << t;
}

TEST(engine_match, macro_is_explained_by_name_and_used_with_in) {
  auto l = load_yaml(R"(
lists:
  sanc: [sanction*]
  china: [China]
macros:
  measure: near(@sanc, @china, within=3)
rules:
  - id: r
    title: t
    when: $measure and ($measure in lead or count(@sanc) >= 3)
)");
  ASSERT_TRUE(l.rules) << errors_of(l);
  const auto& rs = *l.rules;
  // In the lead: fires. Below the lead, once: does not; three times: fires.
  EXPECT_TRUE(fires(rs, "China sanctions banks."));
  EXPECT_FALSE(fires(rs, "One. Two. Three. China sanctions banks."));
  EXPECT_TRUE(fires(rs, "One. Two. Three. China sanctions banks, more sanctions, sanctions."));
  auto x = explain(rs, content_item("China sanctions banks."));
  ASSERT_EQ(x.size(), 1u);
  const std::string t = format_explain(x[0].tree);
  EXPECT_NE(t.find("true   $measure"), std::string::npos) << t;
  EXPECT_NE(t.find("true   @china"), std::string::npos) << t;
}

TEST(engine_match, a_suppressed_rule_does_not_fire_beside_its_suppressor) {
  auto l = load_yaml(R"(
lists:
  sanc: [sanction*]
  more: [new, fresh]
  china: [China]
rules:
  - id: specific
    title: New sanctions on China
    when: near(@sanc, @more, @china, within=4)
    suppresses: [general]
    tests:
      match: ["China faces new sanctions."]
  - id: general
    title: Sanctions mentioned
    when: '@sanc'
    tests:
      match: ["Sanctions were discussed."]
      no_match: ["China faces new sanctions."]   # the specific rule's
)");
  ASSERT_TRUE(l.rules) << errors_of(l);
  const auto& rs = *l.rules;
  auto ids = [&](const std::string& text) {
    std::vector<std::string> v;
    for (const auto& m : match(rs, content_item(text))) v.push_back(m.matched_rule->id);
    return v;
  };
  EXPECT_EQ(ids("China faces new sanctions."), std::vector<std::string>{"specific"});
  EXPECT_EQ(ids("Sanctions were discussed."), std::vector<std::string>{"general"});
  // Inline tests speak of the item's alerts: both tests above pass.
  const auto rep = run_tests(rs);
  EXPECT_EQ(rep.tests, 3u);
  EXPECT_TRUE(rep.failures.empty());
  // --explain says why a rule whose condition held did not fire.
  auto x = explain(rs, content_item("China faces new sanctions."));
  ASSERT_EQ(x.size(), 2u);
  EXPECT_TRUE(x[0].fired);
  EXPECT_FALSE(x[1].fired);
  EXPECT_NE(format_explain(x[1].tree).find("suppressed by 'specific', which fired"),
            std::string::npos)
      << format_explain(x[1].tree);
}

const char* entities_yaml = R"(namespace: w
entities:
  - id: huawei
    name: Huawei Technologies Co., Ltd.
    programs: [US-ENTITY-LIST]
    aliases: [Huawei]
  - id: sinno
    name: SINNO ELECTRONICS CO., LIMITED
    aliases: [Sinno Electronics]
  - id: smic
    name: Semiconductor Manufacturing International Corporation
    aliases: [SMIC]
  - id: rosneft
    name: PJSC Rosneft Oil Company
  - id: wagner
    name: PMC Wagner
    aliases: [{name: Wagner, strength: weak}]
  - id: alpha1
    name: Alpha Trading LLC
    aliases: [Alphatrading Corporation]
  - id: alpha2
    name: Alphatrading GmbH
)";

std::shared_ptr<const ruleset> entity_rules() {
  auto l = load_yaml(
      "entity_lists:\n  firms:\n    source: e.yaml\nrules:\n  - id: x\n"
      "    title: X\n    when: entity(@firms)\n",
      {{"rules/e.yaml", entities_yaml}});
  EXPECT_TRUE(l.rules) << errors_of(l);
  return l.rules;
}

TEST(engine_entities, legal_forms_removed_on_both_sides) {
  auto rs = entity_rules();
  auto m = match(*rs, content_item("Sinno Electronics shipped chips."));
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].entities.size(), 1u);
  EXPECT_EQ(m[0].entities[0].id, "w:sinno");
  EXPECT_EQ(m[0].entities[0].name, "SINNO ELECTRONICS CO., LIMITED");
  EXPECT_EQ(m[0].entities[0].matched, "Sinno Electronics");
  EXPECT_EQ(m[0].entities[0].list, "firms");
  EXPECT_TRUE(fires(*rs, "SINNO ELECTRONICS CO., LTD shipped chips."));
  EXPECT_TRUE(fires(*rs, "Huawei Technologies Co. said"));
  // "PJSC Rosneft Oil Company" -> "rosneft oil"
  EXPECT_TRUE(fires(*rs, "Rosneft Oil reported"));
}

TEST(engine_entities, short_names_need_case_and_context) {
  auto rs = entity_rules();
  EXPECT_FALSE(fires(*rs, "Huawei launched a phone."));
  EXPECT_TRUE(fires(*rs, "Huawei was hit by new sanctions."));
  EXPECT_FALSE(fires(*rs, "HUAWEI was hit by new sanctions."));                        // exact case
  EXPECT_FALSE(fires(*rs, "Huawei launched a phone. Sanctions were not discussed."));  // sentence
  EXPECT_TRUE(fires(*rs, "SMIC was added to the Entity List."));
  EXPECT_FALSE(fires(*rs, "The smic protocol was added to the entity list."));
  // Weak alias, an ordinary word: capitalised inside its sentence, with support.
  EXPECT_TRUE(fires(*rs, "Russia's Wagner fighters face new sanctions."));
  EXPECT_FALSE(fires(*rs, "Wagner fighters face new sanctions."));  // a sentence start proves nothing
  EXPECT_FALSE(fires(*rs, "wagner fighters face new sanctions."));
  EXPECT_FALSE(fires(*rs, "Richard Wagner wrote operas."));
}

TEST(engine_entities, shared_forms_are_ambiguous_with_all_candidates) {
  auto rs = entity_rules();
  auto m = match(*rs, content_item("Alphatrading shipped drones."));
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].entities.size(), 2u);
  EXPECT_TRUE(m[0].entities[0].ambiguous);
  EXPECT_TRUE(m[0].entities[1].ambiguous);
}

}  // namespace
}  // namespace sanctwatch::engine::test

namespace sanctwatch::engine::test {
namespace {

TEST(engine_match, unless_vetoes_only_the_sentence_of_the_window) {
  auto rs = rule_when("near(@sanc, @china, within=10, scope=sentence, unless=@sport)",
                      "  sport: [league, club, match]\n");
  EXPECT_TRUE(fires(*rs, "Washington imposed sanctions on Chinese banks."));
  EXPECT_FALSE(fires(*rs, "The league sanctioned the Chinese club."));
  // A sports sentence elsewhere does not silence a measure in another sentence.
  EXPECT_TRUE(fires(*rs, "The league sanctioned the club. Washington put sanctions on Chinese banks."));
  // Another window of the same sentence pair still counts when its own sentence is clean.
  EXPECT_TRUE(fires(*rs, "Beijing faces sanctions. Then the match was sanctioned by China's league."));
}

TEST(engine_match, unless_within_narrows_the_veto_to_nearby_words) {
  auto rs = rule_when(
      "near(@sanc, @china, within=12, scope=sentence, unless=@neg, unless_within=3)",
      "  neg: [no plans, ruled out, not]\n");
  EXPECT_FALSE(fires(*rs, "The bloc has no plans to impose sanctions on China."));
  EXPECT_TRUE(fires(*rs, "Although it did not say so, the bloc imposed fresh sanctions on China."));
  // Without a scope the veto counts within the near() window of words.
  auto text = rule_when("near(@sanc, @china, within=5, unless=@neg)", "  neg: [not]\n");
  EXPECT_FALSE(fires(*text, "sanctions were not aimed at China"));
  EXPECT_TRUE(fires(*text, "not now. Then came words words words words words words sanctions on China"));
}

TEST(engine_match, unless_options_are_checked) {
  auto l = load_yaml("rules:\n  - id: r\n    title: t\n    when: near(\"a\", \"b\", unless_within=3)\n");
  EXPECT_FALSE(l.rules);
  EXPECT_NE(errors_of(l).find("unless_within= must follow the unless="), std::string::npos)
      << errors_of(l);
  l = load_yaml("rules:\n  - id: r\n    title: t\n    when: near(\"a\", \"b\", unless=@nope)\n");
  EXPECT_FALSE(l.rules);
  EXPECT_NE(errors_of(l).find("unknown list '@nope'"), std::string::npos) << errors_of(l);
}

TEST(engine_match, unless_explained) {
  auto rs = rule_when("near(@sanc, @china, within=10, scope=sentence, unless=@sport)",
                      "  sport: [league]\n");
  auto x = explain(*rs, content_item("The league sanctioned a Chinese player."));
  ASSERT_EQ(x.size(), 1u);
  EXPECT_FALSE(x[0].fired);
  EXPECT_NE(format_explain(x[0].tree).find("unless @sport  [1 hits]"), std::string::npos)
      << format_explain(x[0].tree);
}

TEST(engine_match, in_lead_is_title_summary_and_first_sentences) {
  auto rs = rule_when("@sanc in lead");
  EXPECT_TRUE(fires(*rs, "Nothing here.", "New sanctions on Iran"));
  EXPECT_TRUE(fires(*rs, "One. Two. Then sanctions came."));
  EXPECT_FALSE(fires(*rs, "One. Two. Three. Four mentions sanctions."));
  item it = content_item("One. Two. Three. Four mentions sanctions.");
  it.summary = "The EU adopted sanctions.";
  EXPECT_FALSE(match(*rs, it).empty());
  // near() inside `in lead` keeps both hits in the lead.
  auto n = rule_when("near(@sanc, @china, within=5) in lead");
  EXPECT_TRUE(fires(*n, "Sanctions on China. Two. Three."));
  EXPECT_FALSE(fires(*n, "One. Two. Three. Sanctions on China."));
}

TEST(engine_match, article_is_a_default_field_with_its_own_scope) {
  // The feed gave a one-line summary; the fetched page names the measure.
  item it;
  it.id = "i1";
  it.title = "Markets close lower";
  it.summary = "Shares fell on Tuesday.";
  it.article = "Shares fell on Tuesday.\n\nThe Treasury also imposed sanctions on a Chinese lender.";
  auto rs = rule_when("near(@sanc, @china, within=5)");
  auto m = match(*rs, it);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_FALSE(m[0].evidence.empty());
  EXPECT_EQ(m[0].evidence[0].where, field::article);
  EXPECT_STREQ(field_name(field::article), "article");
  // `in article` and `in content` are different fields.
  EXPECT_FALSE(match(*rule_when("@sanc in article"), it).empty());
  EXPECT_TRUE(match(*rule_when("@sanc in content"), it).empty());
  // A rule that names its fields without article does not see it.
  auto l = load_yaml(
      "rules:\n  - id: r\n    title: t\n    fields: [title, summary]\n    when: '\"sanctions\"'\n");
  ASSERT_TRUE(l.rules) << errors_of(l);
  EXPECT_TRUE(match(*l.rules, it).empty());
}

TEST(engine_match, lead_takes_the_first_sentences_of_the_article) {
  auto rs = rule_when("@sanc in lead");
  item it;
  it.id = "i1";
  it.title = "Talks";
  it.article = "Ministers met. Sanctions were on the table.";
  EXPECT_FALSE(match(*rs, it).empty());
  it.article = "One. Two. Three. Four mentions sanctions.";
  EXPECT_TRUE(match(*rs, it).empty());
}

TEST(engine_match, rule_tests_take_an_article_field) {
  auto l = load_yaml(
      "rules:\n  - id: r\n    title: t\n    when: '\"sanctions\" in article'\n"
      "    tests:\n      match:\n        - {title: Talks, article: New sanctions today.}\n"
      "      no_match:\n        - {content: New sanctions today.}\n");
  ASSERT_TRUE(l.rules) << errors_of(l);
  EXPECT_EQ(l.rules->rules[0].tests.size(), 2u);
  EXPECT_EQ(l.rules->rules[0].tests[0].fields[int(field::article)], "New sanctions today.");
}

TEST(engine_match, semicolon_keeps_clauses_in_one_sentence) {
  auto rs = rule_when("near(@sanc, @china, within=10, scope=sentence)");
  EXPECT_TRUE(fires(*rs, "The measures are broad; sanctions now reach Chinese lenders."));
  EXPECT_TRUE(fires(*rs, "China objected; the sanctions stand."));
  EXPECT_FALSE(fires(*rs, "China objected. The sanctions stand."));
}

}  // namespace
}  // namespace sanctwatch::engine::test

namespace sanctwatch::engine::test {
namespace {

TEST(engine_match, count_after_other_evidence_adds_none) {
  // The window is the evidence; the count only qualifies the article.
  auto rs = rule_when("near(@sanc, @china, within=3, scope=sentence) and count(@sanc) >= 2");
  auto m = match(*rs, content_item("Sanctions on China. Sanctions again. More sanctions."));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].evidence.size(), 2u);
  // A count alone still shows its hits.
  auto alone = rule_when("count(@sanc) >= 2");
  m = match(*alone, content_item("Sanctions on China. Sanctions again."));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].evidence.size(), 2u);
}

}  // namespace
}  // namespace sanctwatch::engine::test

namespace sanctwatch::engine::test {

// Look-back screening asks some rules only: what they give must be what match() gives for
// them, suppression by a rule outside the set included; an entity list handed over already
// imported is screened like one read from a file.
TEST(engine_match, match_only_gives_what_match_gives_for_those_rules) {
  entities::entity_list added;
  added.name = "fresh";
  entities::entity e;
  e.id = "fresh:1";
  e.type = entities::entity_type::organization;
  e.primary_name = "ORVANTE GLASSWORKS LTD";
  e.names.push_back({e.primary_name, entities::strength::strong, entities::alias_kind::primary});
  added.entities.push_back(e);
  load_options o;
  engine::extra_entity_list fresh{"fresh", "", "fresh"};
  fresh.entities = std::make_shared<const entities::entity_list>(added);
  o.extra_entities.push_back(std::move(fresh));
  const auto l = load_ruleset({{"rules/test.yaml", R"(
lists:
  measures: [sanction*]
rules:
  - {id: t.measures, title: Measures, when: '@measures', suppresses: [t.mention]}
  - {id: t.mention, title: Mention, when: 'entity(@fresh)'}
  - {id: t.other, title: Other, when: '"glass"'}
)"}},
                              o);
  ASSERT_TRUE(l.rules) << errors_of(l);
  const auto& rs = *l.rules;
  item quiet, loud;
  quiet.content = "Orvante Glassworks opened a second furnace near the glass museum.";
  loud.content = "Orvante Glassworks faces sanctions, officials said.";
  const auto only_mention = match_only(rs, quiet, {1});
  ASSERT_EQ(only_mention.size(), 1u);
  EXPECT_EQ(only_mention[0].matched_rule->id, "t.mention");
  ASSERT_EQ(only_mention[0].entities.size(), 1u);
  EXPECT_EQ(only_mention[0].entities[0].id, "fresh:1");
  EXPECT_EQ(match(rs, quiet).size(), 2u);  // t.other too, which match_only did not ask
  // t.measures (not asked) suppresses t.mention, as in match().
  EXPECT_TRUE(match_only(rs, loud, {1}).empty());
  EXPECT_EQ(match(rs, loud).size(), 1u);
}

}  // namespace sanctwatch::engine::test
