// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/gitops/stack_schema.hpp"

/// The two runner stacks runnerfleet knows without configuration, transcribed from their
/// variables.tf (prior-art §8).
namespace runnerfleet::gitops {

/// tofu/stacks/gitlab-runners: GitLab runner Helm releases (nix, docker, dind), each a
/// Deployment with an HPA.
stack_schema gitlab_runners_schema();

/// tofu/stacks/arc-runners: ARC scale sets (nix, docker, dind, and extra_runner_sets).
stack_schema arc_runners_schema();

}  // namespace runnerfleet::gitops
