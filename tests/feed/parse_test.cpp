#include "feed/parse.hpp"

#include <gtest/gtest.h>

#include "feed_fixture.hpp"

namespace sanctwatch::feed {
namespace {

using testing::fixture;
using testing::iso;
using testing::parse_fixture;

TEST(feed_parse_rss2, channel_metadata) {
  const auto d = parse_fixture("rss2_full.xml");
  EXPECT_EQ(d.feed.format, "rss2");
  EXPECT_EQ(d.feed.title, "Wire & Wire: Sanctions desk");
  EXPECT_EQ(d.feed.link, "https://wire.example/world/");
  EXPECT_EQ(d.feed.description, "Daily sanctions news");
  EXPECT_EQ(d.feed.id, "https://wire.example/feeds/sanctions.xml");
  ASSERT_TRUE(d.feed.ttl_minutes);
  EXPECT_EQ(*d.feed.ttl_minutes, 45);
  EXPECT_TRUE(d.warnings.empty()) << testing::all_warnings(d);
  ASSERT_EQ(d.items.size(), 4u);
}

TEST(feed_parse_rss2, full_item) {
  const auto d = parse_fixture("rss2_full.xml");
  ASSERT_GE(d.items.size(), 1u);
  const item& it = d.items[0];
  EXPECT_EQ(it.id, "wire-2024-0001");
  // The title held escaped markup and a double-escaped ampersand.
  EXPECT_EQ(it.title, "EU adds 12 firms to Russia list & freezes assets");
  EXPECT_EQ(it.link, "https://wire.example/world/2024/06/eu-adds-12-firms");
  EXPECT_EQ(iso(it.published), "2024-06-01T07:30:00Z");
  EXPECT_FALSE(it.updated);
  EXPECT_EQ(it.summary, "The EU added twelve companies.");
  EXPECT_EQ(it.summary_html, "<p>The EU <a href=\"/x\">added</a> twelve companies.</p>");
  EXPECT_EQ(it.content, "Brussels \u2014 the European Union added twelve companies & two banks.");
  EXPECT_NE(it.content_html.find("<script>"), std::string::npos);
  // "email (Name)": the name is the author, the email goes to the details.
  EXPECT_EQ(it.authors, (std::vector<std::string>{"Jane Roe", "Sanctions Desk"}));
  ASSERT_EQ(it.author_details.size(), 2u);
  EXPECT_EQ(it.author_details[1].name, "Sanctions Desk");
  EXPECT_EQ(it.author_details[1].email, "desk@wire.example");
  EXPECT_EQ(it.categories, (std::vector<std::string>{"Sanctions", "Russia"}));
  ASSERT_EQ(it.enclosures.size(), 1u);
  EXPECT_EQ(it.enclosures[0].url, "https://cdn.wire.example/a.mp3");
  EXPECT_EQ(it.enclosures[0].type, "audio/mpeg");
  EXPECT_EQ(it.enclosures[0].length, 12345);
}

TEST(feed_parse_rss2, relative_link_media_and_dc_date) {
  const auto d = parse_fixture("rss2_full.xml");
  ASSERT_GE(d.items.size(), 2u);
  const item& it = d.items[1];
  // Resolved against the channel link, not the (absent) feed URL.
  EXPECT_EQ(it.link, "https://wire.example/world/2024/06/relative-story");
  EXPECT_EQ(it.id, it.link);
  EXPECT_EQ(iso(it.published), "2024-06-02T10:00:00Z");
  EXPECT_EQ(it.summary, "Plain description, no markup.");
  ASSERT_EQ(it.enclosures.size(), 2u);
  EXPECT_EQ(it.enclosures[0].url, "https://cdn.wire.example/v.mp4");
  EXPECT_EQ(it.enclosures[0].type, "video/mp4");
  EXPECT_EQ(it.enclosures[0].length, 999);
  EXPECT_EQ(it.enclosures[1].url, "https://wire.example/img/thumb.jpg");
}

TEST(feed_parse_rss2, guid_permalink_and_hashed_id) {
  const auto d = parse_fixture("rss2_full.xml");
  ASSERT_EQ(d.items.size(), 4u);
  EXPECT_EQ(d.items[2].link, "https://wire.example/world/2024/06/guid-story");
  EXPECT_EQ(d.items[2].id, "https://wire.example/world/2024/06/guid-story");
  EXPECT_EQ(iso(d.items[2].published), "2024-06-03T08:00:00Z");
  const item& h = d.items[3];
  EXPECT_TRUE(h.link.empty());
  EXPECT_TRUE(h.id.starts_with("hash:")) << h.id;
  EXPECT_EQ(h.id.size(), 5u + 16u);
  // Stable across parses, and independent of the date.
  const auto again = parse_fixture("rss2_full.xml");
  EXPECT_EQ(again.items[3].id, h.id);
  std::string moved = fixture("rss2_full.xml");
  moved.replace(moved.find("<title>No id at all</title>"), 0,
                "<pubDate>Tue, 04 Jun 2024 00:00:00 GMT</pubDate>");
  const auto dated = testing::parse_ok(moved);
  ASSERT_EQ(dated.items.size(), 4u);
  EXPECT_EQ(dated.items[3].id, h.id);
}

TEST(feed_parse_rss2, feed_url_is_the_last_base) {
  parse_options o;
  o.url = "https://mirror.example/feeds/x.xml";
  const std::string doc =
      "<rss version=\"2.0\"><channel><title>t</title><item><title>a</title>"
      "<link>../story/1</link></item></channel></rss>";
  const auto d = testing::parse_ok(doc, o);
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].link, "https://mirror.example/story/1");
}

TEST(feed_parse_rss09x, version_091_and_094) {
  const auto a = parse_fixture("rss091.xml");
  EXPECT_EQ(a.feed.format, "rss0.9x");
  EXPECT_EQ(a.feed.title, "Old School Wire");
  ASSERT_EQ(a.items.size(), 1u);
  EXPECT_EQ(a.items[0].title, "Export controls tightened");
  EXPECT_EQ(a.items[0].link, "http://old.example/news/1");
  EXPECT_EQ(a.items[0].summary, "Commerce adds entries to the Entity List.");

  const auto b = parse_fixture("rss094.xml");
  EXPECT_EQ(b.feed.format, "rss0.9x");
  ASSERT_EQ(b.items.size(), 1u);
  EXPECT_EQ(b.items[0].categories, std::vector<std::string>{"Trade"});
  ASSERT_EQ(b.items[0].enclosures.size(), 1u);
  EXPECT_EQ(b.items[0].enclosures[0].length, 2048);
  EXPECT_EQ(iso(b.items[0].published), "2024-06-04T11:05:00Z");
}

TEST(feed_parse_rss090, netscape_rdf) {
  const auto d = parse_fixture("rss090.rdf");
  EXPECT_EQ(d.feed.format, "rss0.9x");
  EXPECT_EQ(d.feed.title, "Netscape-era Wire");
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[1].title, "Second 0.90 item");
  EXPECT_EQ(d.items[1].link, "http://ns.example/2");
}

TEST(feed_parse_rss1, rdf_items_and_modules) {
  const auto d = parse_fixture("rss1.rdf");
  EXPECT_EQ(d.feed.format, "rss1");
  EXPECT_EQ(d.feed.title, "RDF Wire");
  EXPECT_EQ(d.feed.link, "https://rdf.example/");
  EXPECT_EQ(d.feed.id, "https://rdf.example/rss");
  ASSERT_EQ(d.items.size(), 2u);
  const item& a = d.items[0];
  EXPECT_EQ(a.id, "https://rdf.example/a");
  EXPECT_EQ(a.title, "Treasury designates shipping network");
  EXPECT_EQ(a.summary, "OFAC designated five vessels.");
  EXPECT_EQ(a.content, "Full text about five vessels.");
  EXPECT_EQ(iso(a.published), "2024-06-05T08:45:16Z");
  EXPECT_EQ(a.authors, std::vector<std::string>{"RDF Reporter"});
  EXPECT_EQ(a.categories, std::vector<std::string>{"Shipping"});
  EXPECT_EQ(d.items[1].id, "urn:rdf-example:b");
  EXPECT_EQ(d.items[1].link, "https://rdf.example/b/relative");
  EXPECT_EQ(iso(d.items[1].published), "2024-06-06T00:00:00Z");
}

TEST(feed_parse_atom1, feed_and_entries) {
  const auto d = parse_fixture("atom1.xml");
  EXPECT_EQ(d.feed.format, "atom1");
  EXPECT_EQ(d.feed.title, "Atom Wire");
  EXPECT_EQ(d.feed.description, "Export control news");
  EXPECT_EQ(d.feed.id, "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6");
  EXPECT_EQ(d.feed.link, "https://atom.example/blog/");
  ASSERT_EQ(d.items.size(), 3u);

  const item& a = d.items[0];
  EXPECT_EQ(a.id, "tag:atom.example,2024:1");
  EXPECT_EQ(a.title, "BIS adds entities & more");
  EXPECT_EQ(a.link, "https://atom.example/blog/2024/06/bis-adds");  // rel=alternate, not edit
  EXPECT_EQ(iso(a.published), "2024-06-07T14:00:00Z");
  EXPECT_EQ(iso(a.updated), "2024-06-07T12:00:00Z");
  EXPECT_EQ(a.summary, "Plain <summary> text with spaces");  // type=text: no markup stripping
  EXPECT_TRUE(a.content.starts_with("The Bureau added 3")) << a.content;
  EXPECT_TRUE(a.content.ends_with("entities.\nSecond paragraph.")) << a.content;
  EXPECT_EQ(a.content_html,
            "<p>The <b>Bureau</b> added 3\u00a0entities.</p><p>Second paragraph.</p>");
  // The term is the category (the label "Export controls" is only its display name).
  EXPECT_EQ(a.categories, (std::vector<std::string>{"export-controls", "china"}));
  EXPECT_EQ(a.authors, std::vector<std::string>{"Feed Author"});  // inherited
  ASSERT_EQ(a.enclosures.size(), 1u);
  EXPECT_EQ(a.enclosures[0].url, "https://atom.example/blog/audio/1.mp3");
  EXPECT_EQ(a.enclosures[0].length, 1337);
}

TEST(feed_parse_atom1, nested_xml_base) {
  const auto d = parse_fixture("atom1.xml");
  ASSERT_EQ(d.items.size(), 3u);
  EXPECT_EQ(d.items[1].link, "https://other.example/base/story?id=2");
  EXPECT_EQ(d.items[1].authors, std::vector<std::string>{"Entry Author"});
  EXPECT_EQ(d.items[1].content, "HTML & content");
  EXPECT_EQ(d.items[2].link, "https://atom.example/blog/deep/page.html");
}

TEST(feed_parse_atom1, matches_by_namespace_not_prefix) {
  const auto d = parse_fixture("atom1_prefixed.xml");
  EXPECT_EQ(d.feed.format, "atom1");
  EXPECT_EQ(d.feed.title, "Prefixed Atom");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].id, "urn:prefixed:1");
  EXPECT_EQ(d.items[0].title, "Prefixed entry");
  EXPECT_EQ(d.items[0].link, "https://prefixed.example/1");
  EXPECT_EQ(d.items[0].content_html,
            "<p>Prefixed <i>xhtml</i> body</p><ul><li>one</li><li>two</li></ul>");
  EXPECT_NE(d.items[0].content.find("Prefixed xhtml body"), std::string::npos)
      << d.items[0].content;
}

TEST(feed_parse_atom03, legacy_elements) {
  const auto d = parse_fixture("atom03.xml");
  EXPECT_EQ(d.feed.format, "atom0.3");
  EXPECT_EQ(d.feed.title, "Atom 0.3 Wire");
  EXPECT_EQ(d.feed.description, "Legacy Atom");
  EXPECT_EQ(d.feed.link, "http://atom03.example/");
  ASSERT_EQ(d.items.size(), 1u);
  const item& e = d.items[0];
  EXPECT_EQ(e.link, "http://atom03.example/2005/07/entry");
  EXPECT_EQ(iso(e.published), "2005-07-31T12:29:29Z");
  EXPECT_EQ(iso(e.updated), "2005-07-31T12:29:29Z");
  EXPECT_EQ(e.content, "Escaped HTML content");
  EXPECT_EQ(e.summary, "Short summary");
  EXPECT_EQ(e.authors, std::vector<std::string>{"Old Author"});
}

TEST(feed_parse_json_feed, version_1_1) {
  const auto d = parse_fixture("jsonfeed_11.json");
  EXPECT_EQ(d.feed.format, "json1");
  EXPECT_EQ(d.feed.title, "JSON Wire");
  EXPECT_EQ(d.feed.link, "https://json.example/");
  EXPECT_EQ(d.feed.id, "https://json.example/feed.json");
  ASSERT_EQ(d.items.size(), 2u);
  const item& a = d.items[0];
  EXPECT_EQ(a.id, "json-1");
  EXPECT_EQ(a.title, "UK sanctions & four banks");
  EXPECT_EQ(a.content, "The UK sanctioned four banks \u2014 today.");
  EXPECT_EQ(a.summary, "Four banks.");
  EXPECT_EQ(iso(a.published), "2024-06-11T08:00:00Z");
  EXPECT_EQ(iso(a.updated), "2024-06-11T10:00:00Z");
  EXPECT_EQ(a.authors, std::vector<std::string>{"Desk One"});
  EXPECT_EQ(a.categories, (std::vector<std::string>{"UK", "Banks"}));
  ASSERT_EQ(a.enclosures.size(), 1u);
  EXPECT_EQ(a.enclosures[0].url, "https://json.example/files/list.pdf");
  EXPECT_EQ(a.enclosures[0].length, 4096);
  const item& b = d.items[1];
  EXPECT_EQ(b.id, "42");
  EXPECT_EQ(b.link, "https://elsewhere.example/x");
  EXPECT_EQ(b.content, "Plain text content");
  EXPECT_EQ(b.authors, std::vector<std::string>{"Feed Person"});
  EXPECT_FALSE(b.published);
  EXPECT_TRUE(testing::has_warning(d, "not a date")) << testing::all_warnings(d);
}

TEST(feed_parse_json_feed, version_1_0) {
  const auto d = parse_fixture("jsonfeed_10.json");
  EXPECT_EQ(d.feed.format, "json1");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].content, "Body A");
  EXPECT_EQ(d.items[0].authors, std::vector<std::string>{"Solo Author"});
}

TEST(feed_parse_json_feed, truncated_keeps_complete_items) {
  const auto d = parse_fixture("jsonfeed_truncated.json");
  ASSERT_GE(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "Whole item");
  EXPECT_TRUE(testing::has_warning(d, "ill-formed JSON")) << testing::all_warnings(d);
}

TEST(feed_parse_extensions, undeclared_conventional_prefixes) {
  const auto d = parse_fixture("undeclared_prefix.xml");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].authors, std::vector<std::string>{"Nobody Declared"});
  EXPECT_EQ(iso(d.items[0].published), "2024-06-12T00:00:00Z");
}

TEST(feed_parse_extensions, unescaped_html_in_description) {
  const auto d = parse_fixture("unescaped_html.xml");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].summary_html,
            "<p>First <b>bold</b> para.</p><p>Second para &amp; more.</p>");
  EXPECT_EQ(d.items[0].summary, "First bold para.\nSecond para & more.");
}

TEST(feed_parse_sample, bundled_sample_feed) {
  std::ifstream in(std::string(SANCTWATCH_SOURCE_DIR) + "/config/sample-feed.xml",
                   std::ios::binary);
  if (!in) GTEST_SKIP() << "no sample feed";
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto d = testing::parse_ok(bytes);
  EXPECT_EQ(d.feed.title, "sanctwatch sample wire");
  // No <ttl>: it would slow polling below the one minute the README promises.
  EXPECT_FALSE(d.feed.ttl_minutes.has_value());
  ASSERT_EQ(d.items.size(), 6u);
  EXPECT_EQ(d.items[0].id, "sample-0001");
  EXPECT_NE(d.items[0].content.find("Beijing\u2019s backing"), std::string::npos);
}

}  // namespace
}  // namespace sanctwatch::feed

namespace sanctwatch::feed {
namespace {

TEST(feed_parse_extensions, media_description_and_title_fallbacks) {
  const auto d = testing::parse_ok(
      "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><item>"
      "<media:title>Media title</media:title><media:description>Media &lt;b&gt;text&lt;/b&gt;"
      "</media:description><link>https://m.example/1</link></item></channel></rss>");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "Media title");
  EXPECT_EQ(d.items[0].summary, "Media text");
}

TEST(feed_parse_atom1, content_src_and_missing_namespace) {
  const auto d = testing::parse_ok(
      "<feed><title>No ns</title><entry><title>E</title><id>e1</id>"
      "<content src=\"https://src.example/doc\" type=\"text/html\"/></entry></feed>");
  EXPECT_EQ(d.feed.format, "atom1");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].link, "https://src.example/doc");
}

TEST(feed_parse_json_feed, without_version_but_with_items) {
  const auto d =
      testing::parse_ok("{\"title\": \"T\", \"items\": [{\"id\": \"1\", \"title\": \"x\"}]}");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_TRUE(testing::has_warning(d, "without a jsonfeed.org version"));
}

TEST(feed_parse_rss2, explicit_permalink_guid_is_resolved) {
  parse_options o;
  o.url = "https://base.example/feeds/a.xml";
  const auto d = testing::parse_ok(
      "<rss version=\"2.0\"><channel><item><title>x</title>"
      "<guid isPermaLink=\"true\">/2024/p</guid></item></channel></rss>",
      o);
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].link, "https://base.example/2024/p");
  EXPECT_EQ(d.items[0].id, "/2024/p");
}

}  // namespace
}  // namespace sanctwatch::feed
