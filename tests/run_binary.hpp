#pragma once
// Runs the real sanctwatch binary for end-to-end tests.
#include <array>
#include <cstdio>
#include <optional>
#include <string>

#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>

namespace sanctwatch::testing {

struct run_result {
  int exit_code = -1;
  std::string out;  ///< stdout and stderr, interleaved
};

/// Runs `sanctwatch ARGS` through /bin/sh; ARGS is shell syntax. `stdin_text`, when given,
/// is written to a temporary file and becomes standard input.
inline run_result run_sanctwatch(const std::string& args, bool merge_stderr = true,
                                 const std::optional<std::string>& stdin_text = std::nullopt) {
  std::string cmd = std::string("'") + SANCTWATCH_BINARY + "' " + args + (merge_stderr ? " 2>&1" : "");
  std::string input_path;
  if (stdin_text) {
    char tmpl[] = "/tmp/sanctwatch-stdin-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) return {};
    input_path = tmpl;
    const ssize_t w = write(fd, stdin_text->data(), stdin_text->size());
    close(fd);
    if (w != static_cast<ssize_t>(stdin_text->size())) return {};
    cmd += " < '" + input_path + "'";
  }
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (!input_path.empty()) unlink(input_path.c_str());
  return r;
}

}  // namespace sanctwatch::testing
