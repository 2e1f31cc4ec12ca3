#include "service/opml.hpp"

#include <gtest/gtest.h>

namespace sanctwatch::service {

TEST(opml, nested_outlines_with_unique_ids) {
  auto r = parse_opml(R"(<?xml version="1.0"?>
<opml version="2.0"><head><title>News</title></head><body>
  <outline text="World">
    <outline text="BBC World" title="BBC World" type="rss" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
    <outline text="BBC World" type="rss" xmlUrl="https://example.invalid/other.xml"/>
  </outline>
  <outline type="rss" xmlUrl="https://example.invalid/untitled.xml"/>
  <outline text="A folder without feeds"/>
</body></opml>)");
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, "bbc-world");
  EXPECT_EQ((*r)[0].title, "BBC World");
  EXPECT_EQ((*r)[1].id, "bbc-world-2");
  EXPECT_EQ((*r)[2].id, "https-example-invalid-untitled-xml");
  EXPECT_EQ((*r)[2].url, "https://example.invalid/untitled.xml");
}

TEST(opml, errors_say_why) {
  auto r = parse_opml("<opml><body><outline");
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("not valid XML"), std::string::npos);
  r = parse_opml("<rss/>");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().message, "no <opml> root element");
}

}  // namespace sanctwatch::service
