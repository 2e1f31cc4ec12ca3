#pragma once
/// Delivers the outbox: claims due rows, hands each to its sink, records the outcome.
/// 2xx -> delivered; retryable failures follow the schedule below with jitter (or the
/// receiver's Retry-After); after the last retry, or on a permanent failure, dead letter.
/// A row stays pending in the store until its outcome is recorded, so after a crash every
/// in-flight delivery is sent again, with the same alert id. A row is one revision of an
/// alert for one sink: the alert itself (0) or one of its updates (1, 2, ...), or a digest.
/// Digests that are due are sealed (service/digest.hpp) before the due rows are read, so a
/// digest goes out in the pass that seals it.
///
/// Runs on the daemon's io_context thread.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sinks/sink.hpp"
#include "store/store.hpp"

namespace sanctwatch::service {

/// The delay before attempt `failures + 1`, after `failures` failed attempts (1-based):
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, each with +-10% jitter; empty when
/// the schedule is exhausted (dead letter).
std::optional<std::chrono::seconds> retry_delay(int failures, std::mt19937_64& rng);

struct dispatch_stats {
  int delivered = 0;
  int retried = 0;
  int dead = 0;
  int silenced = 0;  ///< held from a sink people read by a silence made after it was queued
};

class dispatcher {
 public:
  using clock_fn = std::function<timestamp()>;

  dispatcher(store::store& db, std::vector<std::shared_ptr<sinks::sink>> sinks, clock_fn now);

  void set_sinks(std::vector<std::shared_ptr<sinks::sink>> s);
  /// How long a claimed delivery is this daemon's before another may take it (the daemon
  /// renews the claims of those in flight; config state.lease).
  void set_lease(std::chrono::seconds lease) { lease_ = lease; }
  /// Called whenever a delivery completes (to re-arm timers, finish `poll`, ...).
  void on_settled(std::function<void()> f) { settled_ = std::move(f); }
  /// Called with every delivery outcome (metrics).
  void on_outcome(std::function<void(const store::delivery&, const sinks::outcome&)> f) {
    outcome_ = std::move(f);
  }

  /// Seals the digests that are due, then starts every due delivery that is not already in
  /// flight.
  void run_due();
  /// When the next pending delivery that no daemon holds, or the next digest, is due (for the
  /// daemon's timer): a delivery in flight (here or on another daemon sharing the state) is
  /// due when its lease lapses, not at once, or the timer would fire over and over.
  std::optional<timestamp> next_due();
  std::size_t in_flight() const { return in_flight_.size(); }
  /// Outcomes the state file refused to record (a full disk): kept, and recorded by the next
  /// run_due() before anything new is sent, so no delivery is sent twice for want of its mark.
  std::size_t unrecorded() const { return unrecorded_.size(); }
  const dispatch_stats& stats() const { return stats_; }

 private:
  void settle(const store::delivery& d, const sinks::outcome& o);
  void record(const store::delivery& d, const sinks::outcome& o);

  store::store& db_;
  std::map<std::string, std::shared_ptr<sinks::sink>> sinks_;
  clock_fn now_;
  std::chrono::seconds lease_{60};
  std::set<std::tuple<std::string, std::string, int>> in_flight_;  ///< alert, sink, revision
  std::vector<std::pair<store::delivery, sinks::outcome>> unrecorded_;
  std::function<void()> settled_;
  std::function<void(const store::delivery&, const sinks::outcome&)> outcome_;
  bool running_ = false;        ///< inside run_due(): completions must not re-enter it
  bool settled_pending_ = false;
  std::mt19937_64 rng_{std::random_device{}()};
  dispatch_stats stats_;
};

}  // namespace sanctwatch::service
