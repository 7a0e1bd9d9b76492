// SPDX-License-Identifier: Apache-2.0
#include "common/kube/cluster_state.hpp"

#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;
using kube::resource_kind;
using kube::watch_event_type;
using nlohmann::json;

namespace {

json pod(const std::string& ns, const std::string& name, const std::string& phase = "Running") {
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"uid", "u-" + name}}}, {"status", {{"phase", phase}}}};
}

}  // namespace

TEST_CASE("a relist replaces exactly the objects of its namespace", "[cluster_state]") {
  kube::cluster_state s;
  s.apply_event(resource_kind::pods, watch_event_type::added, pod("a", "p1"));
  s.apply_event(resource_kind::pods, watch_event_type::added, pod("a", "p2"));
  s.apply_event(resource_kind::pods, watch_event_type::added, pod("b", "p3"));
  REQUIRE(s.pods.size() == 3);

  s.begin_relist(resource_kind::pods, "a");
  s.relist_item(resource_kind::pods, pod("a", "p2", "Failed"));
  s.relist_item(resource_kind::pods, pod("a", "p4"));
  s.end_relist(resource_kind::pods, "a");

  CHECK(s.pods.size() == 3);
  CHECK_FALSE(s.pods.contains("a/p1"));  // gone upstream while we were not watching
  CHECK(s.pods.at("a/p2").phase == "Failed");
  CHECK(s.pods.contains("a/p4"));
  CHECK(s.pods.contains("b/p3"));  // other namespace untouched
}

TEST_CASE("an aborted relist keeps what was known", "[cluster_state]") {
  kube::cluster_state s;
  s.apply_event(resource_kind::pods, watch_event_type::added, pod("a", "p1"));
  s.begin_relist(resource_kind::pods, "a");
  s.relist_item(resource_kind::pods, pod("a", "p2"));
  s.abort_relist(resource_kind::pods, "a");
  s.end_relist(resource_kind::pods, "a");  // no relist in progress: nothing is swept
  CHECK(s.pods.contains("a/p1"));
  CHECK(s.pods.contains("a/p2"));
}

TEST_CASE("watch events add, modify and delete; no-op updates do not bump the version", "[cluster_state]") {
  kube::cluster_state s;
  s.apply_event(resource_kind::pods, watch_event_type::added, pod("a", "p1"));
  auto v = s.version();
  s.apply_event(resource_kind::pods, watch_event_type::modified, pod("a", "p1"));
  CHECK(s.version() == v);
  s.apply_event(resource_kind::pods, watch_event_type::modified, pod("a", "p1", "Succeeded"));
  CHECK(s.version() == v + 1);
  CHECK(s.pods.at("a/p1").phase == "Succeeded");
  s.apply_event(resource_kind::pods, watch_event_type::deleted, pod("a", "p1"));
  CHECK(s.pods.empty());
  s.apply_event(resource_kind::pods, watch_event_type::deleted, pod("a", "never-seen"));
  CHECK(s.pods.empty());
}

TEST_CASE("objects without a name are ignored, not crashed on", "[cluster_state]") {
  kube::cluster_state s;
  s.apply_event(resource_kind::pods, watch_event_type::added, json::object());
  s.apply_event(resource_kind::pods, watch_event_type::added, json::array());
  s.apply_event(resource_kind::pods, watch_event_type::added, json{{"metadata", 42}});
  s.relist_item(resource_kind::deployments, json("text"));
  CHECK(s.pods.empty());
  CHECK(s.deployments.empty());
}

TEST_CASE("the event store is bounded", "[cluster_state]") {
  kube::cluster_state s;
  for (std::size_t i = 0; i < kube::cluster_state::max_events + 100; ++i) {
    json e = {{"metadata", {{"name", "e" + std::to_string(i)}, {"namespace", "a"}}},
              {"lastTimestamp", "2026-11-20T10:00:00Z"},
              {"involvedObject", {{"kind", "Pod"}, {"name", "x"}, {"namespace", "a"}}}};
    s.apply_event(resource_kind::events, watch_event_type::added, e);
  }
  CHECK(s.events.size() <= kube::cluster_state::max_events);
}

TEST_CASE("parsers read the captured fixtures", "[objects]") {
  auto pods = test::read_json("pods.json");
  auto p = kube::parse_pod(pods["items"][0]);
  CHECK(p.meta.name == "runner-a");
  CHECK(p.phase == "Running");
  REQUIRE(p.containers.size() == 1);
  CHECK(p.containers[0].waiting_reason == "CrashLoopBackOff");
  CHECK(p.containers[0].restarts == 7);
  CHECK(p.containers[0].last_terminated_reason == "Error");

  auto sets = test::read_json("ars_list.json");
  auto a = kube::parse_autoscaling_runner_set(sets["items"][0]);
  CHECK(a.scale_set_name == "arc-runner-set");
  CHECK(a.min_runners == 1);
  CHECK(a.max_runners == 10);
  CHECK(a.current_runners == 3);
  CHECK(a.pending_runners == 1);
  CHECK(a.running_runners == 2);
  CHECK(a.runner_image == "ghcr.io/actions/actions-runner:latest");

  auto events = test::read_json("events.json");
  auto e = kube::parse_event(events["items"][0]);
  CHECK(e.reason == "BackOff");
  CHECK(e.type == "Warning");
  CHECK(e.count == 25);
  CHECK(e.involved_kind == "Pod");
  CHECK(e.source == "kubelet");
}

TEST_CASE("parsers treat wrong types as absent and apply API defaults", "[objects]") {
  json h = {{"metadata", {{"name", "h"}, {"namespace", "n"}}},
            {"spec", {{"minReplicas", "two"}, {"maxReplicas", 4}, {"scaleTargetRef", {{"kind", "Deployment"}, {"name", "d"}}}}}};
  auto parsed = kube::parse_hpa(h);
  CHECK(parsed.min_replicas == 1);  // default when absent or malformed
  CHECK(parsed.max_replicas == 4);
  CHECK(parsed.scale_down_window_s == 300);
  CHECK(parsed.scale_up_window_s == 0);
  json d = {{"metadata", {{"name", "d"}, {"namespace", "n"}}}};
  CHECK(kube::parse_deployment(d).replicas == 1);
}

TEST_CASE("stores are in (namespace, name) order, whatever the characters", "[cluster_state]") {
  kube::object_key_order less;
  CHECK(less("ci/zeta", "ci-x/alpha"));  // namespace "ci" sorts before "ci-x"
  CHECK_FALSE(less("ci-x/alpha", "ci/zeta"));
  CHECK(less("a/p.1", "a/p1"));
  CHECK_FALSE(less("a/p1", "a/p1"));
  kube::cluster_state s;
  for (const char* key : {"ci-x/a", "ci/b", "ci/a"}) {
    auto slash = std::string_view(key).find('/');
    s.apply_event(kube::resource_kind::pods, kube::watch_event_type::added,
                  {{"metadata", {{"namespace", std::string(key, slash)}, {"name", std::string(key + slash + 1)}}}});
  }
  std::vector<std::string> keys;
  for (const auto& [key, _] : s.pods) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"ci/a", "ci/b", "ci-x/a"});
}
