#pragma once
/// Full text: the page behind a summary-only feed item, fetched and reduced to its article
/// (extract/) so that rules see the names and sentences the feed left out
/// (docs/full-text.md).
///
/// One fetch per canonical URL (story::canonical_link), whatever number of feeds or items
/// carry the link: callers asking while it is under way wait for the same fetch, later ones
/// get the stored result (store::article). Fetches go through the daemon's HTTP client, so
/// they share each host's concurrency budget with its feeds; on top of that at most `rate`
/// article fetches per host start in any minute, the rest wait in the host's queue (a news
/// site is never hit by a burst because forty of its items arrived at once). Links come from
/// feed content and are untrusted: their requests may not reach private addresses unless
/// network.allow_private says so.
///
/// Runs on the daemon's io_context thread, like the poller that calls it.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/item.hpp"
#include "http/client.hpp"
#include "store/store.hpp"

namespace sanctwatch::service {

struct full_text_settings {
  std::chrono::seconds max_age{7 * 24 * 3600};  ///< older items are not fetched
  int rate = 12;                                ///< article fetches per host and minute
  std::size_t min_words = 150;                  ///< `auto` fetches below this many words
  std::chrono::seconds timeout{30};
  std::chrono::seconds low_speed_time{30};
  std::size_t max_body = 8u << 20;  ///< larger pages are refused, not cut
  int max_redirects = 10;
};

/// Words of the item's own text (title, summary, content), as `auto` counts them.
std::size_t own_words(const item& it);

/// Whether the page behind an item's link is to be fetched: a http(s) link, the feed's mode
/// (`never`: no; `always`: yes; `auto`: fewer than min_words words of its own), and not
/// published more than max_age before `now` (an item without a date counts as new).
bool wants_full_text(config::full_text_mode mode, const item& it, timestamp now,
                     const full_text_settings& s);

/// Whether a stored failure may be retried: timeouts, refused connections, DNS failures, 5xx
/// and 429 pass; a 404, a page that is not HTML or too large, a refused address do not.
bool transient_failure(const std::string& status);

class full_text_fetcher {
 public:
  using clock_fn = std::function<timestamp()>;
  /// The outcome: status "ok" with the text, or why not ("HTTP 404", "timeout", ...);
  /// "cancelled" when the daemon stopped first (not stored).
  using done_fn = std::function<void(const store::article_record&)>;

  full_text_fetcher(http::client& client, store::store& db, clock_fn now,
                    full_text_settings s = {});
  ~full_text_fetcher();
  full_text_fetcher(const full_text_fetcher&) = delete;
  full_text_fetcher& operator=(const full_text_fetcher&) = delete;

  void set_settings(const full_text_settings& s) { settings_ = s; }
  const full_text_settings& settings() const { return settings_; }

  /// The article behind `link`: stored, joined to a fetch under way, or fetched. `done` runs
  /// exactly once, later (posted), on the io_context's thread.
  void get(const std::string& link, const std::string& user_agent, done_fn done);

  /// Every waiting caller gets "cancelled"; queued fetches are dropped (the HTTP client's
  /// own cancel_all aborts the running ones).
  void cancel_all();

  /// Called for every finished fetch (not for stored answers): its status, for metrics.
  void on_fetched(std::function<void(const store::article_record&)> f) {
    on_fetched_ = std::move(f);
  }

  std::size_t queued() const;  ///< fetches waiting for their host's rate
  std::size_t running() const { return running_; }

 private:
  struct host_queue;
  struct pending {
    std::string link;  ///< as the first caller gave it
    std::string user_agent;
    std::vector<done_fn> waiters;
  };

  void pump(const std::string& host);
  /// Forgets hosts with nothing queued, running, paused or counted in the last minute.
  void sweep();
  void start(const std::string& canonical);
  void finish(const std::string& canonical, http::response r);
  void complete(const std::string& canonical, const store::article_record& a);
  /// Answers every page waiting in a host's queue with `status` (posted; nothing stored).
  void answer_waiting(host_queue& q, const std::string& status);

  http::client& client_;
  store::store& db_;
  clock_fn now_;
  full_text_settings settings_;
  std::map<std::string, pending> pending_;  ///< by canonical URL: queued or running
  std::map<std::string, std::unique_ptr<host_queue>> hosts_;
  std::function<void(const store::article_record&)> on_fetched_;
  std::size_t running_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sanctwatch::service
