// SPDX-License-Identifier: Apache-2.0
#include "common/pod_problems.hpp"

#include <array>
#include <string_view>

namespace runnerfleet {
namespace {

constexpr std::array<std::string_view, 6> problem_waiting_reasons = {
    "CrashLoopBackOff", "ImagePullBackOff",  "ErrImagePull",
    "CreateContainerConfigError", "CreateContainerError", "InvalidImageName",
};

bool is_problem_waiting(std::string_view reason) {
  for (auto r : problem_waiting_reasons)
    if (r == reason) return true;
  return false;
}

}  // namespace

std::vector<pod_problem> detect_pod_problems(const kube::pod& pod, const threshold_config& limits,
                                             time_point now) {
  std::vector<pod_problem> problems;
  if (pod.reason == "Evicted") problems.push_back({"Evicted", "", pod.message});
  for (const auto& c : pod.containers) {
    if (is_problem_waiting(c.waiting_reason)) {
      problems.push_back({c.waiting_reason, c.name, c.waiting_message});
    }
    // Restart counts and lastState never reset: they only describe a problem while the
    // container is not ready again.
    if (c.terminated_reason == "OOMKilled" || (c.last_terminated_reason == "OOMKilled" && !c.ready)) {
      problems.push_back({"OOMKilled", c.name, "container was killed for exceeding its memory limit"});
    }
    if (c.restarts >= limits.restart_warning && !c.ready && c.waiting_reason != "CrashLoopBackOff" && !c.init) {
      problems.push_back({"HighRestartCount", c.name,
                          std::to_string(c.restarts) + " restarts"});
    }
    if (c.init && c.terminated_reason == "Error" && pod.phase != "Running") {
      problems.push_back({"InitContainerFailed", c.name,
                          "exit code " + std::to_string(c.terminated_exit_code)});
    }
  }
  if (pod.phase == "Pending" && pod.meta.created && !pod.meta.deleting) {
    auto pending_for = std::chrono::duration_cast<std::chrono::seconds>(now - *pod.meta.created);
    if (pending_for >= limits.pending_after) {
      problems.push_back({"PendingTooLong", "",
                          "pending for " + format_age(pending_for) + " (threshold " +
                              format_age(limits.pending_after) + ")"});
    }
  }
  return problems;
}

}  // namespace runnerfleet
