// SPDX-License-Identifier: Apache-2.0
// snapshot-build: times the daemon's hot path from a watch event to a published snapshot
// (cluster cache update, build_snapshot, content comparison, event diff) on synthetic
// fleets of several sizes. Prints one JSON line per size.
#include "common/fleet_events.hpp"
#include "common/gitops/desired_state.hpp"
#include "common/snapshot_builder.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace runnerfleet;
using nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

json pod(const std::string& name, const std::string& release, bool crashing) {
  json status = {{"name", release}, {"ready", !crashing}, {"restartCount", crashing ? 7 : 0}};
  status["state"] = crashing ? json{{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off"}}}}
                             : json{{"running", {{"startedAt", "2026-11-20T10:00:00Z"}}}};
  return {{"metadata", {{"name", name}, {"namespace", "gitlab-runners"}, {"uid", "u-" + name},
                        {"creationTimestamp", "2026-11-20T10:00:00Z"},
                        {"labels", {{"app", release}, {"release", release}, {"pod-template-hash", "7d9f8"}}}}},
          {"spec", {{"nodeName", "node-1"}, {"containers", json::array({{{"name", release}}})}}},
          {"status", {{"phase", "Running"}, {"podIP", "10.0.0.1"},
                      {"conditions", json::array({{{"type", "Ready"}, {"status", crashing ? "False" : "True"}}})},
                      {"containerStatuses", json::array({status})}}}};
}

json deployment(const std::string& name, int replicas) {
  return {{"metadata", {{"name", name}, {"namespace", "gitlab-runners"}, {"labels", {{"app", name}, {"chart", "gitlab-runner-0.71.0"}}}}},
          {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", name}}}}},
                    {"template", {{"spec", {{"containers", json::array({{{"name", name}, {"image", "gitlab/gitlab-runner:v17"}}})}}}}}}},
          {"status", {{"replicas", replicas}, {"readyReplicas", replicas}}}};
}

/// A gitlab-runners stack file declaring runner-0..2: the other pools are undeclared, so drift
/// judging walks both paths (three runners compared value by value, the rest flagged).
std::shared_ptr<const gitops::desired_state> desired_state() {
  auto d = std::make_shared<gitops::desired_state>();
  d->source = "bench";
  d->branch = "main";
  gitops::stack_file f;
  f.path = "tofu/stacks/gitlab-runners/bench.tfvars";
  f.cluster = "bench";
  f.doc = tfvars::document::parse(
              "namespace = \"gitlab-runners\"\nnix_runner_name = \"runner-0\"\ndocker_runner_name = \"runner-1\"\n"
              "dind_runner_name = \"runner-2\"\ndeploy_dind_runner = true\ndocker_hpa_max_replicas = 12\n")
              .value();
  d->files.push_back(std::move(f));
  return d;
}

double ms_since(steady::time_point t) { return std::chrono::duration<double, std::milli>(steady::now() - t).count(); }

/// Times builds of a captured fleet: {"pods": [...], "deployments": [...], ...} as the
/// simulator's /_sim/objects/<plural> return them.
int bench_file(const char* path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    return 1;
  }
  json data = json::parse(in);
  kube::cluster_state state;
  for (auto kind : kube::all_resource_kinds)
    for (const auto& item : data.value(std::string(kube::to_string(kind)), json::array())) state.relist_item(kind, item);
  json changing = data.value("pods", json::array()).empty() ? json{} : data["pods"][0];
  data = nullptr;
  build_input in_;
  in_.now = clock::now();
  in_.clusters.push_back({"bench", &state, true, false, true});
  auto full_start = steady::now();
  auto previous = build_snapshot(in_);
  double full_ms = ms_since(full_start);
  std::vector<double> build_ms;
  for (int round = 0; round < 20; ++round) {
    // One pod changes between builds, as a watch event would change it.
    if (changing.is_object()) {
      changing["metadata"]["annotations"]["bench/round"] = std::to_string(round);
      changing["status"]["containerStatuses"][0]["restartCount"] = round;
      state.apply_event(kube::resource_kind::pods, kube::watch_event_type::modified, changing);
    }
    in_.previous = previous.get();
    auto t0 = steady::now();
    auto next = build_snapshot(in_);
    build_ms.push_back(ms_since(t0));
    previous = std::move(next);
  }
  std::sort(build_ms.begin(), build_ms.end());
  std::cout << json{{"file", path},
                    {"pods", state.pods.size()},
                    {"first_build_ms", full_ms},
                    {"build_after_one_change_ms", build_ms[build_ms.size() / 2]}}
                   .dump()
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) return bench_file(argv[1]);
  for (int pods : {100, 1000, 10000}) {
    int pools = std::max(1, pods / 100);
    kube::cluster_state state;
    for (int p = 0; p < pools; ++p) {
      std::string release = "runner-" + std::to_string(p);
      state.apply_event(kube::resource_kind::deployments, kube::watch_event_type::added, deployment(release, pods / pools));
      for (int i = 0; i < pods / pools; ++i)
        state.apply_event(kube::resource_kind::pods, kube::watch_event_type::added,
                          pod(release + "-7d9f8-" + std::to_string(i), release, i % 50 == 0));
    }
    build_input in;
    in.now = clock::now();
    in.clusters.push_back({"bench", &state, true, false, true});
    auto previous = build_snapshot(in);
    std::vector<double> apply_ms, build_ms, compare_ms, diff_ms;
    for (int round = 0; round < 30; ++round) {
      auto t0 = steady::now();
      state.apply_event(kube::resource_kind::pods, kube::watch_event_type::modified,
                        pod("runner-0-7d9f8-1", "runner-0", round % 2 == 0));
      apply_ms.push_back(ms_since(t0));
      t0 = steady::now();
      in.generation = static_cast<std::uint64_t>(round + 2);
      in.previous = previous.get();
      auto next = build_snapshot(in);
      build_ms.push_back(ms_since(t0));
      t0 = steady::now();
      bool same = previous->same_content(*next);
      compare_ms.push_back(ms_since(t0));
      t0 = steady::now();
      auto events = diff_snapshots(*previous, *next);
      diff_ms.push_back(ms_since(t0));
      if (same || events.empty()) std::cerr << "expected a change in round " << round << "\n";
      previous = std::move(next);
    }
    // The same build with GitOps configured: drift judged and attached at every rebuild.
    gitops_input gitops{desired_state(), false, nullptr};
    in.gitops = &gitops;
    std::vector<double> drift_build_ms;
    std::size_t drift_items = 0;
    for (int round = 0; round < 30; ++round) {
      in.previous = previous.get();
      auto t0 = steady::now();
      auto next = build_snapshot(in);
      drift_build_ms.push_back(ms_since(t0));
      drift_items = next->drift.size();
      previous = std::move(next);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::cout << json{{"pods", pods},
                      {"apply_event_ms", median(apply_ms)},
                      {"build_snapshot_ms", median(build_ms)},
                      {"build_snapshot_with_drift_ms", median(drift_build_ms)},
                      {"drift_items", drift_items},
                      {"same_content_ms", median(compare_ms)},
                      {"diff_snapshots_ms", median(diff_ms)}}
                     .dump()
              << std::endl;
  }
}
