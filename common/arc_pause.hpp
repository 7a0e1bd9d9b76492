// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/kube/objects.hpp"

#include <optional>
#include <string>
#include <string_view>

/// GitHub cannot pause a runner scale set, so with `arc.pause_mode: scale_to_zero` a pause is
/// cluster-native: maxRunners goes to 0 and its previous value is kept in an annotation on
/// the AutoscalingRunnerSet, where resume finds it — state lives in the cluster, not the daemon.
namespace runnerfleet::arc_pause {

/// Holds the maxRunners to restore ("" when it was unset, i.e. unlimited).
inline constexpr std::string_view previous_max_annotation = "runnerfleet.io/paused-max-runners";
/// Who paused it and why, for anyone reading the object with kubectl.
inline constexpr std::string_view paused_by_annotation = "runnerfleet.io/paused-by";

/// Paused by runnerfleet: the annotation is present.
bool is_paused(const kube::autoscaling_runner_set& ars);

/// The merge patch that pauses: maxRunners 0, the previous value and the actor recorded.
std::string pause_patch(const kube::autoscaling_runner_set& ars, std::string_view actor);

/// The merge patch that resumes: maxRunners restored (removed when it was unset), annotations
/// removed; invalid_argument when the recorded value is not a non-negative integer.
result<std::string> resume_patch(const kube::autoscaling_runner_set& ars);

}  // namespace runnerfleet::arc_pause
