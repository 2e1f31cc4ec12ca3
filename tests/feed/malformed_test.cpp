// Ill-formed feeds are recovered as far as possible, with warnings; non-feeds are errors.
#include <gtest/gtest.h>

#include <chrono>

#include "feed/prepare.hpp"
#include "feed_fixture.hpp"

namespace sanctwatch::feed {
namespace {

using testing::all_warnings;
using testing::fixture;
using testing::has_warning;
using testing::parse_fixture;
using testing::parse_ok;

TEST(feed_malformed, html_entities_and_bare_ampersands) {
  const auto d = parse_fixture("entities.xml");
  EXPECT_EQ(d.feed.title, "Entities Wire");  // U+00A0, then whitespace collapsed
  EXPECT_EQ(d.feed.link, "https://ent.example/?a=1&b=2");
  EXPECT_EQ(d.feed.description, "Café news — daily");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "AT&T and Café — fined €5m &bogus; é€");
  EXPECT_EQ(d.items[0].link, "https://ent.example/story?id=7&page=2");
  // CDATA is verbatim: the entity stays for html_to_text.
  EXPECT_EQ(d.items[0].summary_html, "CDATA keeps &nbsp; for html_to_text & friends");
  EXPECT_TRUE(has_warning(d, "HTML entity")) << all_warnings(d);
  EXPECT_TRUE(has_warning(d, "unescaped '&'")) << all_warnings(d);
}

TEST(feed_malformed, clean_xml_rewrites_references) {
  std::vector<std::string> w;
  EXPECT_EQ(detail::clean_xml("<a>&nbsp;&amp;&#65;&LT;</a>", w), "<a>&#xA0;&amp;&#65;&#x3C;</a>");
  EXPECT_EQ(detail::clean_xml("<a b=\"?x=1&y=2\">AT&T &unknownname;</a>", w),
            "<a b=\"?x=1&amp;y=2\">AT&amp;T &amp;unknownname;</a>");
  EXPECT_EQ(detail::clean_xml("<a><![CDATA[&nbsp; & <b>]]></a>", w),
            "<a><![CDATA[&nbsp; & <b>]]></a>");
  EXPECT_EQ(detail::clean_xml("<?xml version=\"1.0\" encoding=\"koi8-r\"?><a/>", w), "<a/>");
  EXPECT_EQ(detail::clean_xml("<a><!-- &nbsp; --><?pi x?>x</a>", w), "<a>x</a>");
  EXPECT_EQ(detail::clean_xml("<a>&#0;&#x1F;&#xFFFE;&#9;</a>", w), "<a>&#9;</a>");
}

// The split clean-up leaves CDATA sections empty and describes their content; put back, it
// gives clean_xml's output (line breaks aside: the content has them as a parser reads them).
TEST(feed_malformed, clean_xml_split_describes_cdata_content) {
  const std::string in =
      "<a><![CDATA[x & <b>]]><b t=\"<![CDATA[v]]>\"/><![CDATA[bad\x01 byte]]>"
      "<![CDATA[one\r\ntwo\rthree]]><![CDATA[open";
  std::vector<std::string> w1, w2;
  const std::string full = detail::clean_xml(in, w1);
  std::string split;
  detail::cdata_sections cdata;
  detail::clean_xml_split(in, split, cdata, w2);
  EXPECT_EQ(w1, w2);
  EXPECT_TRUE(cdata.exact);
  ASSERT_EQ(cdata.pieces.size(), 5u);
  std::vector<std::string> contents;
  std::string rebuilt;
  std::size_t at = 0;
  for (const auto& p : cdata.pieces) {
    rebuilt.append(split, at, p.at - at);
    at = p.at;
    std::string_view c;
    ASSERT_TRUE(cdata.find(p.at, c));
    contents.emplace_back(c);
    rebuilt.append(full, rebuilt.size(), p.full_size);
    EXPECT_EQ(cdata.full_offset(p.at), rebuilt.size());
  }
  rebuilt.append(split, at);
  EXPECT_EQ(rebuilt, full);
  EXPECT_EQ(contents,
            (std::vector<std::string>{"x & <b>", "v", "bad byte", "one\ntwo\nthree", "open"}));
  std::string_view none;
  EXPECT_FALSE(cdata.find(0, none));
  // A repair that makes "]]>" would end the section early in clean_xml's output.
  detail::clean_xml_split("<a><![CDATA[x]\x01]>y]]></a>", split, cdata, w2);
  EXPECT_FALSE(cdata.exact);
}

// CDATA content comes out the same whether pugixml reads it or the clean-up pass hands it
// over: line breaks normalized, and a "<![CDATA[" inside an attribute value left alone.
TEST(feed_malformed, cdata_content_line_breaks_and_cdata_in_attributes) {
  const auto d = parse_ok(
      "<rss version=\"2.0\"><channel><title>t</title><item><title><![CDATA[A\r\nB]]></title>"
      "<link>https://x.example/1</link>"
      "<description><![CDATA[<p>one\r\ntwo\rthree</p>]]></description>"
      "<enclosure url=\"https://x.example/<![CDATA[a]]>.mp3\" type=\"audio/mpeg\"/>"
      "</item></channel></rss>");
  ASSERT_EQ(d.items.size(), 1u) << all_warnings(d);
  EXPECT_EQ(d.items[0].title, "A B");
  EXPECT_EQ(d.items[0].summary_html, "<p>one\ntwo\nthree</p>");
  ASSERT_EQ(d.items[0].enclosures.size(), 1u);
  EXPECT_EQ(d.items[0].enclosures[0].url, "https://x.example/<![CDATA[a]]>.mp3");
}

TEST(feed_malformed, truncated_document_keeps_complete_and_partial_items) {
  const auto d = parse_fixture("truncated.xml");
  EXPECT_EQ(d.feed.title, "Truncated Wire");
  ASSERT_EQ(d.items.size(), 3u) << all_warnings(d);
  EXPECT_EQ(d.items[0].title, "Complete one");
  EXPECT_EQ(d.items[1].link, "https://trunc.example/2");
  EXPECT_EQ(d.items[2].title, "Partial three");
  EXPECT_EQ(d.items[2].link, "https://trunc.example/3");
  EXPECT_TRUE(has_warning(d, "ill-formed XML")) << all_warnings(d);
}

TEST(feed_malformed, truncated_partial_item_without_title_or_link_is_dropped) {
  const auto d = parse_fixture("truncated_atom_noinfo.xml");
  ASSERT_EQ(d.items.size(), 1u) << all_warnings(d);
  EXPECT_EQ(d.items[0].title, "Only entry");
  EXPECT_TRUE(has_warning(d, "dropped an incomplete last item")) << all_warnings(d);
}

TEST(feed_malformed, every_truncation_of_a_feed_is_handled) {
  const std::string full = fixture("rss2_full.xml");
  std::size_t last = 0;
  for (std::size_t n = 0; n <= full.size(); n += 7) {
    auto r = parse(full.substr(0, n));
    if (!r) continue;
    EXPECT_GE(r->items.size() + 1, last) << "at " << n;  // items never vanish as text grows
    last = r->items.size();
  }
  EXPECT_EQ(last, 4u);
}

TEST(feed_malformed, broken_item_in_the_middle_does_not_lose_the_rest) {
  const auto d = parse_fixture("midbroken.xml");
  std::vector<std::string> titles;
  for (const auto& it : d.items) titles.push_back(it.title);
  EXPECT_EQ(titles, (std::vector<std::string>{"Good one", "Broken two", "Good three", "Good four"}))
      << all_warnings(d);
  EXPECT_TRUE(has_warning(d, "ill-formed XML")) << all_warnings(d);
}

TEST(feed_malformed, junk_and_boms_before_the_root) {
  const auto d = parse_fixture("junk_before_root.xml");
  EXPECT_EQ(d.feed.title, "Junk Wire");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "After junk");
  EXPECT_TRUE(has_warning(d, "junk before the root")) << all_warnings(d);
}

TEST(feed_malformed, internal_entities_expand_external_ones_never) {
  const auto d = parse_fixture("doctype_entities.xml");
  ASSERT_EQ(d.items.size(), 1u);
  std::string lols;
  for (int i = 0; i < 100; ++i) lols += "lol";
  EXPECT_EQ(d.items[0].title, "Laughs: " + lols + " and &xxe;");  // /etc/passwd never read
  EXPECT_TRUE(has_warning(d, "external entity declaration(s) in the DOCTYPE; never fetched"))
      << all_warnings(d);
}

TEST(feed_malformed, illegal_characters_are_removed) {
  const auto d = parse_fixture("controls.xml");
  EXPECT_EQ(d.feed.title, "CtlWire");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "Badcharshere");
  EXPECT_EQ(d.items[0].summary, "Bytes: \uFFFD\uFFFD café \uFFFD");
  EXPECT_TRUE(has_warning(d, "not allowed in XML")) << all_warnings(d);
  EXPECT_TRUE(has_warning(d, "invalid byte")) << all_warnings(d);
}

TEST(feed_malformed, deep_nesting_neither_crashes_nor_hangs) {
  std::string doc =
      "<rss version=\"2.0\"><channel><title>Deep</title><item><title>x</title>"
      "<description>";
  const int depth = 200000;
  for (int i = 0; i < depth; ++i) doc += "<div>";
  doc += "deep";
  for (int i = 0; i < depth; ++i) doc += "</div>";
  doc += "</description><link>https://deep.example/1</link></item></channel></rss>";
  const auto start = std::chrono::steady_clock::now();
  const auto d = testing::parse_ok(doc);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].link, "https://deep.example/1");

  // Deep nesting in an Atom xhtml body, and unclosed.
  std::string atom =
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>t</title>"
      "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">";
  for (int i = 0; i < depth; ++i) atom += "<b>";
  const auto a = testing::parse_ok(atom);
  EXPECT_EQ(a.items.size(), 1u);
}

TEST(feed_malformed, many_items_are_linear) {
  std::string doc = "<rss version=\"2.0\"><channel><title>Many</title>";
  for (int i = 0; i < 20000; ++i)
    doc += "<item><title>t" + std::to_string(i) + "</title><link>/x/" + std::to_string(i) +
           "</link></item>";
  doc += "</channel></rss>";
  const auto d = testing::parse_ok(doc);
  ASSERT_EQ(d.items.size(), 20000u);
  EXPECT_EQ(d.items[19999].title, "t19999");
}

struct not_feed_case {
  const char* file;
  const char* code;
  const char* reason;  // a part of the message
};

class feed_not_feeds : public ::testing::TestWithParam<not_feed_case> {};

TEST_P(feed_not_feeds, are_errors_with_a_reason) {
  const auto r = parse(fixture(GetParam().file));
  ASSERT_FALSE(r.ok()) << GetParam().file;
  EXPECT_EQ(r.err().code, GetParam().code) << r.err().message;
  EXPECT_NE(r.err().message.find(GetParam().reason), std::string::npos) << r.err().message;
}

INSTANTIATE_TEST_SUITE_P(
    all, feed_not_feeds,
    ::testing::Values(not_feed_case{"empty.xml", "empty", "empty"},
                      not_feed_case{"whitespace.xml", "empty", "whitespace"},
                      not_feed_case{"html_page.html", "not_a_feed", "HTML page"},
                      not_feed_case{"xhtml_page.xml", "not_a_feed",
                                    "an HTML page (<html> root), not a feed"},
                      not_feed_case{"other_xml.xml", "not_a_feed", "root <svg>"},
                      not_feed_case{"random.json", "not_a_feed", "not a JSON Feed"},
                      not_feed_case{"array.json", "not_a_feed", "JSON array"},
                      not_feed_case{"plain.txt", "not_a_feed", "plain text"}));

TEST(feed_not_feeds_inline, odd_inputs) {
  EXPECT_EQ(parse("<").err().code, "not_a_feed");
  EXPECT_EQ(parse("{").err().code, "not_a_feed");
  EXPECT_EQ(parse(std::string("\0\0\0\0", 4)).err().code, "not_a_feed");
  EXPECT_EQ(parse("\xEF\xBB\xBF").err().code, "empty");
  EXPECT_EQ(parse("<rss version=\"2.0\"></rss>").err().code, "not_a_feed");
  // A feed with no items is a feed.
  const auto d =
      testing::parse_ok("<rss version=\"2.0\"><channel><title>None</title></channel></rss>");
  EXPECT_TRUE(d.items.empty());
}

}  // namespace
}  // namespace sanctwatch::feed

namespace sanctwatch::feed {
namespace {

TEST(feed_malformed_regressions, unterminated_cdata_keeps_its_text) {
  const auto d = parse_fixture("regressions/unterminated_cdata.xml");
  ASSERT_EQ(d.items.size(), 1u) << all_warnings(d);
  EXPECT_EQ(d.items[0].title, "unterminated cdata");
  EXPECT_TRUE(has_warning(d, "unterminated CDATA")) << all_warnings(d);
}

TEST(feed_malformed_regressions, doctype_with_quoted_bracket) {
  const auto d = parse_fixture("regressions/doctype_quoted_bracket.xml");
  EXPECT_EQ(d.feed.title, "t");
}

TEST(feed_malformed_regressions, resumes_after_each_of_several_errors) {
  const auto d = parse_fixture("regressions/repeated_errors.xml");
  std::vector<std::string> titles;
  for (const auto& it : d.items) titles.push_back(it.title);
  EXPECT_EQ(titles, (std::vector<std::string>{"a", "b", "c", "d"})) << all_warnings(d);
}

TEST(feed_malformed_regressions, resumes_inside_prefixed_atom) {
  const auto d = parse_fixture("regressions/prefixed_atom_resume.xml");
  std::vector<std::string> titles;
  for (const auto& it : d.items) titles.push_back(it.title);
  EXPECT_EQ(titles, (std::vector<std::string>{"t", "u", "v"})) << all_warnings(d);
}

TEST(feed_malformed_regressions, utf16_document_cut_after_the_root_tag) {
  const auto r = parse(fixture("regressions/utf16_truncated_root.xml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "not_a_feed");
}

}  // namespace
}  // namespace sanctwatch::feed
