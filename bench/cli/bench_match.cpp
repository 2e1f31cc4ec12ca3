// End to end, as a user runs it: `sanctwatch match --rules rules FEED...` over the corpus of
// 200 feeds x 50 items (scripts/gen-corpus.py, seed 1). Reads, parses, normalizes, scans, evaluates
// and prints every alert as JSON: with the default rules, with the SDN list on one core and on
// two (-j 2), and the Python peer (feedparser + pyahocorasick) on one core. Pinned (the affinity
// is inherited by the child); reports MB/s of feed XML by wall time and by the child's CPU
// time, and its peak RSS.
#include <benchmark/benchmark.h>
#include <sched.h>

#include <cstdlib>
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

// The SDN list of ../shared (sdn.csv with alt.csv and add.csv beside it), when it is there.
std::string sdn_dir() {
  const fs::path dir = fs::path(SANCTWATCH_SHARED_DIR) / "data" / "ofac-sdn-2022-01";
  return fs::exists(dir / "sdn.csv") ? dir.string() : "";
}

// Runs `command` (sanctwatch's arguments, or a program's path and arguments when `program`)
// over the corpus, on one core unless `cores` is 2.
void run(benchmark::State& state, std::vector<std::string> command, bool program = false,
         int cores = 1) {
  const corpus& c = load_corpus();
  if (c.files.empty()) return state.SkipWithError("corpus missing: run `make bench`");
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = 0; i < cores; ++i) CPU_SET(i, &set);
  sched_setaffinity(0, sizeof set, &set);
  command.insert(command.end(), c.files.begin(), c.files.end());
  const std::string log = (fs::temp_directory_path() / "sanctwatch-bench-match.jsonl").string();
  const std::string errors = (fs::temp_directory_path() / "sanctwatch-bench-match.err").string();
  double cpu = 0, rss = 0;
  for (auto _ : state) {
    const auto u = program ? sanctwatch::bench::run_program(command, log, errors)
                           : sanctwatch::bench::run_sanctwatch(command, log);
    // 0: nothing found, 1: alerts found (like grep); 2 and up: an error.
    if (u.exit_code < 0 || u.exit_code > 1)
      return state.SkipWithError((command[0] + " failed (see " + log + ")").c_str());
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
  state.counters["lines_out"] = static_cast<double>(lines);
  CPU_ZERO(&set);
  for (int i = 0; i < CPU_SETSIZE; ++i) CPU_SET(i, &set);
  sched_setaffinity(0, sizeof set, &set);
}

std::vector<std::string> match_args(int jobs, bool sdn) {
  std::vector<std::string> a = {"match", "--rules", std::string(SANCTWATCH_SOURCE_DIR) + "/rules",
                                "--format", "json", "-j", std::to_string(jobs)};
  if (sdn) {
    a.push_back("--entities");
    a.push_back("ofac-sdn-csv:" + sdn_dir() + "/sdn.csv");
  }
  return a;
}

void BM_match_corpus_default_rules(benchmark::State& state) { run(state, match_args(1, false)); }

// With the 2022 SDN list (its names screened in every item): range(0) workers on as many cores.
void BM_match_corpus_sdn(benchmark::State& state) {
  if (sdn_dir().empty()) return state.SkipWithError("no SDN list under SANCTWATCH_SHARED_DIR");
  const int jobs = static_cast<int>(state.range(0));
  run(state, match_args(jobs, true), false, jobs);
}

// The peer (bench/cli/peer_match.py: feedparser + pyahocorasick over the same SDN names), one
// core: what sanctwatch's speed is compared with in docs/performance.md.
void BM_peer_feedparser_ahocorasick(benchmark::State& state) {
  if (sdn_dir().empty()) return state.SkipWithError("no SDN list under SANCTWATCH_SHARED_DIR");
  if (std::system("/usr/bin/python3 -c 'import feedparser, ahocorasick' 2>/dev/null") != 0)
    return state.SkipWithError("python3-feedparser or python3-ahocorasick is not installed");
  run(state,
      {"/usr/bin/python3", std::string(SANCTWATCH_SOURCE_DIR) + "/bench/cli/peer_match.py",
       sdn_dir()},
      true);
}

}  // namespace

BENCHMARK(BM_match_corpus_default_rules)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_match_corpus_sdn)->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_peer_feedparser_ahocorasick)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_MAIN();
