#pragma once
/// One writer per SQLite state file. Two daemons on one file would both poll and both
/// deliver every alert, so `run` and `poll` take an exclusive flock() on `<state>.lock`
/// beside it for as long as they run and write their pid into it. The kernel drops the lock
/// when the holder exits, however it exits (kill -9 included): a crash never leaves a stale
/// lock to clear by hand. The file itself stays; removing it would let a process that
/// opened it just before lock a file nobody else sees.

#include <string>

#include "core/result.hpp"

namespace sanctwatch::service {

class state_lock {
 public:
  /// Takes the lock of the state file `state_path`, or fails with a message that names the
  /// file and the pid of the process holding it (code "in_use"), or the I/O error.
  static result<state_lock> acquire(const std::string& state_path);

  state_lock(state_lock&& other) noexcept;
  state_lock& operator=(state_lock&& other) noexcept;
  state_lock(const state_lock&) = delete;
  state_lock& operator=(const state_lock&) = delete;
  ~state_lock();

 private:
  explicit state_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace sanctwatch::service
