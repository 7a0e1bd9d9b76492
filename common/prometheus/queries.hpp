// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/prometheus/promql.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Every PromQL query the daemon sends, built from escaped parts only. The fleet's series are
/// found by the scrape's namespace and pod labels (what kubernetes_sd gives every target) and
/// attributed to runners by the daemon, which knows each runner's pods: no relabelling of the
/// exporters is assumed.
namespace runnerfleet::promql {

/// Where the fleet's series come from.
struct scope {
  std::vector<std::string> namespaces;  ///< empty: every namespace
  std::string namespace_label = "namespace";
  std::string pod_label = "pod";

  /// "{namespace=~"(?:a|b)",<extra>}" (extra: further matchers, already safe).
  std::string selector(std::string_view extra = {}) const;
};

/// The instant queries polled into the snapshot, grouped by namespace and pod.
enum class batch_id {
  gitlab_jobs,     ///< increase(gitlab_runner_jobs_total[w])
  gitlab_failed,   ///< increase(gitlab_runner_failed_jobs_total[w])
  gitlab_queue,    ///< queue-time buckets, by le
  gitlab_running,  ///< gitlab_runner_jobs{state="running"}
  github_jobs,     ///< increase(gha_completed_jobs_total[w]), by job_result
  github_startup,  ///< gha_job_startup_duration_seconds buckets, by le
  github_gauges,   ///< gha_{assigned,running}_jobs, gha_{busy,registered}_runners, raw series
  cpu,             ///< rate(container_cpu_usage_seconds_total[5m])
  memory,          ///< container_memory_working_set_bytes
  cpu_requests,    ///< kube_pod_container_resource_requests{resource="cpu"}
};

/// One query of the batch.
struct batch_query {
  batch_id id;
  std::string text;
};

/// The batch over a window (the snapshot's is 1h; /v1/metrics/fleet asks for others).
std::vector<batch_query> fleet_batch(const scope& s, std::chrono::seconds window);

/// Total of an operator-written counter selector over a window: sum(increase(SEL[w])). The
/// selector comes from the config (trusted), never from a request.
std::string counter_total(std::string_view counter_selector, std::chrono::seconds window);

/// A range query and what its values mean.
struct range_query {
  std::string measure;  ///< jobs_per_hour, failure_rate, queue_seconds_p95, cpu_cores, ...
  std::string forge;    ///< gitlab, github, or "" for the whole fleet
  std::string unit;     ///< jobs/h, ratio, seconds, cores, bytes, runners, jobs
  std::string text;
};

/// The fleet's series for /v1/metrics/fleet.
std::vector<range_query> fleet_series(const scope& s, const window& w);

/// The pods of one runner as queries find them, including pods that are gone.
struct runner_pods {
  std::string forge;  ///< gitlab or github
  std::string ns;
  std::string name;
  std::optional<std::string> listener_ns, listener_pod;  ///< ARC: where its job metrics come from
};

/// A regex matching the runner's pod names now and in the past: a Deployment's
/// <name>-<hash>-<suffix>, an ARC runner's <name>-<suffix>-runner-<suffix> (0.14) or
/// <name>-runner-<suffix> (later releases).
std::string pod_pattern(const runner_pods& r);

/// The series of one runner for /v1/metrics/runners/{name}: CPU and memory per pod, its job
/// rate, failure rate and queue time.
std::vector<range_query> runner_series(const scope& s, const runner_pods& r, const window& w);

}  // namespace runnerfleet::promql
