// Invariants checked on pseudo-random mixes of the fragments that break text code: marks
// after ASCII, expansions, invalid bytes, possessives, markup, entities.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "text/html.hpp"
#include "text/normalize.hpp"
#include "text/segment.hpp"

namespace sanctwatch::text {
namespace {

const char* const k_fragments[] = {
    "a",          "Z",      "s",      "'",        "'s",           "\u2019s", " ",      "\n",
    ".",          "-",      "u",      "\u0308",   "\u0301",       "\u0316",  "\u00fc", "\u00df",
    "\ufb01",     "\u0130", "\ufdfa", "\ud55c",   "\u1100",       "\u11a8",  "\u534e", "\u0416",
    "\U0001F600", "\xff",   "\xc3",   "\xe2\x80", "\xed\xa0\x80", "\u00a0",  "\u2014", "\u201c",
    "\uff28",     "\u00ad", "<p>",    "</p>",     "<b",           "&amp;",   "&",      "&#150;",
    "&lt;",       "<!--",   "-->",    "<script>", "\"",           ">",       "mr.",    "U.S.",
    "\u3002",     "\u0110",
};

std::string random_text(std::mt19937& rng) {
  std::uniform_int_distribution<std::size_t> pick(0, std::size(k_fragments) - 1);
  std::uniform_int_distribution<int> len(0, 40);
  std::string s;
  for (int i = len(rng); i > 0; --i) s += k_fragments[pick(rng)];
  return s;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(TextProperties, NormalizeInvariants) {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 3000; ++iter) {
    const std::string s = random_text(rng);
    SCOPED_TRACE(testing::PrintToString(s));
    const normalized n = normalize(s);
    ASSERT_EQ(n.origin.size(), n.text.size() + 1);
    ASSERT_EQ(n.origin.back(), s.size());
    for (std::size_t i = 1; i < n.origin.size(); ++i) ASSERT_LE(n.origin[i - 1], n.origin[i]);
    ASSERT_TRUE(valid_utf8(n.text));
    ASSERT_EQ(normalize_text(s), n.text);
  }
}

TEST(TextProperties, WordsInvariants) {
  std::mt19937 rng(777);
  for (int iter = 0; iter < 3000; ++iter) {
    const std::string t = normalize_text(random_text(rng));
    SCOPED_TRACE(testing::PrintToString(t));
    std::uint32_t prev_end = 0, prev_sentence = 0;
    for (const word& w : words(t)) {
      ASSERT_LT(w.start, w.end);
      ASSERT_LE(w.end, t.size());
      ASSERT_LE(prev_end, w.start);
      ASSERT_LE(prev_sentence, w.sentence);
      ASSERT_LE(w.sentence, prev_sentence + 1);  // no empty sentences counted
      ASSERT_TRUE(valid_utf8(t.substr(w.start, w.end - w.start)));
      prev_end = w.end;
      prev_sentence = w.sentence;
    }
  }
}

TEST(TextProperties, HtmlToTextIsTidy) {
  std::mt19937 rng(4242);
  for (int iter = 0; iter < 3000; ++iter) {
    const std::string s = random_text(rng);
    SCOPED_TRACE(testing::PrintToString(s));
    const std::string t = html_to_text(s);
    ASSERT_EQ(t.find("\n\n"), std::string::npos);
    ASSERT_EQ(t.find("  "), std::string::npos);
    if (!t.empty()) {
      ASSERT_NE(t.front(), ' ');
      ASSERT_NE(t.back(), ' ');
      ASSERT_NE(t.front(), '\n');
      ASSERT_NE(t.back(), '\n');
    }
    ASSERT_EQ(collapse_whitespace(collapse_whitespace(s)), collapse_whitespace(s));
  }
}

}  // namespace
}  // namespace sanctwatch::text
