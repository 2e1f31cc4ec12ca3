#pragma once
// A fixture for tests against a real PostgreSQL server (pg_server.hpp): one server per test
// suite, started before its first test; every test skipped when PostgreSQL is not installed,
// and every test starting from an empty database.
//
//   class my_test : public sanctwatch::testing::pg_fixture {};
//   TEST_F(my_test, x) { store::store s(server_->uri()); ... }
#include <gtest/gtest.h>

#include "pg_server.hpp"

namespace sanctwatch::testing {

class pg_fixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new pg_server(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_->available()) GTEST_SKIP() << server_->why();
    ASSERT_TRUE(server_->psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"));
  }
  inline static pg_server* server_ = nullptr;
};

}  // namespace sanctwatch::testing
