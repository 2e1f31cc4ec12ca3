#pragma once
/// Entity lists fetched from URLs (config `entity_lists` with an http(s) `source`,
/// docs/entities.md): the last good copy of each is kept beside the state database, looked
/// at again every `refresh` with conditional GETs, validated (it must parse and may not
/// shrink by more than `max_shrink`) and compiled with the rules on a worker thread, then
/// swapped in whole; what a new version added, removed or changed becomes list events.
///
/// Threads: list_refresher lives on the daemon's io_context thread (its HTTP client's) and
/// reports there; the parse, validation, compile and the writing of the copy run on its one
/// worker thread, so no poll waits for them. The free functions are plain and thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/item.hpp"
#include "core/result.hpp"
#include "engine/load.hpp"
#include "entities/entity.hpp"
#include "http/client.hpp"

namespace asio {
class io_context;
}

namespace sanctwatch::service {

/// Decoded bytes a list (or a companion file) may have: the largest official lists (the EU's,
/// OFAC's XML) are tens of MB, so this leaves room without letting a runaway body in.
inline constexpr std::size_t max_list_bytes = 200u << 20;

/// What is known of a URL list: its last good copy and its last check. Stored as JSON
/// (`<name>.json`) beside the copy.
struct list_meta {
  std::string name, source, format;
  /// Validators of the copy's files as the publisher sent them (source, aliases, addresses).
  std::string etag, last_modified;
  std::string aliases_etag, aliases_last_modified;
  std::string addresses_etag, addresses_last_modified;
  /// The publisher's version (its publish date) when the file states one, else empty.
  std::string version;
  std::string content_hash;             ///< of the copy's bytes (16 hex digits)
  std::int64_t entries = 0;             ///< entities
  std::int64_t names = 0;               ///< names and aliases
  std::optional<timestamp> fetched_at;  ///< when the copy in use was fetched
  std::optional<timestamp> checked_at;  ///< the last look at the publisher, whatever came of it
  std::optional<timestamp> changed_at;  ///< when a new version was last taken
  std::string status = "ok";            ///< "ok", or why the last look failed or was refused

  /// The version events carry: the publisher's, else the content hash.
  std::string shown_version() const { return version.empty() ? content_hash : version; }
};

/// A last good copy: its metadata and bytes (shared: lists run to hundreds of MB).
struct list_copy {
  list_meta meta;
  std::shared_ptr<const std::string> bytes, aliases, addresses;
};

using list_copies = std::map<std::string, std::shared_ptr<const list_copy>>;

/// Where the last good copies are kept: "<directory of the state file>/lists".
std::string lists_dir(const std::string& state_path);
/// The metadata of list `name` in `dir`; nullopt when there is none or it cannot be read.
std::optional<list_meta> read_list_meta(const std::string& dir, const std::string& name);
/// The last good copy of list `name`; null when there is none or a file of it is missing.
std::shared_ptr<const list_copy> read_list_copy(const std::string& dir, const std::string& name);
/// Writes the copy's files, then its metadata, each through a temporary file and a rename, so
/// a crash leaves the old copy or the new one. Returns what failed.
std::optional<std::string> write_list_copy(const std::string& dir, const list_copy& c);
std::optional<std::string> write_list_meta(const std::string& dir, const list_meta& m);

/// The publish date a list states in its bytes ("2024-05-14"): OFAC XML `Publish_Date`, the
/// EU file's `generationDate`, the UN list's `dateGenerated`, the UK CSV's "Last Updated"
/// line; empty when the format states none.
std::string list_version(std::string_view format, std::string_view bytes);

/// Imports a copy's bytes (with alt.csv and add.csv for ofac-sdn-csv).
result<entities::entity_list> import_copy(const list_copy& c);

/// Why a new version of `after` entries replacing `before` is refused, or nullopt.
std::optional<std::string> shrink_refusal(std::int64_t before, std::int64_t after,
                                          double max_shrink);

/// What a new version changed, by the publisher's entity id: an entity is changed when its
/// primary name differs or it has a name it did not have.
struct list_change {
  std::string list;
  std::string version;       ///< list_meta::shown_version() of the new copy
  std::string content_hash;  ///< of the new copy
  std::vector<entities::entity> added, removed, changed;
  /// The changed entities with only the names they did not have before (a new alias): what
  /// look-back screens for besides the added entities.
  std::vector<entities::entity> new_names;
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};
list_change diff_lists(const entities::entity_list& before, const entities::entity_list& after);

/// One list event document ("sanctwatch.list-event/1", docs/list-event.schema.json).
struct list_event {
  std::string id;        ///< stable: a hash of the list, the entity id and the list version
  std::string type;      ///< list.added | list.removed | list.changed | list.refresh (the summary)
  std::string severity;  ///< added high, changed medium, removed low
  std::string entity_id;
  std::string document;
};
/// The events of a change, added first, then changed, then removed.
std::vector<list_event> list_events(const list_change& c, timestamp detected_at);
/// The summary people's sinks get instead, one per refresh ("sanctwatch.list-refresh/1"):
/// "ofac-sdn: 3 added, 1 removed, 1 changed" and the names.
list_event list_refresh_summary(const list_change& c, timestamp detected_at);

/// What a ruleset is compiled from: the rule files as the last (re)load read them, and the
/// configuration's entity lists in order (paths resolved).
struct compile_inputs {
  std::vector<engine::source_file> rule_files;
  std::vector<config::entity_source> lists;
};
/// The ruleset of `in`, URL lists taken from `copies` (a URL list without a copy is left
/// out until it is fetched).
engine::load_outcome compile_ruleset(const compile_inputs& in, const list_copies& copies);

/// The outcome of one look at a list, reported on the daemon's thread.
struct refresh_report {
  std::string list;
  /// A new version was taken: `rules` is the ruleset compiled with it, `change` what it
  /// changed (empty for the first copy, a baseline).
  bool changed = false;
  bool baseline = false;
  /// Why the look failed or the version was refused: "fetch", "parse", "shrink", "compile";
  /// empty when it did not. `message` says more.
  std::string failure;
  std::string message;
  list_meta meta;  ///< the list's metadata after the look (the copy in use)
  list_change change;
  std::shared_ptr<const engine::ruleset> rules;
  std::uint64_t generation = 0;           ///< of the configuration it was compiled under
  std::shared_ptr<const list_copy> copy;  ///< the copy in use when the look changed it
};

struct list_fetch_settings {
  std::string user_agent;
  std::chrono::seconds timeout{600};  ///< a whole list, redirects included
  std::chrono::seconds low_speed_time{30};
  int max_redirects = 10;
};

/// Refreshes the URL lists of the configuration. Move-less; owned by the daemon instance.
class list_refresher {
 public:
  using report_fn = std::function<void(const refresh_report&)>;
  using clock_fn = std::function<timestamp()>;

  list_refresher(http::client& client, std::string state_path, clock_fn now);
  /// Waits for a compile in progress (its result is dropped).
  ~list_refresher();
  list_refresher(const list_refresher&) = delete;
  list_refresher& operator=(const list_refresher&) = delete;

  /// Called with every outcome, on the io_context thread. The daemon swaps the ruleset,
  /// records list events, and hands `change.added` to whatever screens recent news for new
  /// names (the look-back hook).
  void on_report(report_fn f) { report_ = std::move(f); }

  using change_fn = std::function<void(const list_change&)>;
  /// Called after a refresh that added, removed or changed entries (never for a baseline),
  /// on the io_context thread, after on_report (so the ruleset with the new names is in use).
  /// `change.added` are the newly listed entities with every name: the look-back hook screens
  /// the news kept in the store for them. Listeners run in the order they were added.
  void add_change_listener(change_fn f) { listeners_.push_back(std::move(f)); }

  /// The lists and rules (at start and after each reload), with the copies the loaded
  /// configuration was compiled with. Lists due are looked at; a compile in progress under an
  /// older configuration is reported with its old generation (rules not to be swapped in).
  void configure(compile_inputs inputs, list_copies copies, list_fetch_settings settings);
  /// The generation of the current configuration (reports carry theirs).
  std::uint64_t generation() const { return generation_; }
  /// Looks at every URL list now (conditional GETs), e.g. after SIGHUP.
  void check_all_now();
  /// Cancels timers and drops later results (shutdown).
  void stop();
  /// Lists being fetched or compiled.
  std::size_t busy() const;

 private:
  struct list_state;
  struct job;
  void schedule(list_state& l, std::chrono::seconds after);
  void check(const std::string& name);
  void fetch_part(std::shared_ptr<job> j, int part);
  void finish_fetch(std::shared_ptr<job> j);
  void fail(const std::string& name, const std::string& reason, const std::string& message);
  void work();
  void process(const std::shared_ptr<job>& j);
  void deliver(refresh_report r);

  http::client& client_;
  asio::io_context& io_;
  std::string dir_;
  clock_fn now_;
  report_fn report_;
  std::vector<change_fn> listeners_;
  list_fetch_settings settings_;
  std::uint64_t generation_ = 0;
  std::map<std::string, std::unique_ptr<list_state>> lists_;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_;

  // The worker's side: only it touches `w_inputs_`, `w_copies_` and `w_imported_` (after the
  // constructor); jobs reach it through the queue.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<job>> queue_;
  bool quit_ = false;
  compile_inputs w_inputs_;
  list_copies w_copies_;
  std::map<std::string, std::shared_ptr<const entities::entity_list>> w_imported_;
  std::uint64_t w_generation_ = 0;
  std::thread worker_;
};

}  // namespace sanctwatch::service
