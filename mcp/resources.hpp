// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "mcp/tools.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

/// MCP resources: the fleet overview, one runner, one pod's log tail, as runnerfleet:// URIs.
namespace runnerfleet::mcp {

/// What a runnerfleet:// URI names.
struct resource_ref {
  enum class kind { fleet, runner, pod_log };
  kind type = kind::fleet;
  std::string name;  ///< runner or pod name
  std::string ns;    ///< pod namespace
};

/// The URI of the fleet overview.
inline constexpr std::string_view fleet_uri = "runnerfleet://fleet";

/// Parses a URI; invalid_argument naming what is wrong (unknown scheme, shape, bad name).
result<resource_ref> parse_resource_uri(std::string_view uri);

/// The daemon request that reads a resource.
daemon_request resource_request(const resource_ref& ref);

/// A ReadResourceResult's `contents` for a successful daemon envelope.
nlohmann::json resource_contents(const resource_ref& ref, std::string_view uri, const nlohmann::json& envelope);

/// resources/list entries: the fleet overview, and each runner when the runner list is known.
nlohmann::json resource_list(const nlohmann::json* runners_envelope);

/// resources/templates/list entries.
nlohmann::json resource_templates();

/// The runnerfleet://runners/{name} URI of a runner.
std::string runner_uri(std::string_view name);

}  // namespace runnerfleet::mcp
