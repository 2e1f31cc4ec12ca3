#pragma once
// Running the real binary in the background: spawn, wait with a bound, and read its CPU time.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace sanctwatch::testing {

/// Spawns `sanctwatch ARGS...` with stdout and stderr appended to `log`; -1 on failure.
inline pid_t spawn_sanctwatch(const std::vector<std::string>& args, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::string bin = SANCTWATCH_BINARY;
  std::vector<std::string> all = {bin};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

/// Waits until `pred` holds or `limit` passes; the last value of `pred`.
template <class F>
bool eventually(F pred, std::chrono::milliseconds limit = std::chrono::milliseconds(15000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

/// Reaps `pid` if it exits within `limit`: its exit status, or -1 (still running).
inline int wait_exit(pid_t pid, std::chrono::milliseconds limit) {
  int status = 0;
  const bool gone = eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }, limit);
  return gone ? status : -1;
}

/// utime + stime of a process in clock ticks (/proc/PID/stat), or -1.
inline long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(s.substr(close + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) {
      stime = std::stol(f);
      return utime + stime;
    }
  }
  return -1;
}

}  // namespace sanctwatch::testing
