// Extraction quality on the hand-written pages: word-level F1 against the expected text per
// page (each at least 0.85, the mean at least 0.90), what must be kept and dropped, and the
// metadata. The figures printed here are the ones docs/full-text.md reports.
#include <gtest/gtest.h>

#include <cstdio>

#include "core/time.hpp"
#include "extract/extract.hpp"
#include "pages.hpp"

namespace sanctwatch::extract {
namespace {

using testing::expected_page;

class Page : public ::testing::TestWithParam<std::string> {};

result<article> extract_page(const expected_page& p) {
  extract_options o;
  o.url = "https://pages.test.invalid/" + p.name;
  return extract(p.html, o);
}

TEST_P(Page, TextMatchesTheExpectedText) {
  const expected_page p = testing::load_page(GetParam());
  ASSERT_FALSE(p.paragraphs.empty()) << "no expected text for " << p.name;
  auto a = extract_page(p);
  ASSERT_TRUE(a) << a.err().message;
  const auto s = testing::word_f1(testing::joined(a->paragraphs), testing::joined(p.paragraphs));
  std::printf("| %s | %.3f | %.3f | %.3f |\n", p.name.c_str(), s.f1, s.precision, s.recall);
  EXPECT_GE(s.f1, 0.85) << p.name << ": precision " << s.precision << ", recall " << s.recall
                        << "\n--- extracted:\n"
                        << a->text();
}

TEST_P(Page, KeepsTheArticleAndDropsTheBoilerplate) {
  const expected_page p = testing::load_page(GetParam());
  auto a = extract_page(p);
  ASSERT_TRUE(a) << a.err().message;
  const std::string text = a->text();
  for (const auto& k : p.keep)
    EXPECT_NE(text.find(k), std::string::npos) << p.name << ": lost \"" << k << '"';
  for (const auto& d : p.drop)
    EXPECT_EQ(text.find(d), std::string::npos) << p.name << ": kept \"" << d << '"';
}

TEST_P(Page, ReadsTheMetadata) {
  const expected_page p = testing::load_page(GetParam());
  auto a = extract_page(p);
  ASSERT_TRUE(a) << a.err().message;
  auto field = [&](const char* k) {
    auto it = p.fields.find(k);
    return it == p.fields.end() ? std::string() : it->second;
  };
  EXPECT_EQ(a->title, field("title")) << p.name;
  EXPECT_EQ(a->byline, field("byline")) << p.name;
  EXPECT_EQ(a->published ? format_rfc3339(*a->published) : "", field("published")) << p.name;
  EXPECT_EQ(a->site_name, field("site")) << p.name;
  EXPECT_EQ(a->language, field("language")) << p.name;
}

INSTANTIATE_TEST_SUITE_P(Extract, Page, ::testing::ValuesIn(testing::page_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(ExtractQuality, AtLeastTwelvePagesAndMeanF1AtLeast0_90) {
  const auto names = testing::page_names();
  ASSERT_GE(names.size(), 12u);
  double sum = 0;
  for (const auto& name : names) {
    const expected_page p = testing::load_page(name);
    auto a = extract_page(p);
    ASSERT_TRUE(a) << name << ": " << a.err().message;
    sum += testing::word_f1(testing::joined(a->paragraphs), testing::joined(p.paragraphs)).f1;
  }
  const double mean = sum / static_cast<double>(names.size());
  std::printf("| mean of %zu pages | %.3f | | |\n", names.size(), mean);
  EXPECT_GE(mean, 0.90);
}

TEST(ExtractQuality, WordF1CountsSharedWordsAsBags) {
  EXPECT_DOUBLE_EQ(testing::word_f1("a b c", "a b c").f1, 1.0);
  EXPECT_DOUBLE_EQ(testing::word_f1("", "a").f1, 0.0);
  const auto s = testing::word_f1("“Sanctions,” he said. said", "sanctions he said");
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  EXPECT_DOUBLE_EQ(s.precision, 0.75);
}

}  // namespace
}  // namespace sanctwatch::extract
