#pragma once
// Runs the real sanctwatch binary from a benchmark and reports what the child cost: wall
// time, CPU seconds (user + system) and peak RSS, from wait4's rusage of that child alone.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

extern char** environ;

namespace sanctwatch::bench {

struct child_usage {
  double wall = 0, cpu = 0, max_rss_mb = 0;
  int exit_code = -1;
};

/// Runs `PROGRAM ARGS...` (`all[0]` a path); stdout goes to `log`, stderr to `log` too, or
/// to `errors` when given.
inline child_usage run_program(std::vector<std::string> all, const std::string& log,
                               const std::string& errors = "") {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (errors.empty()) posix_spawn_file_actions_adddup2(&fa, 1, 2);
  else posix_spawn_file_actions_addopen(&fa, 2, errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  child_usage u;
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, all[0].c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return u;
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  u.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  u.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  u.max_rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  u.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return u;
}

/// Runs `sanctwatch ARGS...` from the build tree; stdout and stderr go to `log`.
inline child_usage run_sanctwatch(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> all = {std::string(SANCTWATCH_BUILD_DIR) + "/sanctwatch"};
  all.insert(all.end(), args.begin(), args.end());
  return run_program(std::move(all), log);
}

}  // namespace sanctwatch::bench
