#include "feed/date.hpp"

#include <gtest/gtest.h>

#include "core/time.hpp"

namespace sanctwatch::feed {
namespace {

struct date_case {
  const char* text;
  const char* utc;  // nullptr: must be refused
};

std::ostream& operator<<(std::ostream& os, const date_case& c) {
  return os << '"' << c.text << '"';
}

class feed_dates : public ::testing::TestWithParam<date_case> {};

TEST_P(feed_dates, reads_as_expected) {
  const auto t = parse_date(GetParam().text);
  if (GetParam().utc == nullptr) {
    EXPECT_FALSE(t) << "read as " << format_rfc3339(*t);
  } else {
    ASSERT_TRUE(t) << "refused";
    EXPECT_EQ(format_rfc3339(*t), GetParam().utc);
  }
}

INSTANTIATE_TEST_SUITE_P(
    rfc822, feed_dates,
    ::testing::Values(
        date_case{"Sat, 01 Jun 2024 09:30:00 +0000", "2024-06-01T09:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 +0200", "2024-06-01T07:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 -0530", "2024-06-01T15:00:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 +02:00", "2024-06-01T07:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 GMT", "2024-06-01T09:30:00Z"},
        date_case{"sat, 01 jun 2024 09:30:00 gmt", "2024-06-01T09:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 -0000", "2024-06-01T09:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 UT", "2024-06-01T09:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 UTC", "2024-06-01T09:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 Z", "2024-06-01T09:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 EST", "2024-06-01T14:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 EDT", "2024-06-01T13:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 CST", "2024-06-01T15:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 CDT", "2024-06-01T14:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 MST", "2024-06-01T16:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 MDT", "2024-06-01T15:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 PST", "2024-06-01T17:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 PDT", "2024-06-01T16:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 CET", "2024-06-01T08:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 CEST", "2024-06-01T07:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 BST", "2024-06-01T08:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 IST", "2024-06-01T04:00:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 JST", "2024-06-01T00:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 MSK", "2024-06-01T06:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 AEST", "2024-05-31T23:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 A", "2024-06-01T08:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 M", "2024-05-31T21:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 N", "2024-06-01T10:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 Y", "2024-06-01T21:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 GMT+0100", "2024-06-01T08:30:00Z"},
        date_case{"Sat, 01 Jun 2024 09:30:00 +0000 (UTC)", "2024-06-01T09:30:00Z"},
        date_case{"01 Jun 2024 09:30:00 +0000", "2024-06-01T09:30:00Z"},    // no weekday
        date_case{"Sat, 01 Jun 2024 09:30 +0000", "2024-06-01T09:30:00Z"},  // no seconds
        date_case{"Sat, 1 Jun 2024 9:05:07 GMT", "2024-06-01T09:05:07Z"},
        date_case{"  Sat,,  01   Jun  2024   09:30:00   GMT  ", "2024-06-01T09:30:00Z"},
        date_case{"Sat 01 Jun 2024 09:30:00 GMT", "2024-06-01T09:30:00Z"},
        date_case{"Saturday, 01 June 2024 09:30:00 GMT", "2024-06-01T09:30:00Z"},
        date_case{"Tue, 4 Sept 2024 10:00:00 GMT", "2024-09-04T10:00:00Z"},
        date_case{"Wed, 02 Oct 2002 08:00:00 EST", "2002-10-02T13:00:00Z"},
        date_case{"wed, 02 oct 2002 08:00:00 est", "2002-10-02T13:00:00Z"},
        date_case{"Thu, 01 Jan 70 00:00:00 GMT", "1970-01-01T00:00:00Z"},  // 2-digit year >= 50
        date_case{"Fri, 07 Jun 24 12:00:00 GMT", "2024-06-07T12:00:00Z"},  // 2-digit year < 50
        date_case{"Fri, 07 Jun 49 12:00:00 GMT", "2049-06-07T12:00:00Z"},
        date_case{"Fri, 07 Jun 50 12:00:00 GMT", "1950-06-07T12:00:00Z"},
        date_case{"Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z"},  // RFC 850
        date_case{"Sun, 06 Nov 1994 08:49:37 XYZ", "1994-11-06T08:49:37Z"},   // unknown zone: UTC
        date_case{"01 Jun 2024", "2024-06-01T00:00:00Z"},                     // date only
        date_case{"June 1, 2024 9:30 PM EST", "2024-06-02T02:30:00Z"},
        date_case{"Jun 1st, 2024 12:15 AM", "2024-06-01T00:15:00Z"},
        date_case{"Sat, 31 Dec 2016 23:59:60 GMT", "2017-01-01T00:00:00Z"},  // leap second
        date_case{"Thu, 29 Feb 2024 12:00:00 GMT", "2024-02-29T12:00:00Z"},
        date_case{"Dec. 25, 2023 08:00 +0100", "2023-12-25T07:00:00Z"}));

INSTANTIATE_TEST_SUITE_P(
    asctime, feed_dates,
    ::testing::Values(date_case{"Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z"},
                      date_case{"Sat Jun  1 09:30:00 2024", "2024-06-01T09:30:00Z"}));

INSTANTIATE_TEST_SUITE_P(
    iso8601, feed_dates,
    ::testing::Values(date_case{"2024-06-01T09:30:00Z", "2024-06-01T09:30:00Z"},
                      date_case{"2024-06-01T09:30:00.123456Z", "2024-06-01T09:30:00Z"},
                      date_case{"2024-06-01T09:30:00+01:00", "2024-06-01T08:30:00Z"},
                      date_case{"2024-06-01T09:30:00-0700", "2024-06-01T16:30:00Z"},
                      date_case{"2024-06-01T09:30:00+05", "2024-06-01T04:30:00Z"},
                      date_case{"2024-06-01T09:30Z", "2024-06-01T09:30:00Z"},
                      date_case{"2024-06-01T09:30", "2024-06-01T09:30:00Z"},
                      date_case{"2024-06-01 09:30:00", "2024-06-01T09:30:00Z"},
                      date_case{"2024-06-01 09:30:00 +0100", "2024-06-01T08:30:00Z"},
                      date_case{"2024-06-01 09:30:00 GMT", "2024-06-01T09:30:00Z"},
                      date_case{"2024-06-01t09:30:00z", "2024-06-01T09:30:00Z"},
                      date_case{"2024-06-01", "2024-06-01T00:00:00Z"},
                      date_case{"2024-06", "2024-06-01T00:00:00Z"},
                      date_case{"20240601", "2024-06-01T00:00:00Z"},
                      date_case{"20240601T093000Z", "2024-06-01T09:30:00Z"},
                      date_case{"2024-12-31T23:30:00-02:00", "2025-01-01T01:30:00Z"},
                      date_case{"2024-06-01T09:30:00,5+00:00", "2024-06-01T09:30:00Z"}));

INSTANTIATE_TEST_SUITE_P(unix_time, feed_dates,
                         ::testing::Values(date_case{"1717234200", "2024-06-01T09:30:00Z"},
                                           date_case{"999999999", "2001-09-09T01:46:39Z"},
                                           date_case{"12345678901", "2361-03-21T19:15:01Z"},
                                           date_case{"12345", nullptr},
                                           date_case{"123456789012", nullptr}));

INSTANTIATE_TEST_SUITE_P(
    refused, feed_dates,
    ::testing::Values(
        date_case{"", nullptr}, date_case{"   ", nullptr}, date_case{"yesterday", nullptr},
        date_case{"not a date", nullptr}, date_case{"Sat, 32 Jun 2024 09:30:00 GMT", nullptr},
        date_case{"Fri, 30 Feb 2024 09:30:00 GMT", nullptr},
        date_case{"Sat, 01 Jun 2024 25:30:00 GMT", nullptr},
        date_case{"Sat, 01 Jun 2024 09:61:00 GMT", nullptr},
        date_case{"Sat, 01 Jun 2024 09:30:00 +2400", nullptr},
        date_case{"Sat, 01 Jun 2024 09:30:00 +0060", nullptr},
        date_case{"Sat, 01 Foo 2024 09:30:00 GMT", nullptr},
        date_case{"Sat, 01 Jun 09:30:00 GMT", nullptr}, date_case{"2024-13-01T00:00:00Z", nullptr},
        date_case{"2024-06-01T09:30:00+25:00", nullptr}, date_case{"2024-06-01Tgarbage", nullptr},
        date_case{"2024-06-01T09:30:00Zjunk", nullptr},
        date_case{"Sat, 01 Jun 2024 09:30:00 +0000 +0100", nullptr},
        date_case{"0000-01-01T00:00:00Z", nullptr},
        date_case{"Sat, 01 Jun 2024 09:30:00 GMT (unterminated", nullptr},
        date_case{"13 PM 1 Jun 2024", nullptr}));

TEST(parse_date, never_returns_now_for_garbage) {
  // Every prefix of a valid date is either refused or read as some fixed time; none is
  // "now" (a parser that falls back to the clock would make old items look new).
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string full = "Sat, 01 Jun 2024 09:30:00 +0000";
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const auto t = parse_date(full.substr(0, n));
    if (t) {
      EXPECT_GT(std::chrono::abs(*t - now), std::chrono::hours(24)) << full.substr(0, n);
    }
  }
}

}  // namespace
}  // namespace sanctwatch::feed
