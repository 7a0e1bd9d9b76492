// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/gitops/desired_state.hpp"
#include "common/snapshot.hpp"

#include <set>
#include <string>
#include <vector>

/// Drift: where what runs differs from what the tfvars say (OP-4), judged runner by runner.
namespace runnerfleet::gitops {

/// What drift judging needs beyond the desired state and the runners.
struct drift_context {
  std::set<std::string, std::less<>> unmanaged;  ///< gitops.unmanaged: live runners kept outside the stacks
  std::set<std::string, std::less<>> unsynced_clusters;  ///< not listed yet: nothing there is "missing"
};

/// The drift items, errors first, then by runner and key. Errors: a declared runner that is not
/// deployed, a deployed one no file declares, an unreadable file. Warnings: HPA bounds, targets
/// and windows (the module fixes 70 % / 80 % / 15 s / 300 s), ARC min/max runners, resources of
/// the manager or runner container. Info: differences with a known reason (a scale set paused
/// by runnerfleet, a runner listed in gitops.unmanaged). Concurrency (config.toml) is not
/// observable from the cluster and is not judged.
std::vector<drift_item> compute_drift(const desired_state& d, const std::vector<runner_view>& runners,
                                      const drift_context& ctx);

/// Sets each declared runner's config reference and drift counts.
void attach_config_refs(const desired_state& d, const std::vector<drift_item>& drift, std::vector<runner_view>& runners);

}  // namespace runnerfleet::gitops
