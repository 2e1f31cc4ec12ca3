// Poll throughput of 1, 2 and 3 daemons (`sanctwatch run`) sharing one PostgreSQL database,
// on 3,000 feeds served on loopback, against one daemon on a SQLite file. Each run starts from
// an empty state and ends when every feed has been polled once (its last success recorded);
// the figure is feeds per second of wall time, daemon start-up included.
//
// Two kinds of feed: answered at once (the daemons are bound by parsing and matching, so by
// the machine's cores), and answered after 200 ms (bound by how many requests a daemon keeps
// in flight, so more daemons poll more).
//
// The PostgreSQL server is the tests' (tests/pg_server.hpp) with PostgreSQL's default
// durability: every commit is flushed as in production.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <thread>

#include "feed_corpus.hpp"
#include "http/test_server.hpp"
#include "pg_server.hpp"
#include "store/store.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::vector<std::string>* load_corpus() {
  return sanctwatch::bench::feed_corpus("corpus-3000");
}

pid_t spawn_daemon(const std::string& config, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<std::string> all = {std::string(SANCTWATCH_BUILD_DIR) + "/sanctwatch", "run", "-c",
                                  config};
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, all[0].c_str(), &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// Stops a daemon with SIGTERM; its CPU seconds (user + system).
double stop_daemon(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

class fixture {
 public:
  fixture(const std::vector<std::string>& bodies, std::chrono::milliseconds delay)
      : dir_(fs::temp_directory_path() / "sanctwatch-bench-shared"), count_(bodies.size()) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      sanctwatch::test::http_reply r{
          .headers = {{"Content-Type", "application/rss+xml"}}, .body = bodies[i]};
      r.delay = delay;
      server_.route("/f" + std::to_string(i), r);
    }
  }
  ~fixture() { fs::remove_all(dir_); }

  std::size_t count() const { return count_; }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // A daemon's config: `state` is the YAML value of `state:`.
  std::string config(const std::string& node, const std::string& state) const {
    const std::string path = file(node + ".yaml");
    std::ofstream out(path);
    out << "node: " << node << "\nstate: " << state << "\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "network: {per_host: 64, max_parallel: 32}\n"
        << "defaults: {full_text: never}\n"
        << "feeds:\n";
    for (std::size_t i = 0; i < count_; ++i)
      out << "  - {id: f" << i << ", url: \"" << server_.url("/f" + std::to_string(i))
          << "\", interval: 1h}\n";
    out << "sinks:\n  - {type: jsonl, path: " << file(node + ".jsonl") << "}\n";
    return path;
  }

 private:
  fs::path dir_;
  std::size_t count_;
  sanctwatch::test::test_server server_;
};

// Feeds with a recorded success, as the state says now (-1 while it cannot be read).
long polled(const std::string& location) {
  try {
    sanctwatch::store::store s(location);
    long n = 0;
    for (const auto& f : s.feeds()) n += f.last_success ? 1 : 0;
    return n;
  } catch (const std::exception&) {
    return -1;
  }
}

// Starts `daemons` daemons on `state`, waits until every feed is polled, stops them.
void run(benchmark::State& state, fixture& fx, int daemons, const std::string& state_value,
         const std::string& location, const std::function<void()>& reset) {
  double cpu = 0;
  for (auto _ : state) {
    reset();
    std::vector<pid_t> pids;
    const auto start = std::chrono::steady_clock::now();
    for (int d = 0; d < daemons; ++d) {
      const std::string node = "d" + std::to_string(d + 1);
      pids.push_back(spawn_daemon(fx.config(node, state_value), fx.file(node + ".log")));
    }
    const auto deadline = start + 15min;
    bool done = false;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(250ms);
      done = polled(location) == static_cast<long>(fx.count());
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    for (pid_t p : pids) cpu += p > 0 ? stop_daemon(p) : 0;
    if (!done) return state.SkipWithError("not every feed was polled within 15 minutes");
  }
  state.counters["feeds_per_s"] = benchmark::Counter(
      static_cast<double>(fx.count()) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.counters["daemon_cpu_s"] = cpu / static_cast<double>(state.iterations());
}

std::chrono::milliseconds delay_of(const benchmark::State& state) {
  return std::chrono::milliseconds(state.range(0));
}

void BM_shared_poll_sqlite(benchmark::State& state) {
  const auto* bodies = load_corpus();
  if (!bodies) return state.SkipWithError("corpus-3000 missing: run `make bench`");
  fixture fx(*bodies, delay_of(state));
  const std::string db = fx.file("state.db");
  run(state, fx, 1, "{path: " + db + "}", db, [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db + suffix);
  });
  state.SetLabel("1 daemon, SQLite");
}

void BM_shared_poll_postgresql(benchmark::State& state) {
  const auto* bodies = load_corpus();
  if (!bodies) return state.SkipWithError("corpus-3000 missing: run `make bench`");
  // One server for every run, stopped at exit.
  static sanctwatch::testing::pg_server server(/*durable=*/true);
  auto* pg = &server;
  if (!pg->available()) return state.SkipWithError(pg->why().c_str());
  fixture fx(*bodies, delay_of(state));
  const int daemons = static_cast<int>(state.range(1));
  run(state, fx, daemons, "{url: \"" + pg->uri() + "\"}", pg->uri(),
      [&] { pg->psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"); });
  state.SetLabel(std::to_string(daemons) + (daemons == 1 ? " daemon" : " daemons") +
                 ", PostgreSQL");
}

}  // namespace

BENCHMARK(BM_shared_poll_sqlite)->Arg(0)->Arg(200)->ArgName("delay_ms")
    ->UseManualTime()->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_shared_poll_postgresql)
    ->ArgsProduct({{0, 200}, {1, 2, 3}})->ArgNames({"delay_ms", "daemons"})
    ->UseManualTime()->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK_MAIN();
