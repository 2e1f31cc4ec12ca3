#include "service/metrics.hpp"

#include <asio.hpp>

#include <cstdio>
#include <stdexcept>

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

}  // namespace

std::string metrics::render() const {
  std::string out;
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
         "1 while the daemon is degraded (the state file refuses writes); /healthz says why.");
  out += "sanctwatch_degraded " + std::string(degraded_.empty() ? "0" : "1") + "\n";
  header(out, "sanctwatch_items_deferred_total", "counter",
         "New items over a feed's max_new_items, left for its next poll.");
  for (const auto& [k, v] : deferred_)
    out += "sanctwatch_items_deferred_total{feed=\"" + label_escape(k) + "\"} " +
           std::to_string(v) + "\n";
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
  header(out, "sanctwatch_reloads_total", "counter", "Configuration reloads by result.");
  for (const auto& [k, v] : reloads_)
    out += "sanctwatch_reloads_total{result=\"" + k + "\"} " + std::to_string(v) + "\n";
  header(out, "sanctwatch_fetch_duration_seconds", "histogram", "Feed fetch latency.");
  for (std::size_t i = 0; i < buckets.size(); ++i)
    out += "sanctwatch_fetch_duration_seconds_bucket{le=\"" + num(buckets[i], 6) + "\"} " +
           std::to_string(latency_counts_[i]) + "\n";
  out += "sanctwatch_fetch_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count_) + "\n";
  out += "sanctwatch_fetch_duration_seconds_sum " + num(latency_sum_) + "\n";
  out += "sanctwatch_fetch_duration_seconds_count " + std::to_string(latency_count_) + "\n";
  return out;
}

// One connection: read the request head, answer, close. Asio's HTTP server example pattern
// in miniature; requests are tiny, so a bounded buffer and one read loop suffice.
namespace {

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(asio::ip::tcp::socket s, const metrics& m) : socket_(std::move(s)), metrics_(m) {}
  void start() { do_read(); }

 private:
  void do_read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buf_), [this, self](std::error_code ec, std::size_t n) {
      if (ec) return;
      request_.append(buf_.data(), n);
      if (request_.find("\r\n\r\n") == std::string::npos && request_.find("\n\n") == std::string::npos) {
        if (request_.size() > 8192) return respond(431, "request too large\n", "text/plain");
        return do_read();
      }
      const auto sp1 = request_.find(' ');
      const auto sp2 = request_.find(' ', sp1 + 1);
      const std::string method = request_.substr(0, sp1);
      std::string target = sp1 == std::string::npos ? "" : request_.substr(sp1 + 1, sp2 - sp1 - 1);
      if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
      if (method != "GET" && method != "HEAD") return respond(405, "only GET\n", "text/plain");
      if (target == "/metrics")
        return respond(200, metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
      if (target == "/healthz")
        return metrics_.degraded().empty()
                   ? respond(200, "ok\n", "text/plain")
                   : respond(503, "degraded: " + metrics_.degraded() + "\n", "text/plain");
      respond(404, "not found: try /metrics or /healthz\n", "text/plain");
    });
  }

  void respond(int status, const std::string& body, const char* type) {
    const char* reason = status == 200   ? "OK"
                         : status == 404 ? "Not Found"
                         : status == 405 ? "Method Not Allowed"
                         : status == 503 ? "Service Unavailable"
                                         : "Request Header Fields Too Large";
    out_ = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_), [this, self](std::error_code, std::size_t) {
      std::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    });
  }

  asio::ip::tcp::socket socket_;
  const metrics& metrics_;
  std::array<char, 2048> buf_{};
  std::string request_;
  std::string out_;
};

}  // namespace

struct metrics_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, const metrics& m) : acceptor(io), reg(m) {}
  void do_accept() {
    std::weak_ptr<impl> weak = shared_from_this();
    acceptor.async_accept([weak](std::error_code ec, asio::ip::tcp::socket s) {
      auto self = weak.lock();
      if (!self || ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<connection>(std::move(s), self->reg)->start();
      self->do_accept();
    });
  }
  asio::ip::tcp::acceptor acceptor;
  const metrics& reg;
};

metrics_server::metrics_server(asio::io_context& io, const std::string& listen, const metrics& m)
    : impl_(std::make_shared<impl>(io, m)) {
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
}

std::string metrics_server::address() const {
  const auto ep = impl_->acceptor.local_endpoint();
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

}  // namespace sanctwatch::service
