// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/time_format.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace runnerfleet::cli {

/// kubectl-style age of an RFC 3339 time ("45s", "12m", "3h", "12d"), "-" when absent.
std::string age(const nlohmann::json& rfc3339, time_point now);

/// A JSON scalar as table text: null → "-", numbers and strings as they are.
std::string text(const nlohmann::json& value);

/// "current/desired min-max" for a runner's scaling object.
std::string scaling_cell(const nlohmann::json& scaling);

}  // namespace runnerfleet::cli
