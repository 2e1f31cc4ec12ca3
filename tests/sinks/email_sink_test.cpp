// email_sink against a real SMTP server on loopback (aiosmtpd, tests/sinks/smtp_server.py):
// plain and TLS delivery, STARTTLS required and refused, AUTH, temporary and permanent
// refusals, threading of an update. Skips when /usr/bin/python3 or aiosmtpd is missing (CI
// installs debian-packages.txt); every wait is bounded.
#include "sinks/email_sink.hpp"

#include <gtest/gtest.h>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <memory>
#include <optional>

#include "sinks/alert_fixture.hpp"
#include "sinks/mail_tools.hpp"

namespace sanctwatch::sinks {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string password = "pw-0f-the-relay-7c1e";

class email_sink_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = sanctwatch::testing::python_missing(true); !why.empty()) GTEST_SKIP() << why;
  }

  // A server with `options`; TLS ones get the test's certificate.
  std::unique_ptr<sanctwatch::testing::smtp_server> server(std::vector<std::string> options, bool tls = false) {
    if (tls) {
      if (!have_cert_) {
        have_cert_ = sanctwatch::testing::make_certificate(dir_);
        if (!have_cert_) ADD_FAILURE() << "openssl could not make a certificate";
      }
      for (const char* o : {"--cert", "cert.pem", "--key", "key.pem"})
        options.push_back(std::string(o).ends_with(".pem") ? dir_.file(o) : o);
    }
    auto s = std::make_unique<sanctwatch::testing::smtp_server>(dir_, std::move(options));
    EXPECT_GT(s->port(), 0) << sanctwatch::testing::slurp(dir_.file("smtp-server.log"));
    return s;
  }

  // The client trusts the test's certificate only when asked to.
  http::client& client(bool trust_test_ca) {
    http::client_options o;
    if (trust_test_ca) o.ca_file = dir_.file("cert.pem");
    client_.emplace(io_, std::move(o));
    return *client_;
  }

  email_settings settings(const sanctwatch::testing::smtp_server& s, std::string scheme = "smtp") {
    email_settings e;
    e.url = s.url(scheme);
    e.from = {"sanctwatch", "alerts@example.org"};
    e.to = {{"", "risk@example.org"}, {"Desk", "desk@example.org"}};
    e.starttls = false;
    e.timeout = 5s;
    return e;
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    if (io_.stopped()) io_.restart();
    auto guard = asio::make_work_guard(io_);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
    return done();
  }

  outcome deliver(sink& s, const alert_view& a) {
    std::optional<outcome> out;
    int calls = 0;
    s.deliver(a, [&](outcome o) {
      ++calls;
      out = std::move(o);
    });
    EXPECT_TRUE(run_until([&] { return out.has_value(); })) << "no completion";
    run_until([] { return false; }, 20ms);  // a second call of `done` would show up here
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(out->error.find(password), std::string::npos) << out->error;
    return out.value_or(outcome::dead("no completion"));
  }

  json parsed(const std::string& message) { return sanctwatch::testing::parse_email(message, dir_); }

  sanctwatch::testing::temp_dir dir_;
  bool have_cert_ = false;
  asio::io_context io_;
  std::optional<http::client> client_;
};

TEST_F(email_sink_test, delivers_one_message_to_every_recipient) {
  auto smtp = server({});
  email_sink s("mail", {}, settings(*smtp), client(false));
  EXPECT_FALSE(s.supports_updates());  // for people, like chat
  const outcome o = deliver(s, testing::sample_alert());
  ASSERT_EQ(o.result, outcome::kind::delivered) << o.error;
  EXPECT_EQ(o.status, 250);
  ASSERT_EQ(smtp->received(), 1);
  const json env = smtp->envelope(1);
  EXPECT_EQ(env["from"], "alerts@example.org");
  EXPECT_EQ(env["to"], json({"risk@example.org", "desk@example.org"}));
  EXPECT_EQ(env["tls"], false);
  const json p = parsed(smtp->message(1));
  EXPECT_EQ(p["headers"]["Subject"], "[HIGH] US warns Chinese banks");
  EXPECT_EQ(p["headers"]["Message-ID"], "<sanctwatch.a1f3@example.org>");
  EXPECT_EQ(p["parts"].size(), 2u);
  EXPECT_EQ(p["defects"], json::array());
}

TEST_F(email_sink_test, starttls_with_the_configured_ca) {
  auto smtp = server({}, true);
  auto e = settings(*smtp);
  e.starttls = true;
  email_sink s("mail", {}, e, client(true));
  const outcome o = deliver(s, testing::sample_alert());
  ASSERT_EQ(o.result, outcome::kind::delivered) << o.error;
  ASSERT_EQ(smtp->received(), 1);
  EXPECT_EQ(smtp->envelope(1)["tls"], true);
}

TEST_F(email_sink_test, starttls_is_never_skipped_nor_unverified) {
  // The server offers no STARTTLS: nothing is sent in clear.
  auto plain = server({});
  auto e = settings(*plain);
  e.starttls = true;
  email_sink s("mail", {}, e, client(true));
  outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_NE(o.error.find("tls"), std::string::npos) << o.error;
  EXPECT_EQ(plain->received(), 0);

  // It does, with a certificate the client does not trust (no ca_file).
  auto tls = server({}, true);
  e = settings(*tls);
  e.starttls = true;
  email_sink untrusted("mail", {}, e, client(false));
  o = deliver(untrusted, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_NE(o.error.find("tls"), std::string::npos) << o.error;
  EXPECT_EQ(tls->received(), 0);
}

TEST_F(email_sink_test, smtps_is_tls_from_the_start) {
  auto smtp = server({"--smtps"}, true);
  email_sink s("mail", {}, settings(*smtp, "smtps"), client(true));
  const outcome o = deliver(s, testing::sample_alert());
  ASSERT_EQ(o.result, outcome::kind::delivered) << o.error;
  ASSERT_EQ(smtp->received(), 1);
  EXPECT_EQ(smtp->envelope(1)["tls"], true);
}

TEST_F(email_sink_test, authenticates_and_a_refused_login_is_dead_without_the_password) {
  auto smtp = server({"--user", "sender", "--password", password}, true);
  auto e = settings(*smtp);
  e.starttls = true;
  e.username = "sender";
  e.password = password;
  email_sink s("mail", {}, e, client(true));
  outcome o = deliver(s, testing::sample_alert());
  ASSERT_EQ(o.result, outcome::kind::delivered) << o.error;
  ASSERT_EQ(smtp->received(), 1);
  EXPECT_EQ(smtp->envelope(1)["authenticated"], true);

  e.password = password + "-wrong";
  email_sink wrong("mail", {}, e, client(true));
  o = deliver(wrong, testing::sample_alert("b2"));
  EXPECT_EQ(o.result, outcome::kind::dead) << o.error;
  EXPECT_EQ(o.status, 535);
  EXPECT_EQ(o.error.find(e.password), std::string::npos) << o.error;
  EXPECT_EQ(smtp->received(), 1);

  // Without credentials the relay refuses the sender: 530, for good.
  e.username.clear();
  e.password.clear();
  email_sink anonymous("mail", {}, e, client(true));
  o = deliver(anonymous, testing::sample_alert("c3"));
  EXPECT_EQ(o.result, outcome::kind::dead) << o.error;
  EXPECT_EQ(o.status, 530);
}

TEST_F(email_sink_test, a_temporary_refusal_retries_and_the_next_attempt_delivers) {
  auto smtp = server({"--fail-data", "1"});
  email_sink s("mail", {}, settings(*smtp), client(false));
  outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_EQ(o.status, 451);
  EXPECT_NE(o.error.find("451 4.3.0 temporary failure"), std::string::npos) << o.error;
  EXPECT_EQ(smtp->received(), 0);
  o = deliver(s, testing::sample_alert());
  ASSERT_EQ(o.result, outcome::kind::delivered) << o.error;
  EXPECT_EQ(smtp->received(), 1);

  auto rcpt = server({"--fail-rcpt", "1"});
  email_sink r("mail", {}, settings(*rcpt), client(false));
  o = deliver(r, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_EQ(o.status, 451);
}

TEST_F(email_sink_test, a_refused_mailbox_is_a_dead_letter_without_the_password) {
  auto smtp = server({"--reject", "--user", "sender", "--password", password}, true);
  auto e = settings(*smtp);
  e.starttls = true;
  e.username = "sender";
  e.password = password;
  email_sink s("mail", {}, e, client(true));
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::dead);
  EXPECT_EQ(o.status, 550);
  EXPECT_NE(o.error.find("550 5.1.1 <risk@example.org>: mailbox unavailable"), std::string::npos)
      << o.error;
  EXPECT_EQ(smtp->received(), 0);
}

TEST_F(email_sink_test, a_relay_that_is_not_there_is_retried) {
  int port = 0;
  {
    auto gone = server({});
    port = gone->port();
  }
  email_settings e;
  e.url = "smtp://127.0.0.1:" + std::to_string(port);
  e.from = {"", "alerts@example.org"};
  e.to = {{"", "risk@example.org"}};
  e.starttls = false;
  e.timeout = 5s;
  email_sink s("mail", {}, e, client(false));
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_NE(o.error.find("connect"), std::string::npos) << o.error;
}

TEST_F(email_sink_test, an_update_arrives_threaded_under_the_alert) {
  auto smtp = server({});
  email_sink s("mail", {}, settings(*smtp), client(false));
  auto doc = json::parse(testing::sample_alert().document);
  ASSERT_EQ(deliver(s, view_of(doc.dump()).value()).result, outcome::kind::delivered);
  doc["type"] = "alert.updated";
  doc["revision"] = 1;
  doc["updated_at"] = "2026-11-22T12:00:00Z";
  ASSERT_EQ(deliver(s, view_of(doc.dump()).value()).result, outcome::kind::delivered);
  ASSERT_EQ(smtp->received(), 2);
  const json first = parsed(smtp->message(1)), update = parsed(smtp->message(2));
  EXPECT_EQ(update["headers"]["Message-ID"], "<sanctwatch.a1f3-1@example.org>");
  EXPECT_EQ(update["headers"]["In-Reply-To"], first["headers"]["Message-ID"]);
  EXPECT_EQ(update["headers"]["References"], first["headers"]["Message-ID"]);
}

TEST(email_sink, refuses_settings_it_cannot_send_with) {
  asio::io_context io;
  http::client c(io);
  email_settings e;
  e.url = "https://127.0.0.1/";
  e.from = {"", "a@example.org"};
  e.to = {{"", "b@example.org"}};
  EXPECT_THROW(email_sink("m", {}, e, c), std::invalid_argument);
  e.url = "smtp://127.0.0.1";
  e.to.clear();
  EXPECT_THROW(email_sink("m", {}, e, c), std::invalid_argument);
}

}  // namespace
}  // namespace sanctwatch::sinks
