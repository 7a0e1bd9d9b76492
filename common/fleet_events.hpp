// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/snapshot.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace runnerfleet {

/// Something that happened in the fleet: scaling, a pod problem appearing or resolving, a runner
/// changing status, a Kubernetes warning, a source going down, a mutation.
struct fleet_event {
  std::uint64_t id = 0;  ///< monotonically increasing; the SSE id
  time_point time{};
  std::string kind;  ///< scaling pod_problem pod_recovered runner_status runner_added runner_removed kube_event source mutation slo
  std::string severity;  ///< info warning error
  std::string runner;
  std::string cluster;
  std::string ns;
  std::string object;  ///< "Pod/name", "HorizontalPodAutoscaler/name", ...
  std::string reason;
  std::string message;
};

/// The known event kinds, for validating the `kind` filter.
const std::vector<std::string>& fleet_event_kinds();

/// A bounded in-memory ring of recent events (the daemon keeps nothing else that must survive).
class event_log {
 public:
  explicit event_log(std::size_t capacity = 4096) : capacity_(capacity) {}

  /// Stores an event, giving it the next id; returns that id.
  std::uint64_t append(fleet_event e);

  /// Events with id > after, oldest first (for Last-Event-ID resumption), at most limit.
  std::vector<fleet_event> after(std::uint64_t after_id, std::size_t limit) const;

  /// The filters of GET /v1/events.
  struct query {
    std::optional<time_point> since;
    std::vector<std::string> kinds;  ///< empty = all
    std::string runner;              ///< empty = all
    std::size_t limit = 100;
  };
  /// Matching events, newest first, and how many matched in total.
  std::pair<std::vector<fleet_event>, std::size_t> find(const query& q) const;

  std::uint64_t last_id() const { return next_id_ - 1; }
  /// The oldest id still held (0 when empty); older ids were dropped.
  std::uint64_t oldest_id() const { return events_.empty() ? 0 : events_.front().id; }

 private:
  std::size_t capacity_;
  std::uint64_t next_id_ = 1;
  std::deque<fleet_event> events_;
};

/// What changed between two snapshots, as events (ids unset). The first snapshot has no
/// predecessor and yields none: existing state is not news.
std::vector<fleet_event> diff_snapshots(const snapshot& before, const snapshot& after);

/// The SLOs a snapshot finds in breach, as `slo` events: announced once when the fleet is first
/// known (differences before that are the initial sync, not news, but a breach then is).
std::vector<fleet_event> slo_breaches(const snapshot& s);

}  // namespace runnerfleet
