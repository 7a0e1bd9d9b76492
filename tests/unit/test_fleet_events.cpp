// SPDX-License-Identifier: Apache-2.0
#include "common/fleet_events.hpp"

#include "test_cluster_fixture.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;
using kube::resource_kind;
using kube::watch_event_type;

namespace {

std::vector<std::string> kinds(const std::vector<fleet_event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.kind + ":" + e.reason);
  return out;
}

bool has(const std::vector<fleet_event>& events, const std::string& kind_reason) {
  auto k = kinds(events);
  return std::find(k.begin(), k.end(), kind_reason) != k.end();
}

}  // namespace

TEST_CASE("identical snapshots yield no events", "[events]") {
  auto state = test::load_cluster("cluster_small.json");
  auto a = test::build_one(state, test::fixture_now());
  auto b = test::build_one(state, test::fixture_now());
  CHECK(diff_snapshots(*a, *b).empty());
  CHECK(a->same_content(*b));
}

TEST_CASE("a pod starting to crash-loop and recovering are events; status follows", "[events]") {
  auto state = test::load_cluster("cluster_small.json");
  auto before = test::build_one(state, test::fixture_now());
  auto data = test::read_json("cluster_small.json");
  auto pod = data["pods"][0];  // docker-runner-7d9f8-abcde, healthy
  pod["status"]["containerStatuses"][0]["ready"] = false;
  pod["status"]["containerStatuses"][0]["restartCount"] = 3;
  pod["status"]["containerStatuses"][0]["state"] = {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off"}}}};
  state.apply_event(resource_kind::pods, watch_event_type::modified, pod);
  // the Deployment loses its last ready replica
  auto deploy = data["deployments"][0];
  deploy["status"]["readyReplicas"] = 0;
  state.apply_event(resource_kind::deployments, watch_event_type::modified, deploy);
  auto after = test::build_one(state, test::fixture_now());
  auto events = diff_snapshots(*before, *after);
  CHECK(has(events, "pod_problem:CrashLoopBackOff"));
  CHECK(has(events, "runner_status:offline"));
  for (const auto& e : events)
    if (e.kind == "pod_problem") {
      CHECK(e.runner == "docker-runner");
      CHECK(e.object == "Pod/docker-runner-7d9f8-abcde");
      CHECK(e.severity == "warning");
    }
  auto back = diff_snapshots(*after, *before);
  CHECK(has(back, "pod_recovered:CrashLoopBackOff"));
  CHECK(has(back, "runner_status:degraded"));
}

TEST_CASE("scaling and new warning events are reported", "[events]") {
  auto state = test::load_cluster("cluster_small.json");
  auto before = test::build_one(state, test::fixture_now());
  auto data = test::read_json("cluster_small.json");
  auto hpa = data["horizontalpodautoscalers"][0];
  hpa["status"]["desiredReplicas"] = 4;
  state.apply_event(resource_kind::horizontal_pod_autoscalers, watch_event_type::modified, hpa);
  auto ev = data["events"][0];
  ev["count"] = 26;
  state.apply_event(resource_kind::events, watch_event_type::modified, ev);
  auto after = test::build_one(state, test::fixture_now());
  auto events = diff_snapshots(*before, *after);
  CHECK(has(events, "scaling:Rescaled"));
  CHECK(has(events, "kube_event:BackOff"));
}

TEST_CASE("the event log is bounded, ordered and filterable", "[events]") {
  event_log log(3);
  for (int i = 0; i < 5; ++i) log.append({0, test::fixture_now(), i % 2 ? "scaling" : "pod_problem", "info", "r" + std::to_string(i)});
  CHECK(log.last_id() == 5);
  CHECK(log.oldest_id() == 3);
  auto after = log.after(3, 10);
  REQUIRE(after.size() == 2);
  CHECK(after[0].id == 4);
  CHECK(after[1].id == 5);
  event_log::query q;
  q.kinds = {"pod_problem"};
  auto [found, total] = log.find(q);
  CHECK(total == 2);
  REQUIRE(found.size() == 2);
  CHECK(found[0].id == 5);  // newest first
  q.limit = 1;
  auto [one, total2] = log.find(q);
  CHECK(one.size() == 1);
  CHECK(total2 == 2);
}
