#include "store/pg_database.hpp"

#include <vector>

namespace sanctwatch::store {
namespace {

class pg_statement final : public statement::impl {
 public:
  pg_statement(pg_database& db, std::string_view sql, planning p)
      : db_(db), sql_(numbered_parameters(sql)), prepared_(p == planning::once) {}

  void bind_text(int i, std::string_view v) override { slot(i) = pg::param(v); }
  void bind_blob(int i, std::string_view v) override { slot(i) = pg::param::bytes(v); }
  void bind_int(int i, std::int64_t v) override { slot(i) = pg::param(v); }
  void bind_null(int i) override { slot(i) = pg::param(std::nullopt); }

  bool step() override {
    if (!result_) {
      result_.emplace(prepared_ ? db_.connection().query_prepared(sql_, params_)
                                : db_.connection().query(sql_, params_));
      db_.set_changes(result_->affected());
      row_ = -1;
    }
    return ++row_ < result_->rows();
  }
  void reset() override {
    result_.reset();
    row_ = -1;
    for (auto& p : params_) p = pg::param(std::nullopt);
  }
  std::string text(int col) const override { return result_->text(row_, col); }
  std::string blob(int col) const override { return result_->bytes(row_, col); }
  std::int64_t integer(int col) const override { return result_->integer(row_, col); }
  bool is_null(int col) const override { return result_->is_null(row_, col); }

 private:
  pg::param& slot(int i) {
    if (static_cast<std::size_t>(i) > params_.size())
      params_.resize(static_cast<std::size_t>(i), pg::param(std::nullopt));
    return params_[static_cast<std::size_t>(i) - 1];
  }

  pg_database& db_;
  std::string sql_;
  bool prepared_;
  std::vector<pg::param> params_;
  std::optional<pg::result> result_;
  int row_ = -1;
};

}  // namespace

std::string numbered_parameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      // `?NNN` (SQLite's numbered form, one value used twice) keeps its number.
      out += '$';
      if (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') continue;
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

void pg_database::exec_quietly(std::string_view sql) noexcept {
  try {
    if (c_->ok()) c_->exec(sql);
  } catch (...) {
  }
}

statement pg_database::prepare(std::string_view sql, planning p) {
  return statement(std::make_unique<pg_statement>(*this, sql, p));
}

}  // namespace sanctwatch::store
