// `sanctwatch migrate-state` end to end: the real binary copying a SQLite state into a real
// PostgreSQL server (tests/pg_server.hpp), its usage errors, and its refusal while a daemon
// holds the state file's lock.
#include <gtest/gtest.h>

#include <fstream>

#include "pg_fixture.hpp"
#include "run_binary.hpp"
#include "service/state_lock.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

namespace sanctwatch {
namespace {

using testing::run_sanctwatch;

timestamp t(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }

class cli_migrate_state : public testing::pg_fixture {
 protected:
  void SetUp() override {
    pg_fixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store::store s(path_);
    store::feed_state f;
    f.id = "wire";
    f.url = "https://wire.example.test/feed";
    s.save_feed(f);
    s.record({"wire", "k1", "h1", t(100)},
             {{"a1", "sanctions.x", "high", "", "{\"id\":\"a1\"}", t(100), {"hook", "jsonl"}}});
  }
  testing::temp_dir dir_;
  std::string path_ = dir_.file("state.db");
};

}  // namespace

TEST_F(cli_migrate_state, copies_and_prints_the_rows_per_table) {
  const std::string password = dir_.file("db-password");
  std::ofstream(password) << "unused-with-trust-auth\n";
  const auto r = run_sanctwatch("migrate-state --from '" + path_ + "' --to '" + server_->uri() +
                                "' --password-file '" + password + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\nfeeds: 1 rows\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\noutbox: 2 rows\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("copied "), std::string::npos) << r.out;
  store::store pg(server_->uri());
  EXPECT_EQ(pg.feeds().size(), 1u);
  EXPECT_EQ(pg.due(t(100), 10).size(), 2u);

  // Again: the database holds state now.
  const auto again =
      run_sanctwatch("migrate-state --from '" + path_ + "' --to '" + server_->uri() + "'");
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.out.find("already holds state"), std::string::npos) << again.out;
}

TEST_F(cli_migrate_state, usage_errors_exit_2) {
  auto r = run_sanctwatch("migrate-state --from '" + path_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--from PATH and --to URI are both needed"), std::string::npos) << r.out;
  r = run_sanctwatch("migrate-state --from '" + path_ + "' --to '" + dir_.file("other.db") + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--to must be a postgresql:// URI"), std::string::npos) << r.out;
  r = run_sanctwatch("migrate-state --from '" + path_ + "' --to '" + server_->uri() + "' --bogus");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown option '--bogus'"), std::string::npos) << r.out;
}

TEST_F(cli_migrate_state, a_state_in_use_by_a_daemon_is_refused) {
  const auto lock = service::state_lock::acquire(path_);  // as `sanctwatch run` holds it
  ASSERT_TRUE(lock) << lock.err().message;
  const auto r =
      run_sanctwatch("migrate-state --from '" + path_ + "' --to '" + server_->uri() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("stop the daemon first"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pid " + std::to_string(::getpid())), std::string::npos) << r.out;
  // Nothing reached the database, not even the schema.
  EXPECT_FALSE(server_->psql("SELECT 1 FROM feeds"));
}

}  // namespace sanctwatch
