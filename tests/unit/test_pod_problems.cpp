// SPDX-License-Identifier: Apache-2.0
#include "common/pod_problems.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;
using namespace std::chrono_literals;

namespace {

kube::pod running_pod() {
  kube::pod p;
  p.meta.name = "p";
  p.meta.created = *parse_rfc3339("2026-11-20T10:00:00Z");
  p.phase = "Running";
  p.containers.push_back({"main", false, true, 0, "", "", "", 0, ""});
  return p;
}

std::vector<std::string> reasons(const std::vector<pod_problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.reason);
  return out;
}

const time_point now = *parse_rfc3339("2026-11-20T12:00:00Z");

}  // namespace

TEST_CASE("a healthy pod has no problems", "[problems]") {
  CHECK(detect_pod_problems(running_pod(), {}, now).empty());
}

TEST_CASE("waiting reasons in any container, init containers included", "[problems]") {
  auto p = running_pod();
  p.containers.push_back({"init-cache", true, false, 0, "ImagePullBackOff", "pull failed", "", 0, ""});
  p.containers.push_back({"helper", false, false, 0, "CreateContainerConfigError", "secret missing", "", 0, ""});
  auto found = detect_pod_problems(p, {}, now);
  CHECK(reasons(found) == std::vector<std::string>{"ImagePullBackOff", "CreateContainerConfigError"});
  CHECK(found[0].container == "init-cache");
}

TEST_CASE("OOMKilled from the last termination, high restarts, eviction", "[problems]") {
  auto p = running_pod();
  p.containers[0].last_terminated_reason = "OOMKilled";
  p.containers[0].restarts = 9;
  CHECK(detect_pod_problems(p, {}, now).empty());  // ready again: history, not a problem
  p.containers[0].ready = false;
  CHECK(reasons(detect_pod_problems(p, {}, now)) == std::vector<std::string>{"OOMKilled", "HighRestartCount"});
  kube::pod evicted = running_pod();
  evicted.phase = "Failed";
  evicted.reason = "Evicted";
  evicted.message = "The node was low on resource: memory.";
  auto found = detect_pod_problems(evicted, {}, now);
  REQUIRE(found.size() == 1);
  CHECK(found[0].reason == "Evicted");
  CHECK(found[0].message == "The node was low on resource: memory.");
}

TEST_CASE("CrashLoopBackOff is reported once, not again as high restarts", "[problems]") {
  auto p = running_pod();
  p.containers[0].waiting_reason = "CrashLoopBackOff";
  p.containers[0].restarts = 50;
  CHECK(reasons(detect_pod_problems(p, {}, now)) == std::vector<std::string>{"CrashLoopBackOff"});
}

TEST_CASE("Pending beyond the threshold", "[problems]") {
  auto p = running_pod();
  p.phase = "Pending";
  threshold_config limits;
  limits.pending_after = 3h;
  CHECK(detect_pod_problems(p, limits, now).empty());  // pending 2h
  limits.pending_after = 1h;
  auto found = detect_pod_problems(p, limits, now);
  REQUIRE(found.size() == 1);
  CHECK(found[0].reason == "PendingTooLong");
  CHECK(found[0].message == "pending for 2h (threshold 60m)");
}
