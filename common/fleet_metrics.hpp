// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/prometheus/queries.hpp"
#include "common/prometheus/result.hpp"
#include "common/snapshot.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runnerfleet {

/// Queue-time (GitLab) or job-startup (GitHub) quantiles, in seconds.
struct quantiles {
  std::optional<double> p50, p95, p99;
  bool operator==(const quantiles&) const = default;
};

/// What Prometheus says about one runner, one forge or the fleet over a window. A value is
/// absent when no series answered ("no data"), never zero by default.
struct usage_metrics {
  std::optional<double> jobs;          ///< finished in the window
  std::optional<double> failed_jobs;
  std::optional<double> failure_rate;  ///< failed / finished
  quantiles queue_seconds;
  std::optional<double> running_jobs;
  std::optional<double> assigned_jobs;       ///< GitHub: assigned to the scale set
  std::optional<double> busy_runners;        ///< GitHub
  std::optional<double> registered_runners;  ///< GitHub
  std::optional<double> cpu_cores;           ///< used now (5m rate)
  std::optional<double> cpu_requested_cores;
  std::optional<double> cpu_utilization;  ///< used / requested
  std::optional<double> memory_bytes;     ///< working set now
  bool operator==(const usage_metrics&) const = default;
};

/// One runner's metrics.
struct runner_metrics {
  std::string name, cluster, ns, forge;
  usage_metrics usage;
  bool operator==(const runner_metrics&) const = default;
};

/// A cache's hit rate over the window.
struct cache_metrics {
  std::string name;
  std::optional<double> hits, misses, hit_rate;
  std::string error;  ///< what Prometheus said when its queries failed
  bool operator==(const cache_metrics&) const = default;
};

/// One objective judged for one forge or runner.
struct slo_result {
  std::string objective;  ///< queue_time_p95, failure_rate, cpu_utilization
  std::string scope;      ///< forge or runner
  std::string forge;
  std::string runner;  ///< empty for a forge
  std::string cluster;
  std::string target;  ///< "< 60 s", "< 2 %", "40-70 %"
  std::optional<double> value;
  std::string state;  ///< met, breached, no_data
  std::string message;
  bool operator==(const slo_result&) const = default;
};

/// The metrics part of the snapshot (immutable once built; shared between snapshots).
struct fleet_metrics {
  std::string window;  ///< 1h for the snapshot's
  time_point as_of{};  ///< when Prometheus evaluated the batch
  std::map<std::string, usage_metrics> forges;  ///< gitlab, github
  usage_metrics fleet;
  std::vector<runner_metrics> runners;  ///< runners with at least one value, in snapshot order
  std::vector<cache_metrics> caches;
  std::vector<slo_result> slo;
  int unattributed_series = 0;  ///< series whose pod belongs to no known runner
  std::vector<std::string> failed_queries;  ///< "gitlab_queue: Prometheus timeout ..."
  bool operator==(const fleet_metrics&) const = default;
};

/// Batch results as read: a query that failed has no entry (its values stay "no data").
struct batch_results {
  std::map<promql::batch_id, promql::query_result> results;
  std::map<promql::batch_id, std::string> errors;
  std::vector<cache_metrics> caches;
  time_point evaluated_at{};
};

/// The runner pods of a snapshot as the queries see them (for runner_series).
std::optional<promql::runner_pods> runner_pods_of(const runner_view& r);

/// Attributes every series to its runner by (namespace, pod) — the snapshot's pods and
/// listeners first, then the naming patterns of Deployments and ARC runners for pods that are
/// gone — and sums per runner, per forge and for the fleet; then judges the SLOs.
fleet_metrics summarize_metrics(const batch_results& in, const std::vector<runner_view>& runners,
                                const prometheus_config& cfg, const std::string& window);

/// The SLO results that breach, as attention items for /v1/fleet (a runner's message without
/// its leading "runner: ", since the item names the runner).
std::vector<attention_item> slo_attention(const fleet_metrics& m);

}  // namespace runnerfleet
