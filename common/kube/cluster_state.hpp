// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/kube/object_sink.hpp"
#include "common/kube/objects.hpp"
#include "common/kube/resource_kind.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace runnerfleet::kube {

/// Orders "namespace/name" keys as the pairs (namespace, name), the order of the snapshot's
/// pod list, so the builder walks a store instead of sorting it.
struct object_key_order {
  bool operator()(std::string_view a, std::string_view b) const;
};

/// Objects of one kind keyed by "namespace/name", in (namespace, name) order.
template <class T>
using object_store = std::map<std::string, T, object_key_order>;

/// Everything known about one cluster: the informers' shared cache, fed item by item.
/// Relists replace per (kind, namespace) by mark-and-sweep, so a watch that lost events and
/// relisted ends with exactly the server's objects: nothing lost, nothing duplicated.
class cluster_state {
 public:
  /// At most this many Kubernetes events are kept (the oldest go first).
  static constexpr std::size_t max_events = 5000;

  void begin_relist(resource_kind kind, std::string_view ns);
  void relist_item(resource_kind kind, const nlohmann::json& object);
  void end_relist(resource_kind kind, std::string_view ns);
  void abort_relist(resource_kind kind, std::string_view ns);
  void apply_event(resource_kind kind, watch_event_type type, const nlohmann::json& object);

  /// Grows by one on every change; the snapshot builder rebuilds when it moved.
  std::uint64_t version() const { return version_; }

  object_store<pod> pods;
  object_store<deployment> deployments;
  object_store<hpa> hpas;
  object_store<event> events;
  object_store<autoscaling_runner_set> runner_sets;
  object_store<ephemeral_runner_set> ephemeral_runner_sets;
  object_store<ephemeral_runner> ephemeral_runners;
  object_store<autoscaling_listener> listeners;

 private:
  void upsert(resource_kind kind, const nlohmann::json& object);
  void erase(resource_kind kind, const std::string& key);
  void trim_events();

  std::uint64_t version_ = 0;
  /// Keys seen by the relist in progress of (kind, ns).
  std::map<std::pair<resource_kind, std::string>, std::set<std::string>> relisting_;
};

/// "namespace/name", the store key.
std::string object_key(std::string_view ns, std::string_view name);

}  // namespace runnerfleet::kube
