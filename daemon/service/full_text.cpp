#include "service/full_text.hpp"

#include <algorithm>
#include <cctype>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/uri.hpp"
#include "extract/extract.hpp"
#include "story/link.hpp"

namespace sanctwatch::service {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto rate_window = std::chrono::minutes(1);
/// A host's queue holds at most this many minutes of its rate; more pages go on without.
constexpr int max_queue_minutes = 5;
/// How long a host that could not be reached is left alone.
constexpr auto host_pause = std::chrono::minutes(10);

std::size_t words_in(std::string_view s) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The host a link's requests go to, lower-cased, without user info and port: the key of
// its rate.
std::string host_of(std::string_view link) {
  auto a = split_uri(link).authority.value_or(std::string_view{});
  if (auto at = a.rfind('@'); at != std::string_view::npos) a.remove_prefix(at + 1);
  if (!a.empty() && a.front() == '[') {
    if (auto close = a.find(']'); close != std::string_view::npos) return lower(a.substr(0, close + 1));
  }
  if (auto colon = a.find(':'); colon != std::string_view::npos) a = a.substr(0, colon);
  return lower(a);
}

// The media type of a Content-Type header, lower-cased, without parameters.
std::string media_type(std::string_view content_type) {
  if (auto semi = content_type.find(';'); semi != std::string_view::npos)
    content_type = content_type.substr(0, semi);
  return lower(trim_space(content_type));
}

std::string failure_status(const http::response& r) {
  switch (r.error) {
    case http::error_kind::too_large:
      return "too large";
    case http::error_kind::refused:
      return "refused: a private address";
    case http::error_kind::too_many_redirects:
      return "too many redirects";
    default:
      return std::string(http::to_string(r.error));
  }
}

}  // namespace

struct full_text_fetcher::host_queue {
  explicit host_queue(asio::io_context& io) : timer(io) {}
  std::deque<std::string> waiting;  ///< canonical URLs, first come first served
  std::deque<steady::time_point> started;  ///< fetch starts within the last minute
  asio::steady_timer timer;
  bool timer_armed = false;
  /// The host could not be reached (DNS, connection, timeout, a private address): until
  /// then its pages are not asked for, the items go on with their own text at once.
  std::string failing;
  steady::time_point failing_until{};
};

std::size_t own_words(const item& it) {
  return words_in(it.title) + words_in(it.summary) + words_in(it.content);
}

bool wants_full_text(config::full_text_mode mode, const item& it, timestamp now,
                     const full_text_settings& s) {
  if (mode == config::full_text_mode::never) return false;
  if (it.link.rfind("http://", 0) != 0 && it.link.rfind("https://", 0) != 0) return false;
  if (story::canonical_link(it.link).empty()) return false;
  const auto published = it.published ? it.published : it.updated;
  if (published && *published + s.max_age < now) return false;
  return mode == config::full_text_mode::always || own_words(it) < s.min_words;
}

bool transient_failure(const std::string& status) {
  return status == "timeout" || status == "connect" || status == "dns" || status == "protocol" ||
         status == "HTTP 429" || status.rfind("HTTP 5", 0) == 0;
}

full_text_fetcher::full_text_fetcher(http::client& client, store::store& db, clock_fn now,
                                     full_text_settings s)
    : client_(client), db_(db), now_(std::move(now)), settings_(s) {}

full_text_fetcher::~full_text_fetcher() { *alive_ = false; }

std::size_t full_text_fetcher::queued() const {
  std::size_t n = 0;
  for (const auto& [host, q] : hosts_) n += q->waiting.size();
  return n;
}

void full_text_fetcher::get(const std::string& link, const std::string& user_agent,
                            done_fn done) {
  const std::string canonical = story::canonical_link(link);
  if (auto p = pending_.find(canonical); p != pending_.end()) {
    p->second.waiters.push_back(std::move(done));
    return;
  }
  std::optional<store::article_record> stored;
  try {
    stored = db_.article(canonical);
  } catch (const store::db_error& e) {
    log::warning("full text: the article cache could not be read: " + std::string(e.what()));
  }
  // A stored answer serves every later copy of the link, unless it was a passing failure
  // and an hour has gone by: then the next copy tries again.
  if (stored && (!transient_failure(stored->status) ||
                 stored->fetched_at + std::chrono::hours(1) > now_())) {
    asio::post(client_.context(), [done = std::move(done), a = std::move(*stored)] { done(a); });
    return;
  }
  const std::string host = host_of(link);
  if (hosts_.size() > 256) sweep();
  auto& q = hosts_[host];
  if (!q) q = std::make_unique<host_queue>(client_.context());
  // Answered at once, not stored (a later copy may have better luck): a host that just
  // failed, and a host with more pages waiting than its rate lets through in
  // max_queue_minutes — an alert should not wait longer than that for its article.
  std::string skip;
  if (!q->failing.empty() && q->failing_until > steady::now())
    skip = "skipped: " + host + " failing (" + q->failing + ")";
  else if (q->waiting.size() >=
           static_cast<std::size_t>(std::max(1, settings_.rate)) * max_queue_minutes)
    skip = "skipped: " + std::to_string(q->waiting.size()) + " pages already waiting for " + host;
  if (!skip.empty()) {
    store::article_record a;
    a.url = canonical;
    a.status = std::move(skip);
    asio::post(client_.context(), [done = std::move(done), a = std::move(a)] { done(a); });
    return;
  }
  auto& p = pending_[canonical];
  p.link = link;
  p.user_agent = user_agent;
  p.waiters.push_back(std::move(done));
  q->waiting.push_back(canonical);
  pump(host);
}

void full_text_fetcher::sweep() {
  const auto now = steady::now();
  for (auto it = hosts_.begin(); it != hosts_.end();) {
    const host_queue& q = *it->second;
    const bool idle = q.waiting.empty() && !q.timer_armed && q.failing_until <= now &&
                      (q.started.empty() || q.started.back() + rate_window <= now);
    it = idle ? hosts_.erase(it) : std::next(it);
  }
}

void full_text_fetcher::pump(const std::string& host) {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  host_queue& q = *it->second;
  const auto now = steady::now();
  while (!q.started.empty() && q.started.front() + rate_window <= now) q.started.pop_front();
  const auto rate = static_cast<std::size_t>(std::max(1, settings_.rate));
  while (!q.waiting.empty() && q.started.size() < rate) {
    const std::string canonical = std::move(q.waiting.front());
    q.waiting.pop_front();
    q.started.push_back(now);
    start(canonical);
  }
  if (q.waiting.empty()) {
    if (q.started.empty() && q.failing_until <= now) hosts_.erase(it);
    return;
  }
  if (q.timer_armed) return;
  // The host's budget for this minute is spent: wake when its oldest start leaves the window.
  q.timer_armed = true;
  q.timer.expires_at(q.started.front() + rate_window);
  q.timer.async_wait([this, host, alive = std::weak_ptr<bool>(alive_)](std::error_code ec) {
    if (ec || alive.expired()) return;
    if (auto h = hosts_.find(host); h != hosts_.end()) h->second->timer_armed = false;
    pump(host);
  });
}

void full_text_fetcher::start(const std::string& canonical) {
  const auto& p = pending_.at(canonical);
  http::request req;
  req.url = p.link;
  req.user_agent = p.user_agent;
  req.untrusted_url = true;  // a link from feed content
  req.timeout = settings_.timeout;
  req.low_speed_time = settings_.low_speed_time;
  req.max_body = settings_.max_body;
  req.max_redirects = settings_.max_redirects;
  req.headers = {{"Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"}};
  ++running_;
  client_.start(std::move(req),
                [this, canonical, alive = std::weak_ptr<bool>(alive_)](http::response r) {
                  if (alive.expired()) return;
                  --running_;
                  finish(canonical, std::move(r));
                });
}

void full_text_fetcher::finish(const std::string& canonical, http::response r) {
  store::article_record a;
  a.url = canonical;
  a.fetched_at = now_();
  if (r.redirects > 0) a.final_url = r.effective_url;
  if (r.error == http::error_kind::aborted) {
    a.status = "cancelled";
    return complete(canonical, a);
  }
  const std::string type = media_type(r.header("content-type"));
  if (!r.ok()) {
    a.status = failure_status(r);
  } else if (r.status < 200 || r.status > 299) {
    a.status = "HTTP " + std::to_string(r.status);
  } else if (!type.empty() && type != "text/html" && type != "application/xhtml+xml") {
    a.status = "not HTML (" + type + ")";
  } else {
    extract::extract_options o;
    o.url = r.effective_url.empty() ? pending_.at(canonical).link : r.effective_url;
    o.charset = r.header("content-type");
    o.max_input_bytes = settings_.max_body;
    auto page = extract::extract(r.body, o);
    if (!page) {
      a.status = page.err().code == "too_large" ? "too large" : "no article found";
    } else if (page->paragraphs.empty()) {
      a.status = "no article found";
    } else {
      a.status = "ok";
      a.text = page->text();
      a.text_hash = hex64(fnv1a64(a.text));
      a.title = page->title;
      a.byline = page->byline;
      a.published = page->published;
    }
  }
  if (a.status != "ok")
    log::info("full text: " + redact_url(pending_.at(canonical).link) + ": " + a.status +
              (r.error_message.empty() ? "" : " (" + r.error_message + ")"));
  if (r.error == http::error_kind::dns || r.error == http::error_kind::connect ||
      r.error == http::error_kind::timeout || r.error == http::error_kind::refused) {
    // Its other pages would fail the same way, one rate slot each: they go on without.
    const std::string host = host_of(pending_.at(canonical).link);
    if (auto h = hosts_.find(host); h != hosts_.end()) {
      h->second->failing = a.status;
      h->second->failing_until = steady::now() + host_pause;
      answer_waiting(*h->second, "skipped: " + host + " failing (" + a.status + ")");
    }
  }
  try {
    db_.save_article(a);
  } catch (const store::db_error& e) {
    // The answer still serves the items waiting for it; a later copy fetches again.
    log::warning("full text: the article cache could not be written: " + std::string(e.what()));
  }
  if (on_fetched_) on_fetched_(a);
  complete(canonical, a);
}

void full_text_fetcher::complete(const std::string& canonical, const store::article_record& a) {
  auto node = pending_.extract(canonical);
  if (node.empty()) return;
  for (auto& w : node.mapped().waiters) w(a);
  const std::string host = host_of(node.mapped().link);
  pump(host);
}

void full_text_fetcher::cancel_all() {
  for (auto& [host, q] : hosts_) {
    q->timer.cancel();
    q->timer_armed = false;
    answer_waiting(*q, "cancelled");
  }
}

void full_text_fetcher::answer_waiting(host_queue& q, const std::string& status) {
  for (const auto& canonical : q.waiting) {
    auto node = pending_.extract(canonical);
    if (node.empty()) continue;
    store::article_record a;
    a.url = canonical;
    a.status = status;
    for (auto& w : node.mapped().waiters)
      asio::post(client_.context(), [w = std::move(w), a] { w(a); });
  }
  q.waiting.clear();
}

}  // namespace sanctwatch::service
