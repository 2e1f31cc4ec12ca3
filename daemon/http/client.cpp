#include "http/client.hpp"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <deque>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "core/uri.hpp"
#include "core/version.hpp"
#include "http/curl_handles.hpp"
#include "http/retry.hpp"

namespace sanctwatch::http {
namespace {

using steady = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n", 0) != std::string_view::npos ||
         s.find('\0') != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

struct url_parts {
  std::string scheme;  // lower case
  std::string host;    // lower case; empty for file URLs
};

url_parts split_url(const std::string& url) {
  url_parts parts;
  url_handle u{curl_url()};
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return parts;
  char* raw = nullptr;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &raw, 0) == CURLUE_OK) {
    curl_string s{raw};
    parts.scheme = lower(s.get());
  }
  raw = nullptr;
  if (curl_url_get(u.get(), CURLUPART_HOST, &raw, 0) == CURLUE_OK) {
    curl_string h{raw};
    parts.host = lower(h.get());
  }
  return parts;
}

// Where a hop checked through a proxy goes: the host as DNS knows it (IDN in punycode,
// IPv6 without brackets) and the port, default ones included.
std::pair<std::string, std::string> host_and_port(const std::string& url) {
  std::pair<std::string, std::string> out;
  url_handle u{curl_url()};
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return out;
  char* raw = nullptr;
  if (curl_url_get(u.get(), CURLUPART_HOST, &raw, CURLU_PUNYCODE) == CURLUE_OK ||
      curl_url_get(u.get(), CURLUPART_HOST, &raw, 0) == CURLUE_OK) {
    curl_string h{raw};
    out.first = h.get();
    if (out.first.size() >= 2 && out.first.front() == '[')
      out.first = out.first.substr(1, out.first.size() - 2);
  }
  raw = nullptr;
  if (curl_url_get(u.get(), CURLUPART_PORT, &raw, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    curl_string p{raw};
    out.second = p.get();
  }
  return out;
}

ip_address from_bytes(const unsigned char* v4, const unsigned char* v6) {
  ip_address a;
  if (v4) {
    a.bytes[10] = a.bytes[11] = 0xff;
    std::copy(v4, v4 + 4, a.bytes.begin() + 12);
  } else {
    std::copy(v6, v6 + 16, a.bytes.begin());
  }
  return a;
}

std::optional<ip_address> from_sockaddr(const sockaddr* sa) {
  if (sa->sa_family == AF_INET)
    return from_bytes(
        reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr),
        nullptr);
  if (sa->sa_family == AF_INET6)
    return from_bytes(nullptr, reinterpret_cast<const unsigned char*>(
                                   &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr));
  return std::nullopt;
}

ip_address from_asio(const asio::ip::address& a) {
  if (a.is_v4()) return from_bytes(a.to_v4().to_bytes().data(), nullptr);
  return from_bytes(nullptr, a.to_v6().to_bytes().data());
}

// Why a checked hop may not reach `a` ("127.0.0.1 (loopback)"); empty when it may.
std::string refusal(const ip_address& a, const std::vector<ip_network>& allowed) {
  const auto range = special_range(a);
  if (!range) return {};
  for (const auto& n : allowed)
    if (n.contains(a)) return {};
  return to_string(a) + " (" + std::string(*range) + ")";
}

// The per-host limit is keyed by host name alone (not port): politeness is about the
// server, and a stricter key than libcurl's host:port keeps its own queue unused.
std::string host_key(const std::string& url) {
  const url_parts p = split_url(url);
  if (p.scheme == "file") return "file:";
  return p.host;
}

error_kind classify(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return error_kind::timeout;
    case CURLE_COULDNT_CONNECT:
      return error_kind::connect;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return error_kind::dns;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return error_kind::tls;
    case CURLE_FILESIZE_EXCEEDED:
      return error_kind::too_large;
    case CURLE_TOO_MANY_REDIRECTS:
      return error_kind::too_many_redirects;
    case CURLE_ABORTED_BY_CALLBACK:
      return error_kind::aborted;
    default:
      return error_kind::protocol;
  }
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

void global_init() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!ok) throw std::runtime_error("libcurl could not be initialized");
}

}  // namespace

std::string_view to_string(error_kind kind) {
  switch (kind) {
    case error_kind::none:
      return "none";
    case error_kind::timeout:
      return "timeout";
    case error_kind::connect:
      return "connect";
    case error_kind::dns:
      return "dns";
    case error_kind::tls:
      return "tls";
    case error_kind::too_large:
      return "too_large";
    case error_kind::too_many_redirects:
      return "too_many_redirects";
    case error_kind::protocol:
      return "protocol";
    case error_kind::aborted:
      return "aborted";
    case error_kind::refused:
      return "refused";
  }
  return "unknown";
}

std::string response::header(std::string_view lower_name) const {
  // lower_bound, not find: of equal keys it is the first received.
  const auto it = headers.lower_bound(std::string(lower_name));
  if (it == headers.end() || it->first != lower_name) return {};
  return it->second;
}

std::string default_user_agent() {
  return std::string("sanctwatch/") + sanctwatch::version + " (+https://github.com/sanctwatch)";
}

// ---------------------------------------------------------------------------------------

class client::impl : public std::enable_shared_from_this<impl> {
 public:
  impl(asio::io_context& io, client_options options);
  ~impl();
  void init();
  void start(request req, completion done);
  void cancel_all();
  void set_allow_private(std::vector<ip_network> allowed) {
    options_.allow_private = std::move(allowed);
  }
  std::size_t pending() const { return running_.size() + looking_up_.size() + queued_; }
  asio::io_context& context() const { return io_; }

 private:
  // One request across all its hops. Lives in a host queue or in running_.
  struct transfer {
    request req;
    completion done;
    response resp;
    easy_handle easy;
    slist header_list;
    std::string url;   // current hop
    std::string host;  // per-host key of the current hop
    std::string first_host;
    std::uint64_t seq = 0;
    steady::time_point created;
    std::optional<steady::time_point> deadline;  // set when the first hop starts
    std::vector<std::string> visited;
    std::multimap<std::string, std::string>::iterator last_header;
    bool all_permanent = true;
    bool method_changed = false;
    bool too_large = false;
    std::size_t uploaded = 0;  // mail: bytes of req.body handed to libcurl so far
    slist recipients;          // mail: CURLOPT_MAIL_RCPT, alive while the transfer runs
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    // The ranges a checked hop may reach after all; null on a hop that may go anywhere.
    const std::vector<ip_network>* allowed = nullptr;
    std::string refused;  // the address this hop was refused, "127.0.0.1 (loopback)"

    // The operator chose the first hop of a trusted URL; nobody else's choice goes unchecked.
    bool checked() const { return req.untrusted_url || resp.redirects > 0; }
  };

  // One socket libcurl asked us to watch. The descriptor is released, never closed:
  // the socket belongs to libcurl.
  struct watch {
    watch(asio::io_context& io, curl_socket_t s) : sd(io), fd(s) {}
    ~watch() {
      if (sd.is_open()) sd.release();
    }
    asio::posix::stream_descriptor sd;
    curl_socket_t fd;
    int want = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false, writing = false, removed = false;
  };

  struct host_state {
    std::size_t active = 0;
    std::deque<std::unique_ptr<transfer>> queue;
    std::optional<std::uint64_t> ready_seq;  // our entry in ready_, if any
  };
  using host_iter = std::map<std::string, host_state>::iterator;

  static int on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* userp);
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* userp);
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* userp);
  static std::size_t on_read(char* buffer, std::size_t size, std::size_t n, void* userp);
  static curl_socket_t on_open_socket(void* clientp, curlsocktype purpose, curl_sockaddr* address);
  static int on_prereq(void* clientp, char* primary_ip, char* local_ip, int primary_port,
                       int local_port);

  void arm(const std::shared_ptr<watch>& w);
  void do_wait(const std::shared_ptr<watch>& w, bool read);
  void on_ready(const std::shared_ptr<watch>& w, bool read, const std::error_code& ec);
  void do_timer(long timeout_ms);
  void socket_action(curl_socket_t s, int flags);
  void drain();

  void enqueue(std::unique_ptr<transfer> t, bool continuation);
  void pump();
  void launch(std::unique_ptr<transfer> t);
  void look_up(std::unique_ptr<transfer> t);
  void looked_up(transfer* key, const std::error_code& ec,
                 const asio::ip::tcp::resolver::results_type& found);
  void hand_over(std::unique_ptr<transfer> t);
  bool configure(transfer& t, std::string& why);
  bool configure_mail(transfer& t, long remaining_ms, std::string& why);
  void finish_hop(CURL* easy, CURLcode rc);
  void settle_hop(CURL* easy, CURLcode rc);  // finish_hop without starting the next
  void release_host(const std::string& key);
  void update_ready(host_iter it);
  void complete(std::unique_ptr<transfer> t);
  static std::string refusal_message(const transfer& t);
  void fail(std::unique_ptr<transfer> t, error_kind kind, const std::string& why);

  asio::io_context& io_;
  client_options options_;
  std::string user_agent_;
  std::uint64_t next_seq_ = 0;
  std::size_t queued_ = 0;
  std::map<std::string, host_state> hosts_;
  std::set<std::pair<std::uint64_t, std::string>> ready_;  // hosts that may start one more
  std::unordered_map<CURL*, std::unique_ptr<transfer>> running_;
  std::unordered_map<transfer*, std::unique_ptr<transfer>> looking_up_;  // checks via a proxy
  std::unordered_map<curl_socket_t, std::shared_ptr<watch>> watches_;
  asio::steady_timer timer_;
  asio::ip::tcp::resolver resolver_;
  // Declared last so it is destroyed first: curl_multi_cleanup still calls on_socket.
  multi_handle multi_;
};

client::impl::impl(asio::io_context& io, client_options options)
    : io_(io), options_(std::move(options)), timer_(io), resolver_(io) {
  global_init();
  options_.max_in_flight = std::max<std::size_t>(1, options_.max_in_flight);
  options_.per_host = std::max<std::size_t>(1, options_.per_host);
  user_agent_ = options_.user_agent.empty() ? default_user_agent() : options_.user_agent;
  multi_.reset(curl_multi_init());
  if (!multi_) throw std::runtime_error("libcurl could not create a multi handle");
}

void client::impl::init() {
  CURLM* m = multi_.get();
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &impl::on_socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &impl::on_timer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(m, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  // Backstops only: our own queue already holds transfers to these limits.
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options_.per_host));
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(options_.max_in_flight));
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.max_in_flight));
}

client::impl::~impl() {
  cancel_all();
  timer_.cancel();
  multi_.reset();  // may still report CURL_POLL_REMOVE for cached connections
  watches_.clear();
}

// --- libcurl callbacks: record what libcurl wants, never call back into libcurl ---------

int client::impl::on_socket(CURL*, curl_socket_t s, int what, void* userp, void*) {
  auto* self = static_cast<impl*>(userp);
  if (what == CURL_POLL_REMOVE) {
    if (auto it = self->watches_.find(s); it != self->watches_.end()) {
      it->second->removed = true;
      it->second->sd.release();  // pending waits complete with operation_aborted
      self->watches_.erase(it);
    }
    return 0;
  }
  auto& w = self->watches_[s];
  if (!w) {
    // Any fd is accepted: sockets for transfers, the threaded resolver's wakeup pipe,
    // happy-eyeballs candidates.
    w = std::make_shared<watch>(self->io_, s);
    std::error_code ec;
    w->sd.assign(s, ec);
    if (ec) {
      self->watches_.erase(s);
      return -1;
    }
  }
  w->want = what;
  self->arm(w);
  return 0;
}

int client::impl::on_timer(CURLM*, long timeout_ms, void* userp) {
  static_cast<impl*>(userp)->do_timer(timeout_ms);
  return 0;
}

std::size_t client::impl::on_body(char* data, std::size_t size, std::size_t n, void* userp) {
  auto* t = static_cast<transfer*>(userp);
  const std::size_t len = size * n;
  // Counted after decoding, so a small gzip bomb is stopped at max_body, not at 50 GB.
  if (t->resp.body.size() + len > t->req.max_body) {
    t->too_large = true;
    return 0;
  }
  t->resp.body.append(data, len);
  return len;
}

std::size_t client::impl::on_header(char* data, std::size_t size, std::size_t n, void* userp) {
  auto* t = static_cast<transfer*>(userp);
  const std::size_t len = size * n;
  const std::string_view line(data, len);
  // For SMTP libcurl hands over the server's reply lines. The last refusal (4xx or 5xx)
  // says why a transfer failed; the "221 Bye" to the QUIT that follows it does not.
  if (t->req.mail) {
    if (const auto reply = trim(line); !reply.empty() && (reply[0] == '4' || reply[0] == '5'))
      t->resp.reply = std::string(reply);
    return len;
  }
  auto& headers = t->resp.headers;
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();  // a new response: interim 1xx headers are dropped
    t->last_header = headers.end();
    return len;
  }
  if (line.empty() || line.front() == '\r' || line.front() == '\n') return len;
  if ((line.front() == ' ' || line.front() == '\t') && t->last_header != headers.end()) {
    t->last_header->second.append(" ").append(trim(line));  // obsolete line folding
    return len;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  t->last_header = headers.emplace(lower(trim(line.substr(0, colon))),
                                   std::string(trim(line.substr(colon + 1))));
  return len;
}

std::size_t client::impl::on_read(char* buffer, std::size_t size, std::size_t n, void* userp) {
  auto* t = static_cast<transfer*>(userp);
  const std::size_t len = std::min(size * n, t->req.body.size() - t->uploaded);
  std::copy_n(t->req.body.data() + t->uploaded, len, buffer);
  t->uploaded += len;
  return len;
}

curl_socket_t client::impl::on_open_socket(void* clientp, curlsocktype purpose,
                                           curl_sockaddr* address) {
  auto* t = static_cast<transfer*>(clientp);
  if (purpose == CURLSOCKTYPE_IPCXN)
    if (const auto a = from_sockaddr(&address->addr))
      if (auto why = refusal(*a, *t->allowed); !why.empty()) {
        if (t->refused.empty()) t->refused = std::move(why);
        return CURL_SOCKET_BAD;  // libcurl goes on with the host's next address, if any
      }
  return ::socket(address->family, address->socktype, address->protocol);  // as libcurl would
}

int client::impl::on_prereq(void* clientp, char* primary_ip, char*, int, int) {
  // Runs on every hop, a connection taken from the cache included: that one never went
  // through on_open_socket (a configured feed on 10.0.0.5 redirecting to itself).
  auto* t = static_cast<transfer*>(clientp);
  const auto a = parse_ip_address(primary_ip);
  std::string why = a ? refusal(*a, *t->allowed) : std::string(primary_ip) + " (unreadable)";
  if (!why.empty()) {
    t->refused = std::move(why);
    return CURL_PREREQFUNC_ABORT;
  }
  t->refused.clear();  // on an allowed address: other addresses of the host refused do not matter
  return CURL_PREREQFUNC_OK;
}

// --- the Asio side --------------------------------------------------------------------

void client::impl::arm(const std::shared_ptr<watch>& w) {
  if (w->removed) return;
  if ((w->want & CURL_POLL_IN) && !w->reading) {
    w->reading = true;
    do_wait(w, true);
  }
  if ((w->want & CURL_POLL_OUT) && !w->writing) {
    w->writing = true;
    do_wait(w, false);
  }
}

void client::impl::do_wait(const std::shared_ptr<watch>& w, bool read) {
  w->sd.async_wait(
      read ? asio::posix::stream_descriptor::wait_read : asio::posix::stream_descriptor::wait_write,
      [self = weak_from_this(), weak = std::weak_ptr<watch>(w), read](const std::error_code& ec) {
        const auto s = self.lock();
        const auto w = weak.lock();
        if (!s || !w) return;  // the client or libcurl's interest in the fd is gone
        s->on_ready(w, read, ec);
      });
}

void client::impl::on_ready(const std::shared_ptr<watch>& w, bool read, const std::error_code& ec) {
  (read ? w->reading : w->writing) = false;
  if (ec == asio::error::operation_aborted || w->removed) return;
  // libcurl may have dropped this direction since the wait was armed; the stale
  // readiness is not news to it.
  if (!(w->want & (read ? CURL_POLL_IN : CURL_POLL_OUT))) return;
  int flags = read ? CURL_CSELECT_IN : CURL_CSELECT_OUT;
  if (ec) flags |= CURL_CSELECT_ERR;
  socket_action(w->fd, flags);
  arm(w);  // waits are one-shot: re-arm whatever libcurl still wants
}

void client::impl::do_timer(long timeout_ms) {
  if (timeout_ms < 0) {
    timer_.cancel();
    return;
  }
  // Even 0 goes through the timer: socket_action must not run inside this callback.
  timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  timer_.async_wait([self = weak_from_this()](const std::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;  // rescheduled or shutting down
    if (const auto s = self.lock()) s->socket_action(CURL_SOCKET_TIMEOUT, 0);
  });
}

void client::impl::socket_action(curl_socket_t s, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_.get(), s, flags, &running);
  drain();
}

void client::impl::drain() {
  // Collect first: finishing a hop removes and adds handles.
  std::vector<std::pair<CURL*, CURLcode>> finished;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left))
    if (msg->msg == CURLMSG_DONE) finished.emplace_back(msg->easy_handle, msg->data.result);
  for (const auto& [easy, rc] : finished) finish_hop(easy, rc);
}

// --- requests, queues and hops ---------------------------------------------------------

void client::impl::start(request req, completion done) {
  auto t = std::make_unique<transfer>();
  t->created = steady::now();
  t->url = req.url;
  t->host = t->first_host = host_key(req.url);
  t->visited.push_back(req.url);
  t->req = std::move(req);
  t->done = std::move(done);
  t->last_header = t->resp.headers.end();
  t->resp.effective_url = t->url;

  bool bad = has_line_break(t->req.url) || has_line_break(t->req.etag) ||
             has_line_break(t->req.last_modified) || has_line_break(t->req.user_agent);
  for (const auto& [name, value] : t->req.headers)
    bad = bad || has_line_break(name) || has_line_break(value) || name.empty() ||
          name.find(':') != std::string::npos;
  // A line break in an address would be a second SMTP command.
  if (t->req.mail) {
    bad = bad || has_line_break(t->req.mail->from) || t->req.mail->to.empty();
    for (const auto& to : t->req.mail->to) bad = bad || has_line_break(to);
  }
  if (bad) return fail(std::move(t), error_kind::protocol, "invalid character in request");
  enqueue(std::move(t), false);
  pump();
}

void client::impl::enqueue(std::unique_ptr<transfer> t, bool continuation) {
  auto [it, inserted] = hosts_.try_emplace(t->host);
  // A redirect hop continues a request already admitted, so it goes first in line.
  if (continuation) {
    it->second.queue.push_front(std::move(t));
  } else {
    t->seq = next_seq_++;
    it->second.queue.push_back(std::move(t));
  }
  ++queued_;
  update_ready(it);
}

void client::impl::update_ready(host_iter it) {
  host_state& h = it->second;
  if (h.ready_seq) ready_.erase({*h.ready_seq, it->first});
  h.ready_seq.reset();
  if (!h.queue.empty() && h.active < options_.per_host) {
    h.ready_seq = h.queue.front()->seq;
    ready_.emplace(*h.ready_seq, it->first);
  } else if (h.queue.empty() && h.active == 0) {
    hosts_.erase(it);
  }
}

void client::impl::release_host(const std::string& key) {
  const auto it = hosts_.find(key);
  if (it == hosts_.end()) return;
  if (it->second.active > 0) --it->second.active;
  update_ready(it);
}

// Starts the oldest waiting request among hosts under their limit, until the global
// limit is reached.
void client::impl::pump() {
  while (running_.size() + looking_up_.size() < options_.max_in_flight && !ready_.empty()) {
    const auto it = hosts_.find(ready_.begin()->second);
    auto t = std::move(it->second.queue.front());
    it->second.queue.pop_front();
    --queued_;
    ++it->second.active;
    update_ready(it);
    launch(std::move(t));
  }
}

void client::impl::launch(std::unique_ptr<transfer> t) {
  // Through a proxy the socket callbacks would see the proxy: check the hop's host first.
  if (!options_.proxy.empty() && t->checked()) return look_up(std::move(t));
  hand_over(std::move(t));
}

void client::impl::look_up(std::unique_ptr<transfer> t) {
  const auto [host, port] = host_and_port(t->url);
  transfer* key = t.get();
  looking_up_.emplace(key, std::move(t));
  resolver_.async_resolve(
      host, port,
      [self = weak_from_this(), key](const std::error_code& ec,
                                     const asio::ip::tcp::resolver::results_type& found) {
        if (const auto s = self.lock()) s->looked_up(key, ec, found);
      });
}

void client::impl::looked_up(transfer* key, const std::error_code& ec,
                             const asio::ip::tcp::resolver::results_type& found) {
  const auto pos = looking_up_.find(key);
  if (pos == looking_up_.end()) return;  // cancelled meanwhile
  auto t = std::move(pos->second);
  looking_up_.erase(pos);
  // A name this host cannot resolve is refused too: the proxy may resolve it to an
  // internal address (split-horizon DNS).
  if (ec) t->refused = "a host that did not resolve here (" + ec.message() + ")";
  for (auto it = found.begin(); it != found.end() && t->refused.empty(); ++it)
    t->refused = refusal(from_asio(it->endpoint().address()), options_.allow_private);
  if (!t->refused.empty()) {
    release_host(t->host);
    const std::string why = refusal_message(*t);
    fail(std::move(t), error_kind::refused, why);
  } else {
    hand_over(std::move(t));
  }
  pump();
}

void client::impl::hand_over(std::unique_ptr<transfer> t) {
  std::string why;
  if (!configure(*t, why)) {
    release_host(t->host);
    const error_kind kind = why == "timeout" ? error_kind::timeout : error_kind::protocol;
    return fail(std::move(t), kind, why);
  }
  CURL* easy = t->easy.get();
  auto [pos, inserted] = running_.emplace(easy, std::move(t));
  if (const CURLMcode mc = curl_multi_add_handle(multi_.get(), easy); mc != CURLM_OK) {
    auto failed = std::move(pos->second);
    running_.erase(pos);
    release_host(failed->host);
    fail(std::move(failed), error_kind::protocol, curl_multi_strerror(mc));
  }
}

bool client::impl::configure(transfer& t, std::string& why) {
  const auto now = steady::now();
  if (!t.deadline) t.deadline = now + t.req.timeout;
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(*t.deadline - now).count();
  if (remaining <= 0) {
    why = "timeout";
    return false;
  }
  if (t.easy) {
    curl_easy_reset(t.easy.get());
  } else {
    t.easy.reset(curl_easy_init());
    if (!t.easy) {
      why = "libcurl could not create a handle";
      return false;
    }
  }
  if (t.req.mail) return configure_mail(t, static_cast<long>(remaining), why);
  // Credentials stay with the host they were given for.
  const bool same_host = t.host == t.first_host;
  slist list;
  bool ok = true;
  for (const auto& [name, value] : t.req.headers) {
    if (!same_host && (iequals(name, "authorization") || iequals(name, "cookie"))) continue;
    if (t.method_changed && iequals(name, "content-type")) continue;
    // "Name;" is libcurl's spelling of a header with an empty value.
    ok = ok && list.append((value.empty() ? name + ";" : name + ": " + value).c_str());
  }
  if (!t.req.etag.empty()) ok = ok && list.append(("If-None-Match: " + t.req.etag).c_str());
  if (!t.req.last_modified.empty())
    ok = ok && list.append(("If-Modified-Since: " + t.req.last_modified).c_str());
  // No 100-continue round trip: webhook receivers rarely answer it and it costs a second.
  if (t.req.method == method::post) ok = ok && list.append("Expect:");
  if (!ok) {
    why = "out of memory";
    return false;
  }
  t.header_list = std::move(list);
  t.errbuf[0] = '\0';
  t.too_large = false;
  t.refused.clear();
  t.allowed = t.checked() ? &options_.allow_private : nullptr;
  t.resp.body.clear();
  t.resp.headers.clear();
  t.last_header = t.resp.headers.end();

  CURL* h = t.easy.get();
  curl_easy_setopt(h, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(h, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.errbuf.data());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // file:// only as a URL the operator gave, never as a redirect target or a feed's link.
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, t.checked() ? "http,https" : "http,https,file");
  // "" also keeps libcurl from taking a proxy from the environment, which the address check
  // would not know about; a configured one takes every request (no_proxy is not read).
  curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str());
  if (!options_.proxy.empty()) curl_easy_setopt(h, CURLOPT_NOPROXY, "");
  if (t.allowed && options_.proxy.empty()) {
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &impl::on_open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, &impl::on_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &t);
  }
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // hops are followed in finish_hop()
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, t.req.accept_encoding.c_str());
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // Over TLS, ALPN tells at the handshake whether HTTP/2 is on: a second transfer waits
  // for that rather than opening a connection it will not need. Over plain HTTP libcurl
  // would learn nothing until the first response, so waiting would serialize the host.
  curl_easy_setopt(h, CURLOPT_PIPEWAIT, split_url(t.url).scheme == "https" ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_PROXY_CAINFO, options_.ca_file.c_str());
  }
  curl_easy_setopt(h, CURLOPT_USERAGENT,
                   t.req.user_agent.empty() ? user_agent_.c_str() : t.req.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining));
  if (t.req.low_speed_time.count() > 0) {
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(t.req.low_speed_time.count()));
  }
  // Rejects early when Content-Length alone says too much; on_body enforces the rest.
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.req.max_body));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &impl::on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &impl::on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, t.header_list.get());
  if (same_host && (!t.req.username.empty() || !t.req.password.empty())) {
    curl_easy_setopt(h, CURLOPT_USERNAME, t.req.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, t.req.password.c_str());
  }
  if (t.req.method == method::post) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, t.req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.req.body.size()));
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  return true;
}

// Mail goes through the same multi handle as HTTP, so an SMTP exchange (greeting, EHLO,
// STARTTLS, AUTH, envelope, DATA) never blocks the io_context's thread: libcurl drives it
// step by step as the sockets become ready, like any other transfer.
bool client::impl::configure_mail(transfer& t, long remaining_ms, std::string& why) {
  slist rcpt;
  bool ok = true;
  for (const auto& to : t.req.mail->to) ok = ok && rcpt.append(to.c_str());
  if (!ok) {
    why = "out of memory";
    return false;
  }
  t.recipients = std::move(rcpt);
  t.uploaded = 0;
  t.errbuf[0] = '\0';
  t.refused.clear();
  t.allowed = nullptr;
  t.resp.reply.clear();

  CURL* h = t.easy.get();
  curl_easy_setopt(h, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(h, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.errbuf.data());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // see request::mail
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  // CURLUSESSL_ALL: STARTTLS or fail, never a silent fall back to clear text (which
  // CURLUSESSL_TRY would do, password included).
  if (t.req.mail->require_tls) curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, remaining_ms);
  if (t.req.low_speed_time.count() > 0) {
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(t.req.low_speed_time.count()));
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, t.req.mail->from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, t.recipients.get());
  if (!t.req.username.empty() || !t.req.password.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, t.req.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, t.req.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &impl::on_read);
  curl_easy_setopt(h, CURLOPT_READDATA, &t);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.req.body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &impl::on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &impl::on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  return true;
}

void client::impl::finish_hop(CURL* easy, CURLcode rc) {
  settle_hop(easy, rc);
  // Whatever the outcome (done, failed, redirected), a host slot came free.
  pump();
}

void client::impl::settle_hop(CURL* easy, CURLcode rc) {
  const auto pos = running_.find(easy);
  if (pos == running_.end()) return;
  auto t = std::move(pos->second);
  running_.erase(pos);
  curl_multi_remove_handle(multi_.get(), easy);
  release_host(t->host);

  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  if (const char* eff = nullptr;
      curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
    t->resp.effective_url = eff;
  t->resp.status = status;
  long version = CURL_HTTP_VERSION_NONE, connects = 0;
  curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
  t->resp.http_version = version == CURL_HTTP_VERSION_1_0 || version == CURL_HTTP_VERSION_1_1 ? 1
                         : version == CURL_HTTP_VERSION_2_0                                ? 2
                         : version == CURL_HTTP_VERSION_3                                  ? 3
                                                                                           : 0;
  t->resp.reused_connection =
      curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects == 0 &&
      t->resp.http_version != 0;

  if (rc != CURLE_OK) {
    // A refused address fails the hop with one of these; a hop that failed otherwise after
    // another address of the host was tried reports that failure.
    if (!t->refused.empty() && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_ABORTED_BY_CALLBACK)) {
      const std::string why = refusal_message(*t);
      return fail(std::move(t), error_kind::refused, why);
    }
    if (t->too_large)
      return fail(std::move(t), error_kind::too_large,
                  "body larger than " + std::to_string(t->req.max_body) + " bytes (decoded)");
    const std::string why = t->errbuf[0] ? t->errbuf.data() : curl_easy_strerror(rc);
    if (rc == CURLE_FILESIZE_EXCEEDED)
      return fail(std::move(t), error_kind::too_large,
                  "body larger than " + std::to_string(t->req.max_body) + " bytes");
    return fail(std::move(t), classify(rc), why);
  }

  if (t->req.mail) return complete(std::move(t));  // sent: no redirects, no files
  const char* location = nullptr;
  if (is_redirect(status) &&
      curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) {
    const std::string target = location;
    if (t->resp.redirects >= t->req.max_redirects)
      return fail(std::move(t), error_kind::too_many_redirects,
                  "more than " + std::to_string(t->req.max_redirects) + " redirects");
    if (std::find(t->visited.begin(), t->visited.end(), target) != t->visited.end())
      return fail(std::move(t), error_kind::too_many_redirects,
                  "redirect loop at " + redact_url(target));
    const std::string scheme = split_url(target).scheme;
    if (scheme != "http" && scheme != "https")
      return fail(std::move(t), error_kind::protocol,
                  "redirect to unsupported URL " + redact_url(target));
    t->visited.push_back(target);
    if (status != 301 && status != 308) t->all_permanent = false;
    // What browsers and libcurl do: 303 always, and 301/302 after POST, continue as GET.
    if (t->req.method == method::post && (status == 301 || status == 302 || status == 303)) {
      t->req.method = method::get;
      t->req.body.clear();
      t->method_changed = true;
    }
    ++t->resp.redirects;
    t->url = target;
    t->host = host_key(target);
    return enqueue(std::move(t), true);
  }

  const bool file = split_url(t->url).scheme == "file";
  if (file && status == 0) t->resp.status = 200;
  t->resp.not_modified = status == 304;
  if (t->resp.not_modified) t->resp.body.clear();
  if (const auto ra = t->resp.headers.find("retry-after"); ra != t->resp.headers.end())
    t->resp.retry_after = parse_retry_after(ra->second, std::chrono::system_clock::now());
  const long final_status = t->resp.status;
  if (t->resp.redirects > 0 && t->all_permanent &&
      ((final_status >= 200 && final_status < 300) || final_status == 304))
    t->resp.permanent_url = t->resp.effective_url;
  complete(std::move(t));
}

std::string client::impl::refusal_message(const transfer& t) {
  return t.resp.redirects > 0
             ? "refused: redirect to " + t.refused +
                   " is not allowed; network.allow_private opens it"
             : "refused: " + t.refused +
                   " is not allowed for a URL from outside the config; network.allow_private "
                   "opens it";
}

void client::impl::complete(std::unique_ptr<transfer> t) {
  t->resp.elapsed = steady::now() - t->created;
  // Posted, so user code never runs inside libcurl or in the middle of our bookkeeping.
  asio::post(io_, [done = std::move(t->done), r = std::move(t->resp)]() mutable {
    if (done) done(std::move(r));
  });
}

void client::impl::fail(std::unique_ptr<transfer> t, error_kind kind, const std::string& why) {
  t->resp.error = kind;
  t->resp.error_message = redact_url(t->url) + ": " + why;
  t->resp.body.clear();
  t->resp.permanent_url.clear();
  complete(std::move(t));
}

void client::impl::cancel_all() {
  std::vector<std::unique_ptr<transfer>> victims;
  auto running = std::move(running_);
  running_.clear();
  for (auto& [easy, t] : running) {
    curl_multi_remove_handle(multi_.get(), easy);
    victims.push_back(std::move(t));
  }
  for (auto& [key, t] : looking_up_) victims.push_back(std::move(t));
  looking_up_.clear();
  resolver_.cancel();
  for (auto& [key, h] : hosts_)
    for (auto& t : h.queue) victims.push_back(std::move(t));
  hosts_.clear();
  ready_.clear();
  queued_ = 0;
  std::sort(victims.begin(), victims.end(),
            [](const auto& a, const auto& b) { return a->seq < b->seq; });
  for (auto& t : victims) fail(std::move(t), error_kind::aborted, "cancelled");
}

// --- client ----------------------------------------------------------------------------

asio::io_context& client::context() const { return impl_->context(); }

client::client(asio::io_context& io, client_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {
  impl_->init();
}

client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

void client::start(request req, completion done) { impl_->start(std::move(req), std::move(done)); }

void client::cancel_all() { impl_->cancel_all(); }

void client::set_allow_private(std::vector<ip_network> allowed) {
  impl_->set_allow_private(std::move(allowed));
}

std::size_t client::pending() const { return impl_->pending(); }

}  // namespace sanctwatch::http
