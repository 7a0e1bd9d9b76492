// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/roles.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnerfleet::api {

/// Every route the socket API serves in this build.
enum class route_id {
  health,
  whoami,
  settings,
  fleet,
  runners,
  runner,
  runner_pause,
  runner_resume,
  pods,
  pod_log,
  autoscalers,
  events,
  events_stream,
  audit,
  metrics,
  metrics_fleet,
  metrics_runner,
  gitops_drift,
  gitops_config,
  gitops_proposals,
};

/// One row of the route table: the single place that says which role a route needs.
struct route_spec {
  std::string_view method;
  std::string_view pattern;  ///< "/v1/runners/{name}"
  route_id id;
  std::optional<role> need;  ///< nullopt = no role needed
};

/// The table itself (for docs, tests and metrics labels).
const std::vector<route_spec>& route_table();

/// A matched request: which route, the role it needs, and its path parameters.
struct route_match {
  const route_spec* spec = nullptr;
  std::vector<std::string> params;
};

/// Finds the route for a method and decoded path. Unknown path → not_found naming the path;
/// known path, wrong method → invalid_argument naming the allowed method.
result<route_match> match_route(std::string_view method, std::string_view path);

}  // namespace runnerfleet::api
