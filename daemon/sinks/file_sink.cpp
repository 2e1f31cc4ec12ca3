#include "sinks/file_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sanctwatch::sinks {

file_sink::file_sink(std::string name, filter f, std::string path)
    : sink(std::move(name), std::move(f)), path_(std::move(path)) {
  std::string why;
  open(why);  // a failure here is retried on the first delivery, and reported there
}

file_sink::~file_sink() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

bool file_sink::open(std::string& why) {
  if (fd_ >= 0) return true;
  if (path_ == "-") {
    fd_ = STDOUT_FILENO;
    owns_fd_ = false;
    return true;
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    why = path_ + ": " + std::strerror(errno);
    return false;
  }
  owns_fd_ = true;
  return true;
}

void file_sink::reopen() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::string why;
  open(why);
}

void file_sink::deliver(const alert_view& a, done_fn done) {
  std::string why;
  if (!open(why)) return done(outcome::retry(why));
  std::string line = a.document;
  line += '\n';
  // One write for the whole line; a short write (disk full, signal) is continued so a line
  // is never left half-written when the call eventually succeeds.
  std::size_t off = 0;
  while (off < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return done(outcome::retry(path_ + ": " + std::strerror(errno)));
    }
    off += static_cast<std::size_t>(n);
  }
  if (owns_fd_ && ::fsync(fd_) != 0 && errno != EINVAL)
    return done(outcome::retry(path_ + ": fsync: " + std::strerror(errno)));
  done(outcome::ok());
}

}  // namespace sanctwatch::sinks
