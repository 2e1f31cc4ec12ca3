// Throughput of http::client against the loopback test server: one batch of 2,000
// requests per iteration, all 200 with small bodies or all 304. Measures our queueing,
// libcurl and the loopback server together; the server runs on its own thread.
#include <benchmark/benchmark.h>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <string>

#include "http/client.hpp"
#include "http/test_server.hpp"

namespace {

using sanctwatch::http::client;
using sanctwatch::http::request;
using sanctwatch::http::response;
using sanctwatch::test::http_reply;
using sanctwatch::test::http_request;

constexpr int batch = 2000;

void run_batch(benchmark::State& state, bool not_modified) {
  sanctwatch::test::test_server server;
  const std::string etag = "\"v1\"";
  server.route("/feed", [&](const http_request& r) {
    if (r.header("if-none-match") == etag) return http_reply{.status = 304};
    return http_reply{.headers = {{"ETag", etag}}, .body = std::string(512, 'x')};
  });
  asio::io_context io;
  const auto per_host = static_cast<std::size_t>(state.range(0));
  client c(io, {.max_in_flight = 64, .per_host = per_host});
  std::size_t failures = 0;
  for (auto _ : state) {
    int done = 0;
    for (int i = 0; i < batch; ++i) {
      request r;
      r.url = server.url("/feed?i=" + std::to_string(i));
      if (not_modified) r.etag = etag;
      c.start(std::move(r), [&](response resp) {
        ++done;
        failures += !resp.ok() || resp.status != (not_modified ? 304 : 200);
      });
    }
    if (io.stopped()) io.restart();  // the previous batch's guard stopped it
    auto guard = asio::make_work_guard(io);
    while (done < batch) io.run_one();
  }
  state.counters["failures"] = static_cast<double>(failures);
  state.counters["requests/s"] = benchmark::Counter(static_cast<double>(batch) * state.iterations(),
                                                    benchmark::Counter::kIsRate);
  state.counters["connections"] = static_cast<double>(server.connections_accepted());
}

void bm_2000_small_200(benchmark::State& state) { run_batch(state, false); }
void bm_2000_not_modified_304(benchmark::State& state) { run_batch(state, true); }

BENCHMARK(bm_2000_small_200)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_2000_not_modified_304)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
