// SPDX-License-Identifier: Apache-2.0
#include "mcp/completion.hpp"

#include "common/api/query.hpp"

#include <set>

namespace runnerfleet::mcp {

using nlohmann::json;

namespace {

constexpr std::size_t max_values = 100;  // the spec's cap per response

std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace

std::variant<std::optional<completion_plan>, protocol_error> plan_completion(const json& params) {
  const json ref = params.value("ref", json());
  const json argument = params.value("argument", json());
  if (!ref.is_object() || !argument.is_object() || !argument.value("name", json()).is_string() ||
      !argument.value("value", json()).is_string())
    return protocol_error{rpc_code::invalid_params,
                          "completion/complete needs ref {type, name|uri} and argument {name, value} (strings)"};
  auto arg = argument["name"].get<std::string>();
  completion_plan plan;
  plan.prefix = argument["value"].get<std::string>();
  auto type = text(ref, "type");
  if (type == "ref/prompt") {
    auto name = text(ref, "name");
    if (name != "triage_runner_incident" && name != "review_runner_capacity")
      return protocol_error{rpc_code::invalid_params, "unknown prompt '" + name + "'"};
    if (arg != "runner") return std::optional<completion_plan>{};
    plan.request.target = "/v1/runners?limit=1000";
    plan.field = "name";
    return std::optional<completion_plan>{std::move(plan)};
  }
  if (type == "ref/resource") {
    auto uri = text(ref, "uri");
    if (uri == "runnerfleet://runners/{name}") {
      if (arg != "name") return std::optional<completion_plan>{};
      plan.request.target = "/v1/runners?limit=1000";
      plan.field = "name";
      return std::optional<completion_plan>{std::move(plan)};
    }
    if (uri == "runnerfleet://pods/{namespace}/{name}/log") {
      plan.request.target = "/v1/pods";
      if (arg == "namespace") {
        plan.field = "namespace";
      } else if (arg == "name") {
        plan.field = "name";
        const json context = params.value("context", json::object());
        const json known = context.is_object() ? context.value("arguments", json::object()) : json::object();
        if (known.is_object() && known.value("namespace", json()).is_string())
          api::append_query(plan.request.target, "namespace", known["namespace"].get<std::string>());
      } else {
        return std::optional<completion_plan>{};
      }
      api::append_query(plan.request.target, "limit", "1000");
      return std::optional<completion_plan>{std::move(plan)};
    }
    return protocol_error{rpc_code::invalid_params, "unknown resource template '" + uri + "'"};
  }
  return protocol_error{rpc_code::invalid_params, "ref.type must be ref/prompt or ref/resource"};
}

json completion_values(const completion_plan& plan, const json* envelope) {
  std::set<std::string> found;
  if (envelope && envelope->contains("data") && (*envelope)["data"].is_array())
    for (const auto& row : (*envelope)["data"]) {
      if (!row.is_object()) continue;
      auto value = text(row, plan.field.c_str());
      if (!value.empty() && value.compare(0, plan.prefix.size(), plan.prefix) == 0) found.insert(value);
    }
  json values = json::array();
  for (const auto& v : found) {
    if (values.size() == max_values) break;
    values.push_back(v);
  }
  return {{"completion", {{"values", values}, {"total", found.size()}, {"hasMore", found.size() > max_values}}}};
}

}  // namespace runnerfleet::mcp
