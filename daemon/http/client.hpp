#pragma once
/// Asynchronous HTTP(S)/file fetching for the daemon, and sending mail over SMTP: libcurl's
/// multi_socket interface driven by one Asio io_context (docs/architecture.md, "Threads").
///
/// Ownership and threads: a client belongs to the thread that runs its io_context. Every
/// method must be called on that thread, and every completion is posted to that
/// io_context (never called from inside start() or a libcurl callback). The client must
/// be destroyed before its io_context. Destroying it completes pending requests with
/// error_kind::aborted, like cancel_all(). An idle client holds no work on the
/// io_context: keep a work guard (or other work) if run() must not return.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ip.hpp"

namespace asio {
class io_context;
}

namespace sanctwatch::http {

enum class method { get, post };

/// Why a request produced no usable HTTP response. HTTP error statuses (404, 500, ...)
/// are not errors here: they arrive as response::status with error_kind::none.
enum class error_kind {
  none,
  timeout,             ///< request timeout or low-speed limit hit
  connect,             ///< TCP connection refused or unreachable
  dns,                 ///< host name did not resolve
  tls,                 ///< handshake or certificate verification failed
  too_large,           ///< decoded body larger than request::max_body (bombs included)
  too_many_redirects,  ///< more than request::max_redirects hops, or a redirect loop
  protocol,            ///< anything else: bad response, bad URL, read error, bad redirect
  aborted,             ///< cancel_all() or client destruction
  refused,             ///< a redirect or untrusted URL would reach a private address
};

/// Stable lower-case name of an error kind ("too_large", ...), for logs and metrics.
std::string_view to_string(error_kind kind);

/// One fetch. Header values are sent exactly as given; a CR or LF in any of them
/// fails the request with error_kind::protocol instead of smuggling a header.
struct request {
  std::string url;                                           ///< http, https or file
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra request headers
  std::string etag;           ///< sent verbatim as If-None-Match when not empty
  std::string last_modified;  ///< sent verbatim as If-Modified-Since when not empty
  std::string user_agent;     ///< empty: client_options::user_agent
  /// HTTP authentication (libcurl's default, Basic), sent to the host of `url` only, never to
  /// a redirect target elsewhere; kept out of `url` so that messages naming it hold none.
  std::string username;
  std::string password;
  /// Whole-request limit, redirects included, counted from when the first hop starts
  /// (time spent queued behind the per-host limit does not count).
  std::chrono::milliseconds timeout{std::chrono::seconds{30}};
  std::chrono::seconds low_speed_time{0};   ///< >0: fail when under 1 byte/s this long
  std::size_t max_body = 16 * 1024 * 1024;  ///< decoded bytes; beyond: error too_large
  int max_redirects = 10;
  http::method method = method::get;
  std::string body;  ///< POST only
  /// Accept-Encoding; empty means every encoding this libcurl decodes (gzip, deflate,
  /// br, zstd); "identity" asks for none.
  std::string accept_encoding;
  /// The URL is not the operator's choice (a link in a feed, a stored redirect target), so
  /// its first hop may not reach private addresses either. Redirect hops never may.
  bool untrusted_url = false;
  /// Mail instead of HTTP: when set, `url` is smtp:// or smtps://, `body` (a whole RFC 5322
  /// message, CRLF line endings; libcurl dot-stuffs it) is sent from `from` to every `to`
  /// (addresses as "<a@b>") with `username`/`password` as SMTP AUTH, and response::status is
  /// the server's last reply code. HTTP settings (headers, redirects, encodings, max_body)
  /// do not apply, nor does client_options::proxy: an HTTP proxy rarely lets a connection
  /// to port 25 or 587 through, and the mail relay is the operator's choice anyway.
  struct mail_envelope {
    std::string from;
    std::vector<std::string> to;
    /// smtp:// only: STARTTLS is required (a server that does not offer it fails the
    /// transfer with error_kind::tls). false sends in clear; smtps:// is always TLS.
    bool require_tls = true;
  };
  std::optional<mail_envelope> mail;
};

/// The outcome of one request, final hop only.
struct response {
  /// HTTP status of the last hop; 200 for a file:// URL read fine; for mail, the last SMTP
  /// reply code (250 when sent, 550 for a refused mailbox, 0 when no server answered).
  long status = 0;
  std::string reply;  ///< mail: the server's last refusal, 4xx or 5xx ("550 5.1.1 No such user")
  /// Response header fields of the last hop, names lower-cased, repeated names kept.
  std::multimap<std::string, std::string> headers;
  std::string body;           ///< decoded; empty for 304 and errors
  std::string effective_url;  ///< URL of the last hop
  /// The final URL when at least one redirect was followed, every hop was 301 or 308 and
  /// the last response is 2xx or 304; empty otherwise. Feeds may store it as their URL.
  std::string permanent_url;
  bool not_modified = false;  ///< status 304: keep the previous content and validators
  error_kind error = error_kind::none;
  std::string error_message;                        ///< for people: names the URL and the reason
  std::optional<std::chrono::seconds> retry_after;  ///< from a valid Retry-After header
  std::chrono::steady_clock::duration elapsed{};    ///< from start() to completion
  int redirects = 0;                                ///< hops followed
  int http_version = 0;        ///< of the last hop: 1 (HTTP/1.x), 2 or 3; 0 for file:// and errors
  bool reused_connection = false;  ///< the last hop went over a connection already open

  bool ok() const { return error == error_kind::none; }
  /// First value of a header (name in lower case); empty when absent.
  std::string header(std::string_view lower_name) const;
};

/// Limits shared by every request of one client.
struct client_options {
  std::size_t max_in_flight = 64;  ///< transfers handed to libcurl at once, all hosts
  std::size_t per_host = 2;        ///< transfers at once per host name; the rest wait FIFO
  std::string user_agent;          ///< empty: "sanctwatch/<version> (+https://...)"
  /// PEM bundle of the certificate authorities to trust instead of the system store (a
  /// company's TLS-inspecting proxy, a private feed server). Verification stays on.
  std::string ca_file;
  /// Special-purpose ranges that redirects and untrusted URLs may reach all the same. Every
  /// other loopback, private (RFC 1918, fc00::/7), link-local, CGNAT, multicast or
  /// unspecified address is refused for them (error_kind::refused), checked on the address
  /// connected to, so DNS rebinding does not get around it.
  std::vector<ip_network> allow_private;
  /// "http://proxy:3128": every request goes through it; empty: none. Proxy environment
  /// variables are never read. Through a proxy the connection is to the proxy, so the host
  /// of a hop to be checked is resolved and checked before the request instead; the proxy
  /// resolves it again on its own, which is why it should enforce egress rules too.
  std::string proxy;
};

/// The default User-Agent: "sanctwatch/<version> (+https://github.com/sanctwatch)".
std::string default_user_agent();

/// Runs many requests concurrently on one io_context with one libcurl multi handle
/// (connection reuse, HTTP/2 multiplexing over TLS). Redirects are followed one hop at a
/// time by the client itself so that each hop's status is known (see
/// response::permanent_url), each hop is subject to the per-host limit, and each is checked
/// against private addresses (see client_options::allow_private).
/// Move-only; not thread-safe (see the file comment).
class client {
 public:
  using completion = std::function<void(response)>;

  explicit client(asio::io_context& io, client_options options = {});
  ~client();
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Queues one request; `done` runs exactly once, later, on the io_context's thread.
  void start(request req, completion done);

  /// Completes every queued and running request with error_kind::aborted (posted).
  void cancel_all();

  /// Replaces client_options::allow_private (a reload); hops that start later use it.
  void set_allow_private(std::vector<ip_network> allowed);

  /// Requests started and not yet completed (queued or in libcurl).
  std::size_t pending() const;

  /// The io_context the client runs on (completions run there; so may the caller's own work).
  asio::io_context& context() const;

 private:
  class impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sanctwatch::http
