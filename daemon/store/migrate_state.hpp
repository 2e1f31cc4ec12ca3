#pragma once
/// Moving a daemon's state from its SQLite file to a PostgreSQL database (`sanctwatch
/// migrate-state`): every table of the schema, copied generically — the tables and columns are
/// read from the SQLite file, so a table or column a later schema version adds is copied
/// without a change here.
///
/// Both ends are first opened with store::store, so the SQLite file is migrated to the current
/// schema and the PostgreSQL database is created or migrated to the same one. The copy is one
/// transaction on PostgreSQL (all or nothing) into a database that holds no state yet; the
/// SQLite file is read in one read transaction (a consistent snapshot) and never written after
/// its migration.
///
/// The caller keeps the daemon away from the SQLite file while it runs (the CLI holds the
/// file's service::state_lock): the store sits below the service layer that owns that lock.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace sanctwatch::store {

/// One table carried over.
struct table_copy {
  std::string table;
  std::int64_t rows = 0;
};

/// Copies the state in the SQLite file `from` into the PostgreSQL database `to` (a
/// `postgresql://` URI; `password` instead of one in the URI or PGPASSFILE), tables in an order
/// that respects their foreign keys, and returns the rows copied per table, in that order.
/// After the copy, sequences behind identity columns are moved past the copied ids and the row
/// count of every table is compared with the source's before the commit.
///
/// Fails (nothing written to `to`) with a message that names the file or the database (its
/// password left out): code "source" (missing, unreadable, newer than this build), "target"
/// (cannot connect, migrate, or a table or column of the source is missing there), "not_empty"
/// (`to` already holds state: say how to start over), "copy" (a row refused, counts differ).
result<std::vector<table_copy>> migrate_state(const std::string& from, const std::string& to,
                                              const std::string& password = "");

/// `uri` without the password it may carry ("postgresql://u:secret@h/db" →
/// "postgresql://u@h/db"), for messages.
std::string without_password(const std::string& uri);

}  // namespace sanctwatch::store
