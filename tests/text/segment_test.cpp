#include "text/segment.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/normalize.hpp"

namespace sanctwatch::text {
namespace {

std::vector<std::string> texts(std::string_view s) {
  std::vector<std::string> out;
  for (const word& w : words(s)) out.emplace_back(s.substr(w.start, w.end - w.start));
  return out;
}

std::vector<std::uint32_t> sentences(std::string_view s) {
  std::vector<std::uint32_t> out;
  for (const word& w : words(s)) out.push_back(w.sentence);
  return out;
}

using strings = std::vector<std::string>;
using indexes = std::vector<std::uint32_t>;

TEST(Words, SpansOfLettersAndDigits) {
  const std::string s = "export ban, on 2024 chips!";
  const std::vector<word> w = words(s);
  ASSERT_EQ(w.size(), 5u);
  EXPECT_EQ(w[0].start, 0u);
  EXPECT_EQ(w[0].end, 6u);
  EXPECT_EQ(w[1].start, 7u);
  EXPECT_EQ(w[1].end, 10u);
  EXPECT_EQ(w[3].start, 15u);
  EXPECT_EQ(w[3].end, 19u);
  EXPECT_EQ(w[4].end, 25u);
  EXPECT_EQ(texts(s), (strings{"export", "ban", "on", "2024", "chips"}));
  EXPECT_TRUE(words("").empty());
  EXPECT_TRUE(words(" ,.;-- '\" \n").empty());
}

TEST(Words, ApostropheAndHyphenInsideWords) {
  EXPECT_EQ(texts("o'brien dual-use semi-conductor-based"),
            (strings{"o'brien", "dual-use", "semi-conductor-based"}));
  EXPECT_EQ(texts("'quoted' -dash- trailing- 'x"), (strings{"quoted", "dash", "trailing", "x"}));
  EXPECT_EQ(texts("a--b"), (strings{"a", "b"}));
  // Only between letters: digits around a hyphen split (ranges, model numbers).
  EXPECT_EQ(texts("2020-2021 f-16"), (strings{"2020", "2021", "f", "16"}));
  EXPECT_EQ(texts("x''y"), (strings{"x", "y"}));
}

TEST(Words, PunctuationSplitsWords) {
  EXPECT_EQ(texts("a.b,c/d(e)f:g\"h"), (strings{"a", "b", "c", "d", "e", "f", "g", "h"}));
  EXPECT_EQ(texts("huawei/zte & smic"), (strings{"huawei", "zte", "smic"}));
  EXPECT_EQ(texts("3.5"), (strings{"3", "5"}));
}

TEST(Words, NonAsciiLettersAreLetters) {
  EXPECT_EQ(texts("\u0440\u043e\u0441\u0442\u0435\u0445 \u534e\u4e3a"),
            (strings{"\u0440\u043e\u0441\u0442\u0435\u0445", "\u534e\u4e3a"}));
  // Punctuation and symbols that survive normalization still split.
  EXPECT_EQ(texts("a\u00a7b\u00a9c\u2022d\u3001e\u20ac5\U0001F600f"),
            (strings{"a", "b", "c", "d", "e", "5", "f"}));
  EXPECT_EQ(texts("\u304c\u0915\u093f"), (strings{"\u304c\u0915\u093f"}));  // kept marks
  EXPECT_EQ(texts("x\ufffdy"), (strings{"x", "y"}));
}

TEST(Sentences, EndAtStopsFollowedBySpace) {
  EXPECT_EQ(sentences("one two. three! four? five six"), (indexes{0, 0, 1, 2, 3, 3}));
  // A semicolon joins two clauses of one sentence: a measure and its target stay together.
  EXPECT_EQ(sentences("the eu acted; it froze assets. next"), (indexes{0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(sentences("end."), (indexes{0}));
  EXPECT_EQ(sentences("a.b c"), (indexes{0, 0, 0}));  // no space after the period
  EXPECT_EQ(sentences("v 3.5 ok"), (indexes{0, 0, 0, 0}));
  EXPECT_EQ(sentences("said.\" next"), (indexes{0, 1}));  // closing quote after the stop
  EXPECT_EQ(sentences("really?! yes... no"), (indexes{0, 1, 2}));
}

TEST(Sentences, LineBreaksEndSentences) {
  EXPECT_EQ(sentences("headline here\nbody text"), (indexes{0, 0, 1, 1}));
  EXPECT_EQ(sentences("\n\na\n\n\nb\n"), (indexes{0, 1}));  // empty sentences not counted
}

TEST(Sentences, AbbreviationsAndInitialsDoNotEnd) {
  EXPECT_EQ(sentences("u.s. officials said. next"), (indexes{0, 0, 0, 0, 1}));
  EXPECT_EQ(sentences("mr. smith of acme co. and inc. no. 5 st. louis gen. x"),
            (indexes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(sentences("j. doe left. then"), (indexes{0, 0, 0, 1}));
  // Longer words, and digits, do end sentences.
  EXPECT_EQ(sentences("in 2024. then"), (indexes{0, 0, 1}));
}

TEST(Sentences, OnNormalizedText) {
  // The pipeline as the engine runs it.
  const std::string t = normalize_text("U.S. officials said. Next");
  EXPECT_EQ(texts(t), (strings{"u", "s", "officials", "said", "next"}));
  EXPECT_EQ(sentences(t), (indexes{0, 0, 0, 0, 1}));
  const std::string h = normalize_text("Huawei\u2019s \u201cdual\u2013use\u201d chips\u3002\u5f00");
  EXPECT_EQ(texts(h), (strings{"huawei", "dual-use", "chips", "\u5f00"}));
  EXPECT_EQ(sentences(h), (indexes{0, 0, 0, 1}));
}

}  // namespace
}  // namespace sanctwatch::text
