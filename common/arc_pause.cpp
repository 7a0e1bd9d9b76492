// SPDX-License-Identifier: Apache-2.0
#include "common/arc_pause.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace runnerfleet::arc_pause {

using nlohmann::json;

bool is_paused(const kube::autoscaling_runner_set& ars) {
  return ars.meta.annotations.contains(std::string(previous_max_annotation));
}

std::string pause_patch(const kube::autoscaling_runner_set& ars, std::string_view actor) {
  json patch = {{"metadata",
                 {{"annotations",
                   {{std::string(previous_max_annotation), ars.max_runners ? std::to_string(*ars.max_runners) : ""},
                    {std::string(paused_by_annotation), std::string(actor)}}}}},
                {"spec", {{"maxRunners", 0}}}};
  return patch.dump(-1, ' ', false, json::error_handler_t::replace);
}

result<std::string> resume_patch(const kube::autoscaling_runner_set& ars) {
  auto it = ars.meta.annotations.find(std::string(previous_max_annotation));
  if (it == ars.meta.annotations.end())
    return make_error(error_code::invalid_argument, "AutoscalingRunnerSet " + ars.meta.ns + "/" + ars.meta.name +
                                                         " was not paused by runnerfleet (no " +
                                                         std::string(previous_max_annotation) + " annotation)");
  json max = nullptr;
  if (!it->second.empty()) {
    int value = -1;
    auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
    if (ec != std::errc{} || ptr != it->second.data() + it->second.size() || value < 0)
      return make_error(error_code::invalid_argument,
                        "AutoscalingRunnerSet " + ars.meta.ns + "/" + ars.meta.name + ": annotation " +
                            std::string(previous_max_annotation) + " holds '" + it->second +
                            "', not a runner count; set spec.maxRunners by hand and remove the annotation");
    max = value;
  }
  json patch = {{"metadata",
                 {{"annotations",
                   {{std::string(previous_max_annotation), nullptr}, {std::string(paused_by_annotation), nullptr}}}}},
                {"spec", {{"maxRunners", max}}}};
  return patch.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace runnerfleet::arc_pause
