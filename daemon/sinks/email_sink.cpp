#include "sinks/email_sink.hpp"

#include <stdexcept>

#include "sinks/email_message.hpp"
#include "sinks/signing.hpp"

namespace sanctwatch::sinks {

outcome smtp_outcome(const http::response& r, const std::vector<std::string>& hide) {
  const auto scrub = [&](std::string s) {
    for (const auto& h : hide) replace_all(s, h, "[redacted]");
    return s;
  };
  if (r.ok()) return outcome::ok(static_cast<int>(r.status));
  const int code = static_cast<int>(r.status);
  std::string why = scrub(r.error_message);
  // Scrubbed before the cut, so a secret straddling the cut leaks no prefix either.
  if (!r.reply.empty()) why += "; server said: " + log_line(scrub(r.reply), 200);
  // The reply code decides where there is one: the relay said "later" or "never".
  if (code >= 400 && code <= 499) return outcome::retry("SMTP " + std::to_string(code) + ": " + why, code);
  if (code >= 500 && code <= 599) return outcome::dead("SMTP " + std::to_string(code) + ": " + why, code);
  // No verdict from the relay: it could not be reached, the TLS handshake failed, it offers
  // no STARTTLS, or it stopped answering. Each may be put right without us.
  return outcome::retry(std::string(http::to_string(r.error)) + ": " + why, code);
}

email_sink::email_sink(std::string name, filter f, email_settings settings, http::client& client,
                       wall_clock clock)
    : sink(std::move(name), std::move(f)),
      settings_(std::move(settings)),
      client_(client),
      clock_(clock ? std::move(clock)
                   : wall_clock([] { return std::chrono::system_clock::now(); })) {
  if (!settings_.url.starts_with("smtp://") && !settings_.url.starts_with("smtps://"))
    throw std::invalid_argument("email sink '" + this->name() +
                                "': url must start with smtp:// or smtps://");
  if (settings_.to.empty())
    throw std::invalid_argument("email sink '" + this->name() + "': no recipient");
  if (settings_.from.address.empty())
    throw std::invalid_argument("email sink '" + this->name() + "': no sender");
  if (!settings_.password.empty()) {
    // As it is, and as AUTH LOGIN and AUTH PLAIN carry it, should a relay echo them.
    hidden_.push_back(settings_.password);
    hidden_.push_back(signing::base64_encode(settings_.password));
    hidden_.push_back(
        signing::base64_encode(std::string(1, '\0') + settings_.username + '\0' + settings_.password));
  }
}

void email_sink::deliver(const alert_view& a, done_fn done) {
  // People read only the rules this sink asked for, in a digest too.
  auto message = a.list_event
                     ? result<std::string>(build_list_email(a, settings_.from, settings_.to, clock_()))
                 : a.digest
                     ? build_digest_email(a, settings_.from, settings_.to, clock_(),
                                          [this](const alert_view& v) { return shown_rules(v); })
                     : build_email(a, settings_.from, settings_.to, clock_(), shown_rules(a));
  if (!message) return done(outcome::dead(message.err().message));

  http::request req;
  req.url = settings_.url;
  req.timeout = settings_.timeout;
  req.username = settings_.username;
  req.password = settings_.password;
  req.body = std::move(*message);
  http::request::mail_envelope env;
  env.from = "<" + settings_.from.address + ">";
  for (const auto& to : settings_.to) env.to.push_back("<" + to.address + ">");
  env.require_tls = settings_.starttls || settings_.url.starts_with("smtps://");
  req.mail = std::move(env);
  // The completion owns what it needs, never `this`: the sink may be replaced (SIGHUP)
  // while the relay is still answering, and `done` must still run once.
  client_.start(std::move(req), [done = std::move(done), hide = hidden_](http::response r) {
    done(smtp_outcome(r, hide));
  });
}

}  // namespace sanctwatch::sinks
