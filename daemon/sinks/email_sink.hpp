#pragma once
/// Email delivery over SMTP: the alert rendered for people (sinks/email_message.hpp) and
/// sent through the daemon's http::client, which drives libcurl's SMTP on the same multi
/// handle and io_context as every HTTP transfer (http/client.hpp, request::mail), so an
/// exchange with a slow relay never holds up the loop. TLS: smtps:// from the start, or
/// STARTTLS on smtp:// (required unless `starttls` is off); peers are verified against the
/// system store or network.ca_file, never not at all.
///
/// Outcomes: sent (250) delivered; connection, DNS, TLS and timeout failures and SMTP 4xx
/// replies (451 try again later, 421 closing, 454 auth unavailable) retry; SMTP 5xx replies
/// (550 mailbox unavailable, 535 authentication failed, 554 rejected) are dead letters: the
/// relay has said no for good. Errors carry the relay's reply line; never the password.
///
/// Like chat, mail is read by people: one message per story, and an update only when it
/// brings something new (`changes`, see sink::supports_updates), marked "Update:" in the
/// subject and threaded under the alert's message (In-Reply-To). With `digest` (sink::digest)
/// the sink gets one digest per period instead, a message of its own (build_digest_email).
///
/// Ownership and threads: the sink borrows the http::client, which must outlive every
/// delivery in flight (completions never touch the sink). Use from the client's io_context
/// thread only.

#include <chrono>
#include <string>
#include <vector>

#include "core/mailbox.hpp"
#include "http/client.hpp"
#include "sinks/sink.hpp"
#include "sinks/webhook_sink.hpp"

namespace sanctwatch::sinks {

struct email_settings {
  std::string url;  ///< smtp://host[:port] or smtps://host[:port]; no user info
  mailbox from;
  std::vector<mailbox> to;  ///< at least one
  std::string username;     ///< SMTP AUTH when not empty
  std::string password;     ///< a secret: never in errors or logs
  bool starttls = true;     ///< smtp:// only: require STARTTLS
  std::chrono::milliseconds timeout{std::chrono::seconds{30}};
};

class email_sink final : public sink {
 public:
  /// Throws std::invalid_argument (a startup failure, message free of secrets) on a URL
  /// that is not smtp:// or smtps://, or no recipient.
  email_sink(std::string name, filter f, email_settings settings, http::client& client,
             wall_clock clock = {});

  void deliver(const alert_view& a, done_fn done) override;
  bool takes_digests() const override { return true; }

 private:
  email_settings settings_;
  std::vector<std::string> hidden_;  ///< strings never to appear in an error
  http::client& client_;
  wall_clock clock_;
};

/// The outcome of one SMTP attempt (see the file comment). Every `hide` string in the
/// error text is replaced by "[redacted]".
outcome smtp_outcome(const http::response& r, const std::vector<std::string>& hide = {});

}  // namespace sanctwatch::sinks
