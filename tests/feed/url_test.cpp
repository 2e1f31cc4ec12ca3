#include "feed/url.hpp"

#include <gtest/gtest.h>

namespace sanctwatch::feed {
namespace {

// RFC 3986 section 5.4: the normal and abnormal examples, against its base URI.
struct url_case {
  const char* ref;
  const char* expected;
};

class url_rfc3986_examples : public ::testing::TestWithParam<url_case> {};

TEST_P(url_rfc3986_examples, resolves_as_the_rfc_says) {
  EXPECT_EQ(resolve_url("http://a/b/c/d;p?q", GetParam().ref), GetParam().expected)
      << "ref: " << GetParam().ref;
}

INSTANTIATE_TEST_SUITE_P(
    section_5_4, url_rfc3986_examples,
    ::testing::Values(
        url_case{"g:h", "g:h"}, url_case{"g", "http://a/b/c/g"}, url_case{"./g", "http://a/b/c/g"},
        url_case{"g/", "http://a/b/c/g/"}, url_case{"/g", "http://a/g"},
        url_case{"//g", "http://g"}, url_case{"?y", "http://a/b/c/d;p?y"},
        url_case{"g?y", "http://a/b/c/g?y"}, url_case{"#s", "http://a/b/c/d;p?q#s"},
        url_case{"g#s", "http://a/b/c/g#s"}, url_case{"g?y#s", "http://a/b/c/g?y#s"},
        url_case{";x", "http://a/b/c/;x"}, url_case{"g;x", "http://a/b/c/g;x"},
        url_case{"g;x?y#s", "http://a/b/c/g;x?y#s"}, url_case{"", "http://a/b/c/d;p?q"},
        url_case{".", "http://a/b/c/"}, url_case{"./", "http://a/b/c/"},
        url_case{"..", "http://a/b/"}, url_case{"../", "http://a/b/"},
        url_case{"../g", "http://a/b/g"}, url_case{"../..", "http://a/"},
        url_case{"../../", "http://a/"}, url_case{"../../g", "http://a/g"},
        // abnormal examples (5.4.2)
        url_case{"../../../g", "http://a/g"}, url_case{"../../../../g", "http://a/g"},
        url_case{"/./g", "http://a/g"}, url_case{"/../g", "http://a/g"},
        url_case{"g.", "http://a/b/c/g."}, url_case{".g", "http://a/b/c/.g"},
        url_case{"g..", "http://a/b/c/g.."}, url_case{"..g", "http://a/b/c/..g"},
        url_case{"./../g", "http://a/b/g"}, url_case{"./g/.", "http://a/b/c/g/"},
        url_case{"g/./h", "http://a/b/c/g/h"}, url_case{"g/../h", "http://a/b/c/h"},
        url_case{"g;x=1/./y", "http://a/b/c/g;x=1/y"}, url_case{"g;x=1/../y", "http://a/b/c/y"},
        url_case{"g?y/./x", "http://a/b/c/g?y/./x"}, url_case{"g?y/../x", "http://a/b/c/g?y/../x"},
        url_case{"g#s/./x", "http://a/b/c/g#s/./x"}, url_case{"g#s/../x", "http://a/b/c/g#s/../x"},
        url_case{"http:g", "http:g"}));

TEST(url_resolve, feed_cases) {
  EXPECT_EQ(resolve_url("https://news.example/world/", "2024/06/story.html"),
            "https://news.example/world/2024/06/story.html");
  EXPECT_EQ(resolve_url("https://news.example/feed.xml", "/a?x=1&y=2"),
            "https://news.example/a?x=1&y=2");
  EXPECT_EQ(resolve_url("https://news.example", "story"), "https://news.example/story");
  EXPECT_EQ(resolve_url("https://news.example/a/b", "  https://other.example/x  "),
            "https://other.example/x");
  EXPECT_EQ(resolve_url("https://news.example/a/b", "//cdn.example/img.png"),
            "https://cdn.example/img.png");
  EXPECT_EQ(resolve_url("HTTPS://News.Example/a/", "b"), "HTTPS://News.Example/a/b");
  EXPECT_EQ(resolve_url("https://news.example/", "mailto:desk@news.example"),
            "mailto:desk@news.example");
  // Absolute references: dot segments removed from the path only; dots elsewhere kept.
  EXPECT_EQ(resolve_url("https://news.example/", "https://x.example/a/./b/../c?q=./x#f/../g"),
            "https://x.example/a/c?q=./x#f/../g");
  EXPECT_EQ(resolve_url("https://news.example/", "https://x.example/.well-known/a..b/..."),
            "https://x.example/.well-known/a..b/...");
  EXPECT_EQ(resolve_url("https://news.example/", "https://x.example/a/.."), "https://x.example/");
}

TEST(url_resolve, without_a_usable_base_keeps_the_reference) {
  EXPECT_EQ(resolve_url("", "/story/1"), "/story/1");
  EXPECT_EQ(resolve_url("not a url", "story"), "story");
  EXPECT_EQ(resolve_url("", "https://x.example/a/../b"), "https://x.example/b");
}

TEST(url_has_scheme, recognises_schemes) {
  EXPECT_TRUE(has_scheme("https://x"));
  EXPECT_TRUE(has_scheme("urn:uuid:1"));
  EXPECT_TRUE(has_scheme("tag:example.org,2024:1"));
  EXPECT_FALSE(has_scheme("/path"));
  EXPECT_FALSE(has_scheme("1abc:x"));
  EXPECT_FALSE(has_scheme("a/b:c"));
  EXPECT_FALSE(has_scheme(""));
}

}  // namespace
}  // namespace sanctwatch::feed
