#pragma once
/// journald and syslog sinks. journald rate-limits and syslog may drop: both are a
/// convenience beside a durable sink, never the only copy. Where nothing listens (no journald,
/// no syslog socket) a delivery fails and is retried through the outbox like any other: an
/// alert is never reported delivered to a log that does not exist.

#include <string>
#include <vector>

#include "core/item.hpp"
#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

/// The fixed MESSAGE_ID of alert entries: `journalctl MESSAGE_ID=...` lists every alert.
inline constexpr const char* alert_message_id = "7c1f5a0e2d9b4c63a8e6f1b2d3c4a5e9";

/// The journal fields of an alert, "NAME=value" each: MESSAGE (the summary line with the
/// rules `shown`, all when empty), PRIORITY from severity, MESSAGE_ID, SYSLOG_IDENTIFIER,
/// SANCTWATCH_ALERT_ID, SANCTWATCH_RULE_ID (the headline rule), SANCTWATCH_SEVERITY,
/// SANCTWATCH_TAGS, SANCTWATCH_JSON, SANCTWATCH_RULES (every fired rule's id, comma-separated,
/// so `journalctl SANCTWATCH_RULE_ID=` keeps working and a script can see them all).
std::vector<std::string> journal_fields(const alert_view& a,
                                        const std::vector<fired_rule>& shown = {});

/// journald's native socket. sd_journal_sendv() reports success when it is missing (systemd
/// fails silently where there is no journal), so the sink looks for it first.
inline constexpr const char* journal_socket = "/run/systemd/journal/socket";

class journald_sink final : public sink {
 public:
  /// `socket_path`: where journald must be listening for an entry to count as delivered.
  journald_sink(std::string name, filter f, std::string socket_path = journal_socket);
  void deliver(const alert_view& a, done_fn done) override;

 private:
  std::string socket_path_;
};

/// An RFC 5424 line: `<PRI>1 TIMESTAMP HOST sanctwatch PID alert [sanctwatch@32473 ...] MSG`,
/// facility daemon, severity from the alert's; MSG is the summary line with the rules `shown`.
/// The structured data adds rules="…" (every fired rule's id).
std::string rfc5424(const alert_view& a, timestamp now, const std::string& host, int pid,
                    const std::vector<fired_rule>& shown = {});

/// A line as syslog(3) writes it to the local socket (RFC 3164 without the host, which the
/// local daemon adds): `<PRI>Mmm dd hh:mm:ss sanctwatch[PID]: MSG`, local time, facility
/// daemon. journald and rsyslog both parse it (journald does not parse RFC 5424 there).
std::string rfc3164(const alert_view& a, timestamp now, int pid,
                    const std::vector<fired_rule>& shown = {});

class syslog_sink final : public sink {
 public:
  enum class line_format { rfc3164, rfc5424 };
  /// `socket_path`: the local syslog datagram socket; `format`: rfc3164 for local daemons
  /// (journald, rsyslog), rfc5424 for a socket of a daemon that reads it (structured data).
  syslog_sink(std::string name, filter f, std::string socket_path = "/dev/log",
              line_format format = line_format::rfc3164);
  void deliver(const alert_view& a, done_fn done) override;

 private:
  std::string socket_path_;
  line_format format_;
  std::string host_;
};

}  // namespace sanctwatch::sinks
