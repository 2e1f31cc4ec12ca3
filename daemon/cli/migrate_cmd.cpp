// `migrate-state`: a daemon's SQLite state moved into a PostgreSQL database.
#include <cstdio>
#include <filesystem>

#include "cli/command.hpp"
#include "service/state_lock.hpp"
#include "store/migrate_state.hpp"
#include "store/store.hpp"

namespace sanctwatch::cli {

int run_migrate_state(const args& a) {
  const std::string from = a.get("--from"), to = a.get("--to");
  const char* problem = from.empty() || to.empty() ? "--from PATH and --to URI are both needed"
                        : !a.positional.empty()    ? "takes no arguments besides its options"
                        : store::store::is_postgresql(from)
                            ? "--from is the SQLite state file, not a database URI"
                        : !store::store::is_postgresql(to) ? "--to must be a postgresql:// URI"
                                                           : nullptr;
  if (problem) {
    std::fprintf(stderr, "sanctwatch migrate-state: %s\n", problem);
    return usage_error;
  }
  std::string password, why;
  if (a.has("--password-file")) {
    const std::string file = a.get("--password-file");
    if (!read_input(file, password, why)) {
      std::fprintf(stderr, "sanctwatch migrate-state: %s: %s\n", file.c_str(), why.c_str());
      return usage_error;
    }
    // The file's content without its final line break, as for the config's password_file.
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  }
  // Checked before the lock: taking it would leave a stray `.lock` beside a mistyped path.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec)) {
    std::fprintf(stderr, "sanctwatch migrate-state: %s: no such state file\n", from.c_str());
    return findings;
  }
  // The daemon's own lock, held for the whole copy: a daemon still writing the file would
  // lose what it writes after the snapshot, and one started meanwhile could not start.
  const auto lock = service::state_lock::acquire(from);
  if (!lock) {
    std::string message = lock.err().message;
    const std::string tail = "stop it first";
    if (lock.err().code == "in_use" && message.ends_with(tail))
      message.replace(message.size() - tail.size(), tail.size(), "stop the daemon first");
    std::fprintf(stderr, "sanctwatch migrate-state: %s\n", message.c_str());
    return findings;
  }
  const auto copied = store::migrate_state(from, to, password);
  if (!copied) {
    std::fprintf(stderr, "sanctwatch migrate-state: %s\n", copied.err().message.c_str());
    return findings;
  }
  std::int64_t rows = 0;
  for (const auto& t : *copied) {
    std::printf("%s: %lld rows\n", t.table.c_str(), static_cast<long long>(t.rows));
    rows += t.rows;
  }
  std::printf(
      "copied %lld rows in %zu tables from %s to %s; point the config's state.path at "
      "the database and start the daemon\n",
      static_cast<long long>(rows), copied->size(), from.c_str(),
      store::without_password(to).c_str());
  return ok;
}

}  // namespace sanctwatch::cli
