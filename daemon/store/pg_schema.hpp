#pragma once
/// The PostgreSQL state schema and its migrations, versioned together with the SQLite ones
/// (store::schema_version): one number describes the same tables in both backends.
///
/// Several daemons share one database, so migrate() runs under a PostgreSQL advisory lock:
/// the first daemon to start after an upgrade migrates, the others wait for it and find the
/// work done. The database records its version and the oldest schema a daemon may have and
/// still work on it (`compatible_from`): an additive migration (a new table, a column with a
/// default) keeps it, so older daemons keep running during a rolling upgrade; a database
/// whose `compatible_from` is newer than this build is refused with a clear error.

#include "store/pg.hpp"

namespace sanctwatch::store::pg {

struct schema_status {
  int found = 0;            ///< the version the database had (0: empty)
  int version = 0;          ///< the version it has now
  int compatible_from = 0;  ///< the oldest daemon schema that works on it
  int applied = 0;          ///< migrations this call ran
};

/// Brings the database to store::schema_version. Throws pg_error when it cannot (connection
/// lost, a migration failed: rolled back whole) or must not (the database is too new).
schema_status migrate(connection& c);

}  // namespace sanctwatch::store::pg
