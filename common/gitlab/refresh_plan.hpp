// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/gitlab/registration.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

/// What one GitLab poll cycle re-reads beyond the registration list, within a request budget,
/// so steady-state load stays bounded however large the instance (pure: unit-tested).
namespace runnerfleet::gitlab {

/// One read: details + managers of a registration (2 requests), or its running jobs (1 request).
struct refresh_item {
  enum class what { details, jobs };
  std::int64_t id = 0;
  what kind = what::details;
  bool operator==(const refresh_item&) const = default;
};

/// The inputs of a plan.
struct refresh_inputs {
  const std::vector<registration>* registrations = nullptr;  ///< after merging the new list
  std::set<std::int64_t> changed;                             ///< new, or list entry changed
  std::function<bool(const runner&)> wanted;  ///< belongs to the fleet (matches a release)
  time_point now{};
  std::chrono::seconds details_refresh{600};
  int budget = 0;  ///< requests this cycle may spend
};

/// The reads of this cycle, most urgent first: details of changed registrations; jobs of paused
/// ones still running jobs (draining must end visibly); details older than details_refresh;
/// then jobs, least recently read first. Only wanted registrations are read beyond the list.
std::vector<refresh_item> plan_refresh(const refresh_inputs& in);

/// Requests an item costs.
int cost(const refresh_item& item);

}  // namespace runnerfleet::gitlab
