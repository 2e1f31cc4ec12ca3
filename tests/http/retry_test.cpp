#include "http/retry.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace sanctwatch::http {
namespace {

using namespace std::chrono_literals;

// 2024-06-01T12:00:00Z
const std::chrono::system_clock::time_point now =
    std::chrono::sys_days{std::chrono::year{2024} / 6 / 1} + 12h;

TEST(http_retry, delay_seconds) {
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after("  0 ", now), 0s);
  EXPECT_EQ(parse_retry_after("99999999999999999999", now), 9'999'999'999s);
  EXPECT_FALSE(parse_retry_after("-1", now));
  EXPECT_FALSE(parse_retry_after("1.5", now));
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
}

TEST(http_retry, http_date_forms) {
  EXPECT_EQ(parse_retry_after("Sat, 01 Jun 2024 12:30:00 GMT", now), 1800s);
  EXPECT_EQ(parse_retry_after("Saturday, 01-Jun-24 13:00:00 GMT", now), 3600s);
  EXPECT_EQ(parse_retry_after("Sat Jun  1 12:00:10 2024", now), 10s);
  EXPECT_EQ(parse_retry_after("Fri, 31 May 2024 12:00:00 GMT", now), 0s);  // past
}

TEST(http_retry, malformed_dates) {
  EXPECT_FALSE(parse_http_date("Fri, 30 Feb 2024 12:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sat, 01 Jun 2024 25:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sat, 01 Foo 2024 12:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sat, 01 Jun 2024 GMT"));
  EXPECT_FALSE(parse_http_date("Sat, 01 Jun 2024 12:00:00 PST"));
  const auto t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->time_since_epoch().count(), 784111777);
}

TEST(http_retry, backoff_grows_with_jitter_and_caps_at_a_day) {
  std::mt19937_64 rng(42);
  EXPECT_EQ(next_backoff(0, rng), 0s);
  for (int i = 0; i < 100; ++i) {
    const auto first = next_backoff(1, rng);
    EXPECT_GE(first, 30s);
    EXPECT_LE(first, 60s);
    const auto third = next_backoff(3, rng);
    EXPECT_GE(third, 120s);
    EXPECT_LE(third, 240s);
    const auto huge = next_backoff(1000, rng);
    EXPECT_GE(huge, 12h);
    EXPECT_LE(huge, 24h);
  }
  // Jitter: failures of many feeds at once do not all come back at the same second.
  std::set<std::int64_t> seen;
  for (int i = 0; i < 50; ++i) seen.insert(next_backoff(5, rng).count());
  EXPECT_GT(seen.size(), 10u);
}

}  // namespace
}  // namespace sanctwatch::http
