// Hermetic tests of http::client against the loopback test_server: no test reaches
// beyond 127.0.0.1, and every wait is bounded.
#include "http/client.hpp"

#include <gtest/gtest.h>

#include <map>
#include <unistd.h>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/version.hpp"
#include "http/test_server.hpp"

namespace sanctwatch::http {
namespace {

using namespace std::chrono_literals;
using test::http_reply;
using test::http_request;
using test::test_server;
using steady = std::chrono::steady_clock;

class http_client : public ::testing::Test {
 protected:
  // Runs the loop until `done` or `limit`; true when done.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    // The guard's release may have stopped the loop at the end of an earlier call.
    if (io_.stopped()) io_.restart();
    auto guard = asio::make_work_guard(io_);
    const auto deadline = steady::now() + limit;
    while (!done() && steady::now() < deadline) io_.run_one_until(deadline);
    return done();
  }

  response fetch(client& c, request req, std::chrono::milliseconds limit = 10s) {
    std::optional<response> out;
    c.start(std::move(req), [&](response r) { out = std::move(r); });
    EXPECT_TRUE(run_until([&] { return out.has_value(); }, limit)) << "no completion";
    return out ? std::move(*out) : response{};
  }

  response fetch(request req, std::chrono::milliseconds limit = 10s) {
    return fetch(client_, std::move(req), limit);
  }

  static request get(std::string url) {
    request r;
    r.url = std::move(url);
    return r;
  }

  static std::vector<ip_network> networks(std::initializer_list<const char*> texts) {
    std::vector<ip_network> out;
    std::string why;
    for (const char* t : texts) out.push_back(*parse_ip_network(t, why));
    return out;
  }

  asio::io_context io_;  // declared first: outlives every client
  test_server server_;
  // The test server is on loopback: redirects between its paths must be allowed there.
  client client_{io_, {.allow_private = networks({"127.0.0.0/8", "::1/128"})}};
};

TEST_F(http_client, conditional_get_round_trip_keeps_validators_byte_exact) {
  const std::string etag = "W/\"a\\\"b c-1\"";
  const std::string last_modified = "Sat, 01 Jun 2024 10:00:00 GMT";
  server_.route("/feed", [&](const http_request& r) {
    if (r.header("if-none-match") == etag) return http_reply{.status = 304};
    return http_reply{.headers = {{"ETag", etag}, {"Last-Modified", last_modified}},
                      .body = "<rss/>"};
  });

  const response first = fetch(get(server_.url("/feed")));
  ASSERT_TRUE(first.ok()) << first.error_message;
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "<rss/>");
  EXPECT_FALSE(first.not_modified);
  EXPECT_EQ(first.header("etag"), etag);
  EXPECT_EQ(first.header("last-modified"), last_modified);

  request again = get(server_.url("/feed"));
  again.etag = first.header("etag");
  again.last_modified = first.header("last-modified");
  const response second = fetch(again);
  ASSERT_TRUE(second.ok()) << second.error_message;
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.not_modified);
  EXPECT_TRUE(second.body.empty());

  const auto log = server_.requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_FALSE(log[0].has_header("if-none-match"));
  EXPECT_FALSE(log[0].has_header("if-modified-since"));
  EXPECT_EQ(log[1].header("if-none-match"), etag);
  EXPECT_EQ(log[1].header("if-modified-since"), last_modified);
  EXPECT_EQ(log[0].header("user-agent"),
            std::string("sanctwatch/") + sanctwatch::version + " (+https://github.com/sanctwatch)");
  EXPECT_EQ(log[0].connection, log[1].connection) << "the connection was not reused";
}

TEST_F(http_client, user_agent_and_headers_are_overridable_and_names_lower_cased) {
  server_.route("/h",
                http_reply{.headers = {{"Link", "<a>"}, {"Link", "<b>"}, {"X-Mixed-Case", "v"}},
                           .body = "ok"});
  request r = get(server_.url("/h"));
  r.user_agent = "custom/1.0";
  r.headers = {{"X-Feed", "42"}};
  const response resp = fetch(r);
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.headers.count("link"), 2u);
  EXPECT_EQ(resp.header("x-mixed-case"), "v");
  const auto log = server_.requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].header("user-agent"), "custom/1.0");
  EXPECT_EQ(log[0].header("x-feed"), "42");
}

TEST_F(http_client, line_breaks_in_header_values_are_refused_before_sending) {
  request r = get(server_.url("/x"));
  r.etag = "\"x\"\r\nX-Injected: 1";
  const response resp = fetch(r);
  EXPECT_EQ(resp.error, error_kind::protocol);
  EXPECT_EQ(server_.requests().size(), 0u);
}

TEST_F(http_client, gzip_body_is_decoded) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "sanctions item " + std::to_string(i) + "\n";
  server_.route("/gz", http_reply{.body = text, .gzip = true});
  const response resp = fetch(get(server_.url("/gz")));
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.header("content-encoding"), "gzip");
  EXPECT_EQ(resp.body, text);
  EXPECT_NE(server_.requests().at(0).header("accept-encoding").find("gzip"), std::string::npos);
}

TEST_F(http_client, gzip_bomb_is_cut_at_max_body) {
  // 50 MB of zeros compress to about 50 kB: only the decoded count can catch it.
  static const std::string bomb = test::gzip_compress(std::string(50 * 1024 * 1024, '\0'));
  ASSERT_LT(bomb.size(), 1024u * 1024u);
  server_.route("/bomb", http_reply{.headers = {{"Content-Encoding", "gzip"}}, .body = bomb});
  request r = get(server_.url("/bomb"));
  r.max_body = 1024 * 1024;
  const auto t0 = steady::now();
  const response resp = fetch(r);
  EXPECT_EQ(resp.error, error_kind::too_large) << resp.error_message;
  EXPECT_TRUE(resp.body.empty());
  EXPECT_LT(steady::now() - t0, 5s);
}

TEST_F(http_client, plain_body_over_max_body_is_too_large) {
  server_.route("/big", http_reply{.body = std::string(200'000, 'x')});
  server_.route("/bigchunked", http_reply{.body = std::string(200'000, 'x'), .chunked = true});
  for (const char* path : {"/big", "/bigchunked"}) {
    request r = get(server_.url(path));
    r.max_body = 100'000;
    const response resp = fetch(r);
    EXPECT_EQ(resp.error, error_kind::too_large) << path << ": " << resp.error_message;
  }
}

TEST_F(http_client, permanent_redirect_chain_sets_permanent_url) {
  server_.route("/a", http_reply::redirect(301, "/b"));
  server_.route("/b", http_reply::redirect(308, server_.url("/c")));
  server_.route("/c", http_reply{.body = "final"});
  const response resp = fetch(get(server_.url("/a")));
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "final");
  EXPECT_EQ(resp.redirects, 2);
  EXPECT_EQ(resp.effective_url, server_.url("/c"));
  EXPECT_EQ(resp.permanent_url, server_.url("/c"));
}

TEST_F(http_client, temporary_hop_in_chain_clears_permanent_url) {
  server_.route("/a", http_reply::redirect(301, "/b"));
  server_.route("/b", http_reply::redirect(302, "/c"));
  server_.route("/c", http_reply::redirect(308, "/d"));
  server_.route("/d", http_reply{.body = "final"});
  const response resp = fetch(get(server_.url("/a")));
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.body, "final");
  EXPECT_EQ(resp.effective_url, server_.url("/d"));
  EXPECT_TRUE(resp.permanent_url.empty());
}

TEST_F(http_client, no_redirect_means_no_permanent_url) {
  server_.route("/plain", http_reply{.body = "x"});
  const response resp = fetch(get(server_.url("/plain")));
  EXPECT_TRUE(resp.permanent_url.empty());
  EXPECT_EQ(resp.redirects, 0);
}

TEST_F(http_client, redirect_loop_ends_with_too_many_redirects) {
  server_.route("/loop1", http_reply::redirect(301, "/loop2"));
  server_.route("/loop2", http_reply::redirect(301, "/loop1"));
  const response resp = fetch(get(server_.url("/loop1")));
  EXPECT_EQ(resp.error, error_kind::too_many_redirects) << resp.error_message;
  EXPECT_TRUE(resp.permanent_url.empty());
  EXPECT_LE(server_.requests().size(), 3u);
}

TEST_F(http_client, redirect_limit_is_exact) {
  for (int i = 0; i < 11; ++i)
    server_.route("/h" + std::to_string(i),
                  http_reply::redirect(301, "/h" + std::to_string(i + 1)));
  server_.route("/h11", http_reply{.body = "end"});
  const response eleven = fetch(get(server_.url("/h0")));  // 11 hops
  EXPECT_EQ(eleven.error, error_kind::too_many_redirects) << eleven.error_message;
  const response ten = fetch(get(server_.url("/h1")));  // 10 hops
  ASSERT_TRUE(ten.ok()) << ten.error_message;
  EXPECT_EQ(ten.redirects, 10);
  EXPECT_EQ(ten.body, "end");
}

TEST_F(http_client, post_redirected_by_303_continues_as_get) {
  server_.route("/submit", http_reply::redirect(303, "/done"));
  server_.route("/done", http_reply{.body = "thanks"});
  request r = get(server_.url("/submit"));
  r.method = method::post;
  r.body = "payload";
  const response resp = fetch(r);
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  const auto log = server_.requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_EQ(log[1].method, "GET");
  EXPECT_TRUE(log[1].body.empty());
}

TEST_F(http_client, credentials_do_not_follow_a_redirect_to_another_host) {
  server_.route("/a", http_reply::redirect(302, server_.url("/b", "localhost")));
  server_.route("/b", http_reply{.body = "x"});
  request r = get(server_.url("/a"));
  r.headers = {{"Authorization", "Bearer secret"}, {"X-Keep", "1"}};
  const response resp = fetch(r);
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  const auto log = server_.requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].header("authorization"), "Bearer secret");
  EXPECT_FALSE(log[1].has_header("authorization"));
  EXPECT_EQ(log[1].header("x-keep"), "1");
}

// Redirects and URLs from feed content may not reach the private network by default; the
// feed URL itself (the operator's choice) may.
TEST_F(http_client, redirect_to_loopback_is_refused_by_default) {
  server_.route("/a", http_reply::redirect(302, server_.url("/secret")));
  server_.route("/secret", http_reply{.body = "internal"});
  client c(io_);
  const response resp = fetch(c, get(server_.url("/a")));
  EXPECT_EQ(resp.error, error_kind::refused) << resp.error_message;
  // The same host and port as the first hop: refused on the cached connection.
  EXPECT_EQ(resp.error_message, server_.url("/secret") +
                                    ": refused: redirect to 127.0.0.1 (loopback) is not allowed; "
                                    "network.allow_private opens it");
  EXPECT_TRUE(resp.body.empty());
  EXPECT_EQ(server_.count("/secret"), 0u);
}

TEST_F(http_client, redirect_to_another_loopback_port_is_refused_before_connecting) {
  test_server inner;
  inner.route("/admin", http_reply{.body = "internal"});
  server_.route("/a", http_reply::redirect(301, inner.url("/admin")));
  client c(io_);
  const response resp = fetch(c, get(server_.url("/a")));
  EXPECT_EQ(resp.error, error_kind::refused) << resp.error_message;
  EXPECT_NE(resp.error_message.find("redirect to 127.0.0.1 (loopback) is not allowed"),
            std::string::npos)
      << resp.error_message;
  EXPECT_EQ(inner.connections_accepted(), 0u);  // not even a TCP handshake
  EXPECT_TRUE(resp.permanent_url.empty());
}

TEST_F(http_client, redirect_to_a_name_that_resolves_to_loopback_is_refused) {
  test_server inner;
  inner.route("/admin", http_reply{.body = "internal"});
  server_.route("/a", http_reply::redirect(302, inner.url("/admin", "localhost")));
  client c(io_);
  const response resp = fetch(c, get(server_.url("/a")));
  EXPECT_EQ(resp.error, error_kind::refused) << resp.error_message;
  EXPECT_NE(resp.error_message.find("(loopback) is not allowed"), std::string::npos)
      << resp.error_message;
  EXPECT_EQ(inner.connections_accepted(), 0u);
}

TEST_F(http_client, configured_loopback_url_is_fetched_by_default) {
  server_.route("/feed", http_reply{.body = "<rss/>"});
  client c(io_);
  const response resp = fetch(c, get(server_.url("/feed")));
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.body, "<rss/>");
}

TEST_F(http_client, allow_private_opens_exactly_its_ranges) {
  test_server inner;
  inner.route("/admin", http_reply{.body = "internal"});
  server_.route("/ip", http_reply::redirect(302, inner.url("/admin")));
  server_.route("/name", http_reply::redirect(302, inner.url("/admin", "localhost")));
  // 127/8 only: "localhost" may resolve to ::1 first, which stays refused, then 127.0.0.1.
  client open(io_, {.allow_private = networks({"127.0.0.0/8"})});
  for (const char* path : {"/ip", "/name"}) {
    const response resp = fetch(open, get(server_.url(path)));
    ASSERT_TRUE(resp.ok()) << path << ": " << resp.error_message;
    EXPECT_EQ(resp.body, "internal") << path;
  }
  // Another private range opens nothing here.
  client other(io_, {.allow_private = networks({"10.0.0.0/8", "fc00::/7"})});
  EXPECT_EQ(fetch(other, get(server_.url("/ip"))).error, error_kind::refused);
  // The list is replaced on reload.
  open.set_allow_private({});
  EXPECT_EQ(fetch(open, get(server_.url("/ip"))).error, error_kind::refused);
}

TEST_F(http_client, untrusted_url_is_checked_from_its_first_hop) {
  server_.route("/article", http_reply{.body = "internal"});
  client c(io_);
  request r = get(server_.url("/article"));
  r.untrusted_url = true;
  const response resp = fetch(c, r);
  EXPECT_EQ(resp.error, error_kind::refused) << resp.error_message;
  EXPECT_NE(resp.error_message.find("refused: 127.0.0.1 (loopback) is not allowed for a URL from "
                                    "outside the config; network.allow_private opens it"),
            std::string::npos)
      << resp.error_message;
  EXPECT_EQ(server_.count("/article"), 0u);
  // Nor may it read files.
  r.url = "file:///etc/hostname";
  EXPECT_EQ(fetch(c, r).error, error_kind::protocol);
  // Allowed ranges apply to it as to redirects.
  r.url = server_.url("/article");
  EXPECT_EQ(fetch(r).body, "internal");
}

// Through a proxy the connection is to the proxy, so a checked hop's host is resolved and
// checked before the request. The test server plays the proxy: it sees absolute URLs.
TEST_F(http_client, through_a_proxy_redirect_targets_are_resolved_and_checked_first) {
  const std::string port = std::to_string(server_.port());
  server_.route("http://feeds.example/ip", http_reply::redirect(302, "http://127.0.0.1:9/secret"));
  server_.route("http://feeds.example/name",
                http_reply::redirect(302, "http://localhost:9/secret"));
  server_.route("http://feeds.example/meta",
                http_reply::redirect(302, "http://169.254.169.254/latest/meta-data/"));
  server_.route("http://feeds.example/public", http_reply::redirect(302, "http://192.0.2.1/feed"));
  server_.route("http://192.0.2.1/feed", http_reply{.body = "public"});
  server_.route("http://127.0.0.1:9/secret", http_reply{.body = "internal"});
  client c(io_, {.proxy = server_.url("")});
  // The first hop is the operator's: the proxy gets it whatever the host.
  for (const char* path : {"/ip", "/name", "/meta"}) {
    const response resp = fetch(c, get(std::string("http://feeds.example") + path));
    EXPECT_EQ(resp.error, error_kind::refused) << path << ": " << resp.error_message;
    EXPECT_NE(resp.error_message.find("is not allowed"), std::string::npos) << resp.error_message;
  }
  EXPECT_EQ(server_.count("http://127.0.0.1:9/secret"), 0u);
  EXPECT_EQ(server_.count("http://169.254.169.254/latest/meta-data/"), 0u);
  const response pub = fetch(c, get("http://feeds.example/public"));
  ASSERT_TRUE(pub.ok()) << pub.error_message;
  EXPECT_EQ(pub.body, "public");
  client open(io_, {.allow_private = networks({"127.0.0.0/8"}), .proxy = server_.url("")});
  const response allowed = fetch(open, get("http://feeds.example/ip"));
  ASSERT_TRUE(allowed.ok()) << allowed.error_message;
  EXPECT_EQ(allowed.body, "internal");
}

TEST_F(http_client, proxy_environment_variables_are_not_read) {
  server_.route("/direct", http_reply{.body = "direct"});
  // A proxy the client did not know about would make the connect-time check see the proxy.
  setenv("http_proxy", "http://127.0.0.1:9", 1);
  setenv("ALL_PROXY", "http://127.0.0.1:9", 1);
  const response resp = fetch(get(server_.url("/direct")));
  unsetenv("http_proxy");
  unsetenv("ALL_PROXY");
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.body, "direct");
}

TEST_F(http_client, username_and_password_go_to_the_first_host_only) {
  server_.route("/a", http_reply::redirect(302, server_.url("/b")));
  server_.route("/b", http_reply::redirect(302, server_.url("/c", "localhost")));
  server_.route("/c", http_reply{.body = "x"});
  request r = get(server_.url("/a"));
  r.username = "reader";
  r.password = "s3cr:t";
  const response resp = fetch(r);
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  const auto log = server_.requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].header("authorization"), "Basic cmVhZGVyOnMzY3I6dA==");  // reader:s3cr:t
  EXPECT_EQ(log[1].header("authorization"), "Basic cmVhZGVyOnMzY3I6dA==");  // same host
  EXPECT_FALSE(log[2].has_header("authorization"));
}

TEST_F(http_client, error_messages_show_a_url_without_its_password) {
  server_.route("/drop", http_reply{.drop = true});
  std::string url = server_.url("/drop");
  url.replace(url.find("://") + 3, 0, "reader:s3cret@");
  const response resp = fetch(get(url));
  EXPECT_FALSE(resp.ok());
  EXPECT_EQ(resp.error_message.find("s3cret"), std::string::npos) << resp.error_message;
  EXPECT_EQ(resp.error_message.find("reader"), std::string::npos) << resp.error_message;
  EXPECT_NE(resp.error_message.find("http://***@127.0.0.1:"), std::string::npos) << resp.error_message;
}

TEST_F(http_client, error_statuses_are_values_not_errors) {
  server_.route("/gone", http_reply{.status = 410, .body = "gone"});
  server_.route("/boom", http_reply{.status = 500, .body = "oops"});
  const response gone = fetch(get(server_.url("/gone")));
  EXPECT_TRUE(gone.ok());
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(gone.body, "gone");
  const response boom = fetch(get(server_.url("/boom")));
  EXPECT_TRUE(boom.ok());
  EXPECT_EQ(boom.status, 500);
  EXPECT_FALSE(boom.retry_after);
  const response missing = fetch(get(server_.url("/nowhere")));
  EXPECT_EQ(missing.status, 404);
}

TEST_F(http_client, too_many_requests_carries_retry_after) {
  server_.route("/secs", http_reply{.status = 429, .headers = {{"Retry-After", "120"}}});
  const response secs = fetch(get(server_.url("/secs")));
  EXPECT_EQ(secs.status, 429);
  ASSERT_TRUE(secs.retry_after);
  EXPECT_EQ(*secs.retry_after, 120s);

  const std::time_t later = std::time(nullptr) + 3600;
  std::tm tm{};
  gmtime_r(&later, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  server_.route("/date", http_reply{.status = 503, .headers = {{"Retry-After", date}}});
  const response dated = fetch(get(server_.url("/date")));
  EXPECT_EQ(dated.status, 503);
  ASSERT_TRUE(dated.retry_after) << date;
  EXPECT_GE(*dated.retry_after, 3590s);
  EXPECT_LE(*dated.retry_after, 3601s);
}

TEST_F(http_client, slow_server_times_out_within_bounds) {
  server_.route("/slow", http_reply{.body = "late", .delay = 5s});
  request r = get(server_.url("/slow"));
  r.timeout = 300ms;
  const response resp = fetch(r);
  EXPECT_EQ(resp.error, error_kind::timeout) << resp.error_message;
  EXPECT_GE(resp.elapsed, 250ms);
  EXPECT_LT(resp.elapsed, 2s);
}

TEST_F(http_client, dripping_chunked_body_arrives_whole) {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "chunk" + std::to_string(i) + ";";
  server_.route("/drip",
                http_reply{.body = text, .chunked = true, .drip_bytes = 7, .drip_interval = 5ms});
  const response resp = fetch(get(server_.url("/drip")));
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.body, text);
}

TEST_F(http_client, server_closing_each_connection_is_fine) {
  server_.route("/once", http_reply{.body = "bye", .close = true});
  for (int i = 0; i < 3; ++i) {
    const response resp = fetch(get(server_.url("/once")));
    ASSERT_TRUE(resp.ok()) << resp.error_message;
    EXPECT_EQ(resp.body, "bye");
  }
  EXPECT_EQ(server_.connections_accepted(), 3u);
}

TEST_F(http_client, stalled_body_hits_the_low_speed_limit) {
  server_.route("/stall",
                http_reply{.body = std::string(100, 'x'), .drip_bytes = 1, .drip_interval = 3s});
  request r = get(server_.url("/stall"));
  r.low_speed_time = 1s;
  const response resp = fetch(r);
  EXPECT_EQ(resp.error, error_kind::timeout) << resp.error_message;
  EXPECT_LT(resp.elapsed, 4s);
}

TEST_F(http_client, refused_connection_is_a_connect_error) {
  std::uint16_t port = 0;
  {
    asio::io_context scratch;
    asio::ip::tcp::acceptor a(scratch, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  const response resp = fetch(get("http://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(resp.error, error_kind::connect) << resp.error_message;
  EXPECT_NE(resp.error_message.find(std::to_string(port)), std::string::npos);
}

TEST_F(http_client, dropped_connection_is_a_protocol_error) {
  server_.route("/drop", http_reply{.drop = true});
  const response resp = fetch(get(server_.url("/drop")));
  EXPECT_EQ(resp.error, error_kind::protocol) << resp.error_message;
}

TEST_F(http_client, file_urls_are_read) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("sanctwatch_http_test_" + std::to_string(::getpid()) + ".xml");
  { std::ofstream(path) << "<rss>local</rss>"; }
  const response resp = fetch(get("file://" + path.string()));
  std::filesystem::remove(path);
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "<rss>local</rss>");

  const response missing = fetch(get("file://" + path.string()));
  EXPECT_EQ(missing.error, error_kind::protocol);
}

TEST_F(http_client, redirect_to_a_file_url_is_refused) {
  server_.route("/evil", http_reply::redirect(302, "file:///etc/passwd"));
  const response resp = fetch(get(server_.url("/evil")));
  EXPECT_EQ(resp.error, error_kind::protocol) << resp.error_message;
  EXPECT_TRUE(resp.body.empty());
}

TEST_F(http_client, post_sends_body_and_headers) {
  server_.route("/hook", http_reply{.status = 204});
  request r = get(server_.url("/hook"));
  r.method = method::post;
  r.body = std::string(5000, 'j') + "{\"alert\":1}";
  r.headers = {{"Content-Type", "application/json"}, {"X-Signature", "sha256=abc"}};
  const response resp = fetch(r);
  ASSERT_TRUE(resp.ok()) << resp.error_message;
  EXPECT_EQ(resp.status, 204);
  const auto log = server_.requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_EQ(log[0].body, r.body);
  EXPECT_EQ(log[0].header("content-type"), "application/json");
  EXPECT_EQ(log[0].header("x-signature"), "sha256=abc");
  EXPECT_FALSE(log[0].has_header("expect"));
}

TEST_F(http_client, per_host_limit_holds_with_many_transfers_to_two_hosts) {
  test_server other;
  const http_reply reply{.body = "item", .delay = 2ms};
  server_.route("/item", reply);
  other.route("/item", reply);
  client c(io_, {.max_in_flight = 64, .per_host = 2});
  std::size_t done = 0, good = 0;
  for (int i = 0; i < 200; ++i) {
    // 127.0.0.1 and localhost are two hosts to the client.
    const std::string url =
        i % 2 ? server_.url("/item?i=" + std::to_string(i)) : other.url("/item", "localhost");
    c.start(get(url), [&](response r) {
      ++done;
      good += r.ok() && r.status == 200 && r.body == "item";
    });
  }
  EXPECT_EQ(c.pending(), 200u);
  ASSERT_TRUE(run_until([&] { return done == 200; }, 30s)) << done;
  EXPECT_EQ(good, 200u);
  EXPECT_EQ(server_.count("/item"), 100u);
  EXPECT_EQ(other.count("/item"), 100u);
  for (const test_server* s : {&server_, &other}) {
    EXPECT_EQ(s->max_in_progress(), 2u);
    EXPECT_LE(s->max_connections(), 2u);
    EXPECT_LE(s->connections_accepted(), 4u) << "connections were not reused";
  }
  EXPECT_EQ(c.pending(), 0u);
}

TEST_F(http_client, global_limit_holds) {
  server_.route("/item", http_reply{.body = "x", .delay = 2ms});
  client c(io_, {.max_in_flight = 3, .per_host = 10});
  std::size_t done = 0;
  for (int i = 0; i < 60; ++i) c.start(get(server_.url("/item")), [&](response) { ++done; });
  ASSERT_TRUE(run_until([&] { return done == 60; }, 20s));
  EXPECT_EQ(server_.max_in_progress(), 3u);
  EXPECT_LE(server_.max_connections(), 3u);
}

TEST_F(http_client, queued_requests_start_in_fifo_order_per_host) {
  server_.route("/q", http_reply{.body = "x"});
  client c(io_, {.max_in_flight = 8, .per_host = 1});
  std::vector<int> completed;
  for (int i = 0; i < 20; ++i)
    c.start(get(server_.url("/q?i=" + std::to_string(i))),
            [&completed, i](response) { completed.push_back(i); });
  ASSERT_TRUE(run_until([&] { return completed.size() == 20; }));
  const auto log = server_.requests();
  ASSERT_EQ(log.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(log[i].target, "/q?i=" + std::to_string(i));
    EXPECT_EQ(completed[i], i);
  }
}

// A failed transfer frees its host slot like a finished one: the requests queued behind
// failures (too large, timed out, refused mid-way, redirect loops) still start.
TEST_F(http_client, failures_free_the_host_slot_for_queued_requests) {
  server_.route("/big", http_reply{.body = std::string(4096, 'x'), .repeat = 1024});
  server_.route("/bigchunked", http_reply{.body = std::string(4096, 'x'), .chunked = true,
                                          .repeat = 1024});
  server_.route("/slow", http_reply{.body = "late", .delay = 3s});
  server_.route("/drop", http_reply{.drop = true});
  server_.route("/loop", http_reply::redirect(302, "/loop"));
  server_.route("/ok", http_reply{.body = "ok"});
  client c(io_, {.max_in_flight = 8, .per_host = 1});
  std::map<std::string, response> out;
  auto start = [&](const std::string& path, auto&&... tweak) {
    request r = get(server_.url(path));
    r.max_body = 64 * 1024;
    r.timeout = 300ms;
    (tweak(r), ...);
    c.start(std::move(r), [&out, path](response resp) { out[path] = std::move(resp); });
  };
  for (const char* path : {"/big", "/bigchunked", "/slow", "/drop", "/loop"}) start(path);
  start("/ok");
  ASSERT_TRUE(run_until([&] { return out.size() == 6; }, 20s)) << out.size() << " of 6 done";
  EXPECT_EQ(out["/big"].error, error_kind::too_large);
  EXPECT_EQ(out["/bigchunked"].error, error_kind::too_large);
  EXPECT_EQ(out["/slow"].error, error_kind::timeout);
  EXPECT_NE(out["/drop"].error, error_kind::none);
  EXPECT_EQ(out["/loop"].error, error_kind::too_many_redirects);
  EXPECT_EQ(out["/ok"].error, error_kind::none);
  EXPECT_EQ(out["/ok"].body, "ok");
  EXPECT_EQ(c.pending(), 0u);
}

TEST_F(http_client, cancel_all_aborts_running_and_queued_requests) {
  server_.route("/hang", http_reply{.body = "never", .delay = 10s});
  std::vector<response> out;
  for (int i = 0; i < 5; ++i)
    client_.start(get(server_.url("/hang")), [&](response r) { out.push_back(std::move(r)); });
  asio::steady_timer t(io_, 100ms);
  t.async_wait([&](std::error_code) { client_.cancel_all(); });
  const auto t0 = steady::now();
  ASSERT_TRUE(run_until([&] { return out.size() == 5; }, 3s));
  EXPECT_LT(steady::now() - t0, 2s);
  for (const auto& r : out) EXPECT_EQ(r.error, error_kind::aborted);
  EXPECT_EQ(client_.pending(), 0u);
  EXPECT_EQ(server_.requests().size(), 2u) << "per-host limit 2: three never started";

  // The client stays usable after a cancel.
  server_.route("/after", http_reply{.body = "ok"});
  EXPECT_EQ(fetch(get(server_.url("/after"))).body, "ok");
}

TEST_F(http_client, destroying_the_client_aborts_pending_requests) {
  server_.route("/hang", http_reply{.delay = 10s});
  std::vector<response> out;
  {
    client c(io_);
    for (int i = 0; i < 3; ++i)
      c.start(get(server_.url("/hang")), [&](response r) { out.push_back(std::move(r)); });
    run_until([] { return false; }, 50ms);
  }
  ASSERT_TRUE(run_until([&] { return out.size() == 3; }, 2s));
  for (const auto& r : out) EXPECT_EQ(r.error, error_kind::aborted);
}

TEST_F(http_client, idle_client_runs_no_handlers) {
  server_.route("/x", http_reply{.body = "x"});
  ASSERT_TRUE(fetch(get(server_.url("/x"))).ok());
  // No polling loop: with nothing in flight, nothing should wake the loop.
  if (io_.stopped()) io_.restart();
  auto guard = asio::make_work_guard(io_);
  const std::size_t handlers = io_.run_for(300ms);
  EXPECT_LE(handlers, 2u);
}

TEST_F(http_client, moved_client_keeps_working) {
  server_.route("/m", http_reply{.body = "moved"});
  client a(io_);
  client b(std::move(a));
  EXPECT_EQ(fetch(b, get(server_.url("/m"))).body, "moved");
}

}  // namespace
}  // namespace sanctwatch::http
