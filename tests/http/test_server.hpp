#pragma once
/// An in-process HTTP/1.1 server for hermetic tests of anything that talks HTTP (the
/// fetch client, webhook sinks, the metrics endpoint). Listens on 127.0.0.1, port 0
/// (the kernel picks one), and runs its own io_context on its own thread.
///
/// Usage:
///   sanctwatch::test::test_server server;
///   server.route("/feed.xml", [](const http_request& r) {
///     if (r.header("if-none-match") == "\"v1\"") return http_reply{.status = 304};
///     return http_reply{.headers = {{"ETag", "\"v1\""}}, .body = "<rss/>"};
///   });
///   fetch(server.url("/feed.xml"));           // or url("/x", "localhost")
///   EXPECT_EQ(server.requests().at(0).method, "GET");
///
/// Handlers run on the server thread and must be thread-safe with respect to the test
/// (capture atomics or take a lock). route(), requests() and the counters may be called
/// from any thread. Unknown paths get 404. Connections are kept alive unless the reply
/// or the request says otherwise. The destructor stops the thread and drops every
/// connection, so a server may safely die with requests still hanging on it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sanctwatch::test {

/// One request as the server saw it.
struct http_request {
  std::string method;
  std::string target;                                        ///< as sent: path plus query
  std::string path;                                          ///< target without the query
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased, in order
  std::string body;                                          ///< Content-Length bytes
  std::uint64_t connection = 0;  ///< which connection carried it (1, 2, ...)

  /// First value of a header (lower-case name), exactly as received; empty when absent.
  std::string header(std::string_view lower_name) const;
  bool has_header(std::string_view lower_name) const;
};

/// What to answer. Content-Length (or chunked framing) is added by the server.
struct http_reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};          ///< wait this long before sending anything
  bool gzip = false;                           ///< gzip the body and add Content-Encoding: gzip
  bool chunked = false;                        ///< Transfer-Encoding: chunked, no Content-Length
  std::size_t drip_bytes = 0;                  ///< >0: send the body in pieces of this size ...
  std::chrono::milliseconds drip_interval{0};  ///< ... this far apart (a slow server)
  std::uint64_t repeat = 1;  ///< the body is sent this many times over: a huge reply from a
                             ///< small piece, never held whole (streamed as the client reads)
  bool close = false;                          ///< close the connection after this reply
  bool drop = false;                           ///< close the connection without any reply

  static http_reply redirect(int status, std::string location);
};

using handler = std::function<http_reply(const http_request&)>;

class test_server {
 public:
  test_server();   ///< listening and serving when it returns
  ~test_server();  ///< stops the thread; hanging connections are closed
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  /// Answers requests whose path (query ignored) equals `path`; replaces an earlier route.
  void route(std::string path, handler h);
  /// Always answers `path` with the same reply.
  void route(std::string path, http_reply fixed);

  std::uint16_t port() const;
  /// "http://<host>:<port><path>"; host "localhost" reaches the same server under a
  /// different host name (a second host for per-host limits).
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const;

  std::vector<http_request> requests() const;      ///< every request so far, in arrival order
  std::size_t count(std::string_view path) const;  ///< requests so far for `path`
  void clear_log();

  std::size_t max_connections() const;  ///< most connections open at the same time
  std::size_t max_in_progress() const;  ///< most requests being answered at the same time
  std::size_t connections_accepted() const;

  struct state;  ///< shared with connections; defined in test_server.cpp

 private:
  std::unique_ptr<state> state_;
};

/// gzip (RFC 1952) of `data`, for replies and for crafting compression bombs.
std::string gzip_compress(std::string_view data);

/// A gzip body that inflates to at least `inflated` zero bytes (whole MiB), at about 1 KiB
/// per MiB: several GB of output from a few MB of body, built in milliseconds.
std::string gzip_bomb(std::uint64_t inflated);

}  // namespace sanctwatch::test
