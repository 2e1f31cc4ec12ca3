// `sanctwatch poll --all` over 2,000 feeds served on loopback: a cold pass (every feed new,
// every item parsed and matched, alerts delivered to a JSON lines file) and an all-304 pass
// (conditional GETs only). Measures the real binary: wall time, CPU seconds and peak RSS
// of the child process.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "child_process.hpp"
#include "feed_corpus.hpp"
#include "http/test_server.hpp"

namespace {

namespace fs = std::filesystem;

// The 2,000 feeds of the poll benchmark.
const std::vector<std::string>* load_corpus() {
  return sanctwatch::bench::feed_corpus("corpus-2000");
}

using sanctwatch::bench::child_usage;

child_usage run_poll(const std::string& config, const std::string& log) {
  return sanctwatch::bench::run_sanctwatch({"poll", "--all", "-c", config}, log);
}

class fixture {
 public:
  explicit fixture(const std::vector<std::string>& bodies)
      : dir_(fs::temp_directory_path() / "sanctwatch-bench-poll") {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      const std::string etag = "\"v" + std::to_string(i) + "\"";
      const std::string* body = &bodies[i];
      server_.route("/f" + std::to_string(i), [etag, body](const sanctwatch::test::http_request& r) {
        if (r.header("if-none-match") == etag) return sanctwatch::test::http_reply{.status = 304};
        return sanctwatch::test::http_reply{
            .headers = {{"ETag", etag}, {"Content-Type", "application/xml"}}, .body = *body};
      });
    }
    std::ofstream out(config());
    out << "state: {path: " << (dir_ / "state.db").string() << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "network: {per_host: 8, max_parallel: 64}\n"
        << "feeds:\n";
    for (std::size_t i = 0; i < bodies.size(); ++i)
      out << "  - {id: f" << i << ", url: \"" << server_.url("/f" + std::to_string(i)) << "\"}\n";
    out << "sinks:\n  - {type: jsonl, path: " << (dir_ / "alerts.jsonl").string() << "}\n";
  }
  ~fixture() { fs::remove_all(dir_); }

  std::string config() const { return (dir_ / "sanctwatch.yaml").string(); }
  std::string log() const { return (dir_ / "poll.log").string(); }
  void reset_state() {
    for (const char* f : {"state.db", "state.db-wal", "state.db-shm", "alerts.jsonl"})
      fs::remove(dir_ / f);
  }

 private:
  fs::path dir_;
  sanctwatch::test::test_server server_;
};

void report(benchmark::State& state, const child_usage& u, double bytes) {
  state.SetIterationTime(u.wall);
  state.counters["cpu_s"] = u.cpu;
  state.counters["peak_rss_MB"] = u.max_rss_mb;
  state.counters["feed_MB"] = bytes / 1e6;
  if (u.exit_code != 0) state.SkipWithError("sanctwatch poll failed (see poll.log)");
}

void BM_poll_2000_feeds_cold(benchmark::State& state) {
  const auto* c = load_corpus();
  if (!c) return state.SkipWithError("corpus-2000 missing: run `make bench`");
  fixture fx(*c);
  double bytes = 0;
  for (const auto& b : *c) bytes += static_cast<double>(b.size());
  for (auto _ : state) {
    fx.reset_state();
    report(state, run_poll(fx.config(), fx.log()), bytes);
  }
}

void BM_poll_2000_feeds_all_304(benchmark::State& state) {
  const auto* c = load_corpus();
  if (!c) return state.SkipWithError("corpus-2000 missing: run `make bench`");
  fixture fx(*c);
  fx.reset_state();
  if (run_poll(fx.config(), fx.log()).exit_code != 0) return state.SkipWithError("priming poll failed");
  for (auto _ : state) report(state, run_poll(fx.config(), fx.log()), 0);
}

// One feed of 10,000 items: copies of one story (distinct guids and links, same text), or
// 10,000 distinct stories that each fire a rule. The copies must cost no more than the
// distinct items (work linear in the items, one revision per story and poll).
std::string one_feed(bool copies) {
  static const char* syllables[] = {"ka", "lo", "mi", "ren", "to", "sha", "vel", "dor",
                                    "an", "pe", "qui", "zu", "bra", "nix", "ol", "tev"};
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  auto word = [&] {
    std::string w;
    for (int k = 0; k < 3; ++k) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      w += syllables[(x >> 33) % 16];
    }
    return w;
  };
  auto words = [&](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += (i ? " " : "") + word();
    return out;
  };
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title>";
  for (int i = 0; i < 10000; ++i) {
    // Distinct stories share the sanctions phrase a rule needs and little else, as different
    // stories on one topic do; copies share everything but guid and link.
    const std::string name = copies ? "Kalomi" : word();
    const std::string before = copies ? "Officials said" : words(20);
    const std::string after = copies ? "the talks continue" : words(25);
    out += "<item><guid>g-" + std::to_string(i) + "</guid><link>https://flood.example/a/" +
           std::to_string(i) + "</link><title>" + (copies ? "Talks" : words(4)) + " " + name +
           "</title><description>" + before + ". The US threatened sanctions on " + name +
           " banks. " + after + ".</description></item>";
  }
  return out + "</channel></rss>";
}

void BM_poll_one_feed_10000_items(benchmark::State& state) {
  const bool copies = state.range(0) == 1;
  const fs::path dir = fs::temp_directory_path() / "sanctwatch-bench-flood";
  fs::remove_all(dir);
  fs::create_directories(dir);
  sanctwatch::test::test_server server;
  const std::string body = one_feed(copies);
  server.route("/f", sanctwatch::test::http_reply{.body = body});
  const std::string config = (dir / "sanctwatch.yaml").string();
  std::ofstream(config) << "state: {path: " << (dir / "state.db").string() << "}\n"
                        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
                        << "feeds:\n  - {id: f, url: \"" << server.url("/f")
                        << "\", max_new_items: 10000}\n"
                        << "sinks:\n  - {type: jsonl, path: " << (dir / "alerts.jsonl").string()
                        << "}\n";
  for (auto _ : state) {
    for (const char* f : {"state.db", "state.db-wal", "state.db-shm", "alerts.jsonl"})
      fs::remove(dir / f);
    report(state, run_poll(config, (dir / "poll.log").string()), static_cast<double>(body.size()));
  }
  state.SetLabel(copies ? "10,000 copies of one story" : "10,000 distinct stories");
  fs::remove_all(dir);
}

}  // namespace

BENCHMARK(BM_poll_2000_feeds_cold)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_poll_one_feed_10000_items)->Arg(1)->Arg(0)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_poll_2000_feeds_all_304)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
