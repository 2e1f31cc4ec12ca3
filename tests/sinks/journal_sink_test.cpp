#include "sinks/journal_sink.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/time.hpp"
#include "sinks/alert_fixture.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::sinks {

TEST(journald_sink, fields_follow_the_alert_contract) {
  auto a = testing::sample_alert("a1f3", severity::critical);
  auto f = journal_fields(a);
  ASSERT_EQ(f.size(), 10u);
  EXPECT_EQ(f[0].rfind("MESSAGE=[CRITICAL] US warns Chinese banks \xe2\x80\x94 sanctions.threat.china-finance", 0), 0u) << f[0];
  EXPECT_EQ(f[1], "PRIORITY=2");
  EXPECT_EQ(f[2], std::string("MESSAGE_ID=") + alert_message_id);
  EXPECT_EQ(f[4], "SANCTWATCH_ALERT_ID=a1f3");
  EXPECT_EQ(f[5], "SANCTWATCH_RULE_ID=sanctions.threat.china-finance");
  EXPECT_EQ(f[7], "SANCTWATCH_TAGS=sanctions,china");
  EXPECT_EQ(f[8], "SANCTWATCH_JSON=" + a.document);
  EXPECT_EQ(f[9], "SANCTWATCH_RULES=sanctions.threat.china-finance");
  EXPECT_EQ(syslog_priority(severity::info), 6);
  EXPECT_EQ(syslog_priority(severity::high), 3);
}

TEST(journald_sink, logs_and_journal_take_no_updates) {
  EXPECT_FALSE(journald_sink("journald", {}).supports_updates());
  EXPECT_FALSE(syslog_sink("syslog", {}, "/nonexistent/log").supports_updates());
}

TEST(journald_sink, entry_reaches_the_journal) {
  if (!std::filesystem::exists("/run/systemd/journal/socket"))
    GTEST_SKIP() << "no journald on this machine";
  const std::string id = "test-" + std::to_string(getpid());
  journald_sink s("journald", {});
  std::optional<outcome> got;
  s.deliver(testing::sample_alert(id), [&](outcome o) { got = o; });
  ASSERT_TRUE(got);
  ASSERT_EQ(got->result, outcome::kind::delivered) << got->error;
  sd_journal* j = nullptr;
  ASSERT_GE(sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY), 0);
  const std::string match = "SANCTWATCH_ALERT_ID=" + id;
  sd_journal_add_match(j, match.data(), match.size());
  bool found = false;
  for (int tries = 0; tries < 50 && !found; ++tries) {
    sd_journal_seek_head(j);
    found = sd_journal_next(j) > 0;
    if (!found) usleep(100 * 1000);
  }
  sd_journal_close(j);
  EXPECT_TRUE(found) << "journal entry not found";
}

// sd_journal_sendv() succeeds where there is no journal; the sink must not.
TEST(journald_sink, no_journal_is_retried_not_delivered) {
  sanctwatch::testing::temp_dir dir;
  journald_sink s("journald", {}, dir.file("no-journal.sock"));
  std::optional<outcome> got;
  s.deliver(testing::sample_alert(), [&](outcome o) { got = o; });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->result, outcome::kind::retry);
  EXPECT_NE(got->error.find("no journal at " + dir.file("no-journal.sock")), std::string::npos)
      << got->error;

  // A path that exists but is no socket is no journal either.
  std::ofstream(dir.file("plain")) << "x";
  journald_sink f("journald", {}, dir.file("plain"));
  got.reset();
  f.deliver(testing::sample_alert(), [&](outcome o) { got = o; });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->result, outcome::kind::retry);
}

TEST(journald_sink, the_default_socket_decides_on_this_machine) {
  journald_sink s("journald", {});
  std::optional<outcome> got;
  s.deliver(testing::sample_alert("default-socket-" + std::to_string(getpid())),
            [&](outcome o) { got = o; });
  ASSERT_TRUE(got);
  if (std::filesystem::exists(journal_socket))
    EXPECT_EQ(got->result, outcome::kind::delivered) << got->error;
  else
    EXPECT_EQ(got->result, outcome::kind::retry) << "no journald here, yet delivered";
}

TEST(syslog_sink, rfc3164_line_as_syslog3_writes_it) {
  auto a = testing::sample_alert("a1", severity::high);
  setenv("TZ", "UTC", 1);
  tzset();
  const auto t = from_civil(2026, 11, 2, 9, 5, 3).value();
  EXPECT_EQ(rfc3164(a, t, 42), "<27>Nov  2 09:05:03 sanctwatch[42]: " + summary_line(a));
  unsetenv("TZ");
  tzset();
}

TEST(syslog_sink, rfc5424_line) {
  auto a = testing::sample_alert("id\"1]", severity::high);
  const auto t = from_civil(2026, 11, 22, 10, 15, 3).value();
  EXPECT_EQ(rfc5424(a, t, "host1", 42),
            "<27>1 2026-11-22T10:15:03Z host1 sanctwatch 42 alert [sanctwatch@32473 "
            "alert_id=\"id\\\"1\\]\" rule_id=\"sanctions.threat.china-finance\" "
            "severity=\"high\" tags=\"sanctions,china\" rules=\"sanctions.threat.china-finance\"] " +
                summary_line(a));
}

TEST(syslog_sink, sends_one_datagram_per_alert) {
  sanctwatch::testing::temp_dir dir;
  const std::string path = dir.file("log.sock");
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

  // The default: RFC 3164, what journald and rsyslog parse on /dev/log.
  syslog_sink s("syslog", {}, path);
  std::optional<outcome> got;
  s.deliver(testing::sample_alert("a9"), [&](outcome o) { got = o; });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->result, outcome::kind::delivered) << got->error;
  char buf[8192];
  ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  ASSERT_GT(n, 0);
  std::string line(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(line.rfind("<27>", 0), 0u) << line;
  EXPECT_NE(line.find(" sanctwatch[" + std::to_string(getpid()) + "]: "), std::string::npos) << line;

  // RFC 5424 on request, with the structured data.
  syslog_sink s5("syslog", {}, path, syslog_sink::line_format::rfc5424);
  got.reset();
  s5.deliver(testing::sample_alert("a9"), [&](outcome o) { got = o; });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->result, outcome::kind::delivered) << got->error;
  n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  ::close(fd);
  ASSERT_GT(n, 0);
  line.assign(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(line.rfind("<27>1 ", 0), 0u) << line;
  EXPECT_NE(line.find("alert_id=\"a9\""), std::string::npos) << line;
}

TEST(syslog_sink, missing_socket_is_retried) {
  syslog_sink s("syslog", {}, "/nonexistent-dir/log.sock");
  std::optional<outcome> got;
  s.deliver(testing::sample_alert(), [&](outcome o) { got = o; });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->result, outcome::kind::retry);
  EXPECT_NE(got->error.find("/nonexistent-dir/log.sock"), std::string::npos);
}

}  // namespace sanctwatch::sinks
