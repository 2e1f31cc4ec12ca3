#pragma once
/// Thin move-only RAII wrappers over the SQLite C API: a connection and prepared
/// statements. Not thread-safe: one connection per thread.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/db.hpp"

namespace sanctwatch::store {

/// Thrown on SQLite errors that are bugs or environment failures (disk full, corrupt file);
/// expected conditions (a missing row) are values.
class sqlite_error : public db_error {
 public:
  sqlite_error(int code, const std::string& what) : db_error(what), code_(code) {}
  int code() const { return code_; }
  /// The disk refused the write (full, quota, file size limit, I/O error): worth waiting out
  /// and retrying, unlike a schema or usage error.
  bool disk() const override {
    const int primary = code_ & 0xff;
    return primary == SQLITE_FULL || primary == SQLITE_IOERR;
  }

 private:
  int code_;
};

/// Prepared statements kept by a connection for reuse, keyed by their SQL: the store runs
/// the same few statements for every item, and compiling them each time was most of its cost.
class statement_cache {
 public:
  statement_cache() = default;
  statement_cache(const statement_cache&) = delete;
  statement_cache& operator=(const statement_cache&) = delete;
  ~statement_cache() {
    for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
  }
  /// An idle statement for `sql` (reset, no bindings), or nullptr.
  sqlite3_stmt* take(const std::string& sql);
  /// Keeps `stmt` for the next use of `sql` (finalizes it when one is already kept).
  void give_back(const std::string& sql, sqlite3_stmt* stmt);

 private:
  std::unordered_map<std::string, sqlite3_stmt*> idle_;
};

/// One SQLite prepared statement (the backend of store::statement).
class sqlite_statement final : public statement::impl {
 public:
  /// Prepares `sql`, taking an idle copy from `cache` when there is one and handing it back
  /// to the cache when done (nullptr: finalized when done).
  sqlite_statement(sqlite3* db, std::string_view sql, statement_cache* cache = nullptr);
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;
  ~sqlite_statement() override;

  void bind_text(int i, std::string_view v) override;
  void bind_blob(int i, std::string_view v) override;
  void bind_int(int i, std::int64_t v) override;
  void bind_null(int i) override;
  bool step() override;
  void reset() override;
  std::string text(int col) const override;
  std::string blob(int col) const override;
  std::int64_t integer(int col) const override { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  statement_cache* cache_ = nullptr;
  std::string sql_;  ///< the cache key, when cached
};

class connection final : public database {
 public:
  /// Opens (creating if needed) a database file; throws sqlite_error on failure.
  explicit connection(const std::string& path);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() override {
    cache_.reset();  // statements are finalized before the connection closes
    sqlite3_close_v2(db_);
  }

  void exec(std::string_view sql) override;
  void exec_quietly(std::string_view sql) noexcept override;
  /// A prepared statement, compiled once per connection and reused after it is destroyed.
  statement prepare(std::string_view sql, planning) override {
    return statement(std::make_unique<sqlite_statement>(db_, sql, cache_.get()));
  }
  using database::prepare;
  std::int64_t changes() const override { return sqlite3_changes64(db_); }
  std::string_view begin_sql() const override { return "BEGIN IMMEDIATE"; }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unique_ptr<statement_cache> cache_ = std::make_unique<statement_cache>();
};

/// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed (exception or early return).
class transaction {
 public:
  explicit transaction(connection& c) : c_(c) { c_.exec("BEGIN IMMEDIATE"); }
  transaction(const transaction&) = delete;
  ~transaction() {
    if (!done_) sqlite3_exec(c_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    c_.exec("COMMIT");
    done_ = true;
  }

 private:
  connection& c_;
  bool done_ = false;
};

}  // namespace sanctwatch::store
