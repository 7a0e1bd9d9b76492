// SPDX-License-Identifier: Apache-2.0
#include "common/snapshot.hpp"

#include <algorithm>
#include <tuple>

namespace runnerfleet {

bool pod_order(const pod_view& a, const pod_view& b) {
  return std::tie(a.ns, a.name, a.cluster) < std::tie(b.ns, b.name, b.cluster);
}

std::vector<std::size_t> snapshot::find_runner(std::string_view name) const {
  auto it = std::lower_bound(runners.begin(), runners.end(), name,
                             [](const runner_view& r, std::string_view n) { return r.name < n; });
  std::vector<std::size_t> found;
  for (; it != runners.end() && it->name == name; ++it) found.push_back(static_cast<std::size_t>(it - runners.begin()));
  return found;
}

std::optional<std::size_t> snapshot::find_pod(std::string_view ns, std::string_view name,
                                              std::string_view cluster) const {
  auto it = std::lower_bound(pods.begin(), pods.end(), std::tie(ns, name), [](const pod_ptr& p, const auto& key) {
    return std::tie(p->ns, p->name) < key;
  });
  for (; it != pods.end() && (*it)->ns == ns && (*it)->name == name; ++it)
    if (cluster.empty() || (*it)->cluster == cluster) return static_cast<std::size_t>(it - pods.begin());
  return std::nullopt;
}

bool snapshot::same_content(const snapshot& other) const {
  auto same_pod = [](const pod_ptr& a, const pod_ptr& b) { return a == b || *a == *b; };
  return runners == other.runners &&
         std::equal(pods.begin(), pods.end(), other.pods.begin(), other.pods.end(), same_pod) &&
         sources == other.sources && stale_sources == other.stale_sources &&
         unmatched_registrations == other.unmatched_registrations && fleet == other.fleet &&
         metrics == other.metrics && metrics_stale == other.metrics_stale &&
         desired == other.desired && desired_stale == other.desired_stale && drift == other.drift;
}

}  // namespace runnerfleet
