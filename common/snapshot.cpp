// SPDX-License-Identifier: Apache-2.0
#include "common/snapshot.hpp"

namespace runnerfleet {

std::vector<std::size_t> snapshot::find_runner(const std::string& name) const {
  auto it = runner_index_.find(name);
  return it == runner_index_.end() ? std::vector<std::size_t>{} : it->second;
}

std::optional<std::size_t> snapshot::find_pod(const std::string& ns, const std::string& name) const {
  auto it = pod_index_.find(pod_key{ns, name});
  if (it == pod_index_.end()) return std::nullopt;
  return it->second;
}

void snapshot::index() {
  runner_index_.clear();
  pod_index_.clear();
  for (std::size_t i = 0; i < runners.size(); ++i) runner_index_[runners[i].name].push_back(i);
  pod_index_.reserve(pods.size());
  for (std::size_t i = 0; i < pods.size(); ++i) pod_index_.try_emplace(pod_key{pods[i].ns, pods[i].name}, i);
}

bool snapshot::same_content(const snapshot& other) const {
  return runners == other.runners && pods == other.pods && sources == other.sources &&
         stale_sources == other.stale_sources && fleet == other.fleet;
}

}  // namespace runnerfleet
