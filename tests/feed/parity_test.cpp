// Behaviours feedparser has and sanctwatch matches (issue 20): base64 content, Dublin Core,
// author details, content extensions, outdated Atom namespaces, DTD entities, windows-1252
// behind Latin-1 labels, category terms, IRI bases. Every feed here is written for this file.
#include <gtest/gtest.h>

#include <string>

#include "feed/parse.hpp"
#include "feed_fixture.hpp"

namespace sanctwatch::feed {
namespace {

using testing::all_warnings;
using testing::has_warning;
using testing::parse_ok;

// "Sanctions widened" and "<p>Twelve <b>firms</b> listed.</p>" in base64.
constexpr const char* b64_title = "U2FuY3Rpb25zIHdpZGVuZWQ=";
constexpr const char* b64_html = "PHA+VHdlbHZlIDxiPmZpcm1zPC9iPiBsaXN0ZWQuPC9wPg==";

TEST(feed_parity_base64, atom03_mode_base64) {
  const auto d = parse_ok(std::string(R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#">
  <title mode="base64">)") +
                          b64_title + R"(</title>
  <entry><id>tag:a,2024:1</id>
    <title type="text/plain" mode="base64">)" +
                          b64_title + R"(</title>
    <summary type="text/html" mode="base64">)" +
                          b64_html + R"(</summary>
    <content type="text/html" mode="base64">
      )" + b64_html + R"(
    </content>
  </entry></feed>)");
  EXPECT_EQ(d.feed.format, "atom0.3");
  EXPECT_EQ(d.feed.title, "Sanctions widened");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "Sanctions widened");
  EXPECT_EQ(d.items[0].summary, "Twelve firms listed.");
  EXPECT_EQ(d.items[0].content, "Twelve firms listed.");
  EXPECT_EQ(d.items[0].content_html, "<p>Twelve <b>firms</b> listed.</p>");
}

TEST(feed_parity_base64, atom10_other_media_type_is_base64) {
  const auto d = parse_ok(std::string(R"(<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="application/octet-stream">)") +
                          b64_title + R"(</title>
  <entry><id>e1</id><title>T</title>
    <content type="application/x-custom">)" +
                          b64_html + R"(</content>
    <summary type="text/plain">)" +
                          b64_title + R"(</summary></entry>
  <entry><id>e2</id><title>Image</title><content type="image/png">iVBORw0KGgo=</content></entry>
  </feed>)");
  EXPECT_EQ(d.feed.title, "Sanctions widened");
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].content, "Twelve firms listed.");
  EXPECT_EQ(d.items[0].summary, b64_title);  // text/* is never base64
  EXPECT_EQ(d.items[1].content, "");         // an image is no text
}

TEST(feed_parity_base64, rss_elements_with_mode_base64) {
  const auto d = parse_ok(std::string(R"(<rss version="2.0"><channel>
  <title mode="base64">)") +
                          b64_title + R"(</title>
  <item><guid>1</guid><title mode="base64">)" +
                          b64_title + R"(</title>
    <description mode="base64">)" +
                          b64_html + R"(</description></item>
  <item><guid>2</guid><title mode="base64">not base64!</title></item>
  </channel></rss>)");
  EXPECT_EQ(d.feed.title, "Sanctions widened");
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].title, "Sanctions widened");
  EXPECT_EQ(d.items[0].summary, "Twelve firms listed.");
  EXPECT_EQ(d.items[1].title, "not base64!");  // not base64 after all: read as it is
}

TEST(feed_parity_dc, channel_title_and_authors) {
  const auto d = parse_ok(R"(<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel><dc:title>Trade Desk Wire</dc:title><dc:description>Daily</dc:description>
  <item><guid>1</guid><title>A</title><dc:creator>Maria Lindqvist (maria@wire.example)</dc:creator></item>
  <item><guid>2</guid><title>B</title><dc:author>ops@wire.example (Night Desk)</dc:author></item>
  <item><guid>3</guid><title>C</title><author>Ken Ito &lt;ken@wire.example&gt;</author></item>
  <item><guid>4</guid><title>D</title><author>alerts@wire.example</author><dc:creator>Plain Name</dc:creator></item>
  </channel></rss>)");
  EXPECT_EQ(d.feed.title, "Trade Desk Wire");
  EXPECT_EQ(d.feed.description, "Daily");
  ASSERT_EQ(d.items.size(), 4u);
  EXPECT_EQ(d.items[0].authors, std::vector<std::string>{"Maria Lindqvist"});
  ASSERT_EQ(d.items[0].author_details.size(), 1u);
  EXPECT_EQ(d.items[0].author_details[0].email, "maria@wire.example");
  EXPECT_EQ(d.items[1].authors, std::vector<std::string>{"Night Desk"});
  EXPECT_EQ(d.items[1].author_details.at(0).email, "ops@wire.example");
  EXPECT_EQ(d.items[2].authors, std::vector<std::string>{"Ken Ito"});
  EXPECT_EQ(d.items[2].author_details.at(0).email, "ken@wire.example");
  // An email alone is the author; a plain name has no email.
  EXPECT_EQ(d.items[3].authors, (std::vector<std::string>{"alerts@wire.example", "Plain Name"}));
  ASSERT_EQ(d.items[3].author_details.size(), 2u);
  EXPECT_EQ(d.items[3].author_details[0].name, "");
  EXPECT_EQ(d.items[3].author_details[0].email, "alerts@wire.example");
  EXPECT_EQ(d.items[3].author_details[1].name, "Plain Name");
  EXPECT_EQ(d.items[3].author_details[1].email, "");
}

TEST(feed_parity_dc, rss_title_wins_over_dc_title) {
  const auto d = parse_ok(R"(<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel><dc:title>DC</dc:title><title>RSS</title></channel></rss>)");
  EXPECT_EQ(d.feed.title, "RSS");
}

TEST(feed_parity_authors, atom_author_keeps_email_and_uri) {
  const auto d =
      parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://wire.example/">
  <author><name>Feed Desk</name><email>desk@wire.example</email></author>
  <entry><id>1</id><title>A</title>
    <author><name>Ana Costa</name><email>ana@wire.example</email><uri>/ana</uri></author></entry>
  <entry><id>2</id><title>B</title></entry>
  </feed>)");
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[0].authors, std::vector<std::string>{"Ana Costa"});
  ASSERT_EQ(d.items[0].author_details.size(), 1u);
  EXPECT_EQ(d.items[0].author_details[0].email, "ana@wire.example");
  EXPECT_EQ(d.items[0].author_details[0].uri, "http://wire.example/ana");
  EXPECT_EQ(d.items[1].authors, std::vector<std::string>{"Feed Desk"});  // inherited
  EXPECT_EQ(d.items[1].author_details.at(0).email, "desk@wire.example");
}

TEST(feed_parity_content, xhtml_body_body_and_fullitem) {
  const auto d = parse_ok(R"(<rss version="2.0" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <channel><title>T</title>
  <item><guid>1</guid><title>A</title><xhtml:body><xhtml:p>Ports <xhtml:b>closed</xhtml:b>.</xhtml:p></xhtml:body></item>
  <item><guid>2</guid><title>B</title><body xmlns="http://www.w3.org/1999/xhtml"><p>Fleet listed.</p></body></item>
  <item><guid>3</guid><title>C</title><body><p>Bare body.</p></body></item>
  <item><guid>4</guid><title>D</title><fullitem>&lt;p&gt;Full &lt;i&gt;text&lt;/i&gt;.&lt;/p&gt;</fullitem></item>
  </channel></rss>)");
  ASSERT_EQ(d.items.size(), 4u);
  EXPECT_EQ(d.items[0].content_html, "<p>Ports <b>closed</b>.</p>");
  EXPECT_EQ(d.items[0].content, "Ports closed.");
  EXPECT_EQ(d.items[1].content, "Fleet listed.");
  EXPECT_EQ(d.items[2].content, "Bare body.");
  EXPECT_EQ(d.items[3].content, "Full text.");
  EXPECT_EQ(d.items[3].content_html, "<p>Full <i>text</i>.</p>");
}

TEST(feed_parity_content, summary_beside_description) {
  const auto d = parse_ok(R"(<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
  <item><guid>1</guid><title>A</title><description>The long story.</description>
    <summary>Short.</summary></item>
  <item><guid>2</guid><title>B</title><atom:summary>Brief.</atom:summary>
    <description>Whole text.</description></item>
  <item><guid>3</guid><title>C</title><description>Desc.</description><summary>Sum.</summary>
    <content:encoded>Encoded.</content:encoded></item>
  <item><guid>4</guid><title>D</title><description>Only a description.</description></item>
  </channel></rss>)");
  ASSERT_EQ(d.items.size(), 4u);
  EXPECT_EQ(d.items[0].summary, "Short.");
  EXPECT_EQ(d.items[0].content, "The long story.");
  EXPECT_EQ(d.items[1].summary, "Brief.");
  EXPECT_EQ(d.items[1].content, "Whole text.");
  EXPECT_EQ(d.items[2].summary, "Sum.");
  EXPECT_EQ(d.items[2].content, "Encoded.");  // content:encoded stays the content
  EXPECT_EQ(d.items[3].summary, "Only a description.");
  EXPECT_EQ(d.items[3].content, "");
}

TEST(feed_parity_atom_ns, outdated_draft_and_unknown_namespaces) {
  const char* entry = R"(<title>Feed</title><entry><id>urn:x:1</id><title>Entry</title>
    <link href="http://wire.example/1"/><summary>Sum</summary>
    <author><name>Desk</name></author><category term="trade"/></entry>)";
  for (const std::string open :
       {R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#">)",
        R"(<feed xmlns="http://purl.org/atom/ns#draft-ietf-atompub-format-08">)",
        R"(<feed xmlns="http://purl.org/atom/ns#draft-ietf-atompub-format-11">)",
        R"(<feed xmlns="http://example.com/newfangled/atom">)",
        R"(<a:feed xmlns:a="http://example.com/newfangled/atom">)", R"(<feed version="0.3">)"}) {
    std::string doc = open + entry + (open.starts_with("<a:") ? "</a:feed>" : "</feed>");
    if (open.starts_with("<a:")) {
      // Every element in the prefixed namespace.
      doc = open + R"(<a:title>Feed</a:title><a:entry><a:id>urn:x:1</a:id><a:title>Entry</a:title>
        <a:link href="http://wire.example/1"/><a:summary>Sum</a:summary>
        <a:author><a:name>Desk</a:name></a:author><a:category term="trade"/></a:entry></a:feed>)";
    }
    SCOPED_TRACE(open);
    const auto d = parse_ok(doc);
    EXPECT_EQ(d.feed.title, "Feed");
    ASSERT_EQ(d.items.size(), 1u);
    EXPECT_EQ(d.items[0].id, "urn:x:1");
    EXPECT_EQ(d.items[0].title, "Entry");
    EXPECT_EQ(d.items[0].link, "http://wire.example/1");
    EXPECT_EQ(d.items[0].summary, "Sum");
    EXPECT_EQ(d.items[0].authors, std::vector<std::string>{"Desk"});
    EXPECT_EQ(d.items[0].categories, std::vector<std::string>{"trade"});
  }
  EXPECT_EQ(parse_ok(R"(<feed version="0.3"><title>x</title></feed>)").feed.format, "atom0.3");
}

TEST(feed_parity_category, term_is_the_category_label_its_display_name) {
  const auto d =
      parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>A</title>
    <category term="sanctions/ru" scheme="http://wire.example/tags" label="Russia sanctions"/>
    <category label="Only a label"/></entry></feed>)");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].categories, (std::vector<std::string>{"sanctions/ru", "Only a label"}));
}

TEST(feed_parity_entities, internal_dtd_entities_expand) {
  const auto d = parse_ok(R"(<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY id "tag:wire.example,">
  <!ENTITY year '2024'>
  <!ENTITY full "&id;&year;:">
  <!ENTITY co "Ace &amp; Sons <Ltd>">
  <!ENTITY % param "ignored">
]>
<rss version="2.0"><channel><title>T</title>
<item><guid>&full;42</guid><title>&co; listed</title><description>&co;</description>
  <link>http://wire.example/&year;/42</link></item>
</channel></rss>)");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].id, "tag:wire.example,2024:42");
  // Its replacement text is character data, as if written "Ace &amp; Sons &lt;Ltd&gt;":
  // markup in it is what HTML in any RSS field is.
  EXPECT_EQ(d.items[0].summary_html, "Ace & Sons <Ltd>");
  EXPECT_EQ(d.items[0].title, "Ace & Sons listed");
  EXPECT_EQ(d.items[0].link, "http://wire.example/2024/42");
  EXPECT_FALSE(has_warning(d, "unexpanded")) << all_warnings(d);
}

TEST(feed_parity_entities, nesting_is_capped_at_eight_levels) {
  // e0 is "x"; each e<k> refers to e<k-1>. e6 needs 7 levels, e12 needs 13.
  std::string dtd = "<!DOCTYPE rss [<!ENTITY e0 \"x\">";
  for (int k = 1; k <= 12; ++k)
    dtd += "<!ENTITY e" + std::to_string(k) + " \"&e" + std::to_string(k - 1) + ";\">";
  // And a loop, which only the cap ends.
  dtd += "<!ENTITY ping \"&pong;\"><!ENTITY pong \"&ping;\">]>";
  const auto d = parse_ok(dtd + R"(<rss version="2.0"><channel><title>T</title>
    <item><guid>1</guid><title>[&e6;] [&e12;] [&ping;]</title></item></channel></rss>)");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "[x] [&e12;] [&ping;]");
  EXPECT_TRUE(has_warning(d, "left 2 entity reference(s) unexpanded")) << all_warnings(d);
}

}  // namespace
}  // namespace sanctwatch::feed

namespace sanctwatch::feed {
namespace {

using testing::parse_ok;

TEST(feed_parity_charset, latin1_label_means_windows_1252) {
  for (const std::string label : {"ISO-8859-1", "iso-8859-1", "latin1", "iso_8859-1:1987", "cp819",
                                  "l1", "us-ascii", "csisolatin1", "iso-ir-100", "ibm819"}) {
    SCOPED_TRACE(label);
    const auto d = parse_ok("<?xml version=\"1.0\" encoding=\"" + label +
                            "\"?><rss version=\"2.0\"><channel><title>T</title><item><guid>1"
                            "</guid><title>don\x92t \x93quote\x94 caf\xe9 \x80 \x81</title></item>"
                            "</channel></rss>");
    ASSERT_EQ(d.items.size(), 1u);
    // 0x81 is unassigned in windows-1252: WHATWG maps it to U+0081.
    EXPECT_EQ(d.items[0].title, "don\u2019t \u201cquote\u201d caf\u00e9 \u20ac \xc2\x81");
  }
  // The HTTP charset says Latin-1 too.
  parse_options o;
  o.content_type = "application/rss+xml; charset=ISO-8859-1";
  const auto d =
      parse_ok("<rss version=\"2.0\"><channel><title>It\x92s</title></channel></rss>", o);
  EXPECT_EQ(d.feed.title, "It\u2019s");
}

TEST(feed_parity_iri, xml_base_with_a_non_ascii_host) {
  const auto d = parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom"
      xml:base="http://例え.テスト/新聞/">
    <link href="index.html"/>
    <entry xml:base="http://bücher.example/katalog/"><id>1</id><title>A</title>
      <link href="../neu?x=ü#teil"/></entry>
    <entry><id>2</id><title>B</title><link href="/top"/></entry>
    <entry><id>3</id><title>C</title><link href="//bücher.example/x"/></entry>
  </feed>)");
  EXPECT_EQ(d.feed.link, "http://例え.テスト/新聞/index.html");
  ASSERT_EQ(d.items.size(), 3u);
  EXPECT_EQ(d.items[0].link, "http://bücher.example/neu?x=ü#teil");
  EXPECT_EQ(d.items[1].link, "http://例え.テスト/top");
  EXPECT_EQ(d.items[2].link, "http://bücher.example/x");

  // RSS: xml:base on the channel and on an item, a port, a Latin-1 document.
  const auto r = parse_ok(
      "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\" "
      "xml:base=\"http://\xe9t\xe9.example:8080/a/b/\"><channel><title>T</title>"
      "<link>../chan</link><item xml:base=\"https://m\xfcnchen.example/news/\"><guid>1</guid>"
      "<link>story?id=7</link></item><item><guid>2</guid><link>x</link></item></channel></rss>");
  EXPECT_EQ(r.feed.link, "http://été.example:8080/a/chan");
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].link, "https://münchen.example/news/story?id=7");
  EXPECT_EQ(r.items[1].link, "http://été.example:8080/a/x");

  // The host written with character references, and a base without a path.
  const auto c = parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom"
      xml:base="http://&#x65E5;&#x672C;.example"><entry><id>1</id><title>A</title>
      <link href="kiji/1"/></entry></feed>)");
  ASSERT_EQ(c.items.size(), 1u);
  EXPECT_EQ(c.items[0].link, "http://日本.example/kiji/1");
}

}  // namespace
}  // namespace sanctwatch::feed
