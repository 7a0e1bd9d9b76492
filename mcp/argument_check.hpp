// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace runnerfleet::mcp {

/// Checks tool arguments against a tool's inputSchema so a bad call is an isError result
/// naming the argument, before any daemon call. Covers the JSON Schema keywords our tool
/// schemas use (type, enum, minimum, maximum, minLength, maxLength, required,
/// additionalProperties: false); a unit test keeps the schemas inside that subset.
/// Returns the problem, or nullopt when the arguments are acceptable.
std::optional<std::string> check_arguments(const nlohmann::json& input_schema, const nlohmann::json& arguments);

/// The keywords check_arguments understands (anything else in an inputSchema is a defect).
bool is_supported_keyword(const std::string& keyword);

}  // namespace runnerfleet::mcp
