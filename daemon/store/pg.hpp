#pragma once
/// A thin RAII layer over libpq for the PostgreSQL state backend: one connection, statements
/// with text parameters, results read by row and column, errors that say whether the
/// connection is gone (retry later) or the statement is wrong (a bug or a schema problem).
/// Not thread-safe: one connection per thread, as libpq wants.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/db.hpp"

struct pg_conn;
struct pg_result;

namespace sanctwatch::store::pg {

/// A failed connection or statement. `sqlstate` is PostgreSQL's five-character code
/// ("23505" unique violation, "40001" serialization failure, "57P01" admin shutdown, ...);
/// `connection_lost` when the server could not be reached or the connection broke.
class pg_error : public db_error {
 public:
  pg_error(std::string message, std::string sqlstate, bool connection_lost)
      : db_error(std::move(message)),
        sqlstate_(std::move(sqlstate)),
        lost_(connection_lost) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool connection_lost() const { return lost_; }
  /// Worth retrying later: the connection is gone, or the transaction lost a deadlock or a
  /// serialization conflict with another daemon (run again, it goes through).
  bool disk() const override {
    return lost_ || sqlstate_ == "40P01" || sqlstate_ == "40001";
  }

 private:
  std::string sqlstate_;
  bool lost_;
};

/// A statement parameter: text, an integer, bytes (for a BYTEA column) or NULL.
class param {
 public:
  /// Bytes sent as they are (binary format), for BYTEA.
  static param bytes(std::string_view b) {
    param p{std::string(b)};
    p.binary_ = true;
    return p;
  }
  param(std::nullopt_t) {}
  param(std::string_view s) : value_(s) {}
  param(const std::string& s) : value_(s) {}
  param(const char* s) : value_(std::string(s)) {}
  param(std::int64_t v) : value_(std::to_string(v)) {}
  param(int v) : value_(std::to_string(v)) {}
  template <class T>
  param(const std::optional<T>& v) {
    if (v) value_ = param(*v).value_;
  }
  const std::optional<std::string>& value() const { return value_; }
  bool binary() const { return binary_; }

 private:
  std::optional<std::string> value_;
  bool binary_ = false;
};

class result {
 public:
  explicit result(pg_result* r) : r_(r, &clear) {}
  int rows() const;
  int columns() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;  ///< "" for NULL
  /// A BYTEA value (sent as text in hex form), decoded to its bytes.
  std::string bytes(int row, int col) const;
  std::int64_t integer(int row, int col) const;
  std::optional<std::int64_t> optional_integer(int row, int col) const;
  /// Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;

 private:
  static void clear(pg_result* r);
  std::unique_ptr<pg_result, void (*)(pg_result*)> r_;
};

class connection {
 public:
  /// Connects to a libpq connection string or URI ("postgresql://user@host:port/db?
  /// sslmode=require", multi-host lists and socket paths included). A non-empty `password`
  /// is used instead of one in the URI or PGPASSFILE. Throws pg_error.
  connection(const std::string& conninfo, const std::string& password = "",
             const std::string& application_name = "sanctwatch");
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs one or more statements without parameters (a migration, BEGIN, ...).
  void exec(std::string_view sql);
  /// Runs one statement with parameters $1, $2, ...
  result query(std::string_view sql, std::initializer_list<param> params = {});
  result query(std::string_view sql, const std::vector<param>& params);
  /// The same, as a named prepared statement kept for the connection's life: parsed and
  /// analysed once, its plan cached by the server (a generic plan once PostgreSQL finds one no
  /// costlier than the custom ones). For the statements the daemon runs per item.
  result query_prepared(std::string_view sql, const std::vector<param>& params);

  /// Whether the connection is still up (as libpq last saw it).
  bool ok() const;
  /// Host and port connected to, for messages ("127.0.0.1:5432").
  std::string where() const;

 private:
  result check(pg_result* r, std::string_view sql);
  pg_conn* c_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  ///< SQL -> statement name
};

/// Runs `body` inside BEGIN ... COMMIT (ROLLBACK when it throws).
template <class F>
void in_transaction(connection& c, F&& body) {
  c.exec("BEGIN");
  try {
    body();
  } catch (...) {
    try {
      if (c.ok()) c.exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
  c.exec("COMMIT");
}

}  // namespace sanctwatch::store::pg
