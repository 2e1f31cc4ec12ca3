#include "service/dispatcher.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "service/digest.hpp"
#include "service/pipeline.hpp"
#include "sinks/silence.hpp"

namespace sanctwatch::service {

std::optional<std::chrono::seconds> retry_delay(int failures, std::mt19937_64& rng) {
  using namespace std::chrono_literals;
  static constexpr std::array<std::chrono::seconds, 9> schedule = {5s, 5min, 30min, 2h, 5h,
                                                                   10h, 14h, 20h, 24h};
  if (failures < 1 || failures > static_cast<int>(schedule.size())) return std::nullopt;
  const auto base = schedule[static_cast<std::size_t>(failures - 1)];
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  return std::chrono::seconds{static_cast<std::int64_t>(static_cast<double>(base.count()) * jitter(rng))};
}

dispatcher::dispatcher(store::store& db, std::vector<std::shared_ptr<sinks::sink>> sinks,
                       clock_fn now)
    : db_(db), now_(std::move(now)) {
  set_sinks(std::move(sinks));
}

void dispatcher::set_sinks(std::vector<std::shared_ptr<sinks::sink>> s) {
  sinks_.clear();
  for (auto& k : s) sinks_[k->name()] = std::move(k);
}

std::optional<timestamp> dispatcher::next_due() {
  std::optional<timestamp> next = db_.next_due(now_());
  if (const auto d = next_digest_due(db_, sinks_); d && (!next || *d < *next)) next = d;
  return next;
}

void dispatcher::run_due() {
  // Sinks may complete synchronously, and their completion may ask for another run (poll
  // mode draining the outbox): such calls wait until this pass is over instead of
  // re-entering it with a stale list of due rows.
  if (running_) return;
  // Outcomes the disk refused first: until they are recorded nothing new is sent (their rows
  // still look pending and would go out again). A disk error here propagates to the caller.
  while (!unrecorded_.empty()) {
    const auto& [d, o] = unrecorded_.front();
    record(d, o);
    in_flight_.erase({d.alert_id, d.sink, d.revision});
    unrecorded_.erase(unrecorded_.begin());
  }
  const timestamp now = now_();
  // Before the due rows are read: a digest sealed now goes out in this pass.
  seal_due_digests(db_, sinks_, now);
  running_ = true;
  constexpr int batch = 256;
  std::optional<std::vector<sinks::silence>> silences;  // read once a pass, when needed
  for (auto& d : db_.claim_due(now, now + lease_, batch)) {
    const auto key = std::make_tuple(d.alert_id, d.sink, d.revision);
    if (in_flight_.count(key)) continue;
    auto it = sinks_.find(d.sink);
    if (it == sinks_.end()) {
      // The sink was removed from the config: keep the row for a later config or a replay,
      // but do not look at it again for an hour.
      db_.mark_retry(d.alert_id, d.sink, now + std::chrono::hours{1}, 0, "sink not configured",
                     d.revision);
      continue;
    }
    auto view = sinks::view_of(d.document);
    if (!view || (view->digest && !it->second->takes_digests())) {
      // A digest for a sink that became a machine sink under the same name: a dead letter, to
      // replay once the config is put right.
      db_.mark_dead(d.alert_id, d.sink, now, 0,
                    view ? "sink " + d.sink + " does not take digests" : view.err().message,
                    d.revision);
      ++stats_.dead;
      continue;
    }
    // Silences hold alerts from people when they are sent, not only when they are made: an
    // alert queued (or retrying) for the chat before a silence matched it stays quiet too.
    if (!it->second->takes_silenced() && !view->digest && !view->list_event) {
      if (!silences) silences = active_silences(db_, now);
      if (!silences->empty()) {
        const auto ids =
            sinks::silencing(*silences, nlohmann::json::parse(d.document, nullptr, false));
        if (!ids.empty()) {
          std::string by;
          for (const auto& id : ids) by += (by.empty() ? "" : ", ") + id;
          db_.mark_silenced(d.alert_id, d.sink, now, "silenced by " + by, d.revision);
          log::info("alert " + d.alert_id + " not sent to " + d.sink + ": silenced by " + by);
          ++stats_.silenced;
          continue;
        }
      }
    }
    in_flight_.insert(key);
    // The sink may call back synchronously (files) or later (webhooks); `d` is copied into
    // the completion so it outlives this loop.
    it->second->deliver(*view, [this, d](sinks::outcome o) { settle(d, o); });
  }
  running_ = false;
  if (settled_pending_) {
    settled_pending_ = false;
    if (settled_) settled_();
  }
}

void dispatcher::settle(const store::delivery& d, const sinks::outcome& o) {
  if (outcome_) outcome_(d, o);
  try {
    record(d, o);
    in_flight_.erase({d.alert_id, d.sink, d.revision});
  } catch (const store::db_error& e) {
    if (!e.disk()) throw;
    // Stays in flight (not sent again) until run_due() records it.
    unrecorded_.emplace_back(d, o);
  }
  if (running_) settled_pending_ = true;
  else if (settled_) settled_();
}

void dispatcher::record(const store::delivery& d, const sinks::outcome& o) {
  const timestamp now = now_();
  switch (o.result) {
    case sinks::outcome::kind::delivered:
      db_.mark_delivered(d.alert_id, d.sink, now, o.status, d.revision);
      ++stats_.delivered;
      break;
    case sinks::outcome::kind::retry: {
      auto delay = retry_delay(d.attempts + 1, rng_);
      if (!delay) {
        db_.mark_dead(d.alert_id, d.sink, now, o.status, "retries exhausted: " + o.error,
                      d.revision);
        ++stats_.dead;
        break;
      }
      if (o.retry_after) delay = std::min(std::max(*delay, *o.retry_after), std::chrono::seconds{86400});
      db_.mark_retry(d.alert_id, d.sink, now + *delay, o.status, o.error, d.revision);
      ++stats_.retried;
      break;
    }
    case sinks::outcome::kind::dead:
      db_.mark_dead(d.alert_id, d.sink, now, o.status, o.error, d.revision);
      ++stats_.dead;
      break;
  }
}

}  // namespace sanctwatch::service
