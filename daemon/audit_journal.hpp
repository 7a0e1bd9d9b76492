// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/audit.hpp"
#include "common/error.hpp"

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace runnerfleet::daemon {

/// The mutation journal: `audit.jsonl` in the state directory, append-only, each record
/// written and fsynced before the call returns (an intent is on disk before the upstream call
/// it announces). The newest records are kept in memory for GET /v1/audit.
class audit_journal {
 public:
  /// Opens (creating with mode 0600) and reads the journal; torn or foreign lines are skipped
  /// and counted, never fatal.
  static result<std::unique_ptr<audit_journal>> open(const std::string& state_dir);
  ~audit_journal();

  /// Appends one record durably (write + fsync).
  status append(const audit::record& r);

  /// Intents found at open without an outcome: the daemon stopped between the two.
  const std::vector<audit::record>& unfinished_at_open() const { return unfinished_; }
  /// The newest records, oldest first (bounded).
  const std::deque<audit::record>& recent() const { return recent_; }
  /// Lines at open that were not records (a torn write at a crash, or edits by hand).
  std::size_t skipped_lines() const { return skipped_; }
  const std::string& path() const { return path_; }

 private:
  audit_journal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void remember(const audit::record& r);

  std::string path_;
  int fd_ = -1;
  std::deque<audit::record> recent_;
  std::vector<audit::record> unfinished_;
  std::size_t skipped_ = 0;
};

}  // namespace runnerfleet::daemon
