// SPDX-License-Identifier: Apache-2.0
#include "common/error.hpp"

namespace runnerfleet {

std::string_view to_string(error_code code) {
  switch (code) {
    case error_code::invalid_argument: return "invalid_argument";
    case error_code::permission_denied: return "permission_denied";
    case error_code::not_found: return "not_found";
    case error_code::conflict: return "conflict";
    case error_code::rate_limited: return "rate_limited";
    case error_code::internal: return "internal";
    case error_code::upstream_error: return "upstream_error";
    case error_code::unavailable: return "unavailable";
    case error_code::timeout: return "timeout";
  }
  return "internal";
}

std::optional<error_code> error_code_from_string(std::string_view name) {
  for (auto c : {error_code::invalid_argument, error_code::permission_denied, error_code::not_found, error_code::conflict,
                 error_code::rate_limited, error_code::internal, error_code::upstream_error, error_code::unavailable,
                 error_code::timeout})
    if (to_string(c) == name) return c;
  return std::nullopt;
}

int http_status(error_code code) {
  switch (code) {
    case error_code::invalid_argument: return 400;
    case error_code::permission_denied: return 403;
    case error_code::not_found: return 404;
    case error_code::conflict: return 409;
    case error_code::rate_limited: return 429;
    case error_code::internal: return 500;
    case error_code::upstream_error: return 502;
    case error_code::unavailable: return 503;
    case error_code::timeout: return 504;
  }
  return 500;
}

}  // namespace runnerfleet
