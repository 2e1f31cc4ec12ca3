// End to end, as a user runs it: `sanctwatch match --rules rules FEED...` over the corpus of
// 200 feeds x 50 items (scripts/gen-corpus.py, seed 1). Reads, parses, normalizes, scans, evaluates
// and prints every alert as JSON. Pinned to one core (the affinity is inherited by the child);
// reports MB/s of feed XML by wall time and by the child's CPU time, and its peak RSS.
#include <benchmark/benchmark.h>
#include <sched.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace {

namespace fs = std::filesystem;

struct corpus {
  std::vector<std::string> files;
  double bytes = 0;
};

const corpus& load_corpus() {
  static const corpus c = [] {
    corpus out;
    const fs::path dir = SANCTWATCH_BENCH_CORPUS;
    std::ifstream list(dir / "feeds.txt");
    for (std::string name; std::getline(list, name);) {
      if (name.empty()) continue;
      out.files.push_back((dir / name).string());
      out.bytes += static_cast<double>(fs::file_size(dir / name));
    }
    return out;
  }();
  return c;
}

void run(benchmark::State& state, std::vector<std::string> args) {
  const corpus& c = load_corpus();
  if (c.files.empty()) return state.SkipWithError("corpus missing: run `make bench`");
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  sched_setaffinity(0, sizeof one, &one);
  args.insert(args.end(), c.files.begin(), c.files.end());
  const std::string log = (fs::temp_directory_path() / "sanctwatch-bench-match.jsonl").string();
  double cpu = 0, rss = 0;
  for (auto _ : state) {
    const auto u = sanctwatch::bench::run_sanctwatch(args, log);
    // 0: nothing found, 1: alerts found (like grep); 2 and up: an error.
    if (u.exit_code > 1) return state.SkipWithError("sanctwatch match failed (see the log)");
    state.SetIterationTime(u.wall);
    cpu += u.cpu;
    rss = std::max(rss, u.max_rss_mb);
  }
  std::ifstream alerts(log);
  std::size_t lines = 0;
  for (std::string line; std::getline(alerts, line);) ++lines;
  const double n = static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(c.bytes * n));
  state.counters["feed_MB"] = c.bytes / 1e6;
  state.counters["cpu_s"] = cpu / n;
  state.counters["MB_per_cpu_s"] = c.bytes / 1e6 / (cpu / n);
  state.counters["peak_rss_MB"] = rss;
  state.counters["alerts"] = static_cast<double>(lines);
  CPU_ZERO(&one);
  for (int i = 0; i < CPU_SETSIZE; ++i) CPU_SET(i, &one);
  sched_setaffinity(0, sizeof one, &one);
}

void BM_match_corpus_default_rules(benchmark::State& state) {
  run(state,
      {"match", "--rules", std::string(SANCTWATCH_SOURCE_DIR) + "/rules", "--format", "json"});
}

}  // namespace

BENCHMARK(BM_match_corpus_default_rules)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_MAIN();
