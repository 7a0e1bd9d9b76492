// SPDX-License-Identifier: Apache-2.0
#include "common/snapshot_builder.hpp"

#include "test_cluster_fixture.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;

namespace {

const runner_view& runner_named(const snapshot& s, const std::string& name) {
  auto found = s.find_runner(name);
  REQUIRE(found.size() == 1);
  return s.runners[found.front()];
}

}  // namespace

TEST_CASE("GitLab releases become runners with their HPA found by scaleTargetRef", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto s = test::build_one(state, test::fixture_now());
  const auto& r = runner_named(*s, "docker-runner");
  CHECK(r.forge == "gitlab");
  CHECK(r.type == "docker");
  CHECK(r.ns == "gitlab-runners");
  CHECK(r.cluster == "test");
  CHECK(r.scaling.model == "hpa");
  CHECK(r.scaling.autoscaler == "docker-runner-hpa");
  CHECK(r.scaling.min == 2);
  CHECK(r.scaling.max == 10);
  CHECK(r.scaling.current == 2);
  CHECK(r.scaling.desired == 2);
  CHECK(r.scaling.cpu_current == 55);
  CHECK(r.scaling.cpu_target == 70);
  CHECK(r.scaling.scale_up_window_s == 15);
  CHECK(r.scaling.scale_down_window_s == 600);
  CHECK_FALSE(r.scaling.at_max);
  CHECK(r.scaling.conditions.size() == 2);
  CHECK(r.pods.total == 2);
  CHECK(r.pods.running == 2);
  CHECK(r.pods.problems == 1);
  CHECK(r.status == "degraded");
  CHECK_THAT(r.status_reason, Catch::Contains("CrashLoopBackOff"));
}

TEST_CASE("a Deployment that is not gitlab-runner is not a runner", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto s = test::build_one(state, test::fixture_now());
  CHECK(s->find_runner("metrics-proxy").empty());
  CHECK(s->runners.size() == 4);
}

TEST_CASE("a release scaled to zero is idle", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto s = test::build_one(state, test::fixture_now());
  const auto& r = runner_named(*s, "rocky9-runner");
  CHECK(r.status == "idle");
  CHECK(r.type == "rocky9");
  CHECK(r.scaling.model == "none");
}

TEST_CASE("ARC scale sets use the real status fields and their ERS for desired", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto s = test::build_one(state, test::fixture_now());
  const auto& r = runner_named(*s, "gh-nix");
  CHECK(r.forge == "github");
  CHECK(r.type == "nix");
  CHECK(r.tags == std::vector<std::string>{"gh-nix", "linux", "x64"});
  CHECK(r.scaling.model == "arc");
  CHECK(r.scaling.min == 0);
  CHECK(r.scaling.max == 10);
  CHECK(r.scaling.current == 2);
  CHECK(r.scaling.desired == 3);
  CHECK(r.scaling.running_runners == 2);
  CHECK(r.scaling.pending_runners == 0);
  CHECK(r.pods.total == 2);  // runner pods only; the listener pod is in arc-systems
  CHECK(r.jobs.running == 1);
  REQUIRE(r.listener.has_value());
  CHECK(r.listener->pod_ready);
  CHECK(r.status == "online");
  REQUIRE(r.ephemeral_runners.size() == 2);
  CHECK(r.ephemeral_runners[0].job_id == "123456789012345678");
}

TEST_CASE("a scale set without a listener is offline only when listeners are visible", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  SECTION("listeners watched") {
    auto s = test::build_one(state, test::fixture_now(), true);
    const auto& r = runner_named(*s, "gh-docker");
    CHECK(r.status == "offline");
    CHECK(r.scaling.at_max);
  }
  SECTION("controller namespace not watched") {
    auto s = test::build_one(state, test::fixture_now(), false);
    const auto& r = runner_named(*s, "gh-docker");
    CHECK(r.status == "degraded");  // failedEphemeralRunners = 1
  }
}

TEST_CASE("pods are attributed to runners and roles", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto s = test::build_one(state, test::fixture_now());
  REQUIRE(s->pods.size() == 5);
  auto i = s->find_pod("arc-systems", "gh-nix-6b7f8c9d-listener");
  REQUIRE(i);
  CHECK(s->pods[*i]->runner == "gh-nix");
  CHECK(s->pods[*i]->role == "listener");
  auto j = s->find_pod("gitlab-runners", "docker-runner-7d9f8-fghij");
  REQUIRE(j);
  CHECK(s->pods[*j]->restarts == 7);
  CHECK(s->pods[*j]->ready_containers == 0);
  REQUIRE(s->pods[*j]->problems.size() == 1);
  CHECK(s->pods[*j]->problems[0].reason == "CrashLoopBackOff");
}

TEST_CASE("kubernetes events attach to the runner owning the object", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto s = test::build_one(state, test::fixture_now());
  const auto& r = runner_named(*s, "docker-runner");
  REQUIRE(r.kube_events.size() == 2);
  CHECK(r.kube_events[0].reason == "BackOff");  // newest first
  CHECK(r.kube_events[1].reason == "SuccessfulRescale");
}

TEST_CASE("fleet summary counts and attention list", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto s = test::build_one(state, test::fixture_now());
  CHECK(s->fleet.runners_total == 4);
  CHECK(s->fleet.runners_by_forge_status.at("gitlab").at("degraded") == 1);
  CHECK(s->fleet.runners_by_forge_status.at("github").at("offline") == 1);
  CHECK(s->fleet.pods.total == 5);
  CHECK(s->fleet.pods.problems == 1);
  CHECK(s->fleet.pods_by_problem.at("CrashLoopBackOff") == 1);
  REQUIRE_FALSE(s->fleet.attention.empty());
  CHECK(s->fleet.attention.front().severity == "error");
  CHECK(s->fleet.attention.front().runner == "gh-docker");
}

TEST_CASE("an unsynced cluster gives unknown status, a down one marks runners stale", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  build_input in;
  in.now = test::fixture_now();
  in.clusters.push_back({"test", &state, false, false, true});
  auto s = build_snapshot(in);
  CHECK(s->runners.front().status == "unknown");
  build_input down = in;
  down.clusters[0].synced = true;
  down.clusters[0].stale = true;
  down.sources.push_back({"kubernetes/test", "kubernetes", "down", std::nullopt, std::nullopt, "connection refused", "", {}});
  auto t = build_snapshot(down);
  CHECK(t->runners.front().stale);
  CHECK(t->stale_sources == std::vector<std::string>{"kubernetes/test"});
}

TEST_CASE("runner type comes from the label, then tags", "[snapshot]") {
  CHECK(detect_runner_type({{"app.kubernetes.io/runner-type", "l40s"}}, {}) == "l40s");
  CHECK(detect_runner_type({}, {"tinyland-docker-dind"}) == "dind");
  CHECK(detect_runner_type({}, {"gpu-a100", "linux"}) == "a100");
  CHECK(detect_runner_type({}, {"docker", "linux"}) == "docker");
  CHECK(detect_runner_type({}, {"linux"}) == "unknown");
  CHECK(detect_runner_type({{"app.kubernetes.io/runner-type", "bogus"}}, {}) == "unknown");
}

namespace {

/// The view of pod ns/name in s; fails the test when absent.
const pod_ptr& pod_in(const snapshot& s, std::string_view ns, std::string_view name) {
  auto i = s.find_pod(ns, name);
  REQUIRE(i);
  return s.pods[*i];
}

/// Builds one synced cluster named "test" after `previous`.
std::shared_ptr<snapshot> rebuild(const kube::cluster_state& state, const snapshot& previous) {
  build_input in;
  in.now = test::fixture_now();
  in.generation = previous.generation + 1;
  in.clusters.push_back({"test", &state, true, false, true});
  in.sources.push_back({"kubernetes/test", "kubernetes", "ok", in.now, std::nullopt, "", "", {}});
  in.previous = &previous;
  return build_snapshot(in);
}

}  // namespace

TEST_CASE("a rebuild shares the views of unchanged pods and replaces changed ones", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto first = test::build_one(state, test::fixture_now());
  auto pod = test::read_json("cluster_small.json")["pods"][0];  // gitlab-runners/docker-runner-7d9f8-abcde
  pod["status"]["containerStatuses"][0]["restartCount"] = 41;
  state.apply_event(kube::resource_kind::pods, kube::watch_event_type::modified, pod);

  auto second = rebuild(state, *first);
  const auto& changed = pod_in(*second, "gitlab-runners", "docker-runner-7d9f8-abcde");
  CHECK(changed != pod_in(*first, "gitlab-runners", "docker-runner-7d9f8-abcde"));
  CHECK(changed->restarts == 41);
  CHECK(changed->runner == "docker-runner");
  for (const auto& [ns, name] : {std::pair{"gitlab-runners", "docker-runner-7d9f8-fghij"},
                                 {"arc-runners", "gh-nix-x7k2p-runner-aaaaa"},
                                 {"arc-systems", "gh-nix-6b7f8c9d-listener"}})
    CHECK(pod_in(*second, ns, name) == pod_in(*first, ns, name));
  // Sharing never changes the content: a build from scratch is the same snapshot.
  CHECK(second->same_content(*test::build_one(state, test::fixture_now())));
}

TEST_CASE("a pod whose runner went away gets a new view without the runner", "[snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto first = test::build_one(state, test::fixture_now());
  auto deployment = test::read_json("cluster_small.json")["deployments"][0];
  REQUIRE(deployment["metadata"]["name"] == "docker-runner");
  state.apply_event(kube::resource_kind::deployments, kube::watch_event_type::deleted, deployment);

  auto second = rebuild(state, *first);
  const auto& orphan = pod_in(*second, "gitlab-runners", "docker-runner-7d9f8-fghij");
  CHECK(orphan->runner.empty());
  CHECK(orphan->role.empty());
  CHECK(pod_in(*first, "gitlab-runners", "docker-runner-7d9f8-fghij")->runner == "docker-runner");
}

TEST_CASE("pods of several clusters are ordered by namespace, name, cluster", "[snapshot]") {
  auto east = test::load_cluster("cluster_small.json");
  auto west = test::load_cluster("cluster_small.json");
  build_input in;
  in.now = test::fixture_now();
  in.clusters.push_back({"west", &west, true, false, true});
  in.clusters.push_back({"east", &east, true, false, true});
  auto s = build_snapshot(in);
  REQUIRE(s->pods.size() == 10);
  CHECK(std::is_sorted(s->pods.begin(), s->pods.end(),
                       [](const pod_ptr& a, const pod_ptr& b) { return pod_order(*a, *b); }));
  CHECK(s->pods[0]->cluster == "east");
  CHECK(s->pods[1]->cluster == "west");
  auto i = s->find_pod("arc-systems", "gh-nix-6b7f8c9d-listener", "west");
  REQUIRE(i);
  CHECK(s->pods[*i]->cluster == "west");
  CHECK_FALSE(s->find_pod("arc-systems", "gh-nix-6b7f8c9d-listener", "north"));
  CHECK(s->find_runner("docker-runner").size() == 2);
}
