// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/kube/cluster_state.hpp"
#include "common/snapshot_builder.hpp"
#include "test_support.hpp"

namespace runnerfleet::test {

/// Loads tests/data/<name> ({"pods": [...], "deployments": [...], ...}) into a cluster state
/// the way an informer would: one relist per kind and namespace.
inline kube::cluster_state load_cluster(const std::string& name) {
  auto data = read_json(name);
  kube::cluster_state state;
  for (auto kind : kube::all_resource_kinds) {
    auto plural = std::string(kube::to_string(kind));
    if (!data.contains(plural)) continue;
    for (const auto& item : data[plural]) state.relist_item(kind, item);
  }
  return state;
}

/// Builds a snapshot of one synced cluster named "test" at a fixed time.
inline std::shared_ptr<snapshot> build_one(const kube::cluster_state& state, time_point now,
                                           bool listeners_visible = true) {
  build_input in;
  in.now = now;
  in.generation = 1;
  in.clusters.push_back({"test", &state, true, false, listeners_visible});
  in.sources.push_back({"kubernetes/test", "kubernetes", "ok", now, std::nullopt, "", "", {}});
  return build_snapshot(in);
}

/// 2026-11-20T12:00:00Z, two hours after the fixture objects were created.
inline time_point fixture_now() { return *parse_rfc3339("2026-11-20T12:00:00Z"); }

}  // namespace runnerfleet::test
