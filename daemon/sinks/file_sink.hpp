#pragma once
/// JSON lines to a file or standard output: one document per line, one write() per line
/// (O_APPEND, so concurrent writers never interleave within a line), fsync() before the
/// delivery counts as done. reopen() follows a logrotate rename. Takes updates: a reader
/// keeps the line with the highest `revision` per alert id.

#include <string>

#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

class file_sink final : public sink {
 public:
  /// `path` "-" means standard output (no fsync on pipes and terminals).
  file_sink(std::string name, filter f, std::string path);
  ~file_sink() override;

  void deliver(const alert_view& a, done_fn done) override;
  void reopen() override;
  bool supports_updates() const override { return true; }

  const std::string& path() const { return path_; }

 private:
  bool open(std::string& why);
  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
};

}  // namespace sanctwatch::sinks
