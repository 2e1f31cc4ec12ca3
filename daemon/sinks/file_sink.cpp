#include "sinks/file_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "sinks/text_render.hpp"

namespace sanctwatch::sinks {

std::optional<file_format> stdout_format(std::string_view setting) {
  if (setting == "json") return file_format{};
  if (setting == "text") return file_format{true, stdout_wants_color()};
  if (setting == "auto" || setting.empty()) {
    if (::isatty(STDOUT_FILENO) != 1) return file_format{};
    return file_format{true, stdout_wants_color()};
  }
  return std::nullopt;
}

file_sink::file_sink(std::string name, filter f, std::string path, file_format format)
    : sink(std::move(name), std::move(f)), path_(std::move(path)), format_(format) {
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
  std::string line;
  if (format_.text && a.list_event) {
    line = a.text + "\n";
  } else if (format_.text) {
    // The block lists the rules this sink's filter passes, as chat and email do.
    auto block = render_text(a, {format_.color}, shown_rules(a));
    if (!block) return done(outcome::dead(block.err().message));
    line = std::move(*block);
  } else {
    line = a.document;
    line += '\n';
  }
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
