#pragma once
/// The store's database on PostgreSQL (see db.hpp): the store's `?` parameters become
/// `$1`, `$2`, …, values travel as text (bytes as binary), and errors are pg::pg_error.

#include <memory>
#include <string>

#include "store/db.hpp"
#include "store/pg.hpp"

namespace sanctwatch::store {

class pg_database final : public database {
 public:
  pg_database(std::string conninfo, std::string password)
      : conninfo_(std::move(conninfo)),
        password_(std::move(password)),
        c_(std::make_unique<pg::connection>(conninfo_, password_)) {}

  void exec(std::string_view sql) override { c_->exec(sql); }
  void exec_quietly(std::string_view sql) noexcept override;
  statement prepare(std::string_view sql, planning p) override;
  using database::prepare;
  std::int64_t changes() const override { return changes_; }
  std::string_view begin_sql() const override { return "BEGIN"; }

  pg::connection& connection() { return *c_; }
  void set_changes(std::int64_t n) { changes_ = n; }
  /// Connects anew when the connection is gone (the server restarted, the network broke);
  /// throws pg_error while the server stays out of reach.
  void reconnect_if_lost() {
    if (!c_->ok()) c_ = std::make_unique<pg::connection>(conninfo_, password_);
  }

 private:
  std::string conninfo_;
  std::string password_;
  std::unique_ptr<pg::connection> c_;
  std::int64_t changes_ = 0;
};

/// `sql` with each `?` outside quotes replaced by $1, $2, …
std::string numbered_parameters(std::string_view sql);

}  // namespace sanctwatch::store
