// The real binary at start: one daemon per state file, configs that could only fail later
// refused at load (exit 2), and credentials in feed URLs used but never shown.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "http/test_server.hpp"
#include "process.hpp"
#include "run_binary.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace sanctwatch::service::startup {
namespace {

using testing::eventually;
constexpr auto spawn = testing::spawn_sanctwatch;

using namespace std::chrono_literals;
using sanctwatch::test::http_reply;
using sanctwatch::testing::slurp;

const char* threat = "US threatens sanctions on Chinese banks that help Russia evade sanctions";

std::string rss(const std::string& guid, const std::string& title) {
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><item><guid>" +
         guid + "</guid><title>" + title + "</title><description>" + title +
         "</description></item></channel></rss>";
}

// The exit code of `pid`, or -1 when it is still running after `limit` (it is killed then).
int exit_code(pid_t pid, std::chrono::milliseconds limit = 15000ms) {
  int status = 0;
  if (!eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }, limit)) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A loopback port nothing listens on.
std::uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

class startup : public ::testing::Test {
 protected:
  // A config with the default rules, the given feed lines and a jsonl sink; `extra` last.
  void write_config(const std::string& feeds, const std::string& extra = "") {
    std::ofstream(config_) << "state: {path: " << state_ << "}\n"
                           << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
                           << "feeds:\n"
                           << feeds << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n"
                           << extra;
  }

  // `run` on the config, which must exit at once: its exit code and what it printed.
  std::pair<int, std::string> run_refused() {
    const std::string log = dir_.file("run-" + std::to_string(++runs_) + ".log");
    const pid_t pid = spawn({"run", "-c", config_}, log);
    const int code = pid > 0 ? exit_code(pid) : -1;
    return {code, slurp(log)};
  }

  sanctwatch::test::test_server server_;
  sanctwatch::testing::temp_dir dir_;
  std::string config_ = dir_.file("sanctwatch.yaml");
  std::string state_ = dir_.file("state.db");
  std::string alerts_ = dir_.file("alerts.jsonl");
  int runs_ = 0;
};

}  // namespace

TEST_F(startup, a_second_daemon_on_one_state_is_refused_until_the_first_is_gone) {
  server_.route("/wire", http_reply{.body = rss("1", threat)});
  write_config("  - {id: wire, url: \"" + server_.url("/wire") + "\", interval: 1m}\n");
  const std::string log = dir_.file("first.log");
  const pid_t first = spawn({"run", "-c", config_}, log);
  ASSERT_GT(first, 0);
  ASSERT_TRUE(eventually([&] { return !slurp(alerts_).empty(); })) << slurp(log);

  const std::string in_use = "state " + state_ + " is in use by another sanctwatch (pid " +
                             std::to_string(first) + "); stop it first";
  auto [code, out] = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("sanctwatch run: " + in_use), std::string::npos) << out;
  // A one-shot poll beside the daemon would deliver the same alerts: refused the same way.
  auto r = testing::run_sanctwatch("poll --all -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("sanctwatch poll: " + in_use), std::string::npos) << r.out;
  // Reading the state is fine meanwhile.
  r = testing::run_sanctwatch("feeds -c '" + config_ + "'");
  EXPECT_NE(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("wire"), std::string::npos) << r.out;

  // A crash leaves no lock behind: the next daemon starts at once.
  kill(first, SIGKILL);
  waitpid(first, nullptr, 0);
  const std::string log3 = dir_.file("third.log");
  const pid_t third = spawn({"run", "-c", config_}, log3);
  ASSERT_GT(third, 0);
  const bool started =
      eventually([&] { return slurp(log3).find("sanctwatch started") != std::string::npos; });
  kill(third, SIGTERM);
  EXPECT_EQ(exit_code(third), 0) << slurp(log3);
  EXPECT_TRUE(started) << slurp(log3);
  EXPECT_EQ(slurp(log3).find("in use"), std::string::npos) << slurp(log3);
}

TEST_F(startup, a_url_without_a_host_is_a_located_error) {
  write_config("  - {id: nohost, url: \"http://\"}\n");
  auto [code, out] = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(config_ + ":4:23: error: url is not a valid URL (No host part in the URL)"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("sanctwatch started"), std::string::npos) << out;

  // From the environment it is checked once expanded, and named redacted.
  setenv("SANCTWATCH_TEST_FEED_URL", "https://reader:pw-from-env@", 1);
  write_config("  - {id: fromenv, url: \"${SANCTWATCH_TEST_FEED_URL}\"}\n");
  std::tie(code, out) = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(config_ + ":4: feed 'fromenv': url https://***@ is not a valid URL"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("pw-from-env"), std::string::npos) << out;
  unsetenv("SANCTWATCH_TEST_FEED_URL");
  std::tie(code, out) = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("feed 'fromenv': url: environment variable SANCTWATCH_TEST_FEED_URL is not set"),
            std::string::npos)
      << out;

  // The feeds of an OPML list too.
  std::ofstream(dir_.file("news.opml"))
      << "<opml version=\"2.0\"><body><outline text=\"Broken\" xmlUrl=\"https://\"/></body></opml>\n";
  write_config("  - opml: news.opml\n");
  std::tie(code, out) = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(dir_.file("news.opml") + ": feed 'broken': url https:// is not a valid URL"),
            std::string::npos)
      << out;
}

TEST_F(startup, a_repeated_key_is_a_located_error) {
  write_config("  - {id: a, url: \"" + server_.url("/a") + "\"}\n",
               "state: {path: " + dir_.file("other.db") + "}\n");
  auto [code, out] = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(config_ + ":7:1: error: duplicate key 'state' (first on line 1)"),
            std::string::npos)
      << out;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("other.db")));
  EXPECT_FALSE(std::filesystem::exists(state_));
}

TEST_F(startup, rule_directories_without_rules_are_errors_unless_allowed) {
  server_.route("/wire", http_reply{.body = rss("1", threat)});
  const std::string feed = "  - {id: wire, url: \"" + server_.url("/wire") + "\"}\n";
  const std::string empty = dir_.file("empty-rules");
  std::filesystem::create_directories(empty);
  const auto with_rules = [&](const std::string& dirs, const std::string& extra = "") {
    std::ofstream(config_) << "state: {path: " << state_ << "}\nrules: [" << dirs << "]\nfeeds:\n"
                           << feed << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n"
                           << extra;
  };

  with_rules(empty);
  auto [code, out] = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(config_ + ": no rules in " + empty + " (rules_allow_empty: true starts without any)"),
            std::string::npos)
      << out;

  with_rules(dir_.file("no-such-rules"));
  std::tie(code, out) = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(dir_.file("no-such-rules") + ": error: not a rules directory"), std::string::npos)
      << out;

  // Permissions bind only without root, so only then can this part run.
  if (geteuid() != 0) {
    const std::string locked = dir_.file("locked-rules");
    std::filesystem::create_directories(locked);
    chmod(locked.c_str(), 0);
    with_rules(locked);
    std::tie(code, out) = run_refused();
    chmod(locked.c_str(), 0700);
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find(locked + ": error: cannot read: Permission denied"), std::string::npos) << out;
  }

  // Said explicitly, a daemon without rules is fine.
  with_rules(empty, "rules_allow_empty: true\n");
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(slurp(alerts_), "");
}

TEST_F(startup, a_jsonl_sink_in_a_missing_directory_is_an_error) {
  const std::string feed = "  - {id: a, url: \"" + server_.url("/a") + "\"}\n";
  const std::string lost = dir_.file("no-such-dir") + "/alerts.jsonl";
  write_config(feed, "  - {type: jsonl, name: lost, path: " + lost + "}\n");
  auto [code, out] = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(config_ + ":7: sink 'lost': path " + lost + ": directory " +
                     dir_.file("no-such-dir") + " does not exist"),
            std::string::npos)
      << out;

  write_config(feed, "  - {type: jsonl, name: dir, path: " + dir_.path().string() + "}\n");
  std::tie(code, out) = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("sink 'dir': path " + dir_.path().string() + " is a directory"),
            std::string::npos)
      << out;

  // Beside a state directory that `run` creates is fine.
  const std::string fresh = dir_.file("var");
  std::ofstream(config_) << "state: {path: " << fresh << "/state.db}\nrules: [" << SANCTWATCH_SOURCE_DIR
                         << "/rules]\nfeeds:\n"
                         << feed << "sinks:\n  - {type: jsonl, path: " << fresh << "/alerts.jsonl}\n";
  server_.route("/a", http_reply{.body = rss("1", threat)});
  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(slurp(fresh + "/alerts.jsonl").find("sanctions"), std::string::npos) << r.out;
}

TEST_F(startup, feed_credentials_are_sent_and_never_shown) {
  const std::string password = "s3cret-feed-pw";
  const std::string basic = "Basic cmVhZGVyOnMzY3JldC1mZWVkLXB3";  // reader:s3cret-feed-pw
  for (const char* path : {"/inline", "/env", "/file"})
    server_.route(path, [&, path](const sanctwatch::test::http_request& r) {
      if (r.header("authorization") != basic) return http_reply{.status = 401};
      return http_reply{.body = rss(std::string("id") + path, threat)};
    });
  setenv("SANCTWATCH_TEST_FEED_PASSWORD", password.c_str(), 1);
  std::ofstream(dir_.file("feed-password")) << password << "\n";
  const auto with_user = [&](std::string url, const std::string& userinfo) {
    return url.insert(url.find("://") + 3, userinfo + "@");
  };
  const std::string down = "http://127.0.0.1:" + std::to_string(closed_port()) + "/feed";
  write_config(
      "  - {id: inline, url: \"" + with_user(server_.url("/inline"), "reader:" + password) + "\"}\n" +
      "  - {id: env, url: \"" + with_user(server_.url("/env"), "reader:${SANCTWATCH_TEST_FEED_PASSWORD}") +
      "\"}\n" + "  - {id: file, url: \"" + with_user(server_.url("/file"), "reader") +
      "\", password_file: feed-password}\n" + "  - {id: down, url: \"" +
      with_user(down, "reader:" + password) + "\"}\n",
      "stories: {enabled: false}\n");  // an alert per feed, each naming its feed's URL

  auto r = testing::run_sanctwatch("poll -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;  // `down` failed
  for (const char* path : {"/inline", "/env", "/file"}) EXPECT_EQ(server_.count(path), 1u) << path;
  for (const auto& req : server_.requests()) EXPECT_EQ(req.header("authorization"), basic);
  EXPECT_NE(r.out.find("feed down: " + down + ": "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(password), std::string::npos) << r.out;

  const std::string alerts = slurp(alerts_);
  EXPECT_NE(alerts.find("\"url\":\"" + server_.url("/inline") + "\""), std::string::npos) << alerts;
  EXPECT_EQ(alerts.find(password), std::string::npos) << alerts;
  EXPECT_EQ(alerts.find("reader"), std::string::npos) << alerts;

  r = testing::run_sanctwatch("feeds -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(down), std::string::npos) << r.out;  // the last error names the URL
  EXPECT_EQ(r.out.find(password), std::string::npos) << r.out;
  r = testing::run_sanctwatch("alerts --format json -c '" + config_ + "'");
  EXPECT_EQ(r.out.find(password), std::string::npos) << r.out;

  for (const auto& f : std::filesystem::directory_iterator(dir_.path())) {
    if (f.path().filename().string().rfind("state.db", 0) != 0) continue;
    const std::string bytes = slurp(f.path().string());
    EXPECT_EQ(bytes.find(password), std::string::npos) << f.path();
    EXPECT_EQ(bytes.find("reader"), std::string::npos) << f.path();
  }
  unsetenv("SANCTWATCH_TEST_FEED_PASSWORD");
}

// systemd hands credentials over as files in ${CREDENTIALS_DIRECTORY}: `password_file` and
// `secret_file` expand variables in their paths, and a missing variable is a located error.
TEST_F(startup, secret_files_are_found_through_environment_variables) {
  setenv("CREDENTIALS_DIRECTORY", dir_.path().c_str(), 1);
  unsetenv("SANCTWATCH_TEST_NO_SUCH_DIR");
  std::ofstream(dir_.file("hook-secret")) << "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";
  write_config("  - {id: f, url: \"http://reader@127.0.0.1:1/f\", "
               "password_file: \"${SANCTWATCH_TEST_NO_SUCH_DIR}/pw\"}\n",
               "  - {type: webhook, name: good, url: \"http://127.0.0.1:1/h\", "
               "secret_file: \"${CREDENTIALS_DIRECTORY}/hook-secret\"}\n"
               "  - {type: webhook, name: gone, url: \"http://127.0.0.1:1/h\", "
               "secret_file: \"${CREDENTIALS_DIRECTORY}/no-such-secret\"}\n");
  auto [code, out] = run_refused();
  unsetenv("CREDENTIALS_DIRECTORY");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(config_ + ":4: feed 'f': password_file: environment variable "
                               "SANCTWATCH_TEST_NO_SUCH_DIR is not set"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(config_ + ":8: sink 'gone': secret_file " + dir_.file("no-such-secret") +
                     ": cannot open"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("sink 'good'"), std::string::npos) << out;  // read from the credential
}

TEST_F(startup, a_password_twice_or_nowhere_is_an_error) {
  std::ofstream(dir_.file("empty-password")) << "\n";
  write_config("  - {id: both, url: \"http://reader:pw@127.0.0.1:1/f\", password_file: pw}\n"
               "  - {id: none, url: \"http://reader@127.0.0.1:1/f\", password_file: empty-password}\n"
               "  - {id: lost, url: \"http://reader@127.0.0.1:1/f\", password_file: no-such-file}\n");
  auto [code, out] = run_refused();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(config_ + ":4: feed 'both': give the password in url or password_file, not both"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(config_ + ":5: feed 'none': password_file " + dir_.file("empty-password") +
                     " holds no password"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(config_ + ":6: feed 'lost': password_file " + dir_.file("no-such-file") +
                     ": cannot open"),
            std::string::npos)
      << out;
}

TEST_F(startup, an_email_sink_password_is_resolved_at_load_and_never_shown) {
  const std::string password = "smtp-pw-9d2f";
  std::ofstream(dir_.file("empty-password")) << "\n";
  std::ofstream(dir_.file("smtp-password")) << password << "\n";
  setenv("SANCTWATCH_TEST_SMTP_URL", "https://mail.example.org", 1);
  unsetenv("SANCTWATCH_TEST_SMTP_PASSWORD");
  const std::string mail = "from: a@example.org, to: b@example.org, username: u";
  write_config("  - {id: f, url: \"http://127.0.0.1:1/f\"}\n",
               "  - {type: email, name: env, url: \"smtp://127.0.0.1:1\", " + mail +
                   ", password: \"${SANCTWATCH_TEST_SMTP_PASSWORD}\"}\n"
                   "  - {type: email, name: empty, url: \"smtp://127.0.0.1:1\", " + mail +
                   ", password_file: empty-password}\n"
                   "  - {type: email, name: lost, url: \"smtp://127.0.0.1:1\", " + mail +
                   ", password_file: no-such-file}\n"
                   "  - {type: email, name: web, url: \"${SANCTWATCH_TEST_SMTP_URL}\", " + mail +
                   ", password_file: smtp-password}\n");
  auto [code, out] = run_refused();
  unsetenv("SANCTWATCH_TEST_SMTP_URL");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(config_ + ":7: sink 'env': password: environment variable "
                               "SANCTWATCH_TEST_SMTP_PASSWORD is not set"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(config_ + ":8: sink 'empty': password_file " + dir_.file("empty-password") +
                     " holds no password"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(config_ + ":9: sink 'lost': password_file " + dir_.file("no-such-file") +
                     ": cannot open"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(config_ + ":10: sink 'web': url must start with smtp:// or smtps://"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find(password), std::string::npos) << out;
}

}  // namespace sanctwatch::service::startup
