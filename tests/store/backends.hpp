#pragma once
// The store's tests run on both backends: a SQLite file, and a database on a real PostgreSQL
// server (one per test binary, started at the first PostgreSQL case, emptied before each).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/item.hpp"
#include "pg_server.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::store {

inline timestamp t(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }

/// What schemas 8 and 9 added (leases, nodes; silences), undone (SQLite) to make a file of an
/// older schema.
inline constexpr const char* without_leases =
    "DROP TABLE silences; DROP TABLE alert_triage; DROP TABLE alert_actions; "
    "DROP TABLE alert_index; DROP TABLE nodes; ALTER TABLE feeds DROP COLUMN lease_owner; "
    "ALTER TABLE feeds DROP COLUMN lease_until; ALTER TABLE outbox DROP COLUMN lease_owner; "
    "ALTER TABLE outbox DROP COLUMN lease_until; ";

class backends_test : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }
  void SetUp() override {
    if (GetParam() == "sqlite") return;
    if (!pg_) pg_ = new sanctwatch::testing::pg_server();
    if (!pg_->available()) GTEST_SKIP() << pg_->why();
    ASSERT_TRUE(pg_->psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"));
    path_ = pg_->uri();
  }
  static inline sanctwatch::testing::pg_server* pg_ = nullptr;
  sanctwatch::testing::temp_dir dir_;
  std::string path_ = dir_.file("state.db");
};

}  // namespace sanctwatch::store
