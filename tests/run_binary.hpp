#pragma once
// Runs the real sanctwatch binary for end-to-end tests.
#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace sanctwatch::testing {

struct run_result {
  int exit_code = -1;
  std::string out;  ///< stdout and stderr, interleaved
};

/// Runs `sanctwatch ARGS` through the shell; ARGS is shell syntax.
inline run_result run_sanctwatch(const std::string& args, bool merge_stderr = true) {
  std::string cmd = std::string("'") + SANCTWATCH_BINARY + "' " + args + (merge_stderr ? " 2>&1" : "");
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace sanctwatch::testing
