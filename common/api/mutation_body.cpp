// SPDX-License-Identifier: Apache-2.0
#include "common/api/mutation_body.hpp"

#include <nlohmann/json.hpp>

namespace runnerfleet::api {

result<std::string> parse_reason_body(std::string_view body, bool required) {
  auto bad = [](std::string message) {
    return make_error(error_code::invalid_argument, std::move(message), {{"field", "reason"}});
  };
  auto j = body.find_first_not_of(" \t\r\n") == std::string_view::npos ? nlohmann::json::object()
                                                                         : nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return bad("the request body is not valid JSON; send {\"reason\": \"...\"}");
  if (!j.is_object()) return bad("the request body must be a JSON object such as {\"reason\": \"...\"}");
  for (const auto& [key, _] : j.items())
    if (key != "reason")
      return make_error(error_code::invalid_argument, "unknown field '" + key + "' in the request body (known: reason)",
                        {{"field", key}});
  auto it = j.find("reason");
  if (it == j.end() || it->is_null()) {
    if (required) return bad("reason is required: say why, it goes into the audit journal");
    return std::string{};
  }
  if (!it->is_string()) return bad("reason must be a string");
  auto reason = it->get<std::string>();
  auto first = reason.find_first_not_of(" \t");
  if (first == std::string::npos) {
    if (required) return bad("reason must not be blank");
    return std::string{};
  }
  reason = reason.substr(first, reason.find_last_not_of(" \t") - first + 1);
  if (reason.size() > max_reason_length)
    return bad("reason is longer than " + std::to_string(max_reason_length) + " bytes");
  for (unsigned char c : reason)
    if (c < 0x20 || c == 0x7f) return bad("reason must be one line without control characters");
  return reason;
}

}  // namespace runnerfleet::api
