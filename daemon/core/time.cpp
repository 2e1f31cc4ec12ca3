#include "core/time.hpp"

#include <cstdio>

namespace sanctwatch {

timestamp now_utc() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string format_rfc3339(timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<timestamp> from_civil(int year, int month, int day, int hour, int minute, int second,
                                    int offset_seconds) {
  using namespace std::chrono;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || hour < 0 || hour > 24 || minute < 0 ||
      minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  // A leap second (":60") is folded into the next second rather than rejected.
  return sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} - seconds{offset_seconds};
}

}  // namespace sanctwatch
