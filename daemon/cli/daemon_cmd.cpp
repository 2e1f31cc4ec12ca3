// `run`, `poll`, `feeds` and `lists`: the daemon, its one-shot form, feed and list status.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/command.hpp"
#include "config/config.hpp"
#include "core/time.hpp"
#include "core/uri.hpp"
#include "entities/import.hpp"
#include "service/lists.hpp"
#include "service/runtime.hpp"
#include "store/store.hpp"

namespace sanctwatch::cli {
namespace {

bool no_positional(const args& a, const char* cmd) {
  if (a.positional.empty()) return true;
  std::fprintf(stderr, "sanctwatch %s: unexpected argument '%s'\n", cmd, a.positional[0].c_str());
  return false;
}

std::string when(const std::optional<timestamp>& t) { return t ? format_rfc3339(*t) : "-"; }

}  // namespace

int run_daemon(const args& a) {
  if (!no_positional(a, "run")) return usage_error;
  return service::run({config_path(a), service::run_mode::daemon, false});
}

int run_poll(const args& a) {
  if (!no_positional(a, "poll")) return usage_error;
  return service::run({config_path(a), service::run_mode::poll_once, a.has("--all")});
}

int run_feeds(const args& a) {
  if (!no_positional(a, "feeds")) return usage_error;
  auto cfg = service::load_config(config_path(a));
  if (!cfg) {
    std::fputs(cfg.err().message.c_str(), stderr);
    return usage_error;
  }
  try {
    store::store db(cfg->state_location, cfg->state_password);
    const auto at = now_utc();
    std::printf("%-24s %-9s %-20s %-20s %7s %6s %-20s %s\n", "FEED", "STATUS", "LAST POLL",
                "NEXT POLL", "ITEMS", "ERRORS", "POLLED BY", "LAST ERROR");
    int failing = 0;
    for (const auto& f : cfg->feeds) {
      auto st = db.load_feed(f.id);
      const bool fresh = !st || st->url != f.url || !st->last_poll;
      std::string status = !f.enabled ? "off" : fresh ? "new" : st->disabled ? "gone" :
                           st->error_streak > 0 ? "failing" : "ok";
      if (status == "failing" || status == "gone") ++failing;
      // The daemon polling it now; a lease past its time is a poll nobody finishes.
      const std::string holder =
          st && !st->lease_owner.empty() && st->lease_until && *st->lease_until >= at
              ? st->lease_owner
              : "-";
      std::printf("%-24s %-9s %-20s %-20s %7lld %6d %-20s %s\n", f.id.c_str(), status.c_str(),
                  fresh ? "-" : when(st->last_poll).c_str(),
                  fresh || !st->next_poll ? "-" : when(st->next_poll).c_str(),
                  fresh ? 0LL : static_cast<long long>(st->items_total),
                  fresh ? 0 : st->error_streak, holder.c_str(),
                  fresh ? "" : st->last_error.c_str());
    }
    return failing > 0 ? findings : ok;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sanctwatch feeds: %s\n", e.what());
    return usage_error;
  }
}

int run_status(const args& a) {
  if (!no_positional(a, "status")) return usage_error;
  auto state = state_of(config_path(a), "status");
  if (!state) return usage_error;
  try {
    store::store db(state->location, state->password);
    const auto at = now_utc();
    // Live: a heartbeat within one lease (a live daemon writes one every third of it); an
    // older row is a daemon that ended without leaving (killed) or lost the database, and
    // whose leases have lapsed or are about to.
    const auto live_within = state->lease;
    const auto nodes = db.nodes(at);
    std::printf("state %s (%s, schema %d)\n",
                db.backend() == "sqlite" ? state->location.c_str()
                                         : redact_url(std::string_view(state->location)
                                                          .substr(0, state->location.find('?')))
                                               .c_str(),
                std::string(db.backend()).c_str(), db.version());
    std::printf("%-24s %-6s %-24s %7s %-10s %-20s %-12s %6s %10s\n", "NODE", "STATE", "HOST", "PID",
                "VERSION", "STARTED", "HEARTBEAT", "FEEDS", "DELIVERIES");
    int live = 0;
    for (const auto& n : nodes) {
      const auto age = std::chrono::duration_cast<std::chrono::seconds>(at - n.heartbeat);
      const bool up = age <= live_within;
      live += up ? 1 : 0;
      std::printf("%-24s %-6s %-24s %7lld %-10s %-20s %-12s %6lld %10lld\n", n.name.c_str(),
                  up ? "live" : "silent", n.host.c_str(), static_cast<long long>(n.pid),
                  n.version.c_str(), when(n.started_at).c_str(),
                  (std::to_string(std::max<long long>(0, age.count())) + "s ago").c_str(),
                  static_cast<long long>(n.feeds), static_cast<long long>(n.deliveries));
    }
    std::printf("%d live daemon(s); %lld pending deliveries, %lld dead letters\n", live,
                static_cast<long long>(db.pending_count()), static_cast<long long>(db.dead_count()));
    return live > 0 ? ok : findings;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sanctwatch status: %s\n", e.what());
    return usage_error;
  }
}

namespace {

std::optional<std::string> slurp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

// A list on disk, read as the daemon reads it: entries, names, the version it states.
service::list_meta file_list(const config::entity_source& e) {
  service::list_meta m;
  service::list_copy c;
  c.meta.name = e.name;
  c.meta.format = e.format;
  auto bytes = slurp_file(e.source);
  if (!bytes) {
    m.status = "cannot read " + e.source;
    return m;
  }
  c.bytes = std::make_shared<const std::string>(std::move(*bytes));
  if (e.format == "ofac-sdn-csv") {
    const auto dir = std::filesystem::path(e.source).parent_path();
    if (auto a = slurp_file((dir / "alt.csv").string()))
      c.aliases = std::make_shared<const std::string>(std::move(*a));
    if (auto a = slurp_file((dir / "add.csv").string()))
      c.addresses = std::make_shared<const std::string>(std::move(*a));
  }
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(e.source, ec);
  if (!ec)
    m.changed_at = std::chrono::time_point_cast<std::chrono::seconds>(
        std::chrono::file_clock::to_sys(mtime));
  auto imported = service::import_copy(c);
  if (!imported) {
    m.status = "cannot load: " + imported.err().message;
    return m;
  }
  m.entries = static_cast<std::int64_t>(imported->entities.size());
  for (const auto& en : imported->entities) m.names += static_cast<std::int64_t>(en.names.size());
  m.version = service::list_version(e.format, *c.bytes);
  return m;
}

}  // namespace

int run_lists(const args& a) {
  if (!no_positional(a, "lists")) return usage_error;
  const std::string path = config_path(a);
  auto bytes = slurp_file(path);
  if (!bytes) {
    std::fprintf(stderr, "sanctwatch lists: %s: cannot open\n", path.c_str());
    return usage_error;
  }
  auto parsed = config::parse(*bytes, path);
  if (!parsed.ok()) {
    std::fputs(format_diagnostics(parsed.errors).c_str(), stderr);
    return usage_error;
  }
  const auto& c = parsed.value;
  const std::string dir = service::lists_dir(service::state_path_for(c));
  std::printf("%-20s %-8s %-12s %8s %8s %-20s %-20s  %s\n", "LIST", "STATUS", "VERSION",
              "ENTRIES", "NAMES", "LAST CHECK", "LAST CHANGE", "SOURCE");
  int failing = 0;
  std::string problems;
  for (const auto& e : c.entity_lists) {
    service::list_meta m;
    std::string status;
    std::string source = e.source;
    if (e.from_url()) {
      auto read = service::read_list_meta(dir, e.name);
      const bool known = read && read->source == e.source;
      if (known) m = *read;
      // stale: the last look failed or was refused and the last good copy is in use;
      // failing: there is no good copy at all.
      const bool held = known && m.fetched_at;
      status = !known           ? "new"
               : !held          ? (m.status == "ok" ? "new" : "failing")
               : m.status == "ok" ? "ok"
                                  : "stale";
    } else {
      source = config::resolve_path(c, e.source);
      auto resolved = e;
      resolved.source = source;
      m = file_list(resolved);
      status = m.status == "ok" ? "file" : "failing";
    }
    if (status == "stale" || status == "failing") {
      ++failing;
      problems += "  " + e.name + ": " + m.status + "\n";
    }
    const std::string version = !m.version.empty()      ? m.version
                                : !m.content_hash.empty() ? m.content_hash.substr(0, 12)
                                                          : "-";
    std::printf("%-20s %-8s %-12s %8lld %8lld %-20s %-20s  %s\n", e.name.c_str(), status.c_str(),
                version.c_str(), static_cast<long long>(m.entries),
                static_cast<long long>(m.names), when(m.checked_at).c_str(),
                when(m.changed_at).c_str(), source.c_str());
  }
  if (!problems.empty()) std::printf("\n%s", problems.c_str());
  return failing > 0 ? findings : ok;
}

}  // namespace sanctwatch::cli
