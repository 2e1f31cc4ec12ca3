// Splitting URI references as RFC 3986 appendix B does.
#include "core/uri.hpp"

#include <gtest/gtest.h>

namespace sanctwatch {

TEST(split_uri, the_five_parts) {
  const auto u = split_uri("https://user@example.com:8443/a/b?x=1&y=/z#frag?not");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.authority, "user@example.com:8443");
  EXPECT_EQ(u.path, "/a/b");
  EXPECT_EQ(u.query, "x=1&y=/z");
  EXPECT_EQ(u.fragment, "frag?not");
}

TEST(split_uri, absent_parts_are_told_from_empty_ones) {
  const auto rel = split_uri("../a?");
  EXPECT_FALSE(rel.scheme);
  EXPECT_FALSE(rel.authority);
  EXPECT_EQ(rel.path, "../a");
  EXPECT_EQ(rel.query, "");
  EXPECT_FALSE(rel.fragment);
  const auto host_only = split_uri("http://example.com?q");
  EXPECT_EQ(host_only.authority, "example.com");
  EXPECT_EQ(host_only.path, "");
  EXPECT_EQ(host_only.query, "q");
  EXPECT_EQ(split_uri("mailto:a@example.com").path, "a@example.com");
  EXPECT_FALSE(split_uri("mailto:a@example.com").authority);
}

TEST(split_uri, a_scheme_is_letters_then_letters_digits_plus_minus_dot) {
  EXPECT_EQ(uri_scheme_length("svn+ssh://x"), 7u);
  EXPECT_EQ(uri_scheme_length("urn:isbn:1"), 3u);
  EXPECT_EQ(uri_scheme_length("1http://x"), 0u);
  EXPECT_EQ(uri_scheme_length("a b:c"), 0u);
  EXPECT_EQ(uri_scheme_length("/path:x"), 0u);
  EXPECT_EQ(uri_scheme_length("noscheme"), 0u);
  EXPECT_FALSE(split_uri("foo?u=http://x").scheme);  // a ':' after '?' starts no scheme
}

TEST(redact_url, user_and_password_become_stars) {
  EXPECT_EQ(redact_url("http://user:secret@host/feed"), "http://***@host/feed");
  EXPECT_EQ(redact_url("https://token@host:8443/f?q=a@b#x@y"), "https://***@host:8443/f?q=a@b#x@y");
  EXPECT_EQ(redact_url("http://a@b:c@host/"), "http://***@host/");  // up to the last '@'
  EXPECT_EQ(redact_url("http://:pw@host"), "http://***@host");
  // Nothing to hide: unchanged, '@' outside the authority included.
  EXPECT_EQ(redact_url("http://host/p@x?u=a@b"), "http://host/p@x?u=a@b");
  EXPECT_EQ(redact_url("file:///srv/feeds/a@b.xml"), "file:///srv/feeds/a@b.xml");
  EXPECT_EQ(redact_url("mailto:a@example.com"), "mailto:a@example.com");
  EXPECT_EQ(redact_url(""), "");
}

TEST(strip_userinfo, the_url_without_credentials) {
  EXPECT_EQ(strip_userinfo("http://user:secret@host/feed"), "http://host/feed");
  EXPECT_EQ(strip_userinfo("https://token@host:8443/f?q=a@b"), "https://host:8443/f?q=a@b");
  EXPECT_EQ(strip_userinfo("http://host/p@x"), "http://host/p@x");
  EXPECT_EQ(strip_userinfo("file:rel/a@b.xml"), "file:rel/a@b.xml");
}

TEST(trim_space, both_ends) {
  EXPECT_EQ(trim_space(" \t\n https://x \r\n"), "https://x");
  EXPECT_EQ(trim_space("   "), "");
}

}  // namespace sanctwatch
