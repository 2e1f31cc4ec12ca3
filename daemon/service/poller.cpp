#include "service/poller.hpp"

#include <algorithm>
#include <cctype>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <memory>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "core/uri.hpp"
#include "feed/parse.hpp"
#include "http/retry.hpp"

namespace sanctwatch::service {
namespace {

constexpr std::chrono::seconds day{24 * 3600};

std::optional<std::int64_t> max_age(std::string_view cc) {
  std::string lower(cc);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("no-cache") != std::string::npos || lower.find("no-store") != std::string::npos)
    return std::nullopt;
  auto p = lower.find("max-age=");
  if (p == std::string::npos) return std::nullopt;
  p += 8;
  std::int64_t v = 0;
  bool any = false;
  while (p < lower.size() && std::isdigit(static_cast<unsigned char>(lower[p])) && v < 100000000) {
    v = v * 10 + (lower[p++] - '0');
    any = true;
  }
  return any ? std::optional<std::int64_t>(v) : std::nullopt;
}

}  // namespace

std::chrono::seconds next_interval(std::chrono::seconds interval, std::optional<int> ttl_minutes,
                                   std::string_view cache_control, std::mt19937_64& rng) {
  auto base = interval;
  // A publisher's own hints only ever slow us down, never speed us up past the config.
  if (ttl_minutes && *ttl_minutes > 0)
    base = std::max(base, std::chrono::seconds{*ttl_minutes * 60LL});
  if (auto age = max_age(cache_control)) base = std::max(base, std::chrono::seconds{*age});
  base = std::min(base, std::max(interval, day));
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  return std::chrono::seconds{std::max<std::int64_t>(
      1, static_cast<std::int64_t>(static_cast<double>(base.count()) * jitter(rng)))};
}

std::chrono::seconds adaptive_interval(std::chrono::seconds interval, int new_items) {
  const auto divided = new_items >= 3 ? interval / 4 : new_items > 0 ? interval / 2 : interval;
  return std::max(std::min(interval, std::chrono::seconds{60}), divided);
}

poller::poller(http::client& client, store::store& db, pipeline& pipe, poll_settings settings,
               clock_fn now, full_text_fetcher* fetcher)
    : client_(client),
      db_(db),
      pipe_(pipe),
      fetcher_(fetcher),
      settings_(settings),
      now_(std::move(now)) {}

void poller::set_feeds(std::vector<feed_spec> feeds) {
  feeds_ = std::move(feeds);
  index_.clear();
  nlohmann::json ids = nlohmann::json::array();
  for (std::size_t i = 0; i < feeds_.size(); ++i)
    if (feeds_[i].enabled) {
      index_[feeds_[i].id] = i;
      ids.push_back(feeds_[i].id);
    }
  ids_ = ids.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  synced_ = false;
}

std::optional<timestamp> poller::next_due() {
  if (index_.empty()) return std::nullopt;
  if (!synced_) return now_();
  return db_.next_feed_due(ids_, now_());
}

int poller::poll_due(bool all) {
  if (index_.empty() || stopping_) return 0;
  if (!synced_) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& [id, i] : index_) rows.emplace_back(id, feeds_[i].url);
    db_.sync_feeds(rows);
    synced_ = true;
  }
  const std::size_t room = all ? index_.size()
                           : settings_.max_in_flight > in_flight_.size()
                               ? settings_.max_in_flight - in_flight_.size()
                               : 0;
  if (room == 0) return 0;
  const timestamp now = now_();
  int started = 0;
  for (auto& c : db_.claim_feeds(ids_, now, now + settings_.lease, static_cast<int>(room), all)) {
    const auto it = index_.find(c.st.id);
    // A claim lapsed while its poll was still running here (the state was out of reach for
    // longer than a lease): that poll goes on and ends the new claim too.
    if (it == index_.end() || in_flight_.count(c.st.id)) continue;
    const feed_spec& f = feeds_[it->second];
    if (!c.taken_from.empty()) {
      ++takeovers_;
      log::notice("feed " + f.id + ": taken over from " + c.taken_from +
                  ", whose lease lapsed mid-poll");
    }
    store::feed_state st = std::move(c.st);
    if (st.url != f.url) {
      // Its URL changed in this config but not (yet) in the one that synced the row: forget
      // validators and redirects for this poll.
      const std::string owner = st.lease_owner;
      st = store::feed_state{};
      st.id = f.id;
      st.url = f.url;
      st.lease_owner = owner;
    }
    start(f, std::move(st));
    ++started;
  }
  return started;
}

void poller::start(const feed_spec& f, store::feed_state st) {
  in_flight_[f.id] = true;
  http::request req;
  req.url = st.permanent_url.empty() ? st.url : st.permanent_url;
  // A permanent redirect's target was the server's choice: it stays checked like a redirect
  // (allow_private may have been narrowed since it was stored).
  req.untrusted_url = !st.permanent_url.empty();
  req.headers = f.headers;
  req.etag = st.etag;
  req.last_modified = st.last_modified;
  req.user_agent = f.user_agent;
  // The credentials are for the configured host: a feed that moved elsewhere does not get them.
  if (split_uri(req.url).authority == split_uri(f.url).authority) {
    req.username = f.user;
    req.password = f.password;
  }
  req.timeout = settings_.timeout;
  req.low_speed_time = settings_.low_speed_time;
  req.max_body = settings_.max_body;
  req.max_redirects = settings_.max_redirects;
  client_.start(std::move(req), [this, f, st = std::move(st)](http::response r) mutable {
    finish(f, std::move(st), std::move(r));
  });
}

void poller::fail(const feed_spec& f, store::feed_state& st, poll_result& res, timestamp now,
                  std::string why, std::optional<std::chrono::seconds> retry_after) {
  ++st.error_streak;
  st.last_error = why;
  auto delay = http::next_backoff(static_cast<unsigned>(st.error_streak), rng_);
  if (retry_after) delay = std::clamp(*retry_after, std::chrono::seconds{60}, day);
  st.next_poll = now + delay;
  res.error = std::move(why);
  log::warning("feed " + f.id + ": " + res.error + " (attempt " + std::to_string(st.error_streak) +
               ", next in " + std::to_string(delay.count()) + "s)");
}

void poller::finish(const feed_spec& f, store::feed_state st, http::response r) {
  const timestamp now = now_();
  poll_result res;
  res.feed_id = f.id;
  res.status = static_cast<int>(r.status);
  res.elapsed = r.elapsed;
  st.last_poll = now;
  st.last_status = static_cast<int>(r.status);

  if (!r.ok()) {
    fail(f, st, res, now,
         r.error_message.empty() ? std::string(http::to_string(r.error)) : r.error_message);
  } else if (r.status == 410) {
    st.disabled = true;
    st.last_error = "HTTP 410 Gone: feed disabled until its URL changes";
    res.error = st.last_error;
    log::error("feed " + f.id + ": " + st.last_error);
  } else if (r.status == 429 || r.status == 503) {
    fail(f, st, res, now, "HTTP " + std::to_string(r.status), r.retry_after);
  } else if (r.not_modified || r.status == 304) {
    res.ok = res.not_modified = true;
    // A 304 may carry fresh validators; keep whatever the server last said, verbatim.
    if (auto e = r.header("etag"); !e.empty()) st.etag = e;
    if (auto m = r.header("last-modified"); !m.empty()) st.last_modified = m;
  } else if (r.status < 200 || r.status > 299) {
    fail(f, st, res, now, "HTTP " + std::to_string(r.status));
  } else {
    feed::parse_options po;
    po.content_type = r.header("content-type");
    po.url = r.effective_url.empty() ? st.url : r.effective_url;
    auto doc = feed::parse(r.body, po);
    if (!doc) {
      fail(f, st, res, now, "not parsed: " + doc.err().message);
    } else {
      for (const auto& w : doc->warnings) log::info("feed " + f.id + ": " + w);
      r.body.clear();
      r.body.shrink_to_fit();
      auto job = std::make_shared<document_job>(document_job{
          f, std::move(st), std::move(r), now, std::move(res), std::move(*doc), {}, 0});
      return fetch_articles(std::move(job));
    }
  }
  settle(f, std::move(st), r, now, std::move(res));
}

void poller::fetch_articles(std::shared_ptr<document_job> job) {
  if (!fetcher_ || job->f.full_text == config::full_text_mode::never || stopping_)
    return step(std::move(job));
  // Only the items this poll will match: new ones (an edit is matched with what it had), up
  // to the feed's cap. The guard count keeps the document from stepping before every
  // request is made.
  // The store is asked first, before any request goes out: a state that cannot answer drops
  // the poll whole, with no fetch left to complete into it.
  std::vector<std::size_t> wanted;
  try {
    std::size_t fresh = 0;
    for (std::size_t i = 0; i < job->doc.items.size(); ++i) {
      const item& it = job->doc.items[i];
      if (job->f.max_new_items && fresh >= job->f.max_new_items) break;
      if (db_.content_hash(job->f.id, item_key(it))) continue;
      ++fresh;
      if (wants_full_text(job->f.full_text, it, job->now, fetcher_->settings())) wanted.push_back(i);
    }
  } catch (const store::db_error& e) {
    if (!e.disk()) throw;
    return abandon(job->f, std::move(job->res), e);
  }
  job->articles_waiting = 1;
  for (const std::size_t i : wanted) {
    const item& it = job->doc.items[i];
    ++job->articles_waiting;
    fetcher_->get(it.link, job->f.user_agent, [this, job, i](const store::article_record& a) {
      item& target = job->doc.items[i];
      if (a.status == "ok") {
        target.article = a.text;
        ++job->res.articles;
      } else if (a.status != "cancelled") {
        ++job->res.articles_failed;
        log::info("feed " + job->f.id + ": item " + redact_url(target.link) +
                  " matched on the feed's text: " + a.status);
      }
      if (--job->articles_waiting == 0) step(job);
    });
  }
  if (--job->articles_waiting == 0) step(std::move(job));
}

void poller::step(std::shared_ptr<document_job> job) {
  if (!job->progress.started) job->progress.max_new = job->f.max_new_items;
  if (stopping_) {
    // Stopping: what the steps so far recorded stays, with the revisions they gathered; the
    // feed keeps its old validators and is due at once, so the next start takes the rest.
    try {
      pipe_.finish_early(job->progress, job->now);
    } catch (const store::db_error& e) {
      if (!e.disk()) throw;
      return abandon(job->f, std::move(job->res), e);
    }
    auto& [f, st, r, now, res, doc, progress, articles_waiting] = *job;
    res.stats = std::move(progress.stats);
    res.interrupted = true;
    res.error = "interrupted: the daemon stopped after " + std::to_string(progress.next) +
                " of " + std::to_string(doc.items.size()) + " items";
    st.items_total += res.stats.new_items;
    st.next_poll = now;
    log::notice("feed " + f.id + ": " + res.error);
    return settle_state(f, std::move(st), std::move(res));
  }
  try {
    pipe_.process_some({job->f.id, job->f.title, job->st.url}, job->doc, job->now, job->progress);
  } catch (const store::db_error& e) {
    if (!e.disk()) throw;
    return abandon(job->f, std::move(job->res), e);
  }
  if (!job->progress.done) {
    // A long document yields between steps: transfers, timers and deliveries run meanwhile.
    asio::post(client_.context(), [this, job = std::move(job)]() mutable { step(std::move(job)); });
    return;
  }
  auto& [f, st, r, now, res, doc, progress, articles_waiting] = *job;
  res.stats = std::move(progress.stats);
  res.deferred = progress.deferred;
  res.ok = true;
  st.items_total += res.stats.new_items;
  // Items left over the feed's cap must come back: without validators the next poll gets the
  // whole document again instead of a 304.
  st.etag = res.deferred ? std::string() : r.header("etag");
  st.last_modified = res.deferred ? std::string() : r.header("last-modified");
  if (!r.permanent_url.empty() && r.permanent_url != st.permanent_url) {
    log::notice("feed " + f.id + ": moved permanently to " + redact_url(r.permanent_url));
    st.permanent_url = r.permanent_url;
  }
  const auto base = f.adaptive ? adaptive_interval(f.interval, res.stats.new_items) : f.interval;
  st.next_poll = now + next_interval(base, doc.feed.ttl_minutes, r.header("cache-control"), rng_);
  if (res.deferred) {
    log::warning("feed " + f.id + ": " + std::to_string(res.deferred) +
                 " new items over max_new_items (" + std::to_string(f.max_new_items) +
                 ") left for the next poll");
    st.next_poll = std::min(*st.next_poll, now + std::chrono::seconds(60));
  }
  settle(f, std::move(st), r, now, std::move(res));
}

void poller::abandon(const feed_spec& f, poll_result res, const store::db_error& e) {
  in_flight_.erase(f.id);
  res.ok = false;
  res.disk_error = true;
  res.error = std::string("state not written: ") + e.what();
  if (on_result_) on_result_(res);
}

void poller::settle(const feed_spec& f, store::feed_state st, const http::response& r,
                    timestamp now, poll_result res) {
  if (res.ok) {
    st.error_streak = 0;
    st.last_error.clear();
    st.last_success = now;
    if (res.not_modified)
      st.next_poll = now + next_interval(f.interval, std::nullopt, r.header("cache-control"), rng_);
  }
  settle_state(f, std::move(st), std::move(res));
}

void poller::settle_state(const feed_spec& f, const store::feed_state& st, poll_result res) {
  try {
    db_.save_feed(st);
  } catch (const store::db_error& e) {
    if (!e.disk()) throw;
    return abandon(f, std::move(res), e);
  }
  in_flight_.erase(f.id);
  res.error_streak = st.error_streak;
  if (on_result_) on_result_(res);
}

}  // namespace sanctwatch::service
