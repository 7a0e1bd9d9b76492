// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/gitlab/runners.hpp"

#include <optional>
#include <vector>

namespace runnerfleet::gitlab {

/// What the daemon knows about one registration and when it learnt each part: the list entry
/// is re-read every poll, the rest on a budget, so each part carries its own time.
struct registration {
  runner entry;
  time_point listed_at{};
  std::optional<runner_details> details;
  std::optional<time_point> details_at;
  std::vector<runner_manager> managers;
  std::optional<time_point> managers_at;
  std::optional<int> running_jobs;
  std::optional<time_point> jobs_at;
  bool operator==(const registration&) const = default;

  /// The newest heartbeat known: details' contacted_at or any manager's.
  std::optional<time_point> last_contact() const;
  /// The lowest version among its managers, else the details' version.
  std::optional<std::string> version() const;
};

}  // namespace runnerfleet::gitlab
