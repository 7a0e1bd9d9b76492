// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"

#include <nlohmann/json.hpp>

#include <string>

/// The JSON envelope every response uses: {"data": ..., "meta": {...}} on success,
/// {"error": {"code", "message", "details"}} on failure (PE-4).
namespace runnerfleet::api {

/// A route's answer before it is wrapped: data already serialized (so it can be cached per
/// snapshot generation) plus the route's own meta fields (total, next_cursor).
struct body {
  std::string data;
  nlohmann::json meta = nlohmann::json::object();
};

/// The success envelope text; `meta` gets the route's fields merged in.
std::string success_envelope(const body& b, nlohmann::json meta);

/// The failure envelope text.
std::string error_envelope(const error& e);

}  // namespace runnerfleet::api
