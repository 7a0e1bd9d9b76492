// SPDX-License-Identifier: Apache-2.0
#include "common/kube/resource_kind.hpp"

namespace runnerfleet::kube {

const resource_info& info(resource_kind kind) {
  static constexpr resource_info table[] = {
      {"", "v1", "pods", "Pod", false},
      {"apps", "v1", "deployments", "Deployment", false},
      {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", false},
      {"", "v1", "events", "Event", false},
      {"actions.github.com", "v1alpha1", "autoscalingrunnersets", "AutoscalingRunnerSet", true},
      {"actions.github.com", "v1alpha1", "ephemeralrunnersets", "EphemeralRunnerSet", true},
      {"actions.github.com", "v1alpha1", "ephemeralrunners", "EphemeralRunner", true},
      {"actions.github.com", "v1alpha1", "autoscalinglisteners", "AutoscalingListener", true},
  };
  return table[static_cast<int>(kind)];
}

std::string_view to_string(resource_kind kind) { return info(kind).plural; }

std::string collection_path(resource_kind kind, std::string_view ns) {
  const auto& i = info(kind);
  std::string path = i.group.empty() ? std::string("/api/") : "/apis/" + std::string(i.group) + "/";
  path += i.version;
  path += "/namespaces/";
  path += ns;
  path += "/";
  path += i.plural;
  return path;
}

}  // namespace runnerfleet::kube

#include "common/kube/object_sink.hpp"

namespace runnerfleet::kube {

std::string_view to_string(informer_phase phase) {
  switch (phase) {
    case informer_phase::starting: return "starting";
    case informer_phase::listing: return "listing";
    case informer_phase::watching: return "watching";
    case informer_phase::backing_off: return "backing_off";
    case informer_phase::absent: return "absent";
    case informer_phase::forbidden: return "forbidden";
  }
  return "starting";
}

}  // namespace runnerfleet::kube
