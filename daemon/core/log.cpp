#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

#include "core/time.hpp"

namespace sanctwatch::log {
namespace {

level initial_threshold() {
  const char* v = std::getenv("SANCTWATCH_LOG");
  if (!v) return level::info;
  const std::string_view s = v;
  if (s == "debug") return level::debug;
  if (s == "notice") return level::notice;
  if (s == "warning") return level::warning;
  if (s == "error") return level::error;
  return level::info;
}

std::atomic<int> threshold{static_cast<int>(initial_threshold())};
const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;

const char* name(level l) {
  switch (l) {
    case level::error: return "error";
    case level::warning: return "warning";
    case level::notice: return "notice";
    case level::info: return "info";
    case level::debug: return "debug";
  }
  return "info";
}

}  // namespace

void set_threshold(level l) { threshold = static_cast<int>(l); }
bool enabled(level l) { return static_cast<int>(l) <= threshold.load(); }

void write(level l, std::string_view message) {
  if (!enabled(l)) return;
  std::string line;
  if (journal) {
    line = "<" + std::to_string(static_cast<int>(l)) + ">";
  } else {
    line = format_rfc3339(std::chrono::time_point_cast<std::chrono::seconds>(
               std::chrono::system_clock::now())) +
           " " + name(l) + ": ";
  }
  line.append(message);
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '\n') line[i] = ' ';
  line += '\n';
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace sanctwatch::log
