#pragma once
/// The daemon and its one-shot form: configuration, rules and sinks loaded as one unit,
/// the io_context with the poller and the delivery dispatcher, signals, systemd
/// notification. `sanctwatch run` and `sanctwatch poll` are thin wrappers around this.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"
#include "engine/ruleset.hpp"
#include "service/lists.hpp"
#include "service/poller.hpp"
#include "sinks/sink.hpp"

namespace sanctwatch::service {

/// A sink's config with its secrets resolved (${ENV} expanded, secret files read).
struct sink_spec {
  config::sink cfg;
  std::vector<std::string> secrets;
  std::string password;  ///< email: from `password` (expanded) or `password_file`
};

/// Everything built from one config file. Built completely before it replaces the running
/// one (SIGHUP), so a bad edit never leaves the daemon half-configured.
struct loaded_config {
  config::config cfg;
  std::shared_ptr<const engine::ruleset> rules;
  std::vector<sink_spec> sinks;
  std::vector<feed_spec> feeds;
  /// The local state path: the SQLite file, and beside it the lists' last good copies (with
  /// a PostgreSQL state, where it would be: the lists stay on each daemon's disk).
  std::string state_path;
  /// What store::store opens: `state_path`, or the PostgreSQL URI (${ENV} expanded).
  std::string state_location;
  std::string state_password;  ///< state.password (expanded) or state.password_file's text
  /// What `rules` was compiled from, for the entity list refresher to compile again with a
  /// new version of a URL list.
  compile_inputs inputs;
  /// The last good copies of the URL lists, read from the state directory (a list never
  /// fetched has none and is screened once it is).
  list_copies copies;
};

/// Reads and validates the config, OPML lists, rules, entity lists and sink secrets.
/// On failure the error message holds every problem found, one per line, located.
result<loaded_config> load_config(const std::string& path);

/// The sinks of a loaded config; webhook, chat and email sinks send through `client`.
result<std::vector<std::shared_ptr<sinks::sink>>> make_sinks(const loaded_config& c,
                                                             http::client& client);

/// How many metrics clients may be served at once: `configured`, lowered so that
/// 2 × network.max_parallel + 64 descriptors (transfers, the state database and its
/// journal, sinks, logs) stay free under `fd_limit` whatever the clients do; at least 1.
std::size_t metrics_connection_cap(int configured, std::uint64_t fd_limit, int max_parallel);

/// The state database path: config `state.path`, else $STATE_DIRECTORY/state.db (systemd),
/// else ./var/state.db.
std::string state_path_for(const config::config& c);

/// Where the state is for commands that read it (`alerts`, `feeds`, `status`, ...): the
/// location store::store opens and its password, resolved as the daemon resolves them.
struct state_access {
  std::string location;
  std::string password;
  std::chrono::seconds lease{60};  ///< state.lease: a daemon silent for longer is gone
};
result<state_access> state_access_for(const config::config& c);

/// This daemon's node name: config `node`, else HOST:PID.
std::string node_name(const config::config& c);

enum class run_mode { daemon, poll_once };

struct run_options {
  std::string config_path;
  run_mode mode = run_mode::daemon;
  bool all = false;  ///< poll_once: every feed, due or not
};

/// Runs until SIGTERM/SIGINT (daemon) or until one pass and its deliveries are done
/// (poll_once). Returns the process exit code: 0 ok, 1 a feed failed (poll), 2 bad config.
int run(const run_options& options);

}  // namespace sanctwatch::service
