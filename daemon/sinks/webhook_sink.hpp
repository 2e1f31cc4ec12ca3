#pragma once
/// Webhook delivery (docs/alerts.md): POSTs the alert document, byte for
/// byte, as application/json, signed per Standard Webhooks (sinks/signing.hpp) with a
/// fresh timestamp on every attempt. Takes updates ("type": "alert.updated"), sent with
/// webhook-id alert_view::message_id() so receivers that dedupe by it do not drop them.
/// Retries are the dispatcher's business: each deliver() is one attempt and its outcome
/// says whether and when to try again.
///
/// Ownership and threads: the sink borrows the http::client, which must outlive every
/// delivery still in flight (completions hold no pointer to the sink, so the sink itself
/// may go first). Use from the client's io_context thread only; `done` runs there, later.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/client.hpp"
#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

struct webhook_settings {
  std::string url;  ///< http or https; TLS peers are verified by the client
  /// Signing secrets, "whsec_<base64>" or raw bytes (signing.hpp). Several during a key
  /// rotation: every one signs, and the receiver accepts any. Empty: unsigned requests.
  std::vector<std::string> secrets;
  /// Extra request headers (Authorization, ...), sent as given on every attempt.
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{std::chrono::seconds{10}};
};

/// Where the Standard Webhooks timestamp comes from; tests pass a fake.
using wall_clock = std::function<std::chrono::system_clock::time_point()>;

class webhook_sink final : public sink {
 public:
  /// Throws std::invalid_argument (a startup failure, message free of secrets) on an
  /// empty URL or a malformed "whsec_" secret.
  webhook_sink(std::string name, filter f, webhook_settings settings, http::client& client,
               wall_clock clock = {});

  void deliver(const alert_view& a, done_fn done) override;
  bool supports_updates() const override { return true; }
  bool for_people() const override { return false; }

  /// The URL without user info, path or query, for logs ("https://hooks.example.com").
  const std::string& display_url() const { return display_url_; }

 private:
  webhook_settings settings_;
  std::vector<std::string> keys_;    ///< decoded secrets, in the configured order
  std::vector<std::string> hidden_;  ///< strings never to appear in an error
  std::string display_url_;
  http::client& client_;
  wall_clock clock_;
};

/// "scheme://host[:port]" of a URL: what may appear in errors and logs, since chat
/// webhook URLs carry their token in the path and some URLs carry user:password@.
std::string redacted_url(std::string_view url);

/// The outcome of one HTTP delivery attempt, shared by the webhook and chat sinks:
/// 2xx delivered; timeouts, connection, DNS, TLS and protocol errors, 408, 425, 429 and
/// 5xx retry (with the response's Retry-After); other statuses dead, with the status and
/// the first 200 bytes of the body. Every occurrence of `url` and of each `hide` string in
/// the error text is replaced by redacted_url(url) or "[redacted]".
outcome http_outcome(const http::response& r, std::string_view url,
                     const std::vector<std::string>& hide = {});

}  // namespace sanctwatch::sinks
