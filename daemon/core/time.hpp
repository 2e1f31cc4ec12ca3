#pragma once
/// Formatting of UTC timestamps for documents and logs.

#include <optional>
#include <string>

#include "core/item.hpp"

namespace sanctwatch {

/// The current time, to the second.
timestamp now_utc();

/// "2024-06-01T00:00:00Z".
std::string format_rfc3339(timestamp t);

/// Seconds since the epoch to a UTC timestamp; empty when out of the years 1..9999.
std::optional<timestamp> from_civil(int year, int month, int day, int hour, int minute,
                                    int second, int offset_seconds = 0);

}  // namespace sanctwatch
