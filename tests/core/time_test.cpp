#include "core/time.hpp"

#include <gtest/gtest.h>

namespace sanctwatch {

TEST(time, formats_rfc3339_utc) {
  auto t = from_civil(2024, 6, 1, 13, 5, 9);
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2024-06-01T13:05:09Z");
}

TEST(time, applies_offset) {
  auto t = from_civil(2024, 1, 1, 1, 30, 0, 2 * 3600);
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2023-12-31T23:30:00Z");
}

TEST(time, rejects_impossible_dates) {
  EXPECT_FALSE(from_civil(2023, 2, 29, 0, 0, 0));
  EXPECT_FALSE(from_civil(2024, 13, 1, 0, 0, 0));
  EXPECT_FALSE(from_civil(2024, 1, 1, 0, 61, 0));
  EXPECT_TRUE(from_civil(2024, 2, 29, 0, 0, 0));
}

}  // namespace sanctwatch
