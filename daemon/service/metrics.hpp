#pragma once
/// Prometheus metrics (text exposition format 0.0.4) and the HTTP endpoint that serves
/// them with /healthz. Off unless `metrics: {listen: HOST:PORT}` is configured.
///
/// The registry and the server live on the daemon's io_context thread: no locks.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace asio {
class io_context;
}

namespace sanctwatch::service {

class metrics {
 public:
  /// One finished poll of a feed. `result` is "ok", "not_modified" or "error".
  void poll(const std::string& feed, const std::string& result, double seconds, int new_items,
            std::int64_t now_unix);
  void alert(const std::string& rule);
  /// New items of a feed left for its next poll (over max_new_items).
  void deferred(const std::string& feed, std::size_t n) { deferred_[feed] += n; }
  /// One full-text fetch finished with this status ("ok", "HTTP 404", "timeout", ...); counted
  /// under a small set of results (ok, http_error, not_html, too_large, timeout, refused,
  /// no_article, error) so that the label stays bounded.
  void article(const std::string& status);
  /// One delivery outcome: "delivered", "retry" or "dead".
  void delivery(const std::string& sink, const std::string& result);
  void set_outbox_pending(std::int64_t n) { outbox_pending_ = n; }
  /// Dead letters in the outbox: deliveries given up on, waiting for `sanctwatch replay`.
  void set_outbox_dead(std::int64_t n) { outbox_dead_ = n; }
  /// A feed's failed polls in a row (0 after a success), as the state file keeps it.
  void set_error_streak(const std::string& feed, int n) { error_streak_[feed] = n; }
  /// Alerts (and updates) queued for sinks' next digests.
  void set_digest_queued(std::int64_t n) { digest_queued_ = n; }
  void set_feeds(std::int64_t n) { feeds_ = n; }
  void reloaded(bool ok) { ++reloads_[ok ? "ok" : "error"]; }
  /// An entity list refresh that was refused or failed: `reason` is "fetch", "parse",
  /// "shrink" or "compile"; the last good copy stays in use.
  void list_refresh_failed(const std::string& list, const std::string& reason) {
    ++list_failures_[{list, reason}];
  }
  /// The entries of the copy of an entity list in use, and when it last changed (unix time).
  void set_list(const std::string& list, std::int64_t entries, std::int64_t changed_unix) {
    list_entries_[list] = entries;
    list_changed_[list] = changed_unix;
  }
  /// Why the daemon is degraded (e.g. the state file refuses writes); empty: healthy.
  void set_degraded(std::string why) { degraded_ = std::move(why); }
  /// Who this daemon is among those sharing the state, and on which backend.
  void set_node(std::string node, std::string backend) {
    node_ = std::move(node);
    backend_ = std::move(backend);
  }
  /// The leases this daemon holds now (polls and deliveries in flight), and the polls it
  /// started on a feed whose lease another daemon had let lapse.
  void set_leases(std::int64_t feeds, std::int64_t deliveries, std::uint64_t takeovers) {
    lease_feeds_ = feeds;
    lease_deliveries_ = deliveries;
    takeovers_ = takeovers;
  }
  const std::string& degraded() const { return degraded_; }

  /// The whole exposition, "# HELP"/"# TYPE" lines included: the daemon's metrics, its build
  /// (sanctwatch_build_info) and the process (process_*, from /proc/self, as Prometheus
  /// client libraries name them).
  std::string render() const;

  static constexpr std::array<double, 10> buckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

 private:
  std::map<std::pair<std::string, std::string>, std::uint64_t> polls_;       // feed, result
  std::map<std::string, std::uint64_t> items_;                                // feed
  std::map<std::string, std::uint64_t> deferred_;                             // feed
  std::map<std::string, std::int64_t> last_success_;                         // feed
  std::map<std::string, std::uint64_t> alerts_;                              // rule
  std::map<std::pair<std::string, std::string>, std::uint64_t> deliveries_;  // sink, result
  std::map<std::string, std::uint64_t> reloads_;
  std::map<std::string, std::uint64_t> articles_;  // result
  std::map<std::pair<std::string, std::string>, std::uint64_t> list_failures_;  // list, reason
  std::map<std::string, std::int64_t> list_entries_;                           // list
  std::map<std::string, std::int64_t> list_changed_;                           // list
  std::array<std::uint64_t, buckets.size()> latency_counts_{};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::int64_t outbox_pending_ = 0;
  std::int64_t outbox_dead_ = 0;
  std::map<std::string, int> error_streak_;  // feed
  std::int64_t digest_queued_ = 0;
  std::int64_t feeds_ = 0;
  std::string degraded_;
  std::string node_, backend_;
  std::int64_t lease_feeds_ = 0, lease_deliveries_ = 0;
  std::uint64_t takeovers_ = 0;
};

/// Bounds on metrics clients, so that idle or slow ones cannot take the descriptors and the
/// loop that the feeds and the state database need.
struct metrics_limits {
  /// From accept to the end of the answer; then the connection is closed, finished or not.
  std::chrono::milliseconds request_timeout{std::chrono::seconds{10}};
  /// Connections served at once; one more is answered 503 and closed at once.
  std::size_t max_connections = 64;
};

/// Serves GET /metrics and GET /healthz (and HEAD) over HTTP/1.0 and 1.1 on one address.
/// Connections are short: one request, one response, close.
class metrics_server {
 public:
  /// Binds `listen` ("127.0.0.1:9464", "[::1]:9464", port 0 picks one); throws
  /// std::runtime_error naming the address when it cannot bind.
  metrics_server(asio::io_context& io, const std::string& listen, const metrics& m,
                 metrics_limits limits = {});
  /// Closes the listening socket and every open connection.
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  /// "127.0.0.1:40123": the bound address, with the real port.
  std::string address() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

/// Escapes a label value for the exposition format.
std::string label_escape(const std::string& v);

}  // namespace sanctwatch::service
