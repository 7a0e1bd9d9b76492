// SPDX-License-Identifier: Apache-2.0
#include "daemon/socket_guard.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace runnerfleet::daemon {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

result<socket_guard> socket_guard::acquire(const std::string& path) {
  if (path.size() >= 108)
    return make_error(error_code::invalid_argument, "socket path '" + path + "' is longer than 107 bytes");
  auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(error_code::unavailable, "cannot create socket directory '" + dir.string() + "': " + ec.message());
    ::chmod(dir.c_str(), 0750);
  }
  const std::string lock_path = path + ".lock";
  struct stat st {};
  if (::lstat(lock_path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
    return make_error(error_code::invalid_argument, "refusing to follow symlink '" + lock_path + "'");
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return make_error(error_code::unavailable, "cannot open lock file '" + lock_path + "': " + errno_text());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(error_code::conflict,
                      "another runnerfleetd holds '" + lock_path + "' (maybe another daemon is running)");
  }
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      ::close(fd);
      return make_error(error_code::invalid_argument, "refusing to follow symlink '" + path + "'");
    }
    if (!S_ISSOCK(st.st_mode)) {
      ::close(fd);
      return make_error(error_code::invalid_argument, "'" + path + "' exists and is not a socket; not removing it");
    }
    ::unlink(path.c_str());  // stale: we hold the lock, so no daemon serves it
  }
  return socket_guard(path, fd);
}

socket_guard::socket_guard(socket_guard&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

socket_guard::~socket_guard() {
  if (lock_fd_ < 0) return;
  ::unlink(path_.c_str());
  ::unlink((path_ + ".lock").c_str());
  ::close(lock_fd_);
}

status socket_guard::restrict_mode() const {
  if (::chmod(path_.c_str(), 0660) != 0)
    return make_error(error_code::internal, "cannot chmod socket '" + path_ + "': " + errno_text());
  return ok();
}

}  // namespace runnerfleet::daemon
