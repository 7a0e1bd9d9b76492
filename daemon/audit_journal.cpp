// SPDX-License-Identifier: Apache-2.0
#include "daemon/audit_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace runnerfleet::daemon {

namespace {

constexpr std::size_t recent_capacity = 2000;

error io_error(const std::string& what, const std::string& path) {
  return make_error(error_code::internal, what + " audit journal '" + path + "': " + std::strerror(errno));
}

status write_all(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
  return ok();
}

}  // namespace

result<std::unique_ptr<audit_journal>> audit_journal::open(const std::string& state_dir) {
  std::string path = state_dir + "/audit.jsonl";
  std::vector<audit::record> all;
  std::size_t skipped = 0;
  bool ends_with_newline = true;
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      ends_with_newline = !in.eof();
      if (line.empty()) continue;
      auto r = audit::parse_line(line);
      if (r) all.push_back(std::move(*r));
      else ++skipped;
    }
  }
  struct stat st {};
  bool existed = ::stat(path.c_str(), &st) == 0;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot open", path);
  if (!existed) {  // the new directory entry must be durable too
    int dir = ::open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  std::unique_ptr<audit_journal> j(new audit_journal(path, fd));
  // A crash mid-write leaves a torn last line: the next record must start on a line of its own.
  if (!ends_with_newline) {
    if (auto st = write_all(fd, "\n", path); !st) return st.take_failure();
  }
  j->skipped_ = skipped;
  j->unfinished_ = audit::unfinished(all);
  for (auto& r : all) j->remember(r);
  return j;
}

audit_journal::~audit_journal() {
  if (fd_ >= 0) ::close(fd_);
}

void audit_journal::remember(const audit::record& r) {
  recent_.push_back(r);
  if (recent_.size() > recent_capacity) recent_.pop_front();
}

status audit_journal::append(const audit::record& r) {
  if (auto st = write_all(fd_, audit::to_line(r) + "\n", path_); !st) return st;
  if (::fdatasync(fd_) != 0) return io_error("cannot sync", path_);
  remember(r);
  return ok();
}

}  // namespace runnerfleet::daemon
