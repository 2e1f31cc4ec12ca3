#include "story/fingerprint.hpp"

#include <gtest/gtest.h>

#include "story/wire_texts.hpp"

namespace sanctwatch::story {
namespace {

namespace wire = sanctwatch::testing::wire;

signature of(const std::string& title, const std::string& body) {
  item it;
  it.title = title;
  it.content = body;
  return fingerprint(story_text(it));
}

// Would the store find `b` as a candidate for `a` (any band equal)?
bool candidates(const signature& a, const signature& b) {
  const auto ka = band_keys(a), kb = band_keys(b);
  for (std::size_t i = 0; i < ka.size(); ++i)
    if (ka[i] == kb[i]) return true;
  return false;
}

}  // namespace

TEST(fingerprint, edited_copies_of_one_wire_story_are_the_same_story) {
  const auto a = of(wire::title, wire::body);
  const auto b = of(wire::title_2, wire::body_2);
  const auto c = of(wire::title_3, wire::body_3);
  ASSERT_EQ(a.size(), signature_size);
  for (const auto* pair : {&b, &c}) {
    EXPECT_GE(similarity(a, *pair), same_story_similarity) << similarity(a, *pair);
    EXPECT_TRUE(candidates(a, *pair));
  }
  EXPECT_GE(similarity(b, c), same_story_similarity) << similarity(b, c);
  EXPECT_TRUE(candidates(b, c));
}

TEST(fingerprint, different_stories_on_the_same_topic_are_not) {
  const std::vector<signature> copies = {of(wire::title, wire::body),
                                         of(wire::title_2, wire::body_2),
                                         of(wire::title_3, wire::body_3)};
  for (const auto& other :
       {of(wire::other_title, wire::other_body), of(wire::reply_title, wire::reply_body)})
    for (const auto& copy : copies)
      EXPECT_LT(similarity(copy, other), 0.2) << similarity(copy, other);
  EXPECT_LT(
      similarity(of(wire::other_title, wire::other_body), of(wire::reply_title, wire::reply_body)),
      0.2);
}

TEST(fingerprint, stable_and_insensitive_to_case_markup_free_whitespace_and_punctuation) {
  const auto a = of(wire::title, wire::body);
  EXPECT_EQ(a, of(wire::title, wire::body));
  std::string shouted = wire::body;
  for (auto& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(similarity(a, of(wire::title, shouted)), 1.0);
  EXPECT_EQ(similarity(a, of(wire::title + "  ", "\n" + wire::body + " ...")), 1.0);
  EXPECT_EQ(to_bytes(a).size(), signature_size * 4);
  EXPECT_EQ(from_bytes(to_bytes(a)), a);
  // Known values: signatures are stored, so they must not change between builds.
  const auto k = fingerprint("one two three four five six seven eight nine ten");
  ASSERT_EQ(k.size(), signature_size);
  EXPECT_EQ(k.front(), 48749770u);
  EXPECT_EQ(k.back(), 1161526500u);
}

TEST(fingerprint, short_texts_get_no_signature) {
  EXPECT_TRUE(fingerprint("").empty());
  EXPECT_TRUE(fingerprint("Sanctions on Chinese banks").empty());
  EXPECT_TRUE(fingerprint("one two three four five six seven eight nine").empty());  // 7 shingles
  EXPECT_EQ(fingerprint("one two three four five six seven eight nine ten").size(), signature_size);
  // Repeated words make few distinct shingles.
  EXPECT_TRUE(fingerprint("sanctions sanctions sanctions sanctions sanctions sanctions sanctions "
                          "sanctions sanctions sanctions sanctions")
                  .empty());
  EXPECT_EQ(similarity({}, {}), 0.0);
  EXPECT_TRUE(band_keys({}).empty());
  EXPECT_TRUE(from_bytes("abc").empty());
}

TEST(fingerprint, story_text_takes_the_longer_of_summary_and_content) {
  item it;
  it.title = "T";
  it.summary = "short lead";
  it.content = "the whole article text";
  EXPECT_EQ(story_text(it), "T\nthe whole article text");
  it.content.clear();
  EXPECT_EQ(story_text(it), "T\nshort lead");
}

TEST(fingerprint, bands_hold_their_position) {
  const auto a = of(wire::title, wire::body);
  auto b = a;
  std::rotate(b.begin(), b.begin() + rows, b.end());  // the same values in other bands
  const auto ka = band_keys(a), kb = band_keys(b);
  ASSERT_EQ(ka.size(), bands);
  for (std::size_t i = 0; i < bands; ++i) EXPECT_NE(ka[i], kb[(i + bands - 1) % bands]);
}

}  // namespace sanctwatch::story
