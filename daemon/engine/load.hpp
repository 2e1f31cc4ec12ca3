#pragma once
/// Loading a ruleset: YAML rule files (bytes in) -> one compiled, immutable ruleset, or every
/// error found, each located (file:line:col) with the offending line and a caret.
/// A ruleset loads whole or not at all.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/result.hpp"
#include "engine/list_cache.hpp"
#include "engine/ruleset.hpp"
#include "entities/entity.hpp"

namespace sanctwatch::engine {

struct load_error {
  location where;
  std::string message;
  std::string source_line;  ///< the offending line, empty when unknown
};

/// "file:line:col: error: message", then the line and a caret under the column
/// (core/diagnostic.hpp: the format shared with config and list loaders).
std::string format_error(const load_error& e);
diagnostic to_diagnostic(const load_error& e);

struct source_file {
  std::string path;  ///< shown in errors; entity `source:` paths resolve against its folder
  std::string bytes;
};

/// An entity list given outside the rule files (`match --entities FORMAT:PATH`, the
/// configuration's `entity_lists`).
struct extra_entity_list {
  std::string name;    ///< referenced as entity(@name)
  std::string format;  ///< an importer format: entities::known_formats()
  std::string path;    ///< read with load_options::read, unless `bytes` is set
  /// The list itself, when it does not come from a file (a list fetched from a URL, held in
  /// memory by the daemon); `path` then only names it in messages. Shared, not copied: lists
  /// run to hundreds of MB.
  std::shared_ptr<const std::string> bytes{};
  /// ofac-sdn-csv with `bytes`: alt.csv and add.csv as bytes (null: none, no file is read).
  std::shared_ptr<const std::string> aliases{};
  std::shared_ptr<const std::string> addresses{};
  /// Entities already imported (a refreshed list, or only the entities a refresh added): used
  /// as they are instead of reading `path` or `bytes`, which then only name the list.
  std::shared_ptr<const entities::entity_list> entities{};
};

/// Reads a referenced file (entity list sources). The engine does no I/O itself.
using file_reader = std::function<result<std::string>(const std::string& path)>;

struct load_options {
  std::vector<extra_entity_list> extra_entities;
  file_reader read;  ///< required when rules reference entity list sources
  /// Where what an entity list screens for is kept between runs (engine/list_cache.hpp);
  /// none: every list is imported and prepared each time.
  list_cache cache{};
};

struct load_outcome {
  std::shared_ptr<const ruleset> rules;  ///< null when errors is not empty
  std::vector<load_error> errors;
  /// Importer warnings (skipped or partly read rows of entity lists), located in the list
  /// file; the ruleset still loads.
  std::vector<load_error> warnings;
};

/// Loads and compiles rule files (in the given order) into one ruleset.
load_outcome load_ruleset(const std::vector<source_file>& files, const load_options& options = {});

/// Disk front end for the commands and the daemon: every `*.yaml` under each directory
/// (recursive, sorted by path), entity sources read relative to their rule file, prepared
/// lists cached in default_cache_dir().
load_outcome load_rule_dirs(const std::vector<std::string>& dirs,
                            std::vector<extra_entity_list> extra_entities = {});

/// The rule files load_rule_dirs reads: every `*.yaml` under each directory (recursive, sorted
/// by path); a missing or unreadable directory or file adds a located error to `errors`.
/// The daemon keeps them so that a refreshed entity list is compiled with the rules it
/// loaded, not with edits on disk that no reload has checked yet.
std::vector<source_file> read_rule_dirs(const std::vector<std::string>& dirs,
                                        std::vector<load_error>& errors);

/// The file reader load_rule_dirs gives the loader (entity sources on disk).
result<std::string> read_disk_file(const std::string& path);

/// Where prepared entity lists are cached (docs/performance.md, "Start-up"):
/// $SANCTWATCH_CACHE_DIR ("off": nowhere), else systemd's $CACHE_DIRECTORY, else
/// $XDG_CACHE_HOME/sanctwatch, else ~/.cache/sanctwatch; empty: nowhere.
std::string default_cache_dir();

/// The list cache in `dir`/lists, one file per key, written whole (a temporary file renamed),
/// keeping the newest `keep` entries; none when `dir` is empty. Failures to read or write
/// only mean the list is prepared again.
list_cache disk_list_cache(const std::string& dir, std::size_t keep = 8);

/// The entity list name derived from a path: file stem, non-alphanumerics as '_'.
std::string entity_list_name_for(const std::string& path);

/// `--entities FORMAT:PATH` -> an extra list named entity_list_name_for(PATH); nullopt when the
/// spec has no format or no path. The format is checked by the loader (a located error).
std::optional<extra_entity_list> parse_entity_spec(const std::string& spec);

}  // namespace sanctwatch::engine
