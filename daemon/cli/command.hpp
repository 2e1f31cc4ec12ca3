#pragma once
/// Subcommand plumbing: option specs, argument parsing, help text. Each subcommand lives
/// in its own `*_cmd.cpp` and is listed once in commands.cpp.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <memory>

#include "core/item.hpp"

namespace sanctwatch::engine {
struct extra_entity_list;  // engine/load.hpp
struct ruleset;            // engine/ruleset.hpp
}
namespace sanctwatch::service {
class story_groups;  // service/story_groups.hpp
struct state_access;  // service/runtime.hpp
}

namespace sanctwatch::cli {

/// Exit codes of every command (README.md, "Commands"): 0 ok, 1 findings or failed checks,
/// 2 usage or input error.
enum exit_code : int { ok = 0, findings = 1, usage_error = 2 };

struct option {
  std::string name;        ///< "--rules"
  std::string value_name;  ///< "DIR"; empty for a flag
  std::string help;
  bool repeatable = false;
};

/// Parsed arguments of one subcommand.
struct args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  ///< option -> values, in order

  bool has(const std::string& name) const { return values.count(name) != 0; }
  /// The last value given, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = {}) const;
  const std::vector<std::string>& all(const std::string& name) const;
};

/// "2024-06-01", "2024-06-01T10:00:00Z" or a duration ago ("24h", "7d"): `--since`.
std::optional<timestamp> parse_since(const std::string& s);

/// The config file of `-c`/`--config`, or the installed one (SANCTWATCH_DEFAULT_CONFIG).
std::string config_path(const args& a);

struct command {
  std::string name;
  std::string summary;
  std::string usage;  ///< after "sanctwatch NAME "
  std::vector<option> options;
  int (*run)(const args&);
};

/// Every subcommand, in help order.
const std::vector<command>& commands();

/// Entry point for main(): dispatches, prints usage errors, never throws.
int main(int argc, char** argv);

/// Reads a file, or standard input for "-". Throws nothing; returns false and fills `why`.
bool read_input(const std::string& path, std::string& out, std::string& why);

/// The rules of `match` and `check`: the directories of --rules ("rules" when none) and the
/// lists of --entities FORMAT:PATH. Empty after printing a usage error naming `cmd`.
struct rules_args {
  std::vector<std::string> dirs;
  std::vector<engine::extra_entity_list> extra;
};
std::optional<rules_args> rules_from(const args& a, const char* cmd);

/// The ruleset of --rules and --entities, loaded, compiled and its inline tests passed (a
/// failing test fails the load, as in the daemon); null after printing every error.
std::shared_ptr<const engine::ruleset> tested_rules(const args& a, const char* cmd);
/// The same for given directories and extra lists.
std::shared_ptr<const engine::ruleset> tested_rules(
    const std::vector<std::string>& dirs, const std::vector<engine::extra_entity_list>& extra);

/// Prints the alert of every story in `stories` as `match` does: JSON lines, or (format
/// "text") the blocks people read.
void print_story_alerts(const service::story_groups& stories, const engine::ruleset& rs,
                        const std::string& format);

/// Where the config `cfg_path` keeps the state, resolved as the daemon resolves it (the
/// SQLite file, or the PostgreSQL URI and its password); empty after saying why on stderr.
std::optional<service::state_access> state_of(const std::string& cfg_path, const char* cmd);

// The subcommands.
int run_status(const args&);
int run_parse(const args&);
int run_extract(const args&);
int run_match(const args&);
int run_backtest(const args&);
int run_check(const args&);
int run_eval(const args&);
int run_daemon(const args&);
int run_poll(const args&);
int run_feeds(const args&);
int run_lists(const args&);
int run_alerts(const args&);
int run_replay(const args&);
int run_migrate_state(const args&);
int run_silence(const args&);
int run_labels(const args&);
int run_passwd(const args&);

}  // namespace sanctwatch::cli
