#include "service/metrics.hpp"

#include <asio.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/version.hpp"

namespace sanctwatch::service {

std::string label_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void metrics::poll(const std::string& feed, const std::string& result, double seconds,
                   int new_items, std::int64_t now_unix) {
  ++polls_[{feed, result}];
  if (new_items > 0) items_[feed] += static_cast<std::uint64_t>(new_items);
  if (result != "error") last_success_[feed] = now_unix;
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (seconds <= buckets[i]) ++latency_counts_[i];
  ++latency_count_;
  latency_sum_ += seconds;
}

void metrics::alert(const std::string& rule) { ++alerts_[rule]; }

void metrics::delivery(const std::string& sink, const std::string& result) {
  ++deliveries_[{sink, result}];
}

namespace {

std::string num(double v, int digits = 17) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

// The process_* metrics of Prometheus client libraries, from /proc/self (Linux). A value
// that cannot be read is left out rather than reported as 0.
void process_metrics(std::string& out) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  if (const auto close = stat.rfind(')'); close != std::string::npos && ticks > 0) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    // f[0] is field 3 (state): utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
    if (f.size() > 21) {
      const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      header(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
      out += "process_cpu_seconds_total " + num(cpu) + "\n";
      header(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size.");
      out += "process_virtual_memory_bytes " + f[20] + "\n";
      header(out, "process_resident_memory_bytes", "gauge", "Resident memory size.");
      out += "process_resident_memory_bytes " +
             std::to_string(std::stoll(f[21]) * sysconf(_SC_PAGESIZE)) + "\n";
      std::ifstream proc_stat("/proc/stat");
      for (std::string line; std::getline(proc_stat, line);)
        if (line.rfind("btime ", 0) == 0) {
          const double start = std::stod(line.substr(6)) + std::stod(f[19]) / ticks;
          header(out, "process_start_time_seconds", "gauge", "Start time, Unix seconds.");
          out += "process_start_time_seconds " + num(start, 13) + "\n";
        }
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++fds;
  if (!ec) {
    header(out, "process_open_fds", "gauge", "Open file descriptors.");
    out += "process_open_fds " + std::to_string(fds) + "\n";
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    header(out, "process_max_fds", "gauge", "Limit on open file descriptors.");
    out += "process_max_fds " + std::to_string(rl.rlim_cur) + "\n";
  }
}

}  // namespace

void metrics::article(const std::string& status) {
  std::string result = "error";
  if (status == "ok") result = "ok";
  else if (status.rfind("HTTP ", 0) == 0) result = "http_error";
  else if (status.rfind("not HTML", 0) == 0) result = "not_html";
  else if (status == "too large") result = "too_large";
  else if (status == "timeout") result = "timeout";
  else if (status.rfind("refused", 0) == 0) result = "refused";
  else if (status == "no article found") result = "no_article";
  ++articles_[result];
}

std::string metrics::render() const {
  std::string out;
  header(out, "sanctwatch_build_info", "gauge", "The running build; the value is always 1.");
  out += "sanctwatch_build_info{version=\"" + label_escape(version) + "\"} 1\n";
  header(out, "sanctwatch_feeds", "gauge", "Feeds configured.");
  out += "sanctwatch_feeds " + std::to_string(feeds_) + "\n";
  header(out, "sanctwatch_polls_total", "counter", "Feed polls by result (ok, not_modified, error).");
  for (const auto& [k, v] : polls_)
    out += "sanctwatch_polls_total{feed=\"" + label_escape(k.first) + "\",result=\"" + k.second +
           "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_items_total", "counter", "New items seen per feed.");
  for (const auto& [k, v] : items_)
    out += "sanctwatch_items_total{feed=\"" + label_escape(k) + "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_degraded", "gauge",
         "1 while the daemon is degraded (the state refuses writes or is out of reach); "
         "/healthz says why.");
  out += "sanctwatch_degraded " + std::string(degraded_.empty() ? "0" : "1") + "\n";
  if (!node_.empty()) {
    header(out, "sanctwatch_node_info", "gauge",
           "This daemon's node name among those sharing the state, and the state's backend.");
    out += "sanctwatch_node_info{node=\"" + label_escape(node_) + "\",backend=\"" +
           label_escape(backend_) + "\"} 1\n";
  }
  header(out, "sanctwatch_leases", "gauge",
         "Leases this daemon holds: feeds it is polling, deliveries it is sending.");
  out += "sanctwatch_leases{kind=\"feed\"} " + std::to_string(lease_feeds_) + "\n";
  out += "sanctwatch_leases{kind=\"delivery\"} " + std::to_string(lease_deliveries_) + "\n";
  header(out, "sanctwatch_lease_takeovers_total", "counter",
         "Polls started on a feed whose lease another daemon had let lapse (it died or lost "
         "the state mid-poll).");
  out += "sanctwatch_lease_takeovers_total " + std::to_string(takeovers_) + "\n";
  header(out, "sanctwatch_items_deferred_total", "counter",
         "New items over a feed's max_new_items, left for its next poll.");
  for (const auto& [k, v] : deferred_)
    out += "sanctwatch_items_deferred_total{feed=\"" + label_escape(k) + "\"} " +
           std::to_string(v) + "\n";
  header(out, "sanctwatch_article_fetches_total", "counter",
         "Full-text fetches of the pages behind feed items, by result.");
  for (const auto& [k, v] : articles_)
    out += "sanctwatch_article_fetches_total{result=\"" + k + "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_last_success_timestamp_seconds", "gauge",
         "Unix time of each feed's last successful poll.");
  for (const auto& [k, v] : last_success_)
    out += "sanctwatch_last_success_timestamp_seconds{feed=\"" + label_escape(k) + "\"} " +
           std::to_string(v) + "\n";
  header(out, "sanctwatch_alerts_total", "counter", "Alerts raised per rule.");
  for (const auto& [k, v] : alerts_)
    out += "sanctwatch_alerts_total{rule=\"" + label_escape(k) + "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_deliveries_total", "counter",
         "Delivery attempts by sink and result (delivered, retry, dead).");
  for (const auto& [k, v] : deliveries_)
    out += "sanctwatch_deliveries_total{sink=\"" + label_escape(k.first) + "\",result=\"" +
           k.second + "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_outbox_pending", "gauge", "Deliveries waiting in the outbox.");
  out += "sanctwatch_outbox_pending " + std::to_string(outbox_pending_) + "\n";
  header(out, "sanctwatch_outbox_dead", "gauge",
         "Dead letters in the outbox: deliveries given up on; `sanctwatch replay --dead` re-queues them.");
  out += "sanctwatch_outbox_dead " + std::to_string(outbox_dead_) + "\n";
  header(out, "sanctwatch_feed_error_streak", "gauge",
         "Failed polls in a row per feed (0 after a success).");
  for (const auto& [k, v] : error_streak_)
    out += "sanctwatch_feed_error_streak{feed=\"" + label_escape(k) + "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_digest_queued", "gauge",
         "Alerts and updates waiting for their sink's next digest.");
  out += "sanctwatch_digest_queued " + std::to_string(digest_queued_) + "\n";
  header(out, "sanctwatch_reloads_total", "counter", "Configuration reloads by result.");
  for (const auto& [k, v] : reloads_)
    out += "sanctwatch_reloads_total{result=\"" + k + "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_entity_list_refresh_failures_total", "counter",
         "Entity list refreshes refused or failed, by list and reason (fetch, parse, shrink, "
         "compile); the last good copy stays in use.");
  for (const auto& [k, v] : list_failures_)
    out += "sanctwatch_entity_list_refresh_failures_total{list=\"" + label_escape(k.first) +
           "\",reason=\"" + k.second + "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_entity_list_entries", "gauge",
         "Entries of the copy of each URL entity list in use.");
  for (const auto& [k, v] : list_entries_)
    out += "sanctwatch_entity_list_entries{list=\"" + label_escape(k) + "\"} " +
           std::to_string(v) + "\n";
  header(out, "sanctwatch_entity_list_changed_timestamp_seconds", "gauge",
         "Unix time each URL entity list in use last changed.");
  for (const auto& [k, v] : list_changed_)
    out += "sanctwatch_entity_list_changed_timestamp_seconds{list=\"" + label_escape(k) +
           "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_fetch_duration_seconds", "histogram", "Feed fetch latency.");
  for (std::size_t i = 0; i < buckets.size(); ++i)
    out += "sanctwatch_fetch_duration_seconds_bucket{le=\"" + num(buckets[i], 6) + "\"} " +
           std::to_string(latency_counts_[i]) + "\n";
  out += "sanctwatch_fetch_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count_) + "\n";
  out += "sanctwatch_fetch_duration_seconds_sum " + num(latency_sum_) + "\n";
  out += "sanctwatch_fetch_duration_seconds_count " + std::to_string(latency_count_) + "\n";
  process_metrics(out);
  return out;
}

// One connection: read the request head, answer, close. Asio's HTTP server example pattern
// in miniature; requests are tiny, so a bounded buffer and one read loop suffice.
namespace {

using namespace std::chrono_literals;

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
  }
  return "Error";
}

std::string response_head(int status, const char* type, std::size_t length) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(length) + "\r\nConnection: close\r\n" +
         (status == 405 ? "Allow: GET, HEAD\r\n" : "") + "\r\n";
}

// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 section 2.3).
bool version_syntax(std::string_view v) {
  return v.size() == 8 && v.substr(0, 5) == "HTTP/" &&
         std::isdigit(static_cast<unsigned char>(v[5])) && v[6] == '.' &&
         std::isdigit(static_cast<unsigned char>(v[7]));
}

class connection : public std::enable_shared_from_this<connection> {
 public:
  using closed_fn = std::function<void(connection*)>;

  connection(asio::ip::tcp::socket s, const metrics& m, closed_fn on_closed)
      : socket_(std::move(s)),
        deadline_(socket_.get_executor()),
        metrics_(m),
        on_closed_(std::move(on_closed)) {}

  void start(std::chrono::milliseconds timeout) {
    // One deadline for the whole exchange: a client that never finishes its request, or
    // never reads the answer, holds its descriptor this long and no longer.
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->close();
    });
    do_read();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    deadline_.cancel();
    std::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    on_closed_(this);
  }

 private:
  void do_read() {
    socket_.async_read_some(asio::buffer(buf_),
                            [self = shared_from_this()](std::error_code ec, std::size_t n) {
                              if (ec) return self->close();
                              self->request_.append(self->buf_.data(), n);
                              self->on_data();
                            });
  }

  void on_data() {
    if (request_.find("\r\n\r\n") == std::string::npos &&
        request_.find("\n\n") == std::string::npos) {
      if (request_.size() > 8192) return respond(431, "request too large\n");
      return do_read();
    }
    // request-line = method SP request-target SP HTTP-version
    std::string_view line(request_.data(), request_.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1 ||
        !version_syntax(line.substr(sp2 + 1)))
      return respond(400, "bad request line\n");
    const std::string_view method = line.substr(0, sp1), version = line.substr(sp2 + 1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
      return respond(505, "only HTTP/1.0 and HTTP/1.1\n");
    head_only_ = method == "HEAD";
    if (method != "GET" && !head_only_) return respond(405, "only GET\n");
    target = target.substr(0, target.find('?'));
    if (target == "/metrics")
      return respond(200, metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
    if (target == "/healthz")
      return metrics_.degraded().empty() ? respond(200, "ok\n")
                                         : respond(503, "degraded: " + metrics_.degraded() + "\n");
    respond(404, "not found: try /metrics or /healthz\n");
  }

  void respond(int status, const std::string& body, const char* type = "text/plain") {
    out_ = response_head(status, type, body.size());
    if (!head_only_) out_ += body;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](std::error_code, std::size_t) { self->close(); });
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  const metrics& metrics_;
  closed_fn on_closed_;
  std::array<char, 2048> buf_{};
  std::string request_;
  std::string out_;
  bool head_only_ = false;
  bool closed_ = false;
};

// Over the cap: answered and closed at once, never queued behind the connections served.
// A fresh socket's send buffer takes the few bytes without blocking; if not, the client
// sees the close alone.
void turn_away(asio::ip::tcp::socket s) {
  static const std::string busy = response_head(503, "text/plain", 5) + "busy\n";
  std::error_code ignored;
  s.non_blocking(true, ignored);
  s.write_some(asio::buffer(busy), ignored);
  s.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}

}  // namespace

struct metrics_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, const metrics& m, metrics_limits l)
      : acceptor(io), pause(io), reg(m), limits(l) {}

  void do_accept() {
    std::weak_ptr<impl> weak = shared_from_this();
    acceptor.async_accept([weak](std::error_code ec, asio::ip::tcp::socket s) {
      auto self = weak.lock();
      if (!self || ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors (EMFILE) or the like: the connection stays in the backlog, so
        // accepting again at once would fail again at once, and spin.
        self->pause.expires_after(100ms);
        self->pause.async_wait([weak](std::error_code wait_ec) {
          if (auto again = weak.lock(); again && !wait_ec) again->do_accept();
        });
        return;
      }
      if (self->open.size() >= self->limits.max_connections) {
        turn_away(std::move(s));
      } else {
        auto c = std::make_shared<connection>(std::move(s), self->reg, [weak](connection* done) {
          if (auto server = weak.lock()) server->open.erase(done);
        });
        self->open.emplace(c.get(), c);
        c->start(self->limits.request_timeout);
      }
      self->do_accept();
    });
  }

  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer pause;
  const metrics& reg;
  metrics_limits limits;
  std::unordered_map<connection*, std::shared_ptr<connection>> open;
};

metrics_server::metrics_server(asio::io_context& io, const std::string& listen, const metrics& m,
                               metrics_limits limits)
    : impl_(std::make_shared<impl>(io, m, limits)) {
  const auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("metrics.listen " + listen + ": not an IP address");
  unsigned port = 0;
  try {
    port = static_cast<unsigned>(std::stoul(listen.substr(colon + 1)));
  } catch (const std::exception&) {
    port = 65536;
  }
  if (port > 65535) throw std::runtime_error("metrics.listen " + listen + ": bad port");
  const asio::ip::tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep, ec);
  if (ec) throw std::runtime_error("metrics.listen " + listen + ": " + ec.message());
  impl_->acceptor.listen();
  impl_->do_accept();
}

metrics_server::~metrics_server() {
  std::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->pause.cancel();
  // Idle clients must not keep the loop (and a stopping daemon) running.
  const auto open = std::move(impl_->open);
  impl_->open.clear();
  for (const auto& [raw, c] : open) c->close();
}

std::string metrics_server::address() const {
  const auto ep = impl_->acceptor.local_endpoint();
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

}  // namespace sanctwatch::service
