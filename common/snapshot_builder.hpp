// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/fleet_metrics.hpp"
#include "common/kube/cluster_state.hpp"
#include "common/registration_match.hpp"
#include "common/snapshot.hpp"

#include <memory>
#include <string>
#include <vector>

namespace runnerfleet {

/// One cluster's cache as the builder sees it.
struct cluster_input {
  std::string name;
  const kube::cluster_state* state = nullptr;
  bool synced = false;  ///< pods and deployments/scale sets have been listed at least once
  bool stale = false;   ///< the source is down or degraded; data is the last good data
  /// AutoscalingListeners are watched in some namespace of this cluster, so a missing
  /// listener really means "no listener" (otherwise it is merely not visible).
  bool listeners_visible = false;
};

/// Everything one build reads.
/// GitOps desired state for a build.
struct gitops_input {
  std::shared_ptr<const gitops::desired_state> desired;  ///< null until first read
  bool stale = false;                                    ///< the repository is unreachable
  const gitops_config* config = nullptr;
};

struct build_input {
  std::vector<cluster_input> clusters;
  std::vector<source_view> sources;
  threshold_config thresholds;
  time_point now{};
  std::uint64_t generation = 0;
  /// The snapshot this build follows, if any: views of unchanged pods are shared with it.
  const snapshot* previous = nullptr;
  /// GitLab registrations; null when the GitLab source is not configured.
  const gitlab_input* gitlab = nullptr;
  /// Prometheus figures (null when not configured or not read yet) and whether they are stale.
  std::shared_ptr<const fleet_metrics> metrics;
  bool metrics_stale = false;
  /// The tfvars (null when GitOps is not configured): drift is judged against them.
  const gitops_input* gitops = nullptr;
};

/// Derives the runner model from raw cluster state: GitLab releases (Deployment, its pods by
/// selector, its HPA by scaleTargetRef) and ARC scale sets (pods by scale-set-name label,
/// listener by spec reference, counts from the real status fields), their status, problems,
/// events and the fleet summary. Pure: same input, same snapshot.
std::shared_ptr<snapshot> build_snapshot(const build_input& input);

/// The runner type from labels, then tags (docker, dind, nix, rocky8, rocky9, l40s, a100, unknown).
std::string detect_runner_type(const kube::string_map& labels, const std::vector<std::string>& tags);

}  // namespace runnerfleet
