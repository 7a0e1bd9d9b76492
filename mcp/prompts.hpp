// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "mcp/protocol.hpp"

#include <nlohmann/json.hpp>

#include <string_view>
#include <variant>

namespace runnerfleet::mcp {

/// prompts/list `prompts`: triage_runner_incident and review_runner_capacity.
nlohmann::json prompt_list();

/// prompts/get: the messages, or -32602 naming an unknown prompt or a bad argument.
std::variant<nlohmann::json, protocol_error> get_prompt(std::string_view name, const nlohmann::json& arguments);

}  // namespace runnerfleet::mcp
