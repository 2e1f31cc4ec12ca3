#include "service/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace sanctwatch::service {

result<state_lock> state_lock::acquire(const std::string& state_path) {
  std::error_code ec;
  const std::string shown = std::filesystem::absolute(state_path, ec).lexically_normal().string();
  const std::string path = state_path + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return error{"io", path + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    std::string pid;
    if (why == EWOULDBLOCK) {
      char buf[32];
      const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid += buf[i];
    }
    ::close(fd);
    if (why != EWOULDBLOCK) return error{"io", path + ": " + std::strerror(why)};
    // The holder writes its pid right after locking: seen empty only in that instant.
    return error{"in_use", "state " + shown + " is in use by another sanctwatch (pid " +
                               (pid.empty() ? "unknown" : pid) + "); stop it first"};
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int why = errno;
    ::close(fd);
    return error{"io", path + ": " + std::strerror(why)};
  }
  return state_lock(fd);
}

state_lock::state_lock(state_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

state_lock& state_lock::operator=(state_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

state_lock::~state_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sanctwatch::service
