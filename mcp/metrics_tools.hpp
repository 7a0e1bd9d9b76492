// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/time_format.hpp"
#include "mcp/tools.hpp"

/// The metrics tools: get_fleet_metrics (the landing view plus Prometheus figures, SLOs and
/// series of a window) and get_runner_metrics, one daemon call each.
namespace runnerfleet::mcp {

/// GET /v1/metrics/fleet?window= (the answer carries the landing view too).
daemon_request plan_fleet_metrics(const json& arguments);
/// The landing view, the window's figures per forge, SLO verdicts and thinned series.
json render_fleet_metrics(json& envelope, time_point now);
/// GET /v1/metrics/runners/{name}?window=&cluster=.
daemon_request plan_runner_metrics(const json& arguments);
/// A runner's current figures, SLOs and its CPU, memory and job series.
json render_runner_metrics(json& envelope, time_point now);

}  // namespace runnerfleet::mcp
