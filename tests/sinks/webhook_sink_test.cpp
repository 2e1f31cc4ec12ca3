// webhook_sink against the loopback test_server: real HTTP, no network beyond 127.0.0.1,
// every wait bounded.
#include "sinks/webhook_sink.hpp"

#include <gtest/gtest.h>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "http/test_server.hpp"
#include "sinks/alert_fixture.hpp"
#include "sinks/signing.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::sinks {
namespace {

using namespace std::chrono_literals;
using test::http_reply;
using test::http_request;
using test::test_server;

const std::string secret_a = "whsec_" + signing::base64_encode("key A: 32 bytes of secret stuff!");
const std::string secret_b = "whsec_" + signing::base64_encode("key B: the next one, rotated in.");

class webhook_sink_test : public ::testing::Test {
 protected:
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
    return out.value_or(outcome::dead("no completion"));
  }

  webhook_settings settings(std::string path, std::vector<std::string> secrets = {secret_a}) {
    webhook_settings s;
    s.url = server_.url(path);
    s.secrets = std::move(secrets);
    s.timeout = 2s;
    return s;
  }

  // A receiver as users would write one: verifies with its own secret, records ids.
  struct receiver {
    std::string secret;
    std::mutex m;
    std::vector<std::string> ids;
    std::vector<signing::verify_status> checks;
  };
  void receive(const std::string& path, receiver& r, http_reply reply = {.status = 204}) {
    server_.route(path, [&r, reply](const http_request& req) {
      const auto v =
          signing::verify(r.secret, req.header("webhook-id"), req.header("webhook-timestamp"),
                          req.header("webhook-signature"), req.body);
      std::lock_guard lock(r.m);
      r.checks.push_back(v);
      if (v != signing::verify_status::ok) return http_reply{.status = 401};
      r.ids.push_back(req.header("webhook-id"));
      return reply;
    });
  }

  asio::io_context io_;
  test_server server_;
  http::client client_{io_};
};

TEST_F(webhook_sink_test, every_alert_arrives_signed_and_verifies) {
  receiver r{.secret = secret_a};
  receive("/hook", r);
  webhook_sink s("hook", {}, settings("/hook"), client_);
  std::vector<alert_view> alerts;
  for (int i = 0; i < 5; ++i) alerts.push_back(testing::sample_alert("id-" + std::to_string(i)));

  // All at once: deliveries overlap on the one client.
  int done = 0;
  for (const auto& a : alerts)
    s.deliver(a, [&](outcome o) {
      EXPECT_EQ(o.result, outcome::kind::delivered) << o.error;
      EXPECT_EQ(o.status, 204);
      ++done;
    });
  ASSERT_TRUE(run_until([&] { return done == 5; }));

  std::lock_guard lock(r.m);
  EXPECT_EQ(std::set<std::string>(r.ids.begin(), r.ids.end()),
            (std::set<std::string>{"id-0", "id-1", "id-2", "id-3", "id-4"}));
  const auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  for (const auto& req : reqs) {
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.header("content-type"), "application/json");
    const auto it = std::find_if(alerts.begin(), alerts.end(), [&](const alert_view& a) {
      return a.id == req.header("webhook-id");
    });
    ASSERT_NE(it, alerts.end());
    EXPECT_EQ(req.body, it->document);
    const auto ts = std::stoll(req.header("webhook-timestamp"));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    EXPECT_LE(std::llabs(now - ts), 5);
  }
}

// The receiver code docs/alerts.md gives (Python, standard library) verifies what the sink
// sends, during a key rotation too, and refuses a wrong key, an altered body and a replay.
TEST_F(webhook_sink_test, the_documented_receiver_verifies_a_real_request) {
  server_.route("/doc", http_reply{.status = 204});
  webhook_sink s("hook", {}, settings("/doc", {secret_a, secret_b}), client_);
  const auto o = deliver(s, testing::sample_alert("doc-1"));
  ASSERT_EQ(o.result, outcome::kind::delivered) << o.error;
  const auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  sanctwatch::testing::temp_dir dir;
  nlohmann::json headers;
  for (const char* h : {"webhook-id", "webhook-timestamp", "webhook-signature"})
    headers[h] = reqs[0].header(h);
  std::ofstream(dir.file("headers.json")) << headers.dump();
  std::ofstream(dir.file("body"), std::ios::binary) << reqs[0].body;
  const std::string wrong = "whsec_" + signing::base64_encode("not the key the sender holds...");
  const std::string cmd = "/usr/bin/python3 '" + std::string(SANCTWATCH_SOURCE_DIR) +
                          "/tests/sinks/doc_webhook_verify.py' '" + std::string(SANCTWATCH_SOURCE_DIR) +
                          "/docs/alerts.md' '" + dir.file("headers.json") + "' '" + dir.file("body") +
                          "' '" + secret_b + "' '" + wrong + "' 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  EXPECT_EQ(out, "good\nbad\nbad\nbad\n");
}

TEST_F(webhook_sink_test, an_update_is_a_new_message_about_the_same_alert) {
  receiver r{.secret = secret_a};
  receive("/hook", r);
  webhook_sink s("hook", {}, settings("/hook"), client_);
  EXPECT_TRUE(s.supports_updates());
  const auto original = testing::sample_alert("a1f3");
  auto doc = nlohmann::json::parse(original.document);
  doc["type"] = "alert.updated";
  doc["revision"] = 1;
  const auto update = view_of(doc.dump()).value();
  EXPECT_EQ(deliver(s, original).result, outcome::kind::delivered);
  EXPECT_EQ(deliver(s, update).result, outcome::kind::delivered);
  EXPECT_EQ(deliver(s, update).result, outcome::kind::delivered);  // a retry
  std::lock_guard lock(r.m);
  // Receivers dedupe by webhook-id: the update is not a repeat, its retry is.
  EXPECT_EQ(r.ids, (std::vector<std::string>{"a1f3", "a1f3-1", "a1f3-1"}));
  for (auto v : r.checks) EXPECT_EQ(v, signing::verify_status::ok);
  const auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(reqs[1].body)["id"], "a1f3");
  EXPECT_EQ(nlohmann::json::parse(reqs[1].body)["type"], "alert.updated");
  EXPECT_EQ(reqs[1].body, reqs[2].body);
}

TEST_F(webhook_sink_test, status_503_is_retry) {
  server_.route("/hook", http_reply{.status = 503, .body = "maintenance"});
  webhook_sink s("hook", {}, settings("/hook"), client_);
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_EQ(o.status, 503);
  EXPECT_NE(o.error.find("maintenance"), std::string::npos) << o.error;
  EXPECT_FALSE(o.retry_after.has_value());
}

TEST_F(webhook_sink_test, retryable_statuses_retry_and_other_4xx_are_dead) {
  webhook_sink s("hook", {}, settings("/hook"), client_);
  for (int status : {408, 425, 429, 500, 502, 504}) {
    server_.route("/hook", http_reply{.status = status});
    EXPECT_EQ(deliver(s, testing::sample_alert()).result, outcome::kind::retry) << status;
  }
  for (int status : {401, 403, 404, 413, 422}) {
    server_.route("/hook", http_reply{.status = status});
    EXPECT_EQ(deliver(s, testing::sample_alert()).result, outcome::kind::dead) << status;
  }
}

TEST_F(webhook_sink_test, timeout_is_retry) {
  server_.route("/slow", http_reply{.status = 200, .delay = 3s});
  auto st = settings("/slow");
  st.timeout = 300ms;
  webhook_sink s("hook", {}, st, client_);
  const auto start = std::chrono::steady_clock::now();
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_NE(o.error.find("timeout"), std::string::npos) << o.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(webhook_sink_test, connection_refused_is_retry_and_hides_url_credentials) {
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor a(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  webhook_settings st;
  st.url = "http://user:pa55word@127.0.0.1:" + std::to_string(port) + "/hook?token=t0ken";
  st.secrets = {secret_a};
  webhook_sink s("hook", {}, st, client_);
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_NE(o.error.find("connect"), std::string::npos) << o.error;
  for (const std::string& secret : {std::string("pa55word"), std::string("t0ken"), secret_a})
    EXPECT_EQ(o.error.find(secret), std::string::npos) << o.error;
  EXPECT_EQ(s.display_url(), "http://127.0.0.1:" + std::to_string(port));
}

TEST_F(webhook_sink_test, status_429_retries_after_the_servers_delay) {
  server_.route("/hook", http_reply{.status = 429, .headers = {{"Retry-After", "42"}}});
  webhook_sink s("hook", {}, settings("/hook"), client_);
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_EQ(o.status, 429);
  EXPECT_EQ(o.retry_after, std::optional<std::chrono::seconds>(42s));
}

TEST_F(webhook_sink_test, status_400_is_dead_with_the_head_of_the_body) {
  std::string body = "{\"error\":\"bad payload\"}\n";
  body += std::string(176, 'x');  // 200 bytes so far
  body += "TAIL-NOT-SHOWN" + std::string(300, 'y');
  server_.route("/hook", http_reply{.status = 400, .body = body});
  webhook_sink s("hook", {}, settings("/hook"), client_);
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::dead);
  EXPECT_EQ(o.status, 400);
  EXPECT_NE(o.error.find("HTTP 400"), std::string::npos) << o.error;
  EXPECT_NE(o.error.find("{\"error\":\"bad payload\"}"), std::string::npos) << o.error;
  EXPECT_NE(o.error.find(std::string(176, 'x')), std::string::npos);
  EXPECT_EQ(o.error.find("TAIL"), std::string::npos) << o.error;
  EXPECT_EQ(o.error.find('\n'), std::string::npos) << "one line for logs";
}

TEST_F(webhook_sink_test, status_410_is_dead) {
  server_.route("/hook", http_reply{.status = 410});
  webhook_sink s("hook", {}, settings("/hook"), client_);
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::dead);
  EXPECT_EQ(o.status, 410);
}

TEST_F(webhook_sink_test, redirect_is_not_followed_and_is_dead) {
  server_.route("/old", http_reply::redirect(301, server_.url("/new")));
  server_.route("/new", http_reply{.status = 200});
  webhook_sink s("hook", {}, settings("/old"), client_);
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::dead);
  EXPECT_EQ(o.status, 301);
  EXPECT_EQ(server_.count("/new"), 0u);
}

TEST_F(webhook_sink_test, retry_sends_the_same_body_with_a_fresh_timestamp) {
  std::atomic<int> calls{0};
  server_.route(
      "/hook", [&](const http_request&) { return http_reply{.status = calls++ == 0 ? 503 : 200}; });
  std::int64_t fake_now = 1'800'000'000;
  const auto clock = [&] {
    return std::chrono::system_clock::time_point{std::chrono::seconds{fake_now}};
  };
  webhook_sink s("hook", {}, settings("/hook"), client_, clock);
  const alert_view a = testing::sample_alert("same-id");
  EXPECT_EQ(deliver(s, a).result, outcome::kind::retry);
  fake_now += 300;  // the dispatcher's second attempt comes minutes later
  EXPECT_EQ(deliver(s, a).result, outcome::kind::delivered);

  const auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].body, reqs[1].body);
  EXPECT_EQ(reqs[0].body, a.document);
  EXPECT_EQ(reqs[0].header("webhook-id"), "same-id");
  EXPECT_EQ(reqs[1].header("webhook-id"), "same-id");
  EXPECT_EQ(reqs[0].header("webhook-timestamp"), "1800000000");
  EXPECT_EQ(reqs[1].header("webhook-timestamp"), "1800000300");
  for (const auto& req : reqs) {
    const auto now = std::chrono::system_clock::time_point{
        std::chrono::seconds{std::stoll(req.header("webhook-timestamp"))}};
    EXPECT_EQ(signing::verify(secret_a, req.header("webhook-id"), req.header("webhook-timestamp"),
                              req.header("webhook-signature"), req.body, now),
              signing::verify_status::ok);
  }
  EXPECT_NE(reqs[0].header("webhook-signature"), reqs[1].header("webhook-signature"));
}

TEST_F(webhook_sink_test, custom_headers_are_sent) {
  server_.route("/hook", http_reply{.status = 200});
  auto st = settings("/hook");
  st.headers = {{"Authorization", "Bearer abc123"}, {"X-Team", "compliance"}};
  webhook_sink s("hook", {}, st, client_);
  EXPECT_EQ(deliver(s, testing::sample_alert()).result, outcome::kind::delivered);
  const auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer abc123");
  EXPECT_EQ(reqs[0].header("x-team"), "compliance");
  EXPECT_EQ(reqs[0].header("content-type"), "application/json");
}

TEST_F(webhook_sink_test, secrets_never_appear_in_errors_even_when_echoed) {
  // A receiver that echoes what it got, secrets included (a misconfigured proxy, say).
  const std::string raw_secret = "plain-shared-secret-123";
  server_.route("/hook", [&](const http_request& r) {
    return http_reply{
        .status = 400,
        .body = "bad: " + secret_a + " " + raw_secret + " " + r.header("authorization")};
  });
  auto st = settings("/hook", {secret_a, raw_secret});
  st.headers = {{"Authorization", "Bearer s3cr3t-token"}};
  webhook_sink s("hook", {}, st, client_);
  const outcome o = deliver(s, testing::sample_alert());
  EXPECT_EQ(o.result, outcome::kind::dead);
  for (std::string_view hidden : {std::string_view(secret_a), std::string_view(secret_a).substr(6),
                                  std::string_view(raw_secret), std::string_view("s3cr3t-token")})
    EXPECT_EQ(o.error.find(hidden), std::string::npos) << o.error;
  EXPECT_NE(o.error.find("[redacted]"), std::string::npos) << o.error;

  // Straddling the 200-byte cut: not even a prefix of the secret shows.
  server_.route("/hook", http_reply{.status = 400, .body = std::string(190, '.') + raw_secret});
  const outcome cut = deliver(s, testing::sample_alert());
  EXPECT_EQ(cut.error.find(raw_secret.substr(0, 8)), std::string::npos) << cut.error;
}

TEST_F(webhook_sink_test, key_rotation_either_receiver_key_verifies) {
  receiver old_key{.secret = secret_a}, new_key{.secret = secret_b};
  receive("/old-receiver", old_key);
  receive("/new-receiver", new_key);
  webhook_sink to_old("a", {}, settings("/old-receiver", {secret_a, secret_b}), client_);
  webhook_sink to_new("b", {}, settings("/new-receiver", {secret_a, secret_b}), client_);
  EXPECT_EQ(deliver(to_old, testing::sample_alert("r1")).result, outcome::kind::delivered);
  EXPECT_EQ(deliver(to_new, testing::sample_alert("r2")).result, outcome::kind::delivered);
  const auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  const std::string sig = reqs[0].header("webhook-signature");
  EXPECT_EQ(std::count(sig.begin(), sig.end(), ' '), 1) << sig;
  EXPECT_EQ(old_key.ids, std::vector<std::string>{"r1"});
  EXPECT_EQ(new_key.ids, std::vector<std::string>{"r2"});

  // A receiver holding neither key refuses: the sink sees 401 as dead.
  receiver stranger{.secret = "whsec_" + signing::base64_encode("unrelated")};
  receive("/stranger", stranger);
  webhook_sink to_stranger("c", {}, settings("/stranger", {secret_a, secret_b}), client_);
  EXPECT_EQ(deliver(to_stranger, testing::sample_alert()).status, 401);
  EXPECT_EQ(stranger.checks.at(0), signing::verify_status::mismatch);
}

TEST_F(webhook_sink_test, bad_configuration_fails_at_startup_without_quoting_the_secret) {
  auto st = settings("/hook", {"whsec_not*base64*secret"});
  try {
    webhook_sink s("hook", {}, st, client_);
    FAIL() << "accepted a malformed secret";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("not*base64"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("secret #1"), std::string::npos) << e.what();
  }
  st = settings("/hook");
  st.url.clear();
  EXPECT_THROW(webhook_sink("hook", {}, st, client_), std::invalid_argument);
}

TEST_F(webhook_sink_test, unsigned_when_no_secret_is_configured) {
  server_.route("/hook", http_reply{.status = 200});
  webhook_sink s("hook", {}, settings("/hook", {}), client_);
  EXPECT_EQ(deliver(s, testing::sample_alert()).result, outcome::kind::delivered);
  EXPECT_FALSE(server_.requests().at(0).has_header("webhook-signature"));
}

}  // namespace
}  // namespace sanctwatch::sinks
