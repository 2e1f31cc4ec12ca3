#include "story/link.hpp"

#include <gtest/gtest.h>

namespace sanctwatch::story {

TEST(canonical_link, scheme_and_host_case_default_ports_and_www) {
  EXPECT_EQ(canonical_link("HTTPS://News.Example.COM/World/Story"),
            "https://news.example.com/World/Story");
  EXPECT_EQ(canonical_link("http://news.example.com/a"), "https://news.example.com/a");
  EXPECT_EQ(canonical_link("https://news.example.com:443/a"), "https://news.example.com/a");
  EXPECT_EQ(canonical_link("http://news.example.com:80/a"), "https://news.example.com/a");
  EXPECT_EQ(canonical_link("https://news.example.com:8443/a"), "https://news.example.com:8443/a");
  EXPECT_EQ(canonical_link("https://www.example.com/a"), "https://example.com/a");
  EXPECT_EQ(canonical_link("https://example.com./a"), "https://example.com/a");
  EXPECT_EQ(canonical_link("https://user:pw@example.com/a"), "https://example.com/a");
  EXPECT_EQ(canonical_link("  https://example.com/a \n"), "https://example.com/a");
  // The path keeps its case: servers may tell /A from /a.
  EXPECT_NE(canonical_link("https://example.com/A"), canonical_link("https://example.com/a"));
}

TEST(canonical_link, trailing_slashes_and_fragments) {
  EXPECT_EQ(canonical_link("https://example.com/world/story/"), "https://example.com/world/story");
  EXPECT_EQ(canonical_link("https://example.com/world/story//"), "https://example.com/world/story");
  EXPECT_EQ(canonical_link("https://example.com/"), "https://example.com");
  EXPECT_EQ(canonical_link("https://example.com"), "https://example.com");
  EXPECT_EQ(canonical_link("https://example.com/story#comments"), "https://example.com/story");
  EXPECT_EQ(canonical_link("https://example.com/story/?id=1#top"),
            "https://example.com/story?id=1");
  EXPECT_EQ(canonical_link("https://example.com#x"), "https://example.com");
}

TEST(canonical_link, tracking_parameters_are_dropped_and_the_rest_sorted) {
  const std::string plain = "https://example.com/story";
  EXPECT_EQ(canonical_link(plain + "?utm_source=rss&utm_medium=feed&utm_campaign=x"), plain);
  EXPECT_EQ(canonical_link(plain + "?UTM_Source=twitter"), plain);
  EXPECT_EQ(canonical_link(plain + "?fbclid=IwAR0abc"), plain);
  EXPECT_EQ(canonical_link(plain + "?gclid=Cj0KCQ&msclkid=1&dclid=2"), plain);
  EXPECT_EQ(canonical_link(plain + "?mc_cid=a&mc_eid=b&igshid=c&_ga=d&ocid=e&cmpid=f"), plain);
  EXPECT_EQ(canonical_link(plain + "?at_medium=RSS&at_campaign=KARANGA"), plain);
  EXPECT_EQ(canonical_link(plain + "?id=7&utm_source=rss&page=2"), plain + "?id=7&page=2");
  EXPECT_EQ(canonical_link(plain + "?page=2&id=7"), plain + "?id=7&page=2");
  EXPECT_EQ(canonical_link(plain + "?&&id=7&"), plain + "?id=7");
  EXPECT_EQ(canonical_link(plain + "?utm_source=x"), canonical_link(plain + "/"));
  // Parameters that pick the article are kept.
  EXPECT_NE(canonical_link(plain + "?id=7"), canonical_link(plain + "?id=8"));
  // A name that only starts like a tracker is not one.
  EXPECT_EQ(canonical_link(plain + "?gclidx=1"), plain + "?gclidx=1");
}

TEST(canonical_link, percent_escapes) {
  EXPECT_EQ(canonical_link("https://example.com/%7euser/a%2fb"), "https://example.com/~user/a%2Fb");
  EXPECT_EQ(canonical_link("https://example.com/a%41"), "https://example.com/aA");
  EXPECT_EQ(canonical_link("https://example.com/100%"), "https://example.com/100%");
  EXPECT_EQ(canonical_link("https://example.com/s?q=a%20b&utm_%73ource=x"),
            "https://example.com/s?q=a%20b");
}

TEST(canonical_link, what_is_not_a_web_link_identifies_nothing) {
  EXPECT_EQ(canonical_link(""), "");
  EXPECT_EQ(canonical_link("story/1"), "");
  EXPECT_EQ(canonical_link("/world/story"), "");
  EXPECT_EQ(canonical_link("urn:uuid:1234"), "");
  EXPECT_EQ(canonical_link("mailto:desk@example.com"), "");
  EXPECT_EQ(canonical_link("ftp://example.com/a"), "");
  EXPECT_EQ(canonical_link("https:///path"), "");
  EXPECT_EQ(canonical_link("https://example.com:abc/a"), "");
  EXPECT_EQ(canonical_link("https://[::1]:8080/a"), "https://[::1]:8080/a");
}

}  // namespace sanctwatch::story
