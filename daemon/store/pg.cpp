#include "store/pg.hpp"

#include <libpq-fe.h>

#include <cstdlib>

namespace sanctwatch::store::pg {
namespace {

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Class 08 (connection exception) and 57P0x (the server shutting down or gone).
bool lost_state(const std::string& state) {
  return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03";
}

}  // namespace

void result::clear(pg_result* r) {
  if (r) PQclear(r);
}
int result::rows() const { return PQntuples(r_.get()); }
int result::columns() const { return PQnfields(r_.get()); }
bool result::is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
std::string result::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}
std::string result::bytes(int row, int col) const {
  std::size_t n = 0;
  unsigned char* b =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
  if (!b) return {};
  std::string out(reinterpret_cast<const char*>(b), n);
  PQfreemem(b);
  return out;
}

std::int64_t result::integer(int row, int col) const {
  return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}
std::optional<std::int64_t> result::optional_integer(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return integer(row, col);
}
std::int64_t result::affected() const { return std::strtoll(PQcmdTuples(r_.get()), nullptr, 10); }

connection::connection(const std::string& conninfo, const std::string& password,
                       const std::string& application_name) {
  // Keywords after the URI override what it says; expand_dbname reads the URI itself.
  std::vector<const char*> keys = {"dbname", "application_name", "connect_timeout"};
  std::vector<const char*> values = {conninfo.c_str(), application_name.c_str(), "10"};
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  c_ = PQconnectdbParams(keys.data(), values.data(), 1);
  if (!c_) throw pg_error("PostgreSQL: out of memory", "", true);
  if (PQstatus(c_) != CONNECTION_OK) {
    // libpq's message names the host and the reason, never the password.
    std::string why = trimmed(PQerrorMessage(c_));
    PQfinish(c_);
    c_ = nullptr;
    throw pg_error("PostgreSQL: cannot connect: " + why, "08001", true);
  }
  // Quiet: NOTICEs (e.g. "relation already exists, skipping") are not for the daemon's log.
  PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
}

connection::~connection() {
  if (c_) PQfinish(c_);
}

bool connection::ok() const { return c_ && PQstatus(c_) == CONNECTION_OK; }

std::string connection::where() const {
  if (!c_) return "";
  const char* host = PQhost(c_);
  const char* port = PQport(c_);
  return std::string(host ? host : "") + ":" + (port ? port : "");
}

result connection::check(pg_result* r, std::string_view sql) {
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result(r);
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  std::string message = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(c_));
  if (message.empty()) message = trimmed(PQerrorMessage(c_));
  if (r) PQclear(r);
  const bool lost = PQstatus(c_) != CONNECTION_OK || lost_state(code);
  std::string head(sql.substr(0, 60));
  for (auto& ch : head)
    if (ch == '\n') ch = ' ';
  throw pg_error("PostgreSQL: " + message + " (in: " + head + (sql.size() > 60 ? "…" : "") + ")",
                 code, lost);
}

void connection::exec(std::string_view sql) {
  const std::string s(sql);
  check(PQexec(c_, s.c_str()), sql);
}

result connection::query(std::string_view sql, std::initializer_list<param> params) {
  return query(sql, std::vector<param>(params));
}

namespace {

// libpq's parallel arrays for a statement's parameters.
struct wire_params {
  explicit wire_params(const std::vector<param>& params) {
    values.reserve(params.size());
    for (const auto& p : params) {
      values.push_back(p.value() ? p.value()->data() : nullptr);
      lengths.push_back(p.value() ? static_cast<int>(p.value()->size()) : 0);
      formats.push_back(p.binary() ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

}  // namespace

result connection::query(std::string_view sql, const std::vector<param>& params) {
  const std::string s(sql);
  const wire_params w(params);
  return check(PQexecParams(c_, s.c_str(), w.count(), nullptr, w.values.data(), w.lengths.data(),
                            w.formats.data(), 0),
               sql);
}

result connection::query_prepared(std::string_view sql, const std::vector<param>& params) {
  std::string s(sql);
  auto it = prepared_.find(s);
  if (it == prepared_.end()) {
    // Parameter types are inferred from the statement, as PQexecParams does.
    std::string name = "sw" + std::to_string(prepared_.size() + 1);
    check(PQprepare(c_, name.c_str(), s.c_str(), 0, nullptr), sql);
    it = prepared_.emplace(std::move(s), std::move(name)).first;
  }
  const wire_params w(params);
  return check(PQexecPrepared(c_, it->second.c_str(), w.count(), w.values.data(),
                              w.lengths.data(), w.formats.data(), 0),
               sql);
}

}  // namespace sanctwatch::store::pg
