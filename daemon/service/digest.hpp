#pragma once
/// Digests (config `digest` on email and chat sinks): the alerts a sink takes over a period,
/// sent as one message. The pipeline queues them instead of routing them
/// (store::alert_record::digests); this seals them. When a sink's oldest queued entry is one
/// period old, all its queued entries become one digest document (docs/alerts.md, "Digests")
/// stored with one outbox row, in one transaction; the dispatcher then delivers it like an
/// alert, with retries, dead letters, replay, and again after a crash. An entry is in exactly
/// one digest; a crash before the seal leaves the entries queued, after it the digest pending.
///
/// Runs on the daemon's io_context thread (the dispatcher calls it).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sinks/sink.hpp"
#include "store/store.hpp"

namespace sanctwatch::service {

/// The digest document (sanctwatch.digest/1) of `entries` (store::store::queued: oldest first)
/// for `sink`, sealed at `now`: each alert once, at the latest revision the entries hold, with
/// whether the alert itself is among them (`new`), how many of its updates are (`updates`) and,
/// for one that is not new, what those updates brought together (`changes`); most severe
/// first. Entries whose document is not JSON are left out.
nlohmann::json make_digest(const std::string& sink, std::chrono::seconds period,
                           const std::vector<store::queued_entry>& entries, timestamp now);

/// Seals every digest that is due at `now`: for each sink in `sinks` that collects digests and
/// whose oldest queued entry is at least its period old. The queued entries of a sink that no
/// longer collects them become single deliveries (store::release_queued); those of a sink that
/// is not configured wait for it. Returns how many digests were sealed.
int seal_due_digests(store::store& db,
                     const std::map<std::string, std::shared_ptr<sinks::sink>>& sinks,
                     timestamp now);

/// When the next digest of a configured sink is due (its oldest queued entry plus its period;
/// the entry's time for a sink that no longer collects digests); empty when none is queued.
std::optional<timestamp> next_digest_due(
    store::store& db, const std::map<std::string, std::shared_ptr<sinks::sink>>& sinks);

}  // namespace sanctwatch::service
