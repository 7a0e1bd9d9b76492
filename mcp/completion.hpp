// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "mcp/protocol.hpp"
#include "mcp/tools.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>

namespace runnerfleet::mcp {

/// How to complete one argument: which daemon list to read, which field of its rows to offer.
struct completion_plan {
  daemon_request request;
  std::string field;   ///< "name" or "namespace"
  std::string prefix;  ///< what the user typed so far
};

/// completion/complete for the triage prompt's `runner` and the resource templates' {name} and
/// {namespace}: the plan, nothing to offer (another argument), or -32602 for an unknown ref.
std::variant<std::optional<completion_plan>, protocol_error> plan_completion(const nlohmann::json& params);

/// The CompleteResult: distinct values of the plan's field starting with the prefix, at most 100.
nlohmann::json completion_values(const completion_plan& plan, const nlohmann::json* envelope);

}  // namespace runnerfleet::mcp
