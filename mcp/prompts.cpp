// SPDX-License-Identifier: Apache-2.0
#include "mcp/prompts.hpp"

#include <algorithm>
#include <string>

namespace runnerfleet::mcp {

using nlohmann::json;

namespace {

json user_message(std::string text) {
  return {{"role", "user"}, {"content", {{"type", "text"}, {"text", std::move(text)}}}};
}

std::string triage_text(const std::string& runner) {
  std::string subject = runner.empty() ? "the runner fleet" : "the runner '" + runner + "'";
  std::string steps =
      runner.empty()
          ? "1. Call get_fleet_metrics and read its attention list; pick the most severe runner.\n"
            "2. Call get_runner for it, then list_pods with runner=<name> and problems=true.\n"
          : "1. Call get_runner with name=\"" + runner + "\".\n"
            "2. Call list_pods with runner=\"" + runner + "\" and problems=true.\n";
  return "Triage an incident on " + subject + " managed by runnerfleet.\n" + steps +
         "3. Call list_events (runner=<name>, since=\"2h\") and get_autoscaler_status (runner=<name>) to see what "
         "changed and when: scaling, crash loops, OOM kills, listener or source outages.\n"
         "4. If answers mention stale sources, call get_health: old data must not be mistaken for the present.\n"
         "Then report, briefly: what is wrong (status and reason), since when, the impact on CI (jobs running or "
         "queued, capacity lost), the most likely cause with the evidence, and the next step for an operator. "
         "Do not invent numbers the tools did not return.";
}

std::string capacity_text() {
  return "Review the capacity of the runner fleet managed by runnerfleet.\n"
         "1. Call get_fleet_metrics for runners by status, pods and jobs.\n"
         "2. Call get_autoscaler_status for every HPA and ARC scale set: note the ones at their maximum, the ones "
         "pinned at their minimum, CPU against target, and recent scaling events.\n"
         "3. Call list_runners with status=degraded and status=offline to see capacity that is lost.\n"
         "Then give a table per runner: replicas (current/desired, min-max), CPU vs target, at-max, problems; "
         "and a short list of recommendations (raise or lower max, change targets or stabilization windows), "
         "each with its evidence. Changes are proposed to operators, never applied: for one, get_runner_config "
         "shows the setting now and submit_config_change with dry_run=true shows the diff a merge request would "
         "carry.";
}

}  // namespace

json prompt_list() {
  return json::array(
      {{{"name", "triage_runner_incident"},
        {"title", "Triage a runner incident"},
        {"description", "Find what is wrong with a runner (or the worst one) and what to do next"},
        {"arguments", json::array({{{"name", "runner"},
                                    {"description", "Runner name; omit to start from the fleet's attention list"},
                                    {"required", false}}})}},
       {{"name", "review_runner_capacity"},
        {"title", "Review runner capacity"},
        {"description", "Autoscaling limits, utilization and lost capacity across the fleet, with recommendations"},
        {"arguments", json::array()}}});
}

std::variant<json, protocol_error> get_prompt(std::string_view name, const json& arguments) {
  if (!arguments.is_null() && !arguments.is_object())
    return protocol_error{rpc_code::invalid_params, "prompt arguments must be an object"};
  const json args = arguments.is_object() ? arguments : json::object();
  if (name == "triage_runner_incident") {
    for (const auto& [key, _] : args.items())
      if (key != "runner") return protocol_error{rpc_code::invalid_params, "unknown argument '" + key + "' (known: runner)"};
    std::string runner;
    if (args.contains("runner")) {
      if (!args["runner"].is_string()) return protocol_error{rpc_code::invalid_params, "argument 'runner' must be a string"};
      runner = args["runner"].get<std::string>();
      bool valid = runner.size() <= 253 && std::all_of(runner.begin(), runner.end(), [](char c) {
                     return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
                   });
      if (!valid)
        return protocol_error{rpc_code::invalid_params,
                              "argument 'runner' must be a runner name (lower-case letters, digits, '-', '.')"};
    }
    return json{{"description", "Triage " + (runner.empty() ? std::string("the fleet") : runner)},
                {"messages", json::array({user_message(triage_text(runner))})}};
  }
  if (name == "review_runner_capacity") {
    if (!args.empty()) return protocol_error{rpc_code::invalid_params, "review_runner_capacity takes no arguments"};
    return json{{"description", "Review runner capacity"}, {"messages", json::array({user_message(capacity_text())})}};
  }
  return protocol_error{rpc_code::invalid_params,
                        "unknown prompt '" + std::string(name) + "' (known: triage_runner_incident, review_runner_capacity)"};
}

}  // namespace runnerfleet::mcp
