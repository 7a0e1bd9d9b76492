// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/kube/objects.hpp"
#include "common/snapshot.hpp"

#include <vector>

namespace runnerfleet {

/// Every problem a pod shows, across all containers including init containers:
/// CrashLoopBackOff, ImagePullBackOff/ErrImagePull, OOMKilled, CreateContainerConfigError,
/// Evicted, Pending beyond the threshold, and a high restart count. Restart counts and
/// lastState (OOMKilled) count only while the container is not ready again.
std::vector<pod_problem> detect_pod_problems(const kube::pod& pod, const threshold_config& limits,
                                             time_point now);

}  // namespace runnerfleet
