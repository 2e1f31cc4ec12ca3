#pragma once
/// Timing helpers for polite polling: Retry-After parsing and exponential backoff with
/// jitter. Pure functions, no I/O; safe to call from any thread (the rng is the caller's).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace sanctwatch::http {

/// Parses an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
/// and the obsolete RFC 850 and asctime forms. Empty when malformed.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text);

/// Parses a Retry-After value, either delay-seconds or an HTTP-date, into a delay from
/// `now`. A date in the past gives zero. Empty when the value is malformed.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

/// Shape of next_backoff().
struct backoff_policy {
  std::chrono::seconds base{60};           ///< delay ceiling after the first failure
  std::chrono::seconds cap{24 * 60 * 60};  ///< never wait longer than this
};

/// Delay before the next attempt after `streak` consecutive failures (1 = first failure):
/// the ceiling doubles per failure from policy.base up to policy.cap, and the result is
/// drawn uniformly from [ceiling/2, ceiling] so that feeds failing together spread out
/// while the delay still grows. streak 0 gives zero.
template <class Rng>
std::chrono::seconds next_backoff(unsigned streak, Rng& rng, const backoff_policy& policy = {}) {
  if (streak == 0) return std::chrono::seconds{0};
  const std::int64_t base = std::max<std::int64_t>(1, policy.base.count());
  const std::int64_t cap = std::max<std::int64_t>(base, policy.cap.count());
  std::int64_t ceiling = base;
  for (unsigned i = 1; i < streak && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  std::uniform_int_distribution<std::int64_t> jitter(ceiling / 2, ceiling);
  return std::chrono::seconds{jitter(rng)};
}

}  // namespace sanctwatch::http
