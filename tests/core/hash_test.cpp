#include "core/hash.hpp"

#include <gtest/gtest.h>

namespace sanctwatch {

TEST(hash, fnv1a64_is_stable) {
  EXPECT_EQ(hex64(fnv1a64("")), "cbf29ce484222325");
  EXPECT_EQ(hex64(fnv1a64("a")), "af63dc4c8601ec8c");
  EXPECT_NE(fnv1a64("ab"), fnv1a64("ba"));
}

}  // namespace sanctwatch
