#pragma once
/// JSON lines to a file or standard output: one document per line, one write() per line
/// (O_APPEND, so concurrent writers never interleave within a line), fsync() before the
/// delivery counts as done. reopen() follows a logrotate rename. Takes updates: a reader
/// keeps the line with the highest `revision` per alert id.
///
/// Standard output may be text instead (`format: text`, or `auto` at a terminal): the block
/// people read (sinks/text_render.hpp) with the rules the sink's filter passes. Text is for
/// people, so like chat it takes only the updates that bring something new (`changes`).

#include <optional>
#include <string>
#include <string_view>

#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

/// How a file sink writes an alert.
struct file_format {
  bool text = false;   ///< render_text blocks instead of JSON lines
  bool color = false;  ///< ANSI colour in text (a terminal without NO_COLOR)
};

/// The format of the stdout sink for its `format` setting, decided once: "json" JSON lines;
/// "text" text, coloured at a terminal unless NO_COLOR; "auto" (or "") text at a terminal,
/// JSON lines otherwise (a pipe, a file, journald's capture of a service's output).
/// Nothing for another value.
std::optional<file_format> stdout_format(std::string_view setting);

class file_sink final : public sink {
 public:
  /// `path` "-" means standard output (no fsync on pipes and terminals).
  file_sink(std::string name, filter f, std::string path, file_format format = {});
  ~file_sink() override;

  void deliver(const alert_view& a, done_fn done) override;
  void reopen() override;
  /// JSON lines are read by machines and take every revision; text is read by people.
  bool supports_updates() const override { return !format_.text; }
  bool for_people() const override { return format_.text; }
  const file_format& format() const { return format_; }

  const std::string& path() const { return path_; }

 private:
  bool open(std::string& why);
  std::string path_;
  file_format format_;
  int fd_ = -1;
  bool owns_fd_ = false;
};

}  // namespace sanctwatch::sinks
