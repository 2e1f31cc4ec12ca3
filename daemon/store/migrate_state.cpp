#include "store/migrate_state.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "store/pg_database.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace sanctwatch::store {
namespace {

/// An expected refusal inside the copy: turned into the error value, after the rollback.
struct refusal {
  std::string code, message;
};

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + '"';
}

/// A message located at `where`, unless it names it already (SQLite's open errors do).
std::string at(const std::string& where, const std::string& message) {
  return message.find(where) != std::string::npos ? message : where + ": " + message;
}

struct column {
  std::string name;
  bool bytea = false;  ///< PostgreSQL stores it as bytes: bound as bytes whatever SQLite holds
};

struct table {
  std::string name;
  std::vector<column> columns;
  std::set<std::string> parents;  ///< tables its foreign keys point at
  /// The PostgreSQL sequences of its columns: (sequence, column).
  std::vector<std::pair<std::string, std::string>> sequences;
};

// Every table of the state: sqlite_* are SQLite's own (sqlite_sequence, sqlite_stat1, ...);
// the schema version lives in PRAGMA user_version, not in a table, and the target records its
// own in sanctwatch_schema, which a SQLite file must never overwrite should one appear there.
std::vector<table> source_tables(connection& src) {
  std::vector<table> out;
  auto list = src.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
      "ESCAPE '\\' AND name <> 'sanctwatch_schema' ORDER BY name");
  while (list.step()) out.push_back({list.text(0), {}, {}, {}});
  list.reset();
  for (auto& t : out) {
    auto cols = src.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
    cols.bind(1, t.name);
    while (cols.step()) t.columns.push_back({cols.text(0)});
    cols.reset();
    auto keys = src.prepare("SELECT \"table\" FROM pragma_foreign_key_list(?)");
    keys.bind(1, t.name);
    while (keys.step())
      if (keys.text(0) != t.name) t.parents.insert(keys.text(0));
    keys.reset();
  }
  return out;
}

/// `tables` with every table after the tables its foreign keys point at (names in order
/// otherwise); a cycle keeps its members in name order, and PostgreSQL then says which row.
std::vector<table> parents_first(std::vector<table> tables) {
  std::set<std::string> names, placed;
  for (const auto& t : tables) names.insert(t.name);
  std::vector<table> out;
  while (!tables.empty()) {
    auto ready = std::find_if(tables.begin(), tables.end(), [&](const table& t) {
      return std::all_of(t.parents.begin(), t.parents.end(),
                         [&](const std::string& p) { return placed.count(p) || !names.count(p); });
    });
    if (ready == tables.end()) ready = tables.begin();
    placed.insert(ready->name);
    out.push_back(std::move(*ready));
    tables.erase(ready);
  }
  return out;
}

/// Fills in what PostgreSQL says of each table's columns: their types and sequences. A table
/// or column missing there is a schema the target does not have (a build older than the file).
void describe_target(pg_database& dst, std::vector<table>& tables) {
  for (auto& t : tables) {
    auto q = dst.prepare(
        "SELECT column_name, data_type, pg_get_serial_sequence(quote_ident(table_name), "
        "column_name) FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?");
    q.bind(1, t.name);
    std::map<std::string, std::string> types;
    while (q.step()) {
      types[q.text(0)] = q.text(1);
      if (!q.is_null(2)) t.sequences.emplace_back(q.text(2), q.text(0));
    }
    if (types.empty())
      throw refusal{"target", "has no table " + t.name + " (the state file has it)"};
    for (auto& c : t.columns) {
      const auto it = types.find(c.name);
      if (it == types.end())
        throw refusal{"target",
                      "table " + t.name + " has no column " + c.name + " (the state file has it)"};
      c.bytea = it->second == "bytea";
    }
  }
}

std::int64_t count_rows(database& db, const std::string& table) {
  auto st = db.prepare("SELECT count(*) FROM " + quoted(table));
  st.step();
  return st.integer(0);
}

/// A value read from SQLite, as it goes to PostgreSQL.
struct value {
  enum { null, integer, text, blob } kind = null;
  std::int64_t number = 0;
  std::string bytes;
};

// Rows go in INSERTs of many rows each: one round trip per row made a state of a few hundred
// thousand items take minutes against a database across a network. A batch stays below
// PostgreSQL's 65,535 parameters and a few megabytes.
constexpr std::size_t batch_parameters = 30000;
constexpr std::size_t batch_bytes = 8 << 20;

/// Inserts `rows` (each `width` values) into `insert_head`'s table with one statement.
void insert_batch(pg_database& dst, const std::string& insert_head, std::size_t width,
                  const std::vector<value>& rows) {
  std::string sql = insert_head;
  for (std::size_t r = 0; r < rows.size() / width; ++r) {
    sql += r ? ", (" : " VALUES (";
    for (std::size_t i = 0; i < width; ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  auto st = dst.prepare(sql);
  int n = 0;
  for (const auto& v : rows) {
    ++n;
    if (v.kind == value::null)
      st.bind(n, std::nullopt);
    else if (v.kind == value::integer)
      st.bind(n, v.number);
    else if (v.kind == value::blob)
      st.bind_blob(n, v.bytes);
    else
      st.bind(n, v.bytes);
  }
  st.run();
}

/// Copies one table's rows, each value bound as what SQLite holds (typeof): INTEGER, TEXT,
/// BLOB or NULL; a REAL goes as its text, which PostgreSQL reads back exactly.
std::int64_t copy_rows(connection& src, pg_database& dst, const table& t) {
  const std::size_t width = t.columns.size();
  std::string select = "SELECT ", insert = "INSERT INTO " + quoted(t.name) + " (";
  for (std::size_t i = 0; i < width; ++i) {
    const std::string sep = i ? ", " : "";
    const std::string c = quoted(t.columns[i].name);
    select += sep + "typeof(" + c + "), " + c;
    insert += sep + c;
  }
  select += " FROM " + quoted(t.name);
  insert += ")";
  auto from = src.prepare(select);
  std::vector<value> batch;
  std::size_t bytes = 0;
  std::int64_t rows = 0;
  while (from.step()) {
    for (std::size_t i = 0; i < width; ++i) {
      const int in = static_cast<int>(2 * i);
      const std::string type = from.text(in);
      value v;
      if (type == "integer") {
        v.kind = value::integer;
        v.number = from.integer(in + 1);
      } else if (type == "blob" || (type != "null" && t.columns[i].bytea)) {
        v.kind = value::blob;
        v.bytes = type == "blob" ? from.blob(in + 1) : from.text(in + 1);
      } else if (type != "null") {
        v.kind = value::text;
        v.bytes = from.text(in + 1);
      }
      bytes += v.bytes.size();
      batch.push_back(std::move(v));
    }
    ++rows;
    if (batch.size() + width > batch_parameters || bytes > batch_bytes) {
      insert_batch(dst, insert, width, batch);
      batch.clear();
      bytes = 0;
    }
  }
  from.reset();
  if (!batch.empty()) insert_batch(dst, insert, width, batch);
  return rows;
}

/// Moves each sequence (BIGSERIAL, identity) past the largest id copied: it still stands at
/// 1, and the next row the daemon adds would take an id a copied row has.
void advance_sequences(pg_database& dst, const table& t) {
  for (const auto& [sequence, col] : t.sequences) {
    auto top = dst.prepare("SELECT max(" + quoted(col) + ") FROM " + quoted(t.name));
    top.step();
    if (top.is_null(0)) continue;
    dst.prepare("SELECT setval(?, ?)").bind(1, sequence).bind(2, top.integer(0)).run();
  }
}

std::vector<table_copy> copy_all(connection& src, pg_database& dst) {
  auto tables = parents_first(source_tables(src));
  describe_target(dst, tables);
  // Daemons already started on the database wait until the copy is committed, and the
  // emptiness seen below holds until then.
  std::string names;
  for (const auto& t : tables) names += (names.empty() ? "" : ", ") + quoted(t.name);
  if (!names.empty()) dst.exec("LOCK TABLE " + names + " IN EXCLUSIVE MODE");
  for (const auto& t : tables) {
    auto any = dst.prepare("SELECT 1 FROM " + quoted(t.name) + " LIMIT 1");
    if (any.step())
      throw refusal{"not_empty",
                    "already holds state (table " + t.name +
                        " has rows); migrate-state copies only into a database without any: "
                        "drop and recreate it (DROP DATABASE, CREATE DATABASE) and run it again"};
  }
  std::vector<table_copy> copied;
  for (const auto& t : tables) {
    copied.push_back({t.name, copy_rows(src, dst, t)});
    advance_sequences(dst, t);
  }
  for (const auto& c : copied) {
    const auto in_source = count_rows(src, c.table), in_target = count_rows(dst, c.table);
    if (in_source != c.rows || in_target != c.rows)
      throw refusal{"copy", "table " + c.table + ": " + std::to_string(in_source) +
                                " rows in the state file, " + std::to_string(c.rows) + " copied, " +
                                std::to_string(in_target) + " in the database"};
  }
  return copied;
}

}  // namespace

std::string without_password(const std::string& uri) {
  std::string out = uri;
  // postgresql://user:password@host/db: the user info ends at the last '@' before the path.
  const auto begin = out.find("://") == std::string::npos ? 0 : out.find("://") + 3;
  const auto atsign = out.rfind('@', out.find_first_of("/?", begin));
  const auto colon = out.find(':', begin);
  if (atsign != std::string::npos && atsign >= begin && colon < atsign)
    out.erase(colon, atsign - colon);
  // postgresql://host/db?user=u&password=secret
  for (auto p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1))
    if (p > 0 && (out[p - 1] == '?' || out[p - 1] == '&'))
      out.erase(p + 9, out.find('&', p) == std::string::npos ? std::string::npos
                                                             : out.find('&', p) - p - 9);
  return out;
}

result<std::vector<table_copy>> migrate_state(const std::string& from, const std::string& to,
                                              const std::string& password) {
  const std::string target = without_password(to);
  if (store::is_postgresql(from))
    return error{"source", from + ": the state to copy is a SQLite file, not a database URI"};
  if (!store::is_postgresql(to)) return error{"target", to + ": not a postgresql:// URI"};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec))
    return error{"source", from + ": " + (ec ? ec.message() : "no such state file")};
  // Both ends at the current schema: an older file migrated the way the daemon would.
  try {
    store migrated(from);
  } catch (const db_error& e) {
    return error{"source", at(from, e.what())};
  }
  try {
    store migrated(to, password);
  } catch (const db_error& e) {
    return error{"target", at(target, e.what())};
  }

  std::optional<connection> src;
  try {
    src.emplace(from);
    src->exec("BEGIN");  // one snapshot of the file, however long the copy takes
  } catch (const db_error& e) {
    return error{"source", at(from, e.what())};
  }
  std::optional<pg_database> dst;
  try {
    dst.emplace(to, password);
  } catch (const db_error& e) {
    return error{"target", at(target, e.what())};
  }
  try {
    dst->exec("BEGIN");
    auto copied = copy_all(*src, *dst);
    dst->exec("COMMIT");
    src->exec_quietly("COMMIT");
    return copied;
  } catch (const refusal& r) {
    dst->exec_quietly("ROLLBACK");
    return error{r.code, target + ": " + r.message};
  } catch (const sqlite_error& e) {
    dst->exec_quietly("ROLLBACK");
    return error{"source", at(from, e.what())};
  } catch (const db_error& e) {
    dst->exec_quietly("ROLLBACK");
    return error{"copy", at(target, e.what())};
  }
}

}  // namespace sanctwatch::store
