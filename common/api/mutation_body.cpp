// SPDX-License-Identifier: Apache-2.0
#include "common/api/mutation_body.hpp"

#include <nlohmann/json.hpp>

namespace runnerfleet::api {

result<std::string> reason_field(const nlohmann::json& object, bool required) {
  auto bad = [](std::string message) {
    return make_error(error_code::invalid_argument, std::move(message), {{"field", "reason"}});
  };
  auto it = object.find("reason");
  if (it == object.end() || it->is_null()) {
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

result<nlohmann::json> json_object_body(std::string_view body, std::string_view example) {
  auto j = body.find_first_not_of(" \t\r\n") == std::string_view::npos ? nlohmann::json::object()
                                                                         : nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded())
    return make_error(error_code::invalid_argument, "the request body is not valid JSON; send " + std::string(example));
  if (!j.is_object())
    return make_error(error_code::invalid_argument, "the request body must be a JSON object such as " + std::string(example));
  return j;
}

result<std::string> parse_reason_body(std::string_view body, bool required) {
  auto j = json_object_body(body, "{\"reason\": \"...\"}");
  if (!j) {
    auto e = j.take_failure();
    e.details["field"] = "reason";
    return e;
  }
  for (const auto& [key, _] : j->items())
    if (key != "reason")
      return make_error(error_code::invalid_argument, "unknown field '" + key + "' in the request body (known: reason)",
                        {{"field", key}});
  return reason_field(*j, required);
}

}  // namespace runnerfleet::api
