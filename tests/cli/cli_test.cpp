#include <gtest/gtest.h>

#include "core/version.hpp"
#include "run_binary.hpp"

namespace sanctwatch {
using testing::run_sanctwatch;

TEST(cli, version) {
  auto r = run_sanctwatch("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("sanctwatch ") + version + "\n");
}

TEST(cli, help_lists_every_command) {
  auto r = run_sanctwatch("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* c : {"parse", "match", "check"}) EXPECT_NE(r.out.find(c), std::string::npos) << c;
}

TEST(cli, every_command_has_help) {
  for (const char* c : {"parse", "match", "check"}) {
    auto r = run_sanctwatch(std::string(c) + " --help");
    EXPECT_EQ(r.exit_code, 0) << c;
    EXPECT_NE(r.out.find(std::string("usage: sanctwatch ") + c), std::string::npos) << r.out;
  }
}

TEST(cli, usage_errors_exit_2) {
  EXPECT_EQ(run_sanctwatch("").exit_code, 2);
  EXPECT_EQ(run_sanctwatch("frobnicate").exit_code, 2);
  auto r = run_sanctwatch("parse --bogus x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown option '--bogus'"), std::string::npos) << r.out;
  r = run_sanctwatch("parse /nonexistent/feed.xml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("/nonexistent/feed.xml: cannot open"), std::string::npos) << r.out;
}

}  // namespace sanctwatch
