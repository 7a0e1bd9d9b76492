// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/time_format.hpp"
#include "mcp/tools.hpp"

/// The write tools: pause_runner and resume_runner, one audited daemon call each.
namespace runnerfleet::mcp {

/// POST /v1/runners/{name}/pause with the required reason.
daemon_request plan_pause_runner(const json& arguments);
/// POST /v1/runners/{name}/resume, reason optional.
daemon_request plan_resume_runner(const json& arguments);
/// The daemon's answer: what happened, the runner's status now, the journal's request id.
json render_mutation(json& envelope, time_point now);

}  // namespace runnerfleet::mcp
