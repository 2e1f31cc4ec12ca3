// Evidence in sentences: each sentence once, marks at exact byte offsets of the delivered text,
// long sentences clipped around their marks, and the headline rule's sentences first.
#include "engine/evidence.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"

namespace sanctwatch::engine::test {
namespace {

raw_sentence sentence(std::string source, std::vector<std::pair<std::string, std::string>> marks,
                      std::uint32_t index = 0, field where = field::content) {
  raw_sentence r;
  r.where = where;
  r.sentence = index;
  r.offset = index * 1000;
  r.source = std::move(source);
  for (auto& [word, list] : marks) {
    const auto at = r.source.find(word);
    EXPECT_NE(at, std::string::npos) << word;
    r.marks.push_back({std::uint32_t(at), std::uint32_t(at + word.size()), list, {}});
  }
  return r;
}

// Every mark's offsets select exactly its term in the text.
void expect_exact(const evidence_sentence& s) {
  for (const auto& m : s.marks) {
    ASSERT_LE(m.end, s.text.size());
    EXPECT_EQ(s.text.substr(m.start, m.end - m.start), m.term) << s.text;
  }
}

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

TEST(engine_evidence, short_sentence_is_whole_with_whitespace_collapsed) {
  auto e = render(sentence("The   EU\n imposed  sanctions on  Minsk.", {{"imposed", "imposition"},
                                                                        {"sanctions", "terms"}}));
  EXPECT_EQ(e.text, "The EU imposed sanctions on Minsk.");
  ASSERT_EQ(e.marks.size(), 2u);
  expect_exact(e);
  EXPECT_EQ(e.marks[0].term, "imposed");
  EXPECT_EQ(e.marks[0].list, "imposition");
  EXPECT_EQ(e.marks[1].term, "sanctions");
}

TEST(engine_evidence, long_sentence_is_clipped_around_its_marks_at_spaces) {
  std::string filler;
  for (int i = 0; i < 60; ++i) filler += "Überseehäfen und Zölle ";
  const std::string src = filler + "the ministry froze the assets of the bank " + filler + "end.";
  auto e = render(sentence(src, {{"froze", "imposition"}, {"assets", "terms"}}), 300);
  expect_exact(e);
  ASSERT_EQ(e.marks.size(), 2u);
  EXPECT_EQ(e.text.substr(0, 3), "…");
  EXPECT_EQ(e.text.substr(e.text.size() - 3), "…");
  EXPECT_TRUE(valid_utf8(e.text));
  // About 300 characters (counting each code point once), never a cut word at either end.
  std::size_t chars = 0;
  for (char c : e.text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  EXPECT_LE(chars, 302u);
  EXPECT_GE(chars, 200u);
  EXPECT_NE(e.text.find("froze the assets"), std::string::npos);
  const std::string inner = e.text.substr(3, e.text.size() - 6);
  EXPECT_TRUE(inner.rfind("Überseehäfen", 0) == 0 || inner.rfind("und", 0) == 0 ||
              inner.rfind("Zölle", 0) == 0)
      << inner.substr(0, 20);
}

TEST(engine_evidence, marks_wider_than_the_window_keep_the_first) {
  std::string mid(400, 'x');
  for (std::size_t i = 50; i < mid.size(); i += 51) mid[i] = ' ';
  const std::string src = "sanctions " + mid + " embargo";
  auto e = render(sentence(src, {{"sanctions", "a"}, {"embargo", "b"}}), 300);
  ASSERT_EQ(e.marks.size(), 1u);
  EXPECT_EQ(e.marks[0].term, "sanctions");
  expect_exact(e);
}

TEST(engine_evidence, picked_sentences_merge_rules_and_put_the_headline_first) {
  const auto shared = sentence("Washington imposed sanctions on the tanker firm.",
                               {{"imposed", "imposition"}, {"sanctions", "terms"}}, 4);
  const auto shared_other = sentence("Washington imposed sanctions on the tanker firm.",
                                     {{"tanker firm", "watched"}}, 4);
  std::vector<raw_sentence> headline{
      sentence("Officials warned of more sanctions.", {{"warned", "threat"}}, 1), shared};
  std::vector<raw_sentence> other{
      shared_other, sentence("The firm denied it.", {{"firm", "watched"}}, 7),
      sentence("A second firm was named.", {{"firm", "watched"}}, 9)};
  auto picked = pick_sentences({&headline, &other}, 3);
  ASSERT_EQ(picked.size(), 3u);
  // The headline rule's sentence with two lists first, then its other one; the shared
  // sentence appears once, with the marks of both rules.
  EXPECT_EQ(picked[0].text, "Washington imposed sanctions on the tanker firm.");
  ASSERT_EQ(picked[0].marks.size(), 3u);
  EXPECT_EQ(picked[0].marks[2].term, "tanker firm");
  EXPECT_EQ(picked[1].text, "Officials warned of more sanctions.");
  EXPECT_EQ(picked[2].text, "The firm denied it.");
  for (const auto& s : picked) expect_exact(s);
  EXPECT_EQ(pick_sentences({&headline, &other}, 1).size(), 1u);
}

TEST(engine_evidence, a_fired_rule_carries_its_sentences) {
  auto rs = rule_when("near(@sanc, @china, within=5, scope=sentence)");
  auto ms = match(*rs, content_item("Markets were calm. Chinese banks face  new sanctions. "
                                    "Beijing said nothing."));
  ASSERT_EQ(ms.size(), 1u);
  ASSERT_EQ(ms[0].sentences.size(), 1u);
  const auto& r = ms[0].sentences[0];
  EXPECT_EQ(r.source, "Chinese banks face  new sanctions.");
  auto e = render(r);
  EXPECT_EQ(e.text, "Chinese banks face new sanctions.");
  ASSERT_EQ(e.marks.size(), 2u);
  EXPECT_EQ(e.marks[0].term, "Chinese");
  EXPECT_EQ(e.marks[0].list, "china");
  EXPECT_EQ(e.marks[1].term, "sanctions");
  expect_exact(e);
}

}  // namespace
}  // namespace sanctwatch::engine::test
