// Hostile documents straight into the parser: huge, deep, wide, self-referencing or broken.
// Each one ends with items recovered (and warnings) or a clear error; none crashes, hangs or
// grows memory beyond a small multiple of its size. Time is bounded by the ctest timeout,
// never asserted here.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <string>

#include "feed/parse.hpp"
#include "feed_fixture.hpp"

namespace sanctwatch::feed {
namespace {

using testing::all_warnings;
using testing::has_warning;

std::string rss(const std::string& items) {
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>" + items +
         "</channel></rss>";
}

std::string item(const std::string& id, const std::string& title, const std::string& body = "") {
  return "<item><guid>" + id + "</guid><title>" + title + "</title><description>" + body +
         "</description></item>";
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(feed_hostile, hundred_thousand_items) {
  std::string items;
  for (int i = 0; i < 100000; ++i) items += item(std::to_string(i), "Item " + std::to_string(i));
  const auto r = parse(rss(items));
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(r->items.size(), 100000u);
  EXPECT_EQ(r->items.front().id, "0");
  EXPECT_EQ(r->items.back().title, "Item 99999");
}

TEST(feed_hostile, ten_megabyte_line) {
  std::string line;
  while (line.size() < 10 * 1024 * 1024) line += "quiet&amp;calm &lt;b&gt;markets&lt;/b&gt; ";
  const auto r = parse(rss(item("1", "Long", line + "END")));
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_TRUE(r->items[0].summary.starts_with("quiet&calm markets quiet&calm"));
  EXPECT_TRUE(r->items[0].summary.ends_with("markets END"));
  // A 10 MB title without any markup at all.
  const auto t = parse(rss(item("2", std::string(10 * 1024 * 1024, 'x'))));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->items.at(0).title.size(), 10u * 1024 * 1024);
}

TEST(feed_hostile, hundred_thousand_levels_of_nesting) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<x>";
  std::string closing;
  for (int i = 0; i < 100000; ++i) closing += "</x>";
  // Inside an item, inside the channel, as XHTML Atom content, and left unclosed.
  const auto a = parse(rss("<item><guid>1</guid><title>Deep</title>" + deep + closing + "</item>" +
                           deep + closing + item("2", "After")));
  ASSERT_TRUE(a) << a.err().message;
  ASSERT_EQ(a->items.size(), 2u);
  EXPECT_EQ(a->items[1].title, "After");

  const auto b = parse(
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title><entry><id>e1</id>"
      "<title>Deep</title><content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">" +
      deep + "text" + closing + "</div></content></entry></feed>");
  ASSERT_TRUE(b) << b.err().message;
  ASSERT_EQ(b->items.size(), 1u);
  EXPECT_EQ(b->items[0].content, "text");

  const auto c = parse(rss(item("3", "Before") + "<item><guid>4</guid><title>Open</title>" + deep));
  if (c) {
    EXPECT_GE(c->items.size(), 1u);
    EXPECT_EQ(c->items[0].title, "Before");
  } else {
    EXPECT_FALSE(c.err().message.empty());
  }

  // Nested markup inside HTML content (escaped, so it reaches html_to_text).
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "&lt;div&gt;&lt;b&gt;";
  const auto d = parse(rss(item("5", "Html", html + "inner")));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->items.at(0).summary, "inner");
}

// Internal entities expand (feedparser parity), within caps: 8 levels of nesting and 1 MiB
// produced per document, counted while expanding, so lol9 (3 GB) stops after 1 MiB of work.
TEST(feed_hostile, billion_laughs_is_bounded_and_external_entities_never_expanded) {
  std::string dtd = "<!DOCTYPE rss [<!ENTITY lol \"lol\">";
  for (int i = 1; i < 10; ++i) {
    dtd += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k)
      dtd += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    dtd += "\">";
  }
  dtd +=
      "<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><!ENTITY % p SYSTEM "
      "\"http://127.0.0.1:9/x\">%p;]>";
  const auto r =
      parse("<?xml version=\"1.0\"?>" + dtd + "<rss version=\"2.0\"><channel><title>T</title>" +
            item("1", "Laughs &lol9; &xxe;", "body") + "</channel></rss>");
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].title, "Laughs &lol9; &xxe;");  // the literal text, not an expansion
  EXPECT_EQ(r->items[0].title.find("root:"), std::string::npos);
  EXPECT_TRUE(has_warning(*r, "left 1 entity reference(s) unexpanded")) << all_warnings(*r);
  EXPECT_TRUE(has_warning(*r, "never fetched")) << all_warnings(*r);
}

TEST(feed_hostile, billion_laughs_of_empty_entities_is_bounded_too) {
  // Nothing is produced at all, but each of the 10^9 expansions is work: expansions count
  // against the budget as well, so this ends after about a third of a million of them.
  std::string dtd = "<!DOCTYPE rss [<!ENTITY e0 \"\">";
  for (int i = 1; i < 10; ++i) {
    dtd += "<!ENTITY e" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) dtd += "&e" + std::to_string(i - 1) + ";";
    dtd += "\">";
  }
  const auto r = parse(dtd + "]>" + rss(item("1", "[&e9;]")));
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].title, "[&e9;]");
  EXPECT_TRUE(has_warning(*r, "unexpanded")) << all_warnings(*r);
  // A value whose 200,000 '&'s never end a reference: scanning it stays linear (it was
  // quadratic while the ';' was looked for to the end of the value).
  const auto a = parse("<!DOCTYPE rss [<!ENTITY amps \"" + std::string(200000, '&') + ";\">]>" +
                       rss(item("1", "A", "&amps;&amps;")));
  ASSERT_TRUE(a) << a.err().message;
  ASSERT_EQ(a->items.size(), 1u);
  EXPECT_EQ(a->items[0].summary.size(), 2u * 200001u);
}

TEST(feed_hostile, many_references_share_one_expansion_budget) {
  // 10,000 references to a 1,000-byte entity would be 10 MB: the first 1 MiB of it expands,
  // the rest stays literal, and the document's size stays bounded.
  const std::string k(1000, 'k');
  std::string body;
  for (int i = 0; i < 10000; ++i) body += "&kilo;";
  const auto r =
      parse("<!DOCTYPE rss [<!ENTITY kilo \"" + k + "\">]>" + rss(item("1", "Kilo", body)));
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(r->items.size(), 1u);
  const std::string& s = r->items[0].summary;
  EXPECT_LE(s.size(), (1u << 20) + 10000 * 6 + 16);
  EXPECT_NE(s.find(k), std::string::npos);
  EXPECT_NE(s.find("&kilo;"), std::string::npos);
  EXPECT_TRUE(has_warning(*r, "unexpanded")) << all_warnings(*r);
}

TEST(feed_hostile, invalid_utf8_everywhere) {
  const std::string bad =
      "\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\xed\xa0\x80\xc0\xaf";
  const auto r = parse(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>"
      "<title>" +
      bad + "</title><link>http://x.example/" + bad + "</link>" +
      item("a" + bad, "Title " + bad, bad + "<![CDATA[" + bad + "]]>") +
      "<item><guid>b</guid><title " + bad +
      "=\"1\">T</title></item>"
      "</channel></rss>");
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_GE(r->items.size(), 1u);
  // Every field is valid UTF-8: each invalid sequence became U+FFFD.
  EXPECT_NE(r->items[0].title.find("\xEF\xBF\xBD"), std::string::npos);
  for (const auto& it : r->items)
    for (const std::string* f : {&it.id, &it.title, &it.summary, &it.link}) {
      for (std::size_t i = 0; i < f->size(); ++i) {
        const auto c = static_cast<unsigned char>((*f)[i]);
        ASSERT_NE(c, 0xFF) << *f;
        ASSERT_NE(c, 0xFE) << *f;
      }
    }
  EXPECT_TRUE(has_warning(*r, "invalid byte")) << all_warnings(*r);
}

TEST(feed_hostile, memory_stays_a_small_multiple_of_the_document) {
  // 30 MB of items: the parse holds the document, its cleaned copy, the DOM and the items.
  std::string items;
  const std::string body(3000, 'w');
  for (int i = 0; i < 10000; ++i) items += item(std::to_string(i), "Item", body);
  const std::string doc = rss(items);
  const long before = peak_rss_kib();
  {
    const auto r = parse(doc);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->items.size(), 10000u);
  }
  const long grown = peak_rss_kib() - before;
  EXPECT_LT(grown, static_cast<long>(doc.size() / 1024 * 8))
      << grown << " KiB for " << doc.size() / 1024 << " KiB";
}

}  // namespace
}  // namespace sanctwatch::feed
