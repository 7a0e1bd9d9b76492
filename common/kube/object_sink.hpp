// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/kube/resource_kind.hpp"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace runnerfleet::kube {

/// The watch event types that carry an object (BOOKMARK and ERROR are handled by the informer).
enum class watch_event_type { added, modified, deleted };

/// Where an informer is in its life; reported to health and /metrics.
enum class informer_phase {
  starting,      ///< no list has completed yet
  listing,       ///< a (re)list is in progress; previous data still served
  watching,      ///< synced and streaming changes
  backing_off,   ///< the last attempt failed; waiting before the next
  absent,        ///< optional CRD not installed in this cluster (404 on list)
  forbidden,     ///< 401/403: credentials or RBAC do not allow this resource
};

/// The wire name of a phase ("watching", "absent", ...).
std::string_view to_string(informer_phase phase);

/// One informer's health, as the source aggregates it.
struct informer_status {
  informer_phase phase = informer_phase::starting;
  /// True once one full list has been delivered (data for this kind is usable).
  bool synced = false;
  std::chrono::system_clock::time_point last_success{};
  std::chrono::system_clock::time_point last_error_time{};
  std::string last_error;  ///< human text, never containing credentials
  std::uint64_t relists = 0;
  std::uint64_t watch_restarts = 0;
  std::uint64_t events = 0;
};

/// Receives what an informer learns. Items are delivered one by one so a 10,000-pod list never
/// exists as one JSON document in memory: the sink converts each item to a compact struct at once.
class object_sink {
 public:
  virtual ~object_sink() = default;

  /// A full list of (kind, ns) begins; items until end_relist() replace everything known for it.
  virtual void begin_relist(resource_kind kind, std::string_view ns) = 0;
  /// One item of the list in progress.
  virtual void relist_item(resource_kind kind, const nlohmann::json& object) = 0;
  /// The list completed; objects not delivered since begin_relist() are gone.
  virtual void end_relist(resource_kind kind, std::string_view ns) = 0;
  /// The list failed halfway; keep the previous data, drop the partial list.
  virtual void abort_relist(resource_kind kind, std::string_view ns) = 0;
  /// One ADDED/MODIFIED/DELETED watch event.
  virtual void apply_event(resource_kind kind, watch_event_type type,
                           const nlohmann::json& object) = 0;
  /// The informer's health changed (phase, error, counters).
  virtual void informer_changed(resource_kind kind, std::string_view ns,
                                const informer_status& status) = 0;
};

}  // namespace runnerfleet::kube
