// The triage side with 100,000 alerts in a SQLite state (bench/queue_seed.hpp): the time from
// a request to the whole answer over loopback, for what a person and a feed reader ask —
// the queue page (first page, a filtered one, the 200th by cursor), an alert's page, the JSON
// API and the Atom feed. Server time plus one loopback round trip: an upper bound of what the
// server spends. The state's queries alone are bench_store's BM_queue_page.
#include <benchmark/benchmark.h>

#include <httplib.h>

#include <memory>

#include "../queue_seed.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"
#include "web/server.hpp"

namespace {

using namespace sanctwatch;

constexpr int alerts = 100'000;
const timestamp newest{std::chrono::seconds{1'780'000'000}};

struct site {
  testing::temp_dir dir;
  std::unique_ptr<web::server> server;
  std::string cursor_200;  // the `after` of the queue's 200th page
};

site& the_site() {
  static site* s = [] {
    auto* s = new site;
    const std::string state = s->dir.file("state.db");
    {
      store::store db(state);
      bench::seed_queue(db, alerts, newest);
      std::string after;
      for (int p = 0; p < 199; ++p) after = db.queue({}, 50, after).next;
      s->cursor_200 = after;
    }
    s->server = std::make_unique<web::server>(
        config::web_settings{.listen = "127.0.0.1:0", .public_read = true}, state, "");
    return s;
  }();
  return *s;
}

void get(benchmark::State& state, const std::string& path, const char* label) {
  auto& s = the_site();
  httplib::Client c("http://" + s.server->address());
  c.set_keep_alive(true);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto r = c.Get(path);
    if (!r || r->status != 200) return state.SkipWithError(("GET " + path + " failed").c_str());
    bytes += r->body.size();
  }
  state.counters["KiB"] = static_cast<double>(bytes) / 1024.0 / static_cast<double>(state.iterations());
  state.SetLabel(label);
}

void BM_queue_page(benchmark::State& state) {
  switch (state.range(0)) {
    case 0: return get(state, "/", "first page of 100,000");
    case 1: return get(state, "/?tag=sanctions&feed=feed-42&q=shipping%20firms", "filtered page");
    default: return get(state, "/?after=" + the_site().cursor_200, "page 200 by cursor");
  }
}

void BM_alert_page(benchmark::State& state) {
  get(state, "/alerts/" + bench::queue_alert_id(4242), "one alert of 100,000");
}

void BM_api_page(benchmark::State& state) { get(state, "/api/alerts", "50 alerts as JSON"); }

void BM_atom_feed(benchmark::State& state) { get(state, "/alerts.atom", "50 entries"); }

BENCHMARK(BM_queue_page)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_alert_page)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_api_page)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_atom_feed)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
