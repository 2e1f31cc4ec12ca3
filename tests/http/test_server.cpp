#include "http/test_server.hpp"

#include <zlib.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace sanctwatch::test {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 404:
      return "Not Found";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

void raise_max(std::atomic<std::size_t>& max, std::size_t value) {
  std::size_t seen = max.load();
  while (value > seen && !max.compare_exchange_weak(seen, value)) {
  }
}

}  // namespace

// Members are ordered for destruction: the thread and acceptor go first, then the
// io_context (destroying the connections its pending handlers own), and only then the
// log and counters those connections still touch.
struct test_server::state {
  std::atomic<std::size_t> open{0}, max_open{0}, busy{0}, max_busy{0}, accepted{0};
  mutable std::mutex mutex;  // guards routes and log
  std::map<std::string, handler, std::less<>> routes;
  std::vector<http_request> log;

  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
  std::thread thread;

  handler find(const std::string& path) const {
    std::lock_guard lock(mutex);
    const auto it = routes.find(path);
    return it == routes.end() ? handler{} : it->second;
  }
};

namespace {

using state = test_server::state;

// One client connection: read a request, answer it (after optional delay and drip),
// repeat while kept alive. Steps chain through shared_from_this().
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(asio::ip::tcp::socket socket, state* st, std::uint64_t id)
      : socket_(std::move(socket)), state_(st), timer_(st->io), id_(id) {
    raise_max(state_->max_open, ++state_->open);
  }
  ~connection() {
    if (busy_) --state_->busy;
    --state_->open;
  }

  void start() { do_read(); }

 private:
  void do_read() {
    if (parse()) return handle();
    socket_.async_read_some(asio::buffer(buf_),
                            [self = shared_from_this()](std::error_code ec, std::size_t n) {
                              if (ec) return;  // peer closed or server shutting down
                              self->in_.append(self->buf_.data(), n);
                              self->do_read();
                            });
  }

  // True when in_ holds a whole request; fills req_ and drops it from in_.
  bool parse() {
    const auto end = in_.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    http_request r;
    r.connection = id_;
    std::string_view head(in_.data(), end);
    const auto line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 + 1);
    r.method = std::string(line.substr(0, sp1));
    r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    r.path = r.target.substr(0, r.target.find('?'));
    std::size_t content_length = 0;
    if (line_end != std::string_view::npos) {
      std::string_view rest = head.substr(line_end + 2);
      while (!rest.empty()) {
        const auto eol = rest.find("\r\n");
        const std::string_view h = rest.substr(0, eol);
        if (const auto colon = h.find(':'); colon != std::string_view::npos) {
          r.headers.emplace_back(lower(trim(h.substr(0, colon))),
                                 std::string(trim(h.substr(colon + 1))));
          if (r.headers.back().first == "content-length")
            content_length = std::stoul(r.headers.back().second);
        }
        if (eol == std::string_view::npos) break;
        rest.remove_prefix(eol + 2);
      }
    }
    if (in_.size() < end + 4 + content_length) return false;
    r.body = in_.substr(end + 4, content_length);
    in_.erase(0, end + 4 + content_length);
    req_ = std::move(r);
    return true;
  }

  void handle() {
    busy_ = true;
    raise_max(state_->max_busy, ++state_->busy);
    {
      std::lock_guard lock(state_->mutex);
      state_->log.push_back(req_);
    }
    const handler h = state_->find(req_.path);
    reply_ = h ? h(req_) : http_reply{.status = 404, .body = "not found"};
    if (reply_.drop) return;  // the last shared_ptr goes: the socket closes unanswered
    if (reply_.gzip) {
      reply_.body = gzip_compress(reply_.body);
      reply_.headers.emplace_back("Content-Encoding", "gzip");
    }
    close_ = reply_.close || lower(req_.header("connection")) == "close";
    if (reply_.delay.count() > 0) {
      timer_.expires_after(reply_.delay);
      timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        if (!ec) self->do_write_head();
      });
    } else {
      do_write_head();
    }
  }

  void do_write_head() {
    const bool no_body = reply_.status == 304 || reply_.status == 204 || req_.method == "HEAD";
    if (reply_.repeat == 0 || reply_.body.empty()) reply_.repeat = 1;
    std::string head =
        "HTTP/1.1 " + std::to_string(reply_.status) + " " + reason(reply_.status) + "\r\n";
    for (const auto& [name, value] : reply_.headers) head += name + ": " + value + "\r\n";
    if (!no_body) {
      if (reply_.chunked)
        head += "Transfer-Encoding: chunked\r\n";
      else
        head += "Content-Length: " + std::to_string(total()) + "\r\n";
    }
    if (close_) head += "Connection: close\r\n";
    head += "\r\n";
    if (no_body) reply_.body.clear();
    out_ = std::move(head);
    sent_ = 0;
    if (reply_.repeat > 1 && reply_.drip_bytes == 0) reply_.drip_bytes = reply_.body.size();
    if (reply_.drip_bytes == 0) {
      out_ += frame(reply_.body);
      if (reply_.chunked) out_ += "0\r\n\r\n";
      sent_ = reply_.body.size();
    }
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](std::error_code ec, std::size_t) {
                        if (!ec) self->do_drip();
                      });
  }

  // Sends the next piece of a dripped body, or finishes the reply.
  void do_drip() {
    if (sent_ >= total()) {
      if (reply_.drip_bytes > 0 && reply_.chunked) {
        reply_.drip_bytes = 0;  // the terminator goes once
        out_ = "0\r\n\r\n";
        return asio::async_write(socket_, asio::buffer(out_),
                                 [self = shared_from_this()](std::error_code ec, std::size_t) {
                                   if (!ec) self->on_replied();
                                 });
      }
      return on_replied();
    }
    const std::size_t at = static_cast<std::size_t>(sent_ % reply_.body.size());
    const std::size_t n = std::min(reply_.drip_bytes, reply_.body.size() - at);
    out_ = frame(std::string_view(reply_.body).substr(at, n));
    sent_ += n;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](std::error_code ec, std::size_t) {
                        if (ec) return;
                        self->timer_.expires_after(self->reply_.drip_interval);
                        self->timer_.async_wait([self](std::error_code ec2) {
                          if (!ec2) self->do_drip();
                        });
                      });
  }

  // Body bytes of the whole reply.
  std::uint64_t total() const { return std::uint64_t(reply_.body.size()) * reply_.repeat; }

  std::string frame(std::string_view piece) const {
    if (!reply_.chunked) return std::string(piece);
    if (piece.empty()) return {};
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    return std::string(size) + std::string(piece) + "\r\n";
  }

  void on_replied() {
    busy_ = false;
    --state_->busy;
    if (close_) {
      std::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      return;
    }
    do_read();
  }

  asio::ip::tcp::socket socket_;
  state* state_;  // outlives every connection (see test_server::state)
  asio::steady_timer timer_;
  std::uint64_t id_;
  std::array<char, 16384> buf_{};
  std::string in_, out_;
  http_request req_;
  http_reply reply_;
  std::size_t sent_ = 0;
  bool busy_ = false, close_ = false;
};

void do_accept(state* st) {
  st->acceptor.async_accept([st](std::error_code ec, asio::ip::tcp::socket socket) {
    if (ec) return;  // operation_aborted: the server is stopping
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    std::make_shared<connection>(std::move(socket), st, ++st->accepted)->start();
    do_accept(st);
  });
}

}  // namespace

std::string http_request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return value;
  return {};
}

bool http_request::has_header(std::string_view lower_name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return h.first == lower_name; });
}

http_reply http_reply::redirect(int status, std::string location) {
  http_reply r;
  r.status = status;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

test_server::test_server() : state_(std::make_unique<state>()) {
  const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(ep.protocol());
  state_->acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(ep);
  state_->acceptor.listen(asio::socket_base::max_listen_connections);
  do_accept(state_.get());
  state_->thread = std::thread([st = state_.get()] { st->io.run(); });
}

test_server::~test_server() {
  state_->io.stop();
  state_->thread.join();
}

void test_server::route(std::string path, handler h) {
  std::lock_guard lock(state_->mutex);
  state_->routes[std::move(path)] = std::move(h);
}

void test_server::route(std::string path, http_reply fixed) {
  route(std::move(path), [fixed = std::move(fixed)](const http_request&) { return fixed; });
}

std::uint16_t test_server::port() const { return state_->acceptor.local_endpoint().port(); }

std::string test_server::url(std::string_view path, std::string_view host) const {
  return "http://" + std::string(host) + ":" + std::to_string(port()) + std::string(path);
}

std::vector<http_request> test_server::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->log;
}

std::size_t test_server::count(std::string_view path) const {
  std::lock_guard lock(state_->mutex);
  return static_cast<std::size_t>(std::count_if(state_->log.begin(), state_->log.end(),
                                                [&](const auto& r) { return r.path == path; }));
}

void test_server::clear_log() {
  std::lock_guard lock(state_->mutex);
  state_->log.clear();
}

std::size_t test_server::max_connections() const { return state_->max_open; }
std::size_t test_server::max_in_progress() const { return state_->max_busy; }
std::size_t test_server::connections_accepted() const { return state_->accepted; }

std::string gzip_compress(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(zs.total_out);
  return out;
}

}  // namespace sanctwatch::test

namespace sanctwatch::test {

std::string gzip_bomb(std::uint64_t inflated) {
  // After Z_FULL_FLUSH the compressor forgets its history, so every further MiB of zeros
  // compresses to the same bytes: the stream is the first segment (with the gzip header)
  // followed by copies of the second. No trailer: a reader that keeps going fails its CRC
  // check only after inflating everything.
  constexpr std::size_t mib = 1024 * 1024;
  const std::string zeros(mib, '\0');
  z_stream zs{};
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  auto segment = [&] {
    std::string out(64 * 1024, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    zs.avail_in = static_cast<uInt>(zeros.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    if (deflate(&zs, Z_FULL_FLUSH) != Z_OK || zs.avail_in != 0)
      throw std::runtime_error("deflate failed");
    out.resize(out.size() - zs.avail_out);
    return out;
  };
  std::string out = segment();
  const std::string repeated = segment();
  deflateEnd(&zs);
  for (std::uint64_t done = 2 * mib; done < inflated; done += mib) out += repeated;
  return out;
}

}  // namespace sanctwatch::test
