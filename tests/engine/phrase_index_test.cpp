// The word index against a plain reference: every phrase occurrence, found by comparing each
// atom with the text's words one by one, over random texts (words of every length, UTF-8 and
// non-word separators, prefixes, words cut at the end of the text).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "engine/phrase_index.hpp"
#include "engine/ruleset.hpp"
#include "phrase_reference.hpp"

namespace sanctwatch::engine::test {
namespace {

using detail::phrase_hit;

using reference::hit_less;

atom phrase(std::vector<std::string> tokens, std::vector<bool> prefix = {}) {
  atom a;
  a.type = atom::kind::phrase;
  prefix.resize(tokens.size(), false);
  a.prefix = prefix;
  a.tokens = std::move(tokens);
  for (const auto& t : a.tokens) a.pattern += t + " ";
  a.display = a.pattern;
  return a;
}

std::vector<phrase_hit> find_all(const detail::phrase_index& idx, std::string_view t,
                                 std::size_t max_hits = std::size_t(-1)) {
  detail::phrase_scratch scratch;
  std::vector<phrase_hit> out;
  idx.find(t, scratch, out, max_hits);
  return out;
}

TEST(phrase_index, finds_words_phrases_and_prefixes) {
  const std::vector<atom> atoms = {phrase({"sanction"}, {true}), phrase({"export", "controls"}),
                                   phrase({"bank", "of", "china"}), phrase({"bank"}),
                                   phrase({"caf\xC3\xA9"})};
  detail::phrase_index idx;
  idx.build(atoms);
  const std::string t =
      "the bank of china faced sanctions; export--controls on bank. caf\xC3\xA9 "
      "cafe sanction";
  auto got = find_all(idx, t);
  auto want = reference::find(t, atoms);
  std::sort(got.begin(), got.end(), hit_less);
  std::sort(want.begin(), want.end(), hit_less);
  ASSERT_EQ(got.size(), 7u);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].atom, want[i].atom);
    EXPECT_EQ(got[i].start, want[i].start);
    EXPECT_EQ(got[i].end, want[i].end);
  }
}

TEST(phrase_index, no_match_inside_words_or_across_word_characters) {
  const std::vector<atom> atoms = {phrase({"bank"}), phrase({"iran", "air"})};
  detail::phrase_index idx;
  idx.build(atoms);
  EXPECT_TRUE(find_all(idx, "banks embankment bank2 2bank iranair iran airline").empty());
  EXPECT_EQ(find_all(idx, "bank").size(), 1u);
  EXPECT_EQ(find_all(idx, "iran \xE2\x80\x94 air").size(), 1u);  // an em dash is not a word
}

TEST(phrase_index, empty_index_and_empty_text) {
  detail::phrase_index idx;
  idx.build({});
  EXPECT_TRUE(idx.empty());
  EXPECT_TRUE(find_all(idx, "anything at all").empty());
  idx.build({phrase({"x"})});
  EXPECT_TRUE(find_all(idx, "").empty());
  EXPECT_EQ(find_all(idx, "x").size(), 1u);
}

// Random vocabularies and texts; the index must agree with the reference on every hit and keep
// hits in order of their first word, also when cut at max_hits.
TEST(phrase_index, agrees_with_the_reference_on_random_texts) {
  std::mt19937 rng(20261123);
  const std::vector<std::string> pieces = {"a",
                                           "of",
                                           "the",
                                           "an",
                                           "bank",
                                           "ban",
                                           "banking",
                                           "iran",
                                           "air",
                                           "co",
                                           "x1",
                                           "2024",
                                           "\xC3\xA9t\xC3\xA9",
                                           "\xD0\xB3\xD0\xB0\xD0\xB7",
                                           "zzzzzzzzzzzzzzzz",
                                           "internationalization",
                                           "abcdefghijklmnopq",
                                           "abcdefghijklmnop",
                                           "abcdefgh",
                                           "abcdefghi"};
  const std::vector<std::string> separators = {" ",  "  ", ", ", "-", ". ",      "\xE2\x80\x94",
                                               "\n", " (", "'",  "/", "\xC2\xA0"};
  auto piece = [&] { return pieces[rng() % pieces.size()]; };
  for (int round = 0; round < 300; ++round) {
    std::vector<atom> atoms;
    const int n_atoms = 1 + int(rng() % 40);
    for (int a = 0; a < n_atoms; ++a) {
      std::vector<std::string> toks;
      std::vector<bool> pre;
      const int len = 1 + int(rng() % 4);
      for (int k = 0; k < len; ++k) {
        std::string w = piece();
        if (rng() % 3 == 0) w += piece();  // words of the text may be glued pieces
        toks.push_back(w);
        pre.push_back(w.size() >= 3 && rng() % 5 == 0);
      }
      atoms.push_back(phrase(toks, pre));
    }
    detail::phrase_index built;
    built.build(atoms);
    // Half the rounds scan an index saved and loaded again (the start-up cache's copy).
    detail::phrase_index idx;
    if (round % 2) {
      ASSERT_TRUE(idx.load(built.save()));
    } else {
      idx = built;
    }
    detail::phrase_scratch scratch;  // reused across texts, as the engine does
    for (int text_round = 0; text_round < 20; ++text_round) {
      std::string t;
      const int n_words = int(rng() % 200);
      for (int w = 0; w < n_words; ++w) {
        if (w > 0 || rng() % 4 == 0) t += separators[rng() % separators.size()];
        t += piece();
        if (rng() % 6 == 0) t += piece();
      }
      std::vector<phrase_hit> got;
      idx.find(t, scratch, got, std::size_t(-1));
      for (std::size_t i = 1; i < got.size(); ++i)
        ASSERT_LE(got[i - 1].start, got[i].start) << "hits out of order in: " << t;
      auto want = reference::find(t, atoms);
      auto sorted = got;
      std::sort(sorted.begin(), sorted.end(), hit_less);
      std::sort(want.begin(), want.end(), hit_less);
      ASSERT_EQ(sorted.size(), want.size()) << "text: " << t;
      for (std::size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(sorted[i].atom, want[i].atom) << "text: " << t;
        ASSERT_EQ(sorted[i].start, want[i].start) << "text: " << t;
        ASSERT_EQ(sorted[i].end, want[i].end) << "text: " << t;
      }
      if (got.size() > 2) {
        std::vector<phrase_hit> capped;
        idx.find(t, scratch, capped, 2);
        ASSERT_EQ(capped.size(), 2u);
        EXPECT_EQ(capped[0].start, got[0].start);
      }
    }
  }
}

TEST(phrase_index, a_saved_index_cut_short_or_padded_does_not_load) {
  const std::vector<atom> atoms = {phrase({"bank"}), phrase({"export", "control"}, {false, true})};
  detail::phrase_index idx;
  idx.build(atoms);
  const std::string bytes = idx.save();
  detail::phrase_index back;
  EXPECT_TRUE(back.load(bytes));
  for (std::size_t n = 0; n < bytes.size(); n += 7) EXPECT_FALSE(back.load(bytes.substr(0, n))) << n;
  EXPECT_FALSE(back.load(bytes + "x"));
}

}  // namespace
}  // namespace sanctwatch::engine::test
