#pragma once
/// Polls feeds: fetch (conditional GET) -> parse -> pipeline -> feed state, and decides
/// when each feed is due next. A feed that cannot be fetched or parsed is logged with its
/// id and reason and retried later with exponential backoff; nothing else stops.
///
/// Runs on the daemon's io_context thread (the thread of its http::client). A long document
/// is processed in steps (pipeline::process_some) posted one after the other, so transfers,
/// timers and deliveries keep running while a huge feed is matched and recorded.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "http/client.hpp"
#include "service/full_text.hpp"
#include "service/pipeline.hpp"
#include "store/store.hpp"

namespace sanctwatch::service {

/// One configured feed, as the poller needs it.
struct feed_spec {
  std::string id;
  std::string url;
  std::string title;  ///< from OPML; empty: the feed's own
  std::chrono::seconds interval{15 * 60};
  std::vector<std::pair<std::string, std::string>> headers;
  std::string user_agent;
  bool enabled = true;
  bool adaptive = false;  ///< poll sooner after polls that brought new items
  std::size_t max_new_items = 1000;  ///< per poll; the rest next poll (0: no cap)
  /// HTTP authentication, taken out of the configured URL (which `url` no longer carries, so
  /// it can be stored, logged and shown) or from a password file; sent only to `url`'s host.
  std::string user{};
  std::string password{};
  /// Fetch the page behind new items' links (needs a full_text_fetcher; docs/full-text.md).
  config::full_text_mode full_text = config::full_text_mode::auto_;
};

struct poll_settings {
  std::chrono::seconds timeout{30};
  std::chrono::seconds low_speed_time{30};
  std::size_t max_body = 16u << 20;
  int max_redirects = 10;
  /// How long a claimed feed is this daemon's before another may take it (config
  /// state.lease); the daemon renews the claims of the polls it has in flight.
  std::chrono::seconds lease{60};
  /// Feeds in flight at most: due feeds beyond it stay unclaimed, for this daemon's next
  /// round or for another daemon sharing the state.
  std::size_t max_in_flight = 64;
};

/// What became of one poll, for logs, metrics and `poll`'s exit code.
struct poll_result {
  std::string feed_id;
  bool ok = false;
  bool not_modified = false;
  int status = 0;
  std::string error;
  pipeline_stats stats;
  std::size_t deferred = 0;  ///< new items left for the next poll (feed's max_new_items)
  bool interrupted = false;  ///< the daemon stopped before the document was through
  bool disk_error = false;   ///< the state file refused a write: nothing of this poll was kept
  int error_streak = 0;      ///< the feed's failed polls in a row, this one included
  /// Full text: articles matched with their items, and items left with their own text
  /// because the page could not be had (each with its reason in the log and the store).
  int articles = 0;
  int articles_failed = 0;
  std::chrono::steady_clock::duration elapsed{};
};

/// The interval an adaptive feed uses after a poll that brought `new_items`: a quarter of
/// the configured one after a burst (3 or more), half after any new item, the configured
/// one otherwise; never under a minute.
std::chrono::seconds adaptive_interval(std::chrono::seconds interval, int new_items);

/// When to poll next after a success: the interval, raised by RSS <ttl> and Cache-Control
/// max-age (capped at 24 h), with +-10% jitter so feeds configured together spread out.
std::chrono::seconds next_interval(std::chrono::seconds interval, std::optional<int> ttl_minutes,
                                   std::string_view cache_control, std::mt19937_64& rng);

class poller {
 public:
  using clock_fn = std::function<timestamp()>;

  /// With a `fetcher`, the new items of a document whose feed asks for full text wait for
  /// their articles (or the reasons there are none) before the document is matched.
  poller(http::client& client, store::store& db, pipeline& pipe, poll_settings settings,
         clock_fn now, full_text_fetcher* fetcher = nullptr);

  void set_feeds(std::vector<feed_spec> feeds);
  void set_settings(poll_settings s) { settings_ = s; }
  const std::vector<feed_spec>& feeds() const { return feeds_; }

  /// Called after each poll completes (its state already saved).
  void on_result(std::function<void(const poll_result&)> f) { on_result_ = std::move(f); }

  /// Claims (store::claim_feeds) and starts the enabled feeds that are due (every enabled one
  /// with `all`), up to max_in_flight in flight, and not held by another daemon sharing the
  /// state. Returns how many were started.
  int poll_due(bool all = false);
  /// When the next feed can be claimed; empty when no feed is enabled.
  std::optional<timestamp> next_due();
  std::size_t in_flight() const { return in_flight_.size(); }
  /// Polls started on a feed whose lease another daemon had let lapse (it died mid-poll).
  std::uint64_t takeovers() const { return takeovers_; }
  /// The daemon is stopping: a document being processed ends after its current step, its
  /// remaining items unseen and its validators kept, so the next start fetches it again.
  void stop() { stopping_ = true; }

 private:
  /// A fetched document on its way through the pipeline.
  struct document_job {
    feed_spec f;
    store::feed_state st;
    http::response r;  ///< headers; the body is dropped once parsed
    timestamp now;
    poll_result res;
    feed_document doc;
    pipeline_progress progress;
    std::size_t articles_waiting = 0;  ///< full-text fetches not back yet
  };

  void start(const feed_spec& f, store::feed_state st);
  void finish(const feed_spec& f, store::feed_state st, http::response r);
  void step(std::shared_ptr<document_job> job);
  /// Asks for the articles of the document's new items that want them; steps the document
  /// when all are back (at once when none is wanted).
  void fetch_articles(std::shared_ptr<document_job> job);
  /// The end of every poll: the feed leaves in_flight, its state is saved, on_result runs.
  void settle(const feed_spec& f, store::feed_state st, const http::response& r, timestamp now,
              poll_result res);
  /// Saves the feed's state and reports the poll.
  void settle_state(const feed_spec& f, const store::feed_state& st, poll_result res);
  /// A write to the state file failed: the poll is dropped whole (its step rolled back, the
  /// feed state not saved), so the next poll after the disk recovers does it again.
  void abandon(const feed_spec& f, poll_result res, const store::db_error& e);
  void fail(const feed_spec& f, store::feed_state& st, poll_result& res, timestamp now,
            std::string why, std::optional<std::chrono::seconds> retry_after = std::nullopt);

  http::client& client_;
  store::store& db_;
  pipeline& pipe_;
  full_text_fetcher* fetcher_ = nullptr;
  poll_settings settings_;
  clock_fn now_;
  std::vector<feed_spec> feeds_;
  std::map<std::string, std::size_t> index_;  ///< enabled feeds: id -> position in feeds_
  std::string ids_;                           ///< their ids as a JSON array, for the store
  bool synced_ = false;                       ///< the store has a row for each of them
  std::uint64_t takeovers_ = 0;
  std::map<std::string, bool> in_flight_;
  std::function<void(const poll_result&)> on_result_;
  std::mt19937_64 rng_{std::random_device{}()};
  bool stopping_ = false;
};

}  // namespace sanctwatch::service
