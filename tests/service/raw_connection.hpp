#pragma once
// A bare TCP client for servers under test: send exact bytes, read until the server closes,
// every wait bounded. For what an HTTP library would tidy away (a wrong version, a client
// that connects and says nothing).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sanctwatch::testing {

class raw_connection {
 public:
  /// Connects to "127.0.0.1:PORT"; ok() tells whether it did.
  explicit raw_connection(const std::string& host_port) {
    const auto colon = host_port.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1))));
    if (inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &sa.sin_addr) != 1) return;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~raw_connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool ok() const { return fd_ >= 0; }

  bool send(std::string_view bytes) {
    return ok() && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                       static_cast<ssize_t>(bytes.size());
  }

  /// Reads until the server closes (or resets) the connection, or until `limit` passes.
  /// `closed` says which; what arrived is returned either way.
  std::string read_until_closed(std::chrono::milliseconds limit, bool* closed = nullptr) {
    std::string out;
    bool done = !ok();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0)
        done = true;  // 0: orderly close; <0: reset, closed just the same
      else
        out.append(buf, static_cast<std::size_t>(n));
    }
    if (closed) *closed = done;
    return out;
  }

  /// Sends `request` and returns the whole answer (the server closes after one).
  std::string exchange(std::string_view request,
                       std::chrono::milliseconds limit = std::chrono::seconds{10}) {
    if (!send(request)) return {};
    return read_until_closed(limit);
  }

 private:
  int fd_ = -1;
};

}  // namespace sanctwatch::testing
