#include "sinks/journal_sink.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/time.hpp"

namespace sanctwatch::sinks {

namespace {

std::string rule_ids(const alert_view& a) {
  std::string ids;
  for (const auto& r : a.rules) ids += (ids.empty() ? "" : ",") + r.id;
  return ids;
}

}  // namespace

std::vector<std::string> journal_fields(const alert_view& a, const std::vector<fired_rule>& shown) {
  std::string tags;
  for (const auto& t : a.tags) tags += (tags.empty() ? "" : ",") + t;
  return {"MESSAGE=" + summary_line(a, shown),
          "PRIORITY=" + std::to_string(syslog_priority(a.level)),
          std::string("MESSAGE_ID=") + alert_message_id,
          "SYSLOG_IDENTIFIER=sanctwatch",
          "SANCTWATCH_ALERT_ID=" + a.id,
          "SANCTWATCH_RULE_ID=" + a.rule_id,
          "SANCTWATCH_SEVERITY=" + std::string(to_string(a.level)),
          "SANCTWATCH_TAGS=" + tags,
          "SANCTWATCH_JSON=" + a.document,
          "SANCTWATCH_RULES=" + rule_ids(a)};
}

journald_sink::journald_sink(std::string name, filter f, std::string socket_path)
    : sink(std::move(name), std::move(f)), socket_path_(std::move(socket_path)) {}

void journald_sink::deliver(const alert_view& a, done_fn done) {
  struct stat st {};
  if (::stat(socket_path_.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
    return done(outcome::retry("journald: no journal at " + socket_path_ +
                               " (journald is not running here)"));
  const auto fields = journal_fields(a, shown_rules(a));
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (const auto& f : fields) iov.push_back({const_cast<char*>(f.data()), f.size()});
  const int rc = sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
  if (rc < 0) return done(outcome::retry(std::string("journald: ") + std::strerror(-rc)));
  done(outcome::ok());
}

namespace {

// RFC 5424 section 6.3.3: '"', '\' and ']' are escaped in parameter values.
std::string sd_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string rfc5424(const alert_view& a, timestamp now, const std::string& host, int pid,
                    const std::vector<fired_rule>& shown) {
  constexpr int facility_daemon = 3;
  const int pri = facility_daemon * 8 + syslog_priority(a.level);
  std::string tags;
  for (const auto& t : a.tags) tags += (tags.empty() ? "" : ",") + t;
  return "<" + std::to_string(pri) + ">1 " + format_rfc3339(now) + " " +
         (host.empty() ? "-" : host) + " sanctwatch " + std::to_string(pid) +
         " alert [sanctwatch@32473 alert_id=\"" + sd_escape(a.id) + "\" rule_id=\"" +
         sd_escape(a.rule_id) + "\" severity=\"" + std::string(to_string(a.level)) +
         "\" tags=\"" + sd_escape(tags) + "\" rules=\"" + sd_escape(rule_ids(a)) + "\"] " +
         summary_line(a, shown);
}

std::string rfc3164(const alert_view& a, timestamp now, int pid,
                    const std::vector<fired_rule>& shown) {
  constexpr int facility_daemon = 3;
  const int pri = facility_daemon * 8 + syslog_priority(a.level);
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&t, &local);
  char stamp[32];
  // "Mmm dd hh:mm:ss", the day space-padded, in the C locale's month names as RFC 3164 wants.
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::snprintf(stamp, sizeof stamp, "%s %2d %02d:%02d:%02d", months[local.tm_mon % 12],
                local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
  return "<" + std::to_string(pri) + ">" + stamp + " sanctwatch[" + std::to_string(pid) +
         "]: " + summary_line(a, shown);
}

syslog_sink::syslog_sink(std::string name, filter f, std::string socket_path, line_format format)
    : sink(std::move(name), std::move(f)), socket_path_(std::move(socket_path)), format_(format) {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) == 0) host_ = buf;
}

void syslog_sink::deliver(const alert_view& a, done_fn done) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const int pid = static_cast<int>(getpid());
  const std::string line = format_ == line_format::rfc3164
                               ? rfc3164(a, now, pid, shown_rules(a))
                               : rfc5424(a, now, host_, pid, shown_rules(a));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path)
    return done(outcome::dead("syslog: socket path too long: " + socket_path_));
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return done(outcome::retry(std::string("syslog: socket: ") + std::strerror(errno)));
  const ssize_t n = ::sendto(fd, line.data(), line.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                             sizeof addr);
  const int err = errno;
  ::close(fd);
  if (n < 0) return done(outcome::retry("syslog: " + socket_path_ + ": " + std::strerror(err)));
  done(outcome::ok());
}

}  // namespace sanctwatch::sinks
