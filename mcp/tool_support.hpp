// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <string>

/// Small pieces every tool renderer uses.
namespace runnerfleet::mcp {

/// A string member, or "" when absent or not a string.
std::string str(const nlohmann::json& object, const char* key);

/// A JSON value as a table cell ("-" for null).
std::string cell(const nlohmann::json& value);

/// 64-bit counters leave as strings: clients lose precision above 2^53.
nlohmann::json as_string(const nlohmann::json& number);

/// The snapshot facts every answer carries: which generation, which sources are stale.
nlohmann::json snapshot_facts(const nlohmann::json& meta);

/// "\nStale: a, b down; ..." when the answer holds last-good data of down sources, else "".
std::string stale_note(const nlohmann::json& meta);

/// A CallToolResult with one text block and structuredContent.
nlohmann::json tool_result(nlohmann::json structured, std::string text);

}  // namespace runnerfleet::mcp
