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

namespace sanctwatch::store {

/// Thrown on SQLite errors that are bugs or environment failures (disk full, corrupt file);
/// expected conditions (a missing row) are values.
class sqlite_error : public std::runtime_error {
 public:
  sqlite_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  /// The disk refused the write (full, quota, file size limit, I/O error): worth waiting out
  /// and retrying, unlike a schema or usage error.
  bool disk() const {
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

class statement {
 public:
  /// Prepares `sql`, taking an idle copy from `cache` when there is one and handing it back
  /// to the cache when done (nullptr: finalized when done).
  statement(sqlite3* db, std::string_view sql, statement_cache* cache = nullptr);
  statement(statement&& o) noexcept
      : db_(o.db_), stmt_(o.stmt_), cache_(o.cache_), sql_(std::move(o.sql_)) {
    o.stmt_ = nullptr;
  }
  statement& operator=(statement&&) = delete;
  statement(const statement&) = delete;
  ~statement();

  /// Binds by 1-based index; returns *this for chaining.
  statement& bind(int i, std::string_view v);
  statement& bind(int i, std::int64_t v);
  statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  statement& bind(int i, std::nullopt_t);
  /// Binds bytes as a BLOB (a TEXT value must be valid UTF-8; compressed bytes are not).
  statement& bind_blob(int i, std::string_view bytes);
  template <class T>
  statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind(i, std::nullopt);
  }

  /// Steps once: true while a row is available.
  bool step();
  /// Runs to completion (for statements without rows).
  void run();
  /// Resets for reuse with new bindings.
  void reset();

  std::string text(int col) const;
  /// A BLOB column's bytes (empty for NULL).
  std::string blob(int col) const;
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::optional<std::int64_t> optional_integer(int col) const {
    return is_null(col) ? std::nullopt : std::optional<std::int64_t>(integer(col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  statement_cache* cache_ = nullptr;
  std::string sql_;  ///< the cache key, when cached
};

class connection {
 public:
  /// Opens (creating if needed) a database file; throws sqlite_error on failure.
  explicit connection(const std::string& path);
  connection(connection&& o) noexcept : db_(o.db_), cache_(std::move(o.cache_)) { o.db_ = nullptr; }
  connection& operator=(connection&&) = delete;
  connection(const connection&) = delete;
  ~connection() {
    cache_.reset();  // statements are finalized before the connection closes
    sqlite3_close_v2(db_);
  }

  void exec(std::string_view sql);
  /// A prepared statement, compiled once per connection and reused after it is destroyed.
  statement prepare(std::string_view sql) { return statement(db_, sql, cache_.get()); }
  std::int64_t changes() const { return sqlite3_changes64(db_); }
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
