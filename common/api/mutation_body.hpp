// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace runnerfleet::api {

/// The longest reason a pause or resume may carry (it goes into the journal and events).
inline constexpr std::size_t max_reason_length = 500;

/// The body of POST /v1/runners/{name}/pause|resume: `{"reason": "..."}` (an empty body is `{}`).
/// invalid_argument naming the field for anything else: not an object, unknown keys, a reason
/// that is missing when `required`, blank, too long, or holds control characters.
result<std::string> parse_reason_body(std::string_view body, bool required);

/// A request body as a JSON object (an empty body is `{}`); invalid_argument citing `example`.
result<nlohmann::json> json_object_body(std::string_view body, std::string_view example);

/// The `reason` field of a mutation body, checked as parse_reason_body does.
result<std::string> reason_field(const nlohmann::json& object, bool required);

}  // namespace runnerfleet::api
