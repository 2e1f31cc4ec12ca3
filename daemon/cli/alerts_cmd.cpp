// `alerts` and `replay`: what was alerted and where it went; re-queue deliveries.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "config/config.hpp"
#include "core/time.hpp"
#include "feed/date.hpp"
#include "service/runtime.hpp"
#include "sinks/text_render.hpp"
#include "store/store.hpp"
#include "web/queries.hpp"

namespace sanctwatch::cli {
namespace {

timestamp now() { return now_utc(); }

}  // namespace

std::optional<timestamp> parse_since(const std::string& s) {
  return web::parse_when(s, now(), true);
}

// The state without building rules and sinks: listing alerts needs only the store.
std::optional<service::state_access> state_of(const std::string& cfg_path, const char* cmd) {
  std::string bytes, why;
  if (!read_input(cfg_path, bytes, why)) {
    std::fprintf(stderr, "sanctwatch %s: %s: %s\n", cmd, cfg_path.c_str(), why.c_str());
    return std::nullopt;
  }
  auto parsed = config::parse(bytes, cfg_path);
  if (!parsed.ok()) {
    std::fputs(format_diagnostics(parsed.errors).c_str(), stderr);
    return std::nullopt;
  }
  auto access = service::state_access_for(parsed.value);
  if (!access) {
    std::fprintf(stderr, "sanctwatch %s: %s: %s\n", cmd, cfg_path.c_str(),
                 access.err().message.c_str());
    return std::nullopt;
  }
  return std::move(*access);
}

int run_alerts(const args& a) {
  const std::string format = a.get("--format", "text");
  const bool color = format == "text" && sinks::stdout_wants_color();
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "sanctwatch alerts: --format must be json or text\n");
    return usage_error;
  }
  std::optional<timestamp> since;
  if (a.has("--since") && !(since = parse_since(a.get("--since")))) {
    std::fprintf(stderr, "sanctwatch alerts: --since '%s' is neither a date nor a duration\n",
                 a.get("--since").c_str());
    return usage_error;
  }
  int limit = 100;
  try {
    limit = std::stoi(a.get("--limit", "100"));
  } catch (const std::exception&) {
    limit = -1;
  }
  if (limit < 1) {
    std::fprintf(stderr, "sanctwatch alerts: --limit must be a positive number\n");
    return usage_error;
  }
  auto state = state_of(config_path(a), "alerts");
  if (!state) return usage_error;
  try {
    store::store db(state->location, state->password);
    for (const auto& al : db.alerts(since, a.get("--rule"), limit)) {
      if (format == "json") {
        nlohmann::json d = nlohmann::json::array();
        for (const auto& x : al.deliveries)
          d.push_back(
              {{"sink", x.sink},
               {"revision", x.revision},
               {"state", to_string(x.state)},
               {"attempts", x.attempts},
               {"last_status", x.last_status},
               {"last_error", x.last_error},
               {"next_attempt", x.next_attempt ? nlohmann::json(format_rfc3339(*x.next_attempt))
                                               : nlohmann::json()}});
        nlohmann::json doc = nlohmann::json::parse(al.document, nullptr, false);
        if (al.digest) {
          std::cout << nlohmann::json{{"digest", doc}, {"deliveries", d}}.dump() << '\n';
          continue;
        }
        nlohmann::json g = nlohmann::json::array();
        for (const auto& x : al.digests)
          g.push_back(
              {{"sink", x.sink},
               {"revision", x.revision},
               {"digest", x.digest_id.empty() ? nlohmann::json() : nlohmann::json(x.digest_id)}});
        std::cout << nlohmann::json{{"alert", doc}, {"deliveries", d}, {"digests", g}}.dump()
                  << '\n';
        continue;
      }
      // The alert as people read it (its latest revision), or the digest, then where it went.
      auto view = sinks::view_of(al.document);
      auto rendered = !view          ? result<std::string>(view.err())
                      : view->digest ? sinks::render_digest_text(*view, {color})
                                     : sinks::render_text(*view, {color});
      std::string block = rendered ? *rendered : "  (unreadable document: " + rendered.err().message + ")\n\n";
      block.pop_back();  // the blank line goes after the deliveries
      std::string where;
      for (const auto& x : al.deliveries) {
        where += (where.empty() ? "" : ", ") + x.sink +
                 (x.revision > 0 ? " update " + std::to_string(x.revision) : "") + ": " +
                 to_string(x.state);
        if (x.state != store::delivery_state::delivered && !x.last_error.empty())
          where += " (" + x.last_error + ")";
      }
      for (const auto& x : al.digests)
        where += (where.empty() ? "" : ", ") + x.sink +
                 (x.revision > 0 ? " update " + std::to_string(x.revision) : "") + ": " +
                 (x.digest_id.empty() ? "queued for its digest" : "in " + x.digest_id);
      if (al.digest)
        std::printf("%s  id %s · sealed %s\n  deliveries: %s\n\n", block.c_str(), al.id.c_str(),
                    format_rfc3339(al.created_at).c_str(), where.empty() ? "none" : where.c_str());
      else
        std::printf("%s  id %s · created %s · feed %s\n  deliveries: %s\n\n", block.c_str(),
                    al.id.c_str(), format_rfc3339(al.created_at).c_str(), al.feed_id.c_str(),
                    where.empty() ? "no sinks" : where.c_str());
    }
    return ok;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sanctwatch alerts: %s\n", e.what());
    return usage_error;
  }
}

int run_replay(const args& a) {
  const bool dead = a.has("--dead");
  if (dead == a.has("--since")) {
    std::fprintf(stderr, "sanctwatch replay: give either --since T or --dead\n");
    return usage_error;
  }
  std::optional<timestamp> since;
  if (!dead && !(since = parse_since(a.get("--since")))) {
    std::fprintf(stderr, "sanctwatch replay: --since '%s' is neither a date nor a duration\n",
                 a.get("--since").c_str());
    return usage_error;
  }
  auto state = state_of(config_path(a), "replay");
  if (!state) return usage_error;
  try {
    store::store db(state->location, state->password);
    const std::string sink = a.get("--sink");
    const int n = db.requeue(sink, since, dead, now());
    std::printf("re-queued %d deliver%s%s%s; the running daemon (or the next poll) sends them\n", n,
                n == 1 ? "y" : "ies", sink.empty() ? "" : " to ", sink.c_str());
    return ok;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sanctwatch replay: %s\n", e.what());
    return usage_error;
  }
}

}  // namespace sanctwatch::cli
