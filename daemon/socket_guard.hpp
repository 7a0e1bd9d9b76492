// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"

#include <string>

namespace runnerfleet::daemon {

/// Owns the socket path for the daemon's lifetime: takes <path>.lock with flock (a second
/// daemon fails fast), refuses symlinks, removes a stale socket only once the lock is held,
/// and removes socket and lock on destruction. As PipeWire and Kea do.
class socket_guard {
 public:
  /// Prepares `path` for bind(); fails when another daemon holds the lock.
  static result<socket_guard> acquire(const std::string& path);

  socket_guard(socket_guard&& other) noexcept;
  socket_guard& operator=(socket_guard&&) = delete;
  socket_guard(const socket_guard&) = delete;
  ~socket_guard();

  /// Sets the socket's mode (0660) once it is bound.
  status restrict_mode() const;

  const std::string& path() const { return path_; }

 private:
  socket_guard(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace runnerfleet::daemon
