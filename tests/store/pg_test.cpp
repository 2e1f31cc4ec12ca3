// The PostgreSQL layer against a real PostgreSQL server (tests/pg_server.hpp): connecting,
// statements and their errors, the schema migrated once by one of several daemons under
// the advisory lock, a database newer than this build refused, a server that goes away.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "pg_fixture.hpp"
#include "store/pg.hpp"
#include "store/pg_schema.hpp"
#include "store/store.hpp"

namespace sanctwatch::store::pg {
namespace {

class pg_test : public testing::pg_fixture {};

}  // namespace

TEST_F(pg_test, statements_take_parameters_and_return_rows) {
  connection c(server_->uri());
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.where(), "127.0.0.1:" + std::to_string(server_->port()));
  c.exec("CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, note TEXT)");
  auto ins = c.query("INSERT INTO t VALUES ($1, $2, $3), ($4, $5, $6)",
                     {"a", std::int64_t{1} << 40, "x'; DROP TABLE t; --", "b", std::nullopt,
                      std::optional<std::string>()});
  EXPECT_EQ(ins.affected(), 2);
  auto r = c.query("SELECT k, n, note FROM t ORDER BY k");
  ASSERT_EQ(r.rows(), 2);
  EXPECT_EQ(r.columns(), 3);
  EXPECT_EQ(r.text(0, 0), "a");
  EXPECT_EQ(r.integer(0, 1), std::int64_t{1} << 40);
  EXPECT_EQ(r.text(0, 2), "x'; DROP TABLE t; --");  // a parameter is data, never SQL
  EXPECT_TRUE(r.is_null(1, 1));
  EXPECT_FALSE(r.optional_integer(1, 1));
  EXPECT_EQ(r.text(1, 2), "");
}

TEST_F(pg_test, errors_carry_the_sqlstate_and_roll_a_transaction_back) {
  connection c(server_->uri());
  c.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  c.query("INSERT INTO t VALUES ($1)", {"a"});
  try {
    c.query("INSERT INTO t VALUES ($1)", {"a"});
    FAIL() << "a duplicate key was accepted";
  } catch (const pg_error& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_FALSE(e.connection_lost());
    EXPECT_NE(std::string(e.what()).find("duplicate key"), std::string::npos) << e.what();
  }
  EXPECT_THROW(in_transaction(c,
                              [&] {
                                c.query("INSERT INTO t VALUES ($1)", {"b"});
                                c.exec("SELECT no_such_column FROM t");
                              }),
               pg_error);
  EXPECT_EQ(c.query("SELECT count(*) FROM t").integer(0, 0), 1);  // "b" rolled back
  EXPECT_TRUE(c.ok());
}

TEST_F(pg_test, an_unreachable_server_is_a_connection_error_naming_it) {
  try {
    connection c("postgresql://sanctwatch@127.0.0.1:1/sanctwatch");
    FAIL() << "connected to port 1";
  } catch (const pg_error& e) {
    EXPECT_TRUE(e.connection_lost());
    EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
  }
}

TEST_F(pg_test, the_schema_is_migrated_once_by_one_of_several_daemons) {
  // Four daemons start at once on an empty database: one migrates, the others find it done.
  std::vector<std::thread> daemons;
  std::atomic<int> migrators{0}, failed{0};
  for (int i = 0; i < 4; ++i)
    daemons.emplace_back([&] {
      try {
        connection c(server_->uri());
        if (migrate(c).applied > 0) ++migrators;
      } catch (const std::exception&) {
        ++failed;
      }
    });
  for (auto& t : daemons) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(migrators.load(), 1);
  connection c(server_->uri());
  const auto st = migrate(c);
  EXPECT_EQ(st.found, store::schema_version);
  EXPECT_EQ(st.version, store::schema_version);
  EXPECT_EQ(st.applied, 0);
  for (const char* table : {"feeds", "items", "alerts", "alert_rules", "stories", "story_links",
                            "story_bands", "alert_sources", "alert_updates", "outbox",
                            "digest_queue", "articles", "nodes"})
    EXPECT_EQ(c.query("SELECT count(*) FROM information_schema.tables WHERE table_name = $1",
                      {table})
                  .integer(0, 0),
              1)
        << table;
}

TEST_F(pg_test, one_alert_per_story_whoever_inserts_it) {
  connection c(server_->uri());
  migrate(c);
  const char* insert =
      "INSERT INTO alerts (id, rule_id, severity, feed_id, item_key, story_id, created_at, "
      "document, doc_schema) VALUES ($1, 'r', 'high', 'f', $2, 's1', 1, '{}', 2) "
      "ON CONFLICT DO NOTHING";
  EXPECT_EQ(c.query(insert, {"a1", "i1"}).affected(), 1);
  EXPECT_EQ(c.query(insert, {"a2", "i2"}).affected(), 0);
}

TEST_F(pg_test, a_newer_database_is_refused_unless_it_says_it_is_compatible) {
  {
    connection c(server_->uri());
    migrate(c);
    c.query("UPDATE sanctwatch_schema SET version = $1, compatible_from = $2",
            {store::schema_version + 2, store::schema_version});
  }
  {
    // An additive upgrade by a newer daemon: this one keeps working.
    connection c(server_->uri());
    const auto st = migrate(c);
    EXPECT_EQ(st.version, store::schema_version + 2);
    EXPECT_EQ(st.applied, 0);
    c.query("UPDATE sanctwatch_schema SET compatible_from = $1", {store::schema_version + 1});
  }
  connection c(server_->uri());
  try {
    migrate(c);
    FAIL() << "an incompatible newer schema was accepted";
  } catch (const pg_error& e) {
    EXPECT_NE(std::string(e.what()).find("upgrade sanctwatch"), std::string::npos) << e.what();
  }
  // The lock was released: another daemon is not stuck behind the refused one.
  connection other(server_->uri());
  EXPECT_THROW(migrate(other), pg_error);
}

TEST_F(pg_test, a_server_that_goes_away_is_a_lost_connection_and_comes_back) {
  connection c(server_->uri());
  ASSERT_TRUE(server_->stop());
  try {
    c.query("SELECT 1");
    FAIL() << "a stopped server answered";
  } catch (const pg_error& e) {
    EXPECT_TRUE(e.connection_lost()) << e.what() << " " << e.sqlstate();
  }
  EXPECT_FALSE(c.ok());
  ASSERT_TRUE(server_->start());
  connection again(server_->uri());
  EXPECT_EQ(again.query("SELECT 1").integer(0, 0), 1);
}

}  // namespace sanctwatch::store::pg
