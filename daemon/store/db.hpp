#pragma once
/// The store's view of a SQL database, whichever engine holds it: prepared statements with
/// `?` parameters, rows read column by column, the rows a write changed. Two backends
/// implement it — SQLite (sqlite.hpp, one daemon, the default) and PostgreSQL
/// (pg_database.hpp, several daemons on one database) — and the store writes SQL that both
/// read the same way (`INSERT … ON CONFLICT`, savepoints, no engine-specific functions).

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sanctwatch::store {

/// A database error from either backend (sqlite_error, pg::pg_error).
class db_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  /// The database cannot take writes for now — a full disk for SQLite, a lost connection for
  /// PostgreSQL — and the work is worth retrying later, unlike a schema or usage error.
  virtual bool disk() const = 0;
};

class statement {
 public:
  /// What a backend implements for one prepared statement.
  class impl {
   public:
    virtual ~impl() = default;
    virtual void bind_text(int i, std::string_view v) = 0;
    virtual void bind_blob(int i, std::string_view v) = 0;
    virtual void bind_int(int i, std::int64_t v) = 0;
    virtual void bind_null(int i) = 0;
    virtual bool step() = 0;
    virtual void reset() = 0;
    virtual std::string text(int col) const = 0;
    virtual std::string blob(int col) const = 0;
    virtual std::int64_t integer(int col) const = 0;
    virtual bool is_null(int col) const = 0;
  };

  explicit statement(std::unique_ptr<impl> p) : p_(std::move(p)) {}

  /// Binds by 1-based index; returns *this for chaining.
  statement& bind(int i, std::string_view v) {
    p_->bind_text(i, v);
    return *this;
  }
  statement& bind(int i, std::int64_t v) {
    p_->bind_int(i, v);
    return *this;
  }
  statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  statement& bind(int i, std::nullopt_t) {
    p_->bind_null(i);
    return *this;
  }
  template <class T>
  statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind(i, std::nullopt);
  }
  /// Bytes that need not be text (a signature): a BLOB / BYTEA column.
  statement& bind_blob(int i, std::string_view v) {
    p_->bind_blob(i, v);
    return *this;
  }

  /// Steps once: true while a row is available.
  bool step() { return p_->step(); }
  /// Runs to completion (for statements without rows).
  void run() {
    while (step()) {
    }
    reset();
  }
  /// Resets for reuse with new bindings.
  void reset() { p_->reset(); }

  std::string text(int col) const { return p_->text(col); }
  std::string blob(int col) const { return p_->blob(col); }
  std::int64_t integer(int col) const { return p_->integer(col); }
  bool is_null(int col) const { return p_->is_null(col); }
  std::optional<std::int64_t> optional_integer(int col) const {
    return is_null(col) ? std::nullopt : std::optional<std::int64_t>(integer(col));
  }

 private:
  std::unique_ptr<impl> p_;
};

/// How a statement is planned on PostgreSQL (SQLite compiles every statement once either way):
/// prepared once per connection with a plan the server may keep generic, or planned with its
/// values at every call. A statement that takes an array needs the latter: a generic plan
/// cannot hash `= ANY($1)` and compares each row with every element.
enum class planning { once, per_call };

class database {
 public:
  virtual ~database() = default;
  /// Runs one or more statements without parameters.
  virtual void exec(std::string_view sql) = 0;
  /// The same, errors ignored: a rollback in a destructor.
  virtual void exec_quietly(std::string_view sql) noexcept = 0;
  virtual statement prepare(std::string_view sql, planning p) = 0;
  statement prepare(std::string_view sql) { return prepare(sql, planning::once); }
  /// Rows the last INSERT, UPDATE or DELETE changed (0 for an INSERT that hit ON CONFLICT
  /// DO NOTHING).
  virtual std::int64_t changes() const = 0;
  /// How a write transaction starts (SQLite: BEGIN IMMEDIATE, taking the write lock at once).
  virtual std::string_view begin_sql() const = 0;
};

}  // namespace sanctwatch::store
