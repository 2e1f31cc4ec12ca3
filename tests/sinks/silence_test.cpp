// Silences: what a matcher reads, and which alert documents a silence holds back.
#include "sinks/silence.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

// An alert about a port operator named in a designation, carried by two feeds.
std::string alert_doc() {
  json j = {
      {"schema", "sanctwatch.alert/2"},
      {"id", "a1"},
      {"type", "alert.created"},
      {"severity", "high"},
      {"tags", {"sanctions", "entity"}},
      {"rules",
       {{{"id", "sanctions.new-measures"}, {"severity", "high"}, {"tags", {"sanctions"}}},
        {{"id", "entity.watched-firm.mention"}, {"severity", "info"}, {"tags", {"entity"}}}}},
      {"item",
       {{"title", "Ministry lists Harbourline Terminals over fuel transfers"},
        {"summary", "A port operator in Tirana was added on Monday."},
        {"feed", {{"id", "coastwire"}}}}},
      {"evidence", {{{"text", "The ministry added Harbourline Terminals to its list."}}}},
      {"entities",
       {{{"id", "ofac-sdn:90001"}, {"name", "HARBOURLINE TERMINALS S.À R.L."},
         {"matched", "Harbourline Terminals"}}}},
      {"sources", {{{"feed", "coastwire"}}, {{"feed", "portdaily"}}}}};
  return j.dump();
}

silence with(std::vector<std::string> matchers, std::string id = "s1") {
  silence s;
  s.id = std::move(id);
  for (const auto& m : matchers) {
    auto parsed = parse_matcher(m);
    EXPECT_TRUE(parsed) << m << ": " << (parsed ? "" : parsed.err().message);
    if (parsed) s.matchers.push_back(parsed.value());
  }
  return s;
}

bool silences(std::vector<std::string> matchers) {
  return !silencing({with(std::move(matchers))}, json::parse(alert_doc())).empty();
}

TEST(silence, matchers_read_field_operator_and_value) {
  const auto m = parse_matcher("rule!=sanctions.*");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.value().what, matcher::field::rule);
  EXPECT_TRUE(m.value().negated);
  EXPECT_EQ(m.value().value, "sanctions.*");
  EXPECT_EQ(m.value().to_string(), "rule!=sanctions.*");
  const auto t = parse_matcher("text=fuel transfers");
  ASSERT_TRUE(t);
  EXPECT_EQ(t.value().what, matcher::field::text);
  EXPECT_FALSE(t.value().negated);
}

TEST(silence, malformed_matchers_say_what_is_wrong) {
  const auto none = parse_matcher("sanctions");
  ASSERT_FALSE(none);
  EXPECT_NE(none.err().message.find("FIELD=VALUE"), std::string::npos);
  const auto field = parse_matcher("severity=high");
  ASSERT_FALSE(field);
  EXPECT_NE(field.err().message.find("unknown field 'severity'"), std::string::npos);
  EXPECT_FALSE(parse_matcher("=x"));
  // A value that matches everything is refused: a silence of everything mutes the tool.
  const auto all = parse_matcher("rule=*");
  ASSERT_FALSE(all);
  EXPECT_NE(all.err().message.find("matches everything"), std::string::npos);
  EXPECT_FALSE(parse_matcher("tag="));
}

TEST(silence, each_field_matches_what_the_document_says) {
  EXPECT_TRUE(silences({"rule=sanctions.new-measures"}));
  EXPECT_TRUE(silences({"rule=entity.watched-firm.mention"}));
  EXPECT_FALSE(silences({"rule=sanctions.threat"}));
  EXPECT_TRUE(silences({"tag=entity"}));
  EXPECT_FALSE(silences({"tag=export-controls"}));
  EXPECT_TRUE(silences({"feed=portdaily"}));  // any source, not only the item's feed
  EXPECT_FALSE(silences({"feed=otherwire"}));
  EXPECT_TRUE(silences({"entity=ofac-sdn:90001"}));
  EXPECT_TRUE(silences({"entity=harbourline terminals"}));  // what matched
  EXPECT_TRUE(silences({"entity=Harbourline Terminals S.A R.L."}));  // the listed name
  EXPECT_FALSE(silences({"entity=Harbourline"}));  // a whole value, unless globbed
  EXPECT_TRUE(silences({"entity=harbourline*"}));
}

TEST(silence, globs_and_negation) {
  EXPECT_TRUE(silences({"rule=sanctions.*"}));
  EXPECT_TRUE(silences({"rule=*.mention"}));
  EXPECT_FALSE(silences({"rule=export-controls.*"}));
  EXPECT_TRUE(silences({"feed=*daily"}));
  // != holds when no value of the field matches.
  EXPECT_TRUE(silences({"tag!=export-controls"}));
  EXPECT_FALSE(silences({"tag!=entity"}));
  EXPECT_FALSE(silences({"feed!=coastwire"}));
}

TEST(silence, text_finds_whole_words_in_headline_summary_evidence_and_names) {
  EXPECT_TRUE(silences({"text=fuel transfers"}));           // headline
  EXPECT_TRUE(silences({"text=TIRANA"}));                    // summary, any case
  EXPECT_TRUE(silences({"text=added harbourline"}));        // evidence
  EXPECT_TRUE(silences({"text=s.a r.l"}));                   // entity name, diacritics folded
  EXPECT_FALSE(silences({"text=tiran"}));                    // not part of a word
  EXPECT_FALSE(silences({"text=fuel imports"}));
}

TEST(silence, every_matcher_must_hold_and_each_silence_counts_alone) {
  EXPECT_TRUE(silences({"rule=sanctions.*", "feed=coastwire"}));
  EXPECT_FALSE(silences({"rule=sanctions.*", "feed=otherwire"}));
  const auto ids = silencing({with({"tag=entity"}, "a"), with({"tag=nothing"}, "b"),
                              with({"text=harbourline"}, "c")},
                             json::parse(alert_doc()));
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "c"}));
  // A silence without matchers (never made by the tools) holds nothing back.
  EXPECT_TRUE(silencing({silence{}}, json::parse(alert_doc())).empty());
}

TEST(silence, documents_that_are_not_alerts_are_never_silenced) {
  EXPECT_TRUE(
      silencing({with({"text=harbourline"})}, json::parse("not json", nullptr, false)).empty());
  EXPECT_TRUE(silencing({with({"text=harbourline"})},
                        json::parse(R"({"schema":"sanctwatch.digest/1","title":"harbourline"})"))
                  .empty());
}

TEST(silence, stored_form_round_trips_and_bad_stored_matchers_are_reported) {
  const auto s = with({"rule=sanctions.*", "text=fuel \"transfers\""});
  const std::string stored = matchers_json(s.matchers);
  const auto back = parse_matchers(stored);
  ASSERT_TRUE(back);
  ASSERT_EQ(back.value().size(), 2u);
  EXPECT_EQ(back.value()[1].value, "fuel \"transfers\"");
  EXPECT_FALSE(parse_matchers("{}"));
  EXPECT_FALSE(parse_matchers(R"(["colour=red"])"));
  EXPECT_FALSE(parse_matchers(R"([1])"));
}

TEST(silence, active_between_start_and_end) {
  silence s;
  s.starts_at = silence::time_point{std::chrono::seconds{100}};
  s.ends_at = silence::time_point{std::chrono::seconds{200}};
  EXPECT_FALSE(s.active_at(silence::time_point{std::chrono::seconds{99}}));
  EXPECT_TRUE(s.active_at(silence::time_point{std::chrono::seconds{100}}));
  EXPECT_TRUE(s.active_at(silence::time_point{std::chrono::seconds{199}}));
  EXPECT_FALSE(s.active_at(silence::time_point{std::chrono::seconds{200}}));
}

}  // namespace
}  // namespace sanctwatch::sinks
