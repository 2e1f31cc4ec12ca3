#pragma once
/// Chat delivery: the alert rendered for people and POSTed to a Slack, Discord or
/// Mattermost incoming webhook, or a Microsoft Teams (Workflows) webhook. The rendering
/// reads the alert document itself (docs/alerts.md, through sinks/alert_reading.hpp).
///
/// Outcomes follow the webhook's mapping (webhook_sink.hpp, http_outcome). When a
/// service answers 429, the sink also holds back: until the Retry-After delay has passed,
/// further deliveries end at once with a retry outcome for the time that remains, so a
/// backlog never hammers a rate-limited service.
///
/// Ownership and threads: the sink borrows the http::client, which must outlive every
/// delivery in flight (completions never touch the sink). Use from the client's
/// io_context thread only. The webhook URL is a credential: errors show only its host.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "http/client.hpp"
#include "sinks/digest_reading.hpp"
#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

enum class chat_service { slack, discord, mattermost, teams };

/// "slack", "discord", "mattermost", "teams".
std::string_view to_string(chat_service s);
std::optional<chat_service> parse_chat_service(std::string_view s);

struct chat_settings {
  chat_service service = chat_service::slack;
  std::string url;  ///< the service's incoming-webhook URL (contains its token)
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers, rarely needed
  std::chrono::milliseconds timeout{std::chrono::seconds{10}};
};

/// The JSON body for `service`, headline first: the item title and severity, an update's
/// "Update: now also …" above it, the fired rules `shown` (a sink's filter; all when empty)
/// on one line, feed and date, the evidence sentences with their marked words in bold, the
/// entities, how many other outlets carry the story. Slack `text` + Block Kit `blocks`
/// (mrkdwn: & < > escaped, * _ ~ ` replaced by look-alikes, marks as *x*); Discord `content`
/// + one embed coloured by severity, within Discord's 2000/256/4096/1024/6000 limits and with
/// mentions disabled; Mattermost `text` in Markdown (marks as **x**, @-mentions defused);
/// Teams a `message` with one Adaptive Card. Reads schema 1 documents too. Fails on a
/// document that is not a JSON object.
result<std::string> render_chat(chat_service service, const alert_view& a,
                                const std::vector<fired_rule>& shown = {});

/// The JSON body of a digest (alert_view::digest, sinks/digest_reading.hpp) for `service`: a
/// headline with the count of alerts per severity and the period, then one section per headline
/// rule (most severe first) with a line per alert: severity, headline linked to the article,
/// outlet, and what its updates brought or how often it was updated. Within the same limits as
/// single alerts: at most 20 sections (Discord: fields) and whole lines, the rest counted
/// ("… 3 more"). Fails on a document that is not a digest.
/// A list refresh summary (alert_view::list_event) as the service's message: its text, with
/// the severity in front.
std::string render_chat_list(chat_service service, const alert_view& a);

result<std::string> render_chat_digest(chat_service service, const alert_view& d,
                                       const shown_fn& shown = {});

class chat_sink final : public sink {
 public:
  using steady_clock_fn = std::function<std::chrono::steady_clock::time_point()>;

  /// Throws std::invalid_argument on an empty URL (a startup failure).
  chat_sink(std::string name, filter f, chat_settings settings, http::client& client,
            steady_clock_fn clock = {});

  void deliver(const alert_view& a, done_fn done) override;
  bool takes_digests() const override { return true; }

  chat_service service() const { return settings_.service; }

 private:
  /// Shared with completions, which may outlive the sink.
  struct hold {
    std::chrono::steady_clock::time_point until{};
  };

  chat_settings settings_;
  http::client& client_;
  steady_clock_fn clock_;
  std::shared_ptr<hold> hold_ = std::make_shared<hold>();
};

}  // namespace sanctwatch::sinks
