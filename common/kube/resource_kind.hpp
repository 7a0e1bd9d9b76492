// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace runnerfleet::kube {

/// The Kubernetes resources the daemon watches, one informer per (cluster, namespace, kind).
enum class resource_kind {
  pods,
  deployments,
  horizontal_pod_autoscalers,
  events,
  autoscaling_runner_sets,
  ephemeral_runner_sets,
  ephemeral_runners,
  autoscaling_listeners,
};

/// Where a kind lives in the API: "" group means the core group (/api/v1).
struct resource_info {
  std::string_view group;
  std::string_view version;
  std::string_view plural;
  std::string_view kind;
  /// A CRD that may be absent from a cluster: absence is a reported condition, not an error.
  bool optional;
};

/// Static facts about a kind.
const resource_info& info(resource_kind kind);

/// Every watched kind, in a stable order.
inline constexpr std::array<resource_kind, 8> all_resource_kinds = {
    resource_kind::pods,
    resource_kind::deployments,
    resource_kind::horizontal_pod_autoscalers,
    resource_kind::events,
    resource_kind::autoscaling_runner_sets,
    resource_kind::ephemeral_runner_sets,
    resource_kind::ephemeral_runners,
    resource_kind::autoscaling_listeners,
};

/// The plural name, used in logs, metrics labels and health output ("pods", "autoscalingrunnersets").
std::string_view to_string(resource_kind kind);

/// The namespaced collection path, e.g. /apis/autoscaling/v2/namespaces/ci/horizontalpodautoscalers.
std::string collection_path(resource_kind kind, std::string_view ns);

}  // namespace runnerfleet::kube
