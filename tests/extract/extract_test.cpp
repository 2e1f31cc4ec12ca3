// The extractor's parts on small inline pages: charsets, cleaning, selection, metadata.
#include <gtest/gtest.h>

#include <string>

#include "core/time.hpp"
#include "extract/dom.hpp"
#include "extract/encoding.hpp"
#include "extract/extract.hpp"
#include "extract/metadata.hpp"

namespace sanctwatch::extract {
namespace {

const char* k_para =
    "The Treasury designated three shipping companies on Tuesday, accusing them of moving oil "
    "for a sanctioned state producer, and warned insurers that further action would follow.";

std::string page(const std::string& head, const std::string& body) {
  return "<!DOCTYPE html><html><head>" + head + "</head><body>" + body + "</body></html>";
}

std::string paras(int n, const std::string& tag = "p") {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += "<" + tag + ">" + k_para + " (" + std::to_string(i) + ")</" + tag + ">";
  return out;
}

article must(const std::string& html, const extract_options& o = {}) {
  auto r = extract(html, o);
  EXPECT_TRUE(r) << r.err().message;
  return r ? *r : article{};
}

// --- charsets ------------------------------------------------------------------------------

TEST(Charset, MetaCharsetAndHttpEquiv) {
  EXPECT_EQ(meta_charset("<meta charset=\"KOI8-R\">").first, "koi8-r");
  EXPECT_EQ(meta_charset("<meta charset=\"KOI8-R\">").second, "meta charset");
  auto he =
      meta_charset("<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=windows-1251'>");
  EXPECT_EQ(he.first, "windows-1251");
  EXPECT_EQ(he.second, "meta http-equiv");
  EXPECT_EQ(meta_charset("<!-- <meta charset=koi8-r> --><meta charset=utf-8>").first, "utf-8");
  EXPECT_EQ(meta_charset("<meta charset=utf-16>").first, "utf-8");  // markup cannot be UTF-16
  EXPECT_EQ(meta_charset("<meta charset=iso-8859-1>").first, "windows-1252");
  EXPECT_EQ(meta_charset("<metadata charset=koi8-r>").first, "");
}

TEST(Charset, PrecedenceBomOptionMetaDefault) {
  const std::string cp1251 =
      "<meta charset=windows-1251><p>\xcf\xf0\xe8\xe2\xe5\xf2</p>";  // Привет
  auto meta = decode_page(cp1251, "");
  EXPECT_EQ(meta.charset, "windows-1251");
  EXPECT_NE(meta.utf8.find("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"), std::string::npos);
  EXPECT_EQ(decode_page(cp1251, "text/html").charset, "windows-1251");  // no charset= in it
  auto option = decode_page(cp1251, "text/html; charset=KOI8-R");
  EXPECT_EQ(option.charset, "koi8-r");
  EXPECT_EQ(option.source, "option");
  auto bom = decode_page("\xef\xbb\xbf<meta charset=koi8-r>caf\xc3\xa9", "windows-1251");
  EXPECT_EQ(bom.charset, "utf-8");
  EXPECT_EQ(bom.source, "bom");
  EXPECT_EQ(bom.utf8, "<meta charset=koi8-r>caf\xc3\xa9");
  auto undeclared = decode_page("caf\xe9 cr\xe8me", "");
  EXPECT_EQ(undeclared.charset, "windows-1252");
  EXPECT_EQ(undeclared.utf8, "caf\xc3\xa9 cr\xc3\xa8me");
  EXPECT_EQ(decode_page("caf\xc3\xa9", "").source, "default");
  auto unknown = decode_page("<meta charset=x-no-such>abc", "");
  EXPECT_FALSE(unknown.note.empty());
  EXPECT_EQ(unknown.utf8, "<meta charset=x-no-such>abc");
}

TEST(Charset, Utf16WithBom) {
  const std::string utf16le("\xff\xfe<\0p\0>\0A\0\xe9\0<\0/\0p\0>\0", 20);
  auto d = decode_page(utf16le, "");
  EXPECT_EQ(d.charset, "utf-16le");
  EXPECT_EQ(d.utf8, "<p>A\xc3\xa9</p>");
}

TEST(Charset, ExtractReportsItsCharsetDecision) {
  auto a =
      must("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"><p>" +
           std::string(k_para) + "</p>");
  EXPECT_EQ(a.why.charset, "windows-1251");
  EXPECT_EQ(a.why.charset_source, "meta http-equiv");
}

// --- the parse -----------------------------------------------------------------------------

TEST(Dom, EveryKnownTagIsFound) {
  for (const char* name :
       {"a",     "abbr",       "article",  "aside",  "blockquote", "body",   "br",
        "div",   "figcaption", "footer",   "h1",     "h6",         "header", "main",
        "nav",   "noscript",   "p",        "script", "section",    "span",   "svg",
        "table", "td",         "template", "time",   "ul",         "video",  "wbr"}) {
    const tag t = tag_of(name);
    EXPECT_NE(t, tag::other) << name;
  }
  EXPECT_EQ(tag_of("amp-img"), tag::other);
  EXPECT_EQ(tag_of(""), tag::other);
}

TEST(Dom, PathsNameIdsAndClasses) {
  const document d = parse_html(
      "<html><body><div id=main><article class=\"story lead  big\"><p>x</p></article></div>"
      "<my-widget>y</my-widget></body></html>",
      {});
  std::uint32_t p = 0, w = 0;
  for (std::uint32_t i = 0; i < d.nodes.size(); ++i) {
    if (d.is_element(i) && d.nodes[i].name == tag::p) p = i;
    if (d.is_element(i) && d.tag_name(i) == "my-widget") w = i;
  }
  EXPECT_EQ(d.path(p), "html>body>div#main>article.story.lead>p");
  EXPECT_EQ(d.path(w), "html>body>my-widget");
}

// --- what is dropped -----------------------------------------------------------------------

TEST(Clean, HiddenElementsAreDropped) {
  auto a =
      must(page("", "<article>" + paras(3) +
                        "<p hidden>hidden attribute</p>"
                        "<p aria-hidden=\"true\">aria hidden</p>"
                        "<p style=\"color: red; DISPLAY : none\">display none</p>"
                        "<p style=\"visibility:hidden\">visibility hidden</p>"
                        "<p><a href=x>visible <span class=\"usa-sr-only\">screen reader</span></a> "
                        "words of prose around the link to keep it</p></article>"));
  const std::string t = a.text();
  for (const char* gone :
       {"hidden attribute", "aria hidden", "display none", "visibility hidden", "screen reader"})
    EXPECT_EQ(t.find(gone), std::string::npos) << gone;
  EXPECT_NE(t.find("visible words of prose"), std::string::npos) << t;
}

TEST(Clean, BoilerplateByTagClassAndRole) {
  auto a = must(page("",
                     "<div id=cookie-notice>We use cookies to improve your experience here.</div>"
                     "<nav>Home News World</nav>"
                     "<div class=\"story-body\">" +
                         paras(4) +
                         "<div class=\"share-tools\">Share on Facebook</div>"
                         "<div class=\"newsletter-signup\">Sign up for our newsletter today.</div>"
                         "<div id=\"div-gpt-ad-1\">Ad slot text</div></div>"
                         "<div role=\"complementary\">Sidebar words here</div>"
                         "<section class=\"comments\">" +
                         paras(8) + "</section>"));
  const std::string t = a.text();
  for (const char* gone :
       {"We use cookies", "Home News", "Share on", "newsletter", "Ad slot", "Sidebar"})
    EXPECT_EQ(t.find(gone), std::string::npos) << gone;
  // the comments held more text than the story and were still left out
  EXPECT_EQ(a.paragraphs.size(), 4u) << t;
}

TEST(Clean, FurnitureClassesAroundTheWholePageAreNotDropped) {
  // A misnamed wrapper ("layout with sidebar") holding everything is not furniture.
  auto a = must(
      page("", "<div class=\"sidebar-layout\"><div class=\"col\">" + paras(5) + "</div></div>"));
  EXPECT_EQ(a.paragraphs.size(), 5u);
  auto b = must(page("", "<div class=\"has-comments\">" + paras(5) + "</div>"));
  EXPECT_EQ(b.paragraphs.size(), 5u);
}

TEST(Clean, CustomElementsAreReadLikeClasses) {
  auto a = must(
      page("", "<main>" + paras(3) +
                   "<amp-ad width=300><div>Buy now, sale ends soon</div></amp-ad>"
                   "<amp-social-share type=x>Share it</amp-social-share><amp-img src=x></amp-img>"
                   "<story-paragraph>" +
                   std::string(k_para) + " Custom.</story-paragraph></main>"));
  EXPECT_EQ(a.text().find("Buy now"), std::string::npos);
  EXPECT_EQ(a.text().find("Share it"), std::string::npos);
  EXPECT_NE(a.text().find("Custom."), std::string::npos);
}

TEST(Clean, PullQuotesRepeatTheTextButFloatsDoNot) {
  auto a = must(page("", "<article>" + paras(3) +
                             "<blockquote class=\"pull-quote\">Repeated words</blockquote>"
                             "<div class=\"pull-right\"><p>" +
                             std::string(k_para) + " Float.</p></div></article>"));
  EXPECT_EQ(a.text().find("Repeated words"), std::string::npos);
  EXPECT_NE(a.text().find("Float."), std::string::npos);
}

// --- which container -----------------------------------------------------------------------

TEST(Select, SiblingsWithTheSameClassJoinTheBestContainer) {
  auto a = must(page("", "<div id=wrap><div class=\"body-part\">" + paras(4) +
                             "</div><div class=\"related-links\"><a href=x>Other story one</a>"
                             "<a href=y>Other story two</a></div><div class=\"body-part\">" +
                             paras(2) + "</div><div class=x><a href=z>Privacy</a></div></div>"));
  EXPECT_EQ(a.paragraphs.size(), 6u) << a.text();
  EXPECT_EQ(a.why.siblings.size(), 1u);
  EXPECT_EQ(a.why.chosen.path, "html>body>div#wrap>div.body-part");
  EXPECT_EQ(a.why.method, "score");
}

TEST(Select, ArticleElementIsPreferredOverTeaserCards) {
  std::string cards;
  for (int i = 0; i < 6; ++i)
    cards += "<article class=card><h3><a href=x>Teaser</a></h3><p>" + std::string(k_para) +
             "</p></article>";
  auto a = must(page("", "<article class=main><h1>The story</h1><p>" + std::string(k_para) +
                             "</p><p>Second paragraph of the story, short.</p></article><section>" +
                             cards + "</section>"));
  EXPECT_EQ(a.why.method, "article element with the headline");
  EXPECT_EQ(a.paragraphs.size(), 2u) << a.text();
  EXPECT_FALSE(a.why.runners_up.empty());
}

TEST(Select, JsonLdArticleBodyReplacesAnEmptyShell) {
  const std::string ld =
      R"({"@type":"NewsArticle","headline":"H","articleBody":"First paragraph of the
 body, long enough to count as an article for the extractor to trust it over the markup.\n\nSecond paragraph, which also has to be long enough, so here are some more words about sanctions."})";
  auto a = must(page("<script type=\"application/ld+json\">" + ld + "</script>",
                     "<div id=root>Loading…</div>"));
  EXPECT_EQ(a.why.method, "json-ld articleBody");
  ASSERT_EQ(a.paragraphs.size(), 2u);
  EXPECT_EQ(a.paragraphs[0].substr(0, 15), "First paragraph");
}

TEST(Select, TextInBrSeparatedLines) {
  auto a = must(page("", "<table><tr><td><a href=/>Home</a><br><a href=/n>News</a></td><td><font>" +
                             std::string(k_para) + "<br><br>" + k_para + "<br>" + k_para +
                             "</font></td></tr></table>"));
  EXPECT_EQ(a.paragraphs.size(), 3u) << a.text();
}

TEST(Select, EmptyBodyHasNoText) {
  auto a = must(page("<title>T</title>", ""));
  EXPECT_TRUE(a.paragraphs.empty());
  EXPECT_EQ(a.title, "T");
}

// --- rendering -----------------------------------------------------------------------------

TEST(Render, ParagraphStructureAndWhitespace) {
  auto a =
      must(page("", "<article><h1>Headline</h1><p>" + std::string(k_para) +
                        "</p><h2>A  subhead</h2><p>Line with\n  <b>bold</b>&nbsp;and <i>it</i>alic "
                        "&amp; entities&hellip;</p><ul><li>item one</li><li>item two</li></ul>"
                        "<blockquote>quoted words</blockquote><p>Advertisement</p>"
                        "<p><a href=/x>Read more: another story entirely</a></p></article>"));
  ASSERT_EQ(a.paragraphs.size(), 6u) << a.text();
  EXPECT_EQ(a.paragraphs[1], "A subhead");
  EXPECT_EQ(a.paragraphs[2], "Line with bold and italic & entities\u2026");
  EXPECT_EQ(a.paragraphs[3], "item one");
  EXPECT_EQ(a.paragraphs[5], "quoted words");
}

// --- metadata ------------------------------------------------------------------------------

TEST(Metadata, JsonLdGraphWithReferences) {
  const std::string ld = R"({"@context":"https://schema.org","@graph":[
    {"@type":"Organization","@id":"#org","name":"Example Wire"},
    {"@type":"Person","@id":"#p1","name":"Ann Author"},
    {"@type":["ReportageNewsArticle"],"headline":"Headline &amp; more","datePublished":"2024-02-03T04:05:06+01:00",
     "author":[{"@id":"#p1"},{"@type":"Person","name":"Bo Writer"},"https://example.test/people/x"],
     "publisher":{"@id":"#org"},"inLanguage":"en-GB"}]})";
  auto a = must(page("<script type=\"application/ld+json\">" + ld + "</script>", paras(3)));
  EXPECT_EQ(a.title, "Headline & more");
  EXPECT_EQ(a.byline, "Ann Author, Bo Writer");
  ASSERT_TRUE(a.published);
  EXPECT_EQ(format_rfc3339(*a.published), "2024-02-03T03:05:06Z");
  EXPECT_EQ(a.site_name, "Example Wire");
  EXPECT_EQ(a.language, "en-GB");
}

TEST(Metadata, JsonLdWithRawLineBreaksAndComments) {
  auto a = must(
      page("<script type=\"application/ld+json\"><!--\n{\"@type\": \"NewsArticle\", \"headline\": "
           "\"Broken\nacross lines\"}\n--></script>",
           paras(2)));
  EXPECT_EQ(a.title, "Broken across lines");
}

TEST(Metadata, OpenGraphAndMetaTags) {
  auto a = must(
      page("<title>Page title | Site</title><meta property=og:title content=\"OG title - Site\">"
           "<meta property=og:site_name content=Site><meta name=author content=\"By Jo Reporter\">"
           "<meta property=article:published_time content=\"2024-01-02T03:04:05Z\">"
           "<meta property=og:locale content=en_US><link rel=canonical href=\"/a/b\">",
           paras(2)),
      {"https://site.test/x/y?z", "", 8 << 20, 250000, 512});
  EXPECT_EQ(a.title, "OG title");
  EXPECT_EQ(a.site_name, "Site");
  EXPECT_EQ(a.byline, "Jo Reporter");
  EXPECT_EQ(format_rfc3339(*a.published), "2024-01-02T03:04:05Z");
  EXPECT_EQ(a.language, "en-US");
  EXPECT_EQ(a.canonical_url, "https://site.test/a/b");
}

TEST(Metadata, DomBylineAndTimeNearTheArticle) {
  auto a = must(page("<title>T</title>",
                     "<div class=\"comment\"><span class=\"author\">Commenter</span></div>"
                     "<article><h1>Headline</h1><div class=\"byline\">By <a rel=author href=/x>Lee "
                     "Writer</a> <time datetime=\"2024-03-04T05:06:07Z\">March 4</time></div>" +
                         paras(3) + "</article>"));
  EXPECT_EQ(a.byline, "Lee Writer");
  EXPECT_EQ(a.title, "Headline");
  ASSERT_TRUE(a.published);
  EXPECT_EQ(format_rfc3339(*a.published), "2024-03-04T05:06:07Z");
  EXPECT_EQ(a.text().find("Lee Writer"), std::string::npos);  // a byline is not text
}

TEST(Metadata, DecoratedTitleIsTrimmedToTheHeadline) {
  auto a = must(page("<meta property=og:title content=\"Opinion | Use the tool anyway\">",
                     "<article><h1>Use the tool anyway</h1>" + paras(3) + "</article>"));
  EXPECT_EQ(a.title, "Use the tool anyway");
  auto b = must(page("<meta property=og:title content=\"A different social headline\">",
                     "<article><h1>Use the tool anyway</h1>" + paras(3) + "</article>"));
  EXPECT_EQ(b.title, "A different social headline");
}

TEST(Metadata, StripSiteName) {
  EXPECT_EQ(strip_site_name("Headline | Site", "Site"), "Headline");
  EXPECT_EQ(strip_site_name("Headline - The Site", "the site"), "Headline");
  EXPECT_EQ(strip_site_name("Headline \u2014 Site", "Site"), "Headline");
  EXPECT_EQ(strip_site_name("Site: Headline", "Site"), "Headline");
  EXPECT_EQ(strip_site_name("Headline about a Site", "Site"), "Headline about a Site");
  EXPECT_EQ(strip_site_name("Site", "Site"), "Site");
  EXPECT_EQ(strip_site_name("Headline | Site", ""), "Headline | Site");
}

TEST(Explain, DecisionsNameTheChosenContainerAndSources) {
  auto a = must(page("<meta property=og:title content=\"T\">",
                     "<div id=main><div class=\"article-text\">" + paras(5) +
                         "</div></div><div class=side>" + paras(1) + "</div>"));
  EXPECT_EQ(a.why.chosen.path, "html>body>div#main");
  EXPECT_GT(a.why.chosen.score, 0);
  EXPECT_GT(a.why.chosen.text_chars, 500u);
  EXPECT_FALSE(a.why.runners_up.empty());
  bool title_source = false;
  for (const auto& [field, source] : a.why.sources)
    if (field == "title" && source == "og:title") title_source = true;
  EXPECT_TRUE(title_source);
  EXPECT_EQ(a.why.charset, "utf-8");
}

}  // namespace
}  // namespace sanctwatch::extract
