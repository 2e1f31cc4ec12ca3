// `run`, `poll` and `feeds`: the daemon, its one-shot form, and feed status.
#include <cstdio>

#include "cli/command.hpp"
#include "core/time.hpp"
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
    store::store db(cfg->state_path);
    std::printf("%-24s %-9s %-20s %-20s %7s %6s  %s\n", "FEED", "STATUS", "LAST POLL", "NEXT POLL",
                "ITEMS", "ERRORS", "LAST ERROR");
    int failing = 0;
    for (const auto& f : cfg->feeds) {
      auto st = db.load_feed(f.id);
      const bool fresh = !st || st->url != f.url;
      std::string status = !f.enabled ? "off" : fresh ? "new" : st->disabled ? "gone" :
                           st->error_streak > 0 ? "failing" : "ok";
      if (status == "failing" || status == "gone") ++failing;
      std::printf("%-24s %-9s %-20s %-20s %7lld %6d  %s\n", f.id.c_str(), status.c_str(),
                  fresh ? "-" : when(st->last_poll).c_str(), fresh ? "-" : when(st->next_poll).c_str(),
                  fresh ? 0LL : static_cast<long long>(st->items_total), fresh ? 0 : st->error_streak,
                  fresh ? "" : st->last_error.c_str());
    }
    return failing > 0 ? findings : ok;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sanctwatch feeds: %s\n", e.what());
    return usage_error;
  }
}

}  // namespace sanctwatch::cli
