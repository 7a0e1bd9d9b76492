// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/time_format.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

/// The tools: for each, the one daemon request it makes and how its answer becomes a
/// CallToolResult (structuredContent for programs, a compact table for a model). Pure.
namespace runnerfleet::mcp {

using nlohmann::json;

/// The daemon request a tool call makes.
struct daemon_request {
  std::string method = "GET";
  std::string target;
  std::string body;
};

/// Names of the tools this build implements, in the order tools/list shows them.
const std::vector<std::string_view>& implemented_tools();

/// The tools whose daemon call a viewer may make: what --read-only offers (it calls as viewer),
/// so no listed tool can only fail.
const std::vector<std::string_view>& viewer_tools();

/// The request for a tool call whose arguments already passed the schema check;
/// invalid_argument for what a schema cannot say (e.g. two arguments that contradict).
result<daemon_request> plan_tool_call(std::string_view tool, const json& arguments);

/// A successful daemon envelope ({"data", "meta"}) as a CallToolResult; `arguments` are the
/// call's (checked) arguments, for bounds the daemon route does not apply itself.
json render_tool_result(std::string_view tool, json envelope, const json& arguments, time_point now);

/// Where a failed call failed: on the socket (daemon down, no answer in time), or in the
/// daemon's own error envelope. The same code means different things: a 503 from the daemon
/// is e.g. "GitOps is not configured", not "runnerfleetd is down".
enum class failure_origin { transport, daemon };

/// An isError CallToolResult whose text tells a model what went wrong and what to do.
json tool_error_result(std::string_view tool, const error& e, failure_origin origin);

/// An isError CallToolResult for arguments the schema refused.
json invalid_arguments_result(std::string_view tool, const std::string& problem);

}  // namespace runnerfleet::mcp
