// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/time_format.hpp"
#include "mcp/tools.hpp"

#include <optional>
#include <string>

/// The GitOps tools: get_drift, get_runner_config and submit_config_change (a merge request,
/// never a direct change), one daemon call each.
namespace runnerfleet::mcp {

/// GET /v1/gitops/drift with the filters the daemon knows; `limit` is applied to the answer.
daemon_request plan_drift(const json& arguments);
/// Counts by severity, the first `limit` items (errors first) and where the tfvars were read.
json render_drift(json& envelope, const json& arguments, time_point now);
/// GET /v1/gitops/config/{name}?cluster=.
daemon_request plan_runner_config(const json& arguments);
/// The runner's settings (file or default, sensitive ones hidden), its file and commit, its drift.
json render_runner_config(json& envelope, time_point now);
/// POST /v1/gitops/proposals; invalid_argument when a reason is missing outside dry_run or
/// `changes` is empty (what the inputSchema cannot say).
result<daemon_request> plan_config_change(const json& arguments);
/// The diff, and the merge request (or that a dry run pushed nothing).
json render_config_change(json& envelope, time_point now);

/// What to tell a model when the daemon refused a GitOps tool, or nullopt for the common wording
/// (the daemon's messages name its HTTP routes; a model needs the tools instead).
std::optional<std::string> gitops_error_text(std::string_view tool, const error& e);

}  // namespace runnerfleet::mcp
