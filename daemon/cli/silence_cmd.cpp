// `silence add|list|expire`: mute what keeps coming back (docs/triage.md).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "config/config.hpp"
#include "core/time.hpp"
#include "feed/date.hpp"
#include "service/runtime.hpp"
#include "sinks/silence.hpp"
#include "store/store.hpp"
#include "web/queries.hpp"

namespace sanctwatch::cli {
namespace {

constexpr const char* cmd = "silence";

int add(const args& a, store::store& db, timestamp now) {
  if (a.all("--match").empty()) {
    std::fprintf(stderr,
                 "sanctwatch silence add: give at least one --match FIELD=VALUE (a silence of "
                 "everything is not one)\n");
    return usage_error;
  }
  if (a.has("--for") == a.has("--until")) {
    std::fprintf(stderr, "sanctwatch silence add: give either --for DURATION or --until TIME\n");
    return usage_error;
  }
  timestamp starts = now;
  if (a.has("--from")) {
    const auto from = web::parse_when(a.get("--from"), now, false);
    if (!from) {
      std::fprintf(stderr, "sanctwatch silence add: --from '%s' is neither a date nor a duration\n",
                   a.get("--from").c_str());
      return usage_error;
    }
    starts = *from;
  }
  std::optional<timestamp> ends;
  if (a.has("--for")) {
    if (const auto d = config::parse_duration(a.get("--for"))) ends = starts + *d;
  } else {
    ends = web::parse_when(a.get("--until"), now, false);
  }
  if (!ends) {
    std::fprintf(stderr, "sanctwatch silence add: %s '%s' is not a %s\n",
                 a.has("--for") ? "--for" : "--until",
                 a.get(a.has("--for") ? "--for" : "--until").c_str(),
                 a.has("--for") ? "duration (2h, 7d)" : "date or a duration");
    return usage_error;
  }
  const char* user = std::getenv("USER");
  auto made = sinks::new_silence(a.all("--match"), starts, *ends, a.get("--comment"),
                                 a.get("--by", user && *user ? user : "cli"), now);
  if (!made) {
    std::fprintf(stderr, "sanctwatch silence add: %s%s\n",
                 made.err().code == "matcher" ? "--match " : "", made.err().message.c_str());
    return usage_error;
  }
  const auto r = web::silence_record_of(made.value());
  db.add_silence(r);
  std::printf("%s\n", r.id.c_str());
  std::fprintf(stderr, "silence %s %s until %s: %s\n", r.id.c_str(),
               starts > now ? ("starts " + format_rfc3339(starts)).c_str() : "active",
               format_rfc3339(*ends).c_str(), r.matchers.c_str());
  return ok;
}

int list(const args& a, store::store& db, timestamp now) {
  const std::string format = a.get("--format", "text");
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "sanctwatch silence list: --format must be json or text\n");
    return usage_error;
  }
  // Not yet ended (active or pending) unless --all.
  std::vector<store::silence_record> shown;
  for (auto& s : db.silences(std::nullopt))
    if (a.has("--all") || now < s.ends_at) shown.push_back(std::move(s));
  if (format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : shown)
      out.push_back(web::silence_json(s, now));
    std::cout << out.dump(2) << "\n";
    return ok;
  }
  if (shown.empty()) {
    std::printf("no silences%s\n", a.has("--all") ? "" : " active or pending (--all shows expired ones)");
    return ok;
  }
  std::printf("%-32s  %-7s  %-20s  %-12s  %s\n", "ID", "STATE", "ENDS", "BY", "MATCHERS / COMMENT");
  for (const auto& s : shown) {
    std::string matchers;
    if (auto m = sinks::parse_matchers(s.matchers))
      for (const auto& x : m.value()) matchers += (matchers.empty() ? "" : " ") + x.to_string();
    else
      matchers = s.matchers;
    std::printf("%-32s  %-7s  %-20s  %-12s  %s%s%s\n", s.id.c_str(), web::silence_state(s, now).c_str(),
                format_rfc3339(s.ends_at).c_str(), s.created_by.c_str(), matchers.c_str(),
                s.comment.empty() ? "" : " — ", s.comment.c_str());
  }
  return ok;
}

int expire(const args& a, store::store& db, timestamp now) {
  if (a.positional.size() != 2) {
    std::fprintf(stderr, "sanctwatch silence expire: give the silence's ID\n");
    return usage_error;
  }
  const std::string& id = a.positional[1];
  if (!db.expire_silence(id, now)) {
    std::fprintf(stderr, "sanctwatch silence expire: no silence has the id %s\n", id.c_str());
    return usage_error;
  }
  std::printf("silence %s expired\n", id.c_str());
  return ok;
}

}  // namespace

int run_silence(const args& a) {
  const std::string sub = a.positional.empty() ? "" : a.positional[0];
  if (sub != "add" && sub != "list" && sub != "expire") {
    std::fprintf(stderr, "sanctwatch silence: give add, list or expire (see --help)\n");
    return usage_error;
  }
  if (sub != "expire" && a.positional.size() > 1) {
    std::fprintf(stderr, "sanctwatch silence %s: unexpected argument '%s'\n", sub.c_str(),
                 a.positional[1].c_str());
    return usage_error;
  }
  auto state = state_of(config_path(a), cmd);
  if (!state) return usage_error;
  try {
    store::store db(state->location, state->password);
    const timestamp now = now_utc();
    if (sub == "add") return add(a, db, now);
    if (sub == "list") return list(a, db, now);
    return expire(a, db, now);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sanctwatch silence: %s\n", e.what());
    return usage_error;
  }
}

}  // namespace sanctwatch::cli
