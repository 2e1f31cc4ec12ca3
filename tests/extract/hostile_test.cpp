// Hostile HTML: each case must finish in bounded time and give a result or a clear error.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "extract/extract.hpp"
#include "text/charset.hpp"

namespace sanctwatch::extract {
namespace {

// Generous for sanitizer builds on a busy machine; the release build takes a fraction.
constexpr double k_seconds = 10.0;

struct timed {
  result<article> r;
  double seconds;
};

timed run(const std::string& html, const extract_options& o = {}) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = extract(html, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {std::move(r), s};
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

bool has_note(const article& a, std::string_view what) {
  for (const auto& n : a.why.notes)
    if (n.find(what) != std::string::npos) return true;
  return false;
}

const char* k_prose =
    "Officials said the measures would take effect at once, and that further designations of "
    "shipping companies were being prepared with the help of allied governments. ";

TEST(Hostile, HundredThousandNestedDivsKeepTheirText) {
  const std::string html = "<html><body>" + repeat("<div>", 100'000) + "<p>" + k_prose +
                           "deep text.</p>" + repeat("</div>", 100'000) + "</body></html>";
  auto [r, s] = run(html);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_LT(s, k_seconds);
  EXPECT_NE(r->text().find("deep text."), std::string::npos);
  EXPECT_TRUE(has_note(*r, "nesting deeper than 512 levels"));
}

TEST(Hostile, UnclosedTagsDeepInsideEachOther) {
  for (const char* open : {"<div>", "<span>", "<b><i><u><em><strong>", "<table><tr><td>",
                           "<ul><li>", "<a href=x>", "<p><font>"}) {
    const std::string html = "<body>" + repeat(open, 30'000) + "<p>" + k_prose + "tail text.";
    auto [r, s] = run(html);
    ASSERT_TRUE(r) << open << ": " << r.err().message;
    EXPECT_LT(s, k_seconds) << open;
  }
}

TEST(Hostile, StrayEndTagsUnderDeepNestingStopTheParse) {
  // libxml2 searches its whole stack of open elements for each unmatched end tag.
  const std::string html = "<body><p>" + std::string(k_prose) + "</p>" + repeat("<span>", 100'000) +
                           repeat("</p>", 300'000);
  auto [r, s] = run(html);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_LT(s, k_seconds);
  EXPECT_TRUE(has_note(*r, "stray end tags")) << r->why.notes.size();
  EXPECT_NE(r->text().find("further designations"), std::string::npos);
}

TEST(Hostile, ManyNodesAreParsedUpToTheLimit) {
  std::string html = "<body><article>";
  for (int i = 0; i < 150'000; ++i)
    html += "<p>Paragraph " + std::to_string(i) + ", with a comma.</p>";
  html += "</article></body>";
  auto [r, s] = run(html);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_LT(s, k_seconds);
  EXPECT_GT(r->why.nodes, 200'000u);
  EXPECT_FALSE(r->paragraphs.empty());

  extract_options small;
  small.max_nodes = 1000;
  auto [r2, s2] = run(html, small);
  ASSERT_TRUE(r2);
  EXPECT_LE(r2->why.nodes, 1000u);
  EXPECT_TRUE(has_note(*r2, "parse stopped early: node limit"));
  EXPECT_NE(r2->text().find("Paragraph 0,"), std::string::npos);
}

TEST(Hostile, HugeAttributesAndTextNodes) {
  const std::string attr = "<body><div class=\"" + std::string(5'000'000, 'a') + "\" style=\"" +
                           std::string(500'000, ';') + "\"><p>" + k_prose + "</p></div></body>";
  auto [r, s] = run(attr);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_LT(s, k_seconds);
  EXPECT_NE(r->text().find("further designations"), std::string::npos);

  const std::string text = "<body><p>" + repeat("word ", 1'000'000) + "</p></body>";
  auto [r2, s2] = run(text);
  ASSERT_TRUE(r2) << r2.err().message;
  EXPECT_LT(s2, k_seconds);
  ASSERT_EQ(r2->paragraphs.size(), 1u);
  EXPECT_EQ(r2->paragraphs[0].size(), 5'000'000u - 1);
}

TEST(Hostile, NulBytesDoNotEndTheDocument) {
  std::string html = "<body><p>before";
  html += std::string(10'000, '\0');
  html += "after the nul bytes, " + std::string(k_prose) + "</p><p>Second paragraph.</p></body>";
  auto [r, s] = run(html);
  ASSERT_TRUE(r) << r.err().message;
  const std::string t = r->text();
  EXPECT_NE(t.find("after the nul bytes"), std::string::npos);
  EXPECT_NE(t.find("Second paragraph."), std::string::npos);
  EXPECT_EQ(t.find('\0'), std::string::npos);
}

TEST(Hostile, InvalidUtf8BecomesReplacementCharacters) {
  const std::string html =
      std::string("<meta charset=utf-8><body><p>bad \xff\xfe bytes \xc3 here, ") + k_prose +
      "</p><p>\xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big</p>";
  auto [r, s] = run(html);
  ASSERT_TRUE(r) << r.err().message;
  const std::string t = r->text();
  EXPECT_EQ(text::sanitize_utf8(t), t);
  EXPECT_NE(t.find("bad \xef\xbf\xbd\xef\xbf\xbd bytes \xef\xbf\xbd here"), std::string::npos) << t;
  EXPECT_NE(t.find("surrogate"), std::string::npos);
}

TEST(Hostile, HostileJsonLdIsIgnored) {
  const std::string html =
      "<head><script type=\"application/ld+json\">" + repeat("[", 100'000) +
      "</script><script type=\"application/ld+json\">{\"@type\": \"NewsArticle\", "
      "\"headline\": </script><title>Plain title</title></head><body><p>" +
      k_prose + "</p></body>";
  auto [r, s] = run(html);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_LT(s, k_seconds);
  EXPECT_EQ(r->title, "Plain title");
  EXPECT_TRUE(has_note(*r, "JSON-LD nested deeper"));
  EXPECT_TRUE(has_note(*r, "JSON-LD that is not JSON"));
}

TEST(Hostile, OversizedAndEmptyInputAreErrors) {
  extract_options o;
  o.max_input_bytes = 1000;
  auto big = extract(std::string(1001, 'x'), o);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.err().code, "too_large");
  auto empty = extract(" \n\t ", {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.err().code, "empty");
}

TEST(Hostile, MarkupWithoutTextGivesNoParagraphs) {
  auto r = extract(repeat("<div><img src=x><br></div>", 1000), {});
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_TRUE(r->paragraphs.empty());
  EXPECT_EQ(r->why.method, "none");
}

TEST(Hostile, GarbageBytes) {
  std::string bytes;
  std::uint32_t x = 12345;
  for (int i = 0; i < 2'000'000; ++i) {
    x = x * 1103515245 + 12345;
    static const char alphabet[] = "<>/=\"' abcdefghijklmnop&;#\n\0\xff\xc3";
    bytes += alphabet[(x >> 16) % (sizeof alphabet - 1)];
  }
  auto [r, s] = run(bytes);
  EXPECT_LT(s, k_seconds);
  if (r) {
    EXPECT_EQ(text::sanitize_utf8(r->text()), r->text());
  }
}

}  // namespace
}  // namespace sanctwatch::extract
