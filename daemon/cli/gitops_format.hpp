// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/time_format.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// GitOps answers as text, shared by the CLI's drift/config/propose and the MCP GitOps tools so
/// both say the same, and the parsing of `propose`'s key=value arguments.
namespace runnerfleet::cli {

/// One `key=value` argument: the value is that JSON when it parses as JSON (12, true, "12",
/// {"a": 1}, [1]), else the plain string (500m); split at the first '='. invalid_argument
/// naming the argument when '=' or the key is missing.
result<std::pair<std::string, nlohmann::json>> parse_assignment(std::string_view argument);

/// `propose`'s arguments as the proposal's `changes` object; a key given twice is an error
/// (which one was meant cannot be guessed).
result<nlohmann::json> parse_changes(const std::vector<std::string>& arguments);

/// "2 errors, 1 warning, 0 info" from a drift answer's `counts`.
std::string drift_counts_text(const nlohmann::json& counts);

/// "gitlab:ci/flywheel main@1a2b3c4d5e6f, read 12s ago" from an answer's `desired`, with a
/// STALE note when the last read failed (the last good copy is shown).
std::string desired_source_text(const nlohmann::json& desired, time_point now);

/// A tfvars value as its JSON text (strings quoted, so the type shows), "(sensitive)" for a
/// hidden one.
std::string setting_value_text(const nlohmann::json& setting);

/// "docker_hpa_max_replicas: 10 → 12" for one change of a proposal ("(default)" after a module
/// default that the file did not set).
std::string change_text(const nlohmann::json& change);

}  // namespace runnerfleet::cli
