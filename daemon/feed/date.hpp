#pragma once
/// Dates as feeds write them.

#include <optional>
#include <string_view>

#include "core/item.hpp"

namespace sanctwatch::feed {

/// RFC 822/1123/2822 (every common zone name, numeric offsets, 2-digit years, missing
/// weekday or seconds), RFC 3339 / ISO 8601 variants (fractional seconds, "+0100" offsets,
/// missing seconds, date only, space instead of T), asctime, and Unix timestamps.
/// Returns UTC, or empty when the text is not a date it can read: never "now".
std::optional<timestamp> parse_date(std::string_view s);

}  // namespace sanctwatch::feed
