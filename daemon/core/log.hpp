#pragma once
/// Logging to stderr with levels. Under systemd (JOURNAL_STREAM set) each line starts with
/// the "<N>" priority prefix the journal understands; on a terminal, a UTC time and level.
/// Thread-safe: one write() per line.

#include <string_view>

namespace sanctwatch::log {

enum class level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

/// Lines above this level are dropped (default info; SANCTWATCH_LOG=debug|info|notice|...).
void set_threshold(level l);
bool enabled(level l);

void write(level l, std::string_view message);

inline void error(std::string_view m) { write(level::error, m); }
inline void warning(std::string_view m) { write(level::warning, m); }
inline void notice(std::string_view m) { write(level::notice, m); }
inline void info(std::string_view m) { write(level::info, m); }
inline void debug(std::string_view m) { write(level::debug, m); }

}  // namespace sanctwatch::log
