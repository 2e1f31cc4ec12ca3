#pragma once
/// Inside the store: how its rows map to values, shared by the files that hold its methods
/// (store.cpp, leases.cpp). Times are Unix seconds in both backends.

#include <cstdint>
#include <optional>

#include "store/db.hpp"
#include "store/store.hpp"

namespace sanctwatch::store::rows {

inline std::int64_t secs(timestamp t) { return t.time_since_epoch().count(); }
inline timestamp at(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }
inline std::optional<std::int64_t> secs(const std::optional<timestamp>& t) {
  return t ? std::optional<std::int64_t>(secs(*t)) : std::nullopt;
}
inline std::optional<timestamp> at(const std::optional<std::int64_t>& s) {
  return s ? std::optional<timestamp>(at(*s)) : std::nullopt;
}

/// The columns read_feed() reads, in its order: the saved state, then the lease.
inline constexpr const char* feed_read_columns =
    "id, url, permanent_url, etag, last_modified, last_poll, last_success, next_poll, "
    "error_streak, last_error, last_status, items_total, disabled, lease_owner, lease_until";

feed_state read_feed(const statement& st);

}  // namespace sanctwatch::store::rows
