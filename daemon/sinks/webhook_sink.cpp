#include "sinks/webhook_sink.hpp"

#include <cctype>
#include <stdexcept>

#include "core/uri.hpp"
#include "sinks/signing.hpp"

namespace sanctwatch::sinks {
namespace {

bool retryable_status(long status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

// Header names that carry credentials (Authorization, X-Api-Key, X-Auth-Token, ...).
bool looks_secret(std::string_view header) {
  std::string lower(header);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view word : {"auth", "token", "key", "secret", "signature", "cookie", "pass"})
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

std::string redacted_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "[url]";
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  return std::string(url.substr(0, scheme_end + 3)).append(rest);
}

outcome http_outcome(const http::response& r, std::string_view url,
                     const std::vector<std::string>& hide) {
  const auto scrub = [&](std::string s) {
    replace_all(s, url, redacted_url(url));
    replace_all(s, redact_url(url), redacted_url(url));  // as http/ shows one with user:password
    for (const auto& h : hide) replace_all(s, h, "[redacted]");
    return s;
  };
  const long status = r.status;
  // A body over the limit still carries a usable status; judge by it.
  if (r.error != http::error_kind::none &&
      !(r.error == http::error_kind::too_large && status >= 200)) {
    std::string why = std::string(http::to_string(r.error)) + ": " + scrub(r.error_message);
    switch (r.error) {
      // Redirects are not followed: a POST turned into a GET would "succeed" without
      // delivering anything. The receiver's URL must be updated instead.
      case http::error_kind::too_many_redirects:
        return outcome::dead("HTTP " + std::to_string(status) +
                                 " redirect not followed; update the URL (" + why + ")",
                             static_cast<int>(status));
      default: {
        outcome o = outcome::retry(std::move(why), static_cast<int>(status));
        o.retry_after = r.retry_after;
        return o;
      }
    }
  }
  if (status >= 200 && status <= 299) return outcome::ok(static_cast<int>(status));
  std::string why = "HTTP " + std::to_string(status);
  // Scrubbed before the cut, so a secret straddling byte 200 leaks no prefix either.
  if (const std::string head = log_line(scrub(r.body), 200); !head.empty()) why += ": " + head;
  if (retryable_status(status)) {
    outcome o = outcome::retry(std::move(why), static_cast<int>(status));
    o.retry_after = r.retry_after;
    return o;
  }
  return outcome::dead(std::move(why), static_cast<int>(status));
}

webhook_sink::webhook_sink(std::string name, filter f, webhook_settings settings,
                           http::client& client, wall_clock clock)
    : sink(std::move(name), std::move(f)),
      settings_(std::move(settings)),
      display_url_(redacted_url(settings_.url)),
      client_(client),
      clock_(clock ? std::move(clock)
                   : wall_clock([] { return std::chrono::system_clock::now(); })) {
  if (settings_.url.empty())
    throw std::invalid_argument("webhook sink '" + this->name() + "': no url");
  for (std::size_t i = 0; i < settings_.secrets.size(); ++i) {
    auto key = signing::decode_secret(settings_.secrets[i]);
    if (!key)
      throw std::invalid_argument("webhook sink '" + this->name() + "': secret #" +
                                  std::to_string(i + 1) + ": " + key.err().message);
    keys_.push_back(std::move(*key));
    hidden_.push_back(settings_.secrets[i]);
    if (settings_.secrets[i].starts_with("whsec_"))
      hidden_.push_back(settings_.secrets[i].substr(6));
  }
  // Credentials in custom headers are as secret as the signing keys.
  for (const auto& [header, value] : settings_.headers)
    if (value.size() >= 6 && looks_secret(header)) hidden_.push_back(value);
}

void webhook_sink::deliver(const alert_view& a, done_fn done) {
  http::request req;
  req.url = settings_.url;
  req.method = http::method::post;
  req.timeout = settings_.timeout;
  req.max_redirects = 0;
  req.max_body = 64 * 1024;  // only the head of an error body is kept
  req.accept_encoding = "identity";
  req.body = a.document;
  req.headers.emplace_back("Content-Type", "application/json");
  for (const auto& h : settings_.headers) req.headers.push_back(h);
  if (!keys_.empty()) {
    // A fresh timestamp per attempt: receivers reject stale ones as replays, and a retry
    // may come hours after the first try.
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
    for (auto& h : signing::headers(keys_, a.message_id(), now, a.document))
      req.headers.push_back(std::move(h));
  }
  // The completion owns copies of what it needs, never `this`: the sink may be gone
  // (reconfigured) before the response arrives, and `done` must still run once.
  client_.start(std::move(req), [done = std::move(done), url = settings_.url, hide = hidden_](
                                    http::response r) { done(http_outcome(r, url, hide)); });
}

}  // namespace sanctwatch::sinks
