// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/time_format.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// The immutable fleet snapshot: what every read route answers from. Built by
/// build_snapshot(), swapped atomically by the daemon, never modified once published.
namespace runnerfleet {

struct fleet_metrics;  // common/fleet_metrics.hpp: Prometheus figures, built apart from the snapshot
namespace gitops {
struct desired_state;  // common/gitops/desired_state.hpp: the tfvars as last read, shared between snapshots
}

/// One reason a pod needs attention (CrashLoopBackOff, OOMKilled, Pending too long, ...).
struct pod_problem {
  std::string reason;
  std::string container;  ///< empty for pod-level problems
  std::string message;
  bool operator==(const pod_problem&) const = default;
};

/// A runner pod as the API shows it.
struct pod_view {
  std::string cluster;
  std::string ns;
  std::string name;
  std::string runner;  ///< owning runner, empty when none matched
  std::string forge;   ///< gitlab, github or empty
  std::string role;    ///< "runner", "listener" or "manager"
  std::string phase;
  int ready_containers = 0;
  int total_containers = 0;
  int restarts = 0;
  std::string node;
  std::string ip;
  std::optional<time_point> created;
  std::vector<pod_problem> problems;
  bool operator==(const pod_view&) const = default;
};

/// Pod counts by phase, plus how many have problems.
struct pod_counts {
  int total = 0, running = 0, pending = 0, succeeded = 0, failed = 0, unknown = 0, problems = 0;
  bool operator==(const pod_counts&) const = default;
};

/// A status condition (HPA conditions, deployment availability).
struct condition_view {
  std::string type, status, reason, message;
  bool operator==(const condition_view&) const = default;
};

/// How a runner scales: an HPA, an ARC scale set, or not at all.
struct scaling_view {
  std::string model = "none";  ///< hpa, arc, none
  std::string autoscaler;      ///< HPA or AutoscalingRunnerSet name
  std::optional<int> min, max, current, desired;
  std::optional<int> cpu_current, cpu_target, memory_current, memory_target;
  std::optional<int> scale_up_window_s, scale_down_window_s;
  std::optional<time_point> last_scale_time;
  bool at_max = false;
  /// ARC ephemeral runner counts (from the scale set's status).
  std::optional<int> pending_runners, running_runners, failed_runners;
  std::vector<condition_view> conditions;
  bool operator==(const scaling_view&) const = default;
};

/// Running and queued jobs, where a source says so (nullopt = not known).
struct job_counts {
  std::optional<int> running, pending;
  bool operator==(const job_counts&) const = default;
};

/// The resource requests and limits of a runner's main container as deployed ("" = unset): the
/// manager container of a GitLab release, the "runner" container of an ARC scale set's template.
struct resources_view {
  std::string cpu_request, memory_request, cpu_limit, memory_limit;
  bool operator==(const resources_view&) const = default;
};

/// Where a runner's desired config lives (GitOps) and how far the runner has drifted from it.
struct runner_config_ref {
  std::string file;          ///< the tfvars file declaring it
  std::string stack;         ///< gitlab-runners, arc-runners
  std::string stack_runner;  ///< nix, docker, dind or an extra_runner_sets key
  int drift_errors = 0, drift_warnings = 0, drift_info = 0;
  bool operator==(const runner_config_ref&) const = default;
};

/// One difference between the desired state in tfvars and what runs (OP-4).
struct drift_item {
  std::string severity;  ///< error (missing or undeclared runner), warning (a value differs), info (known reason)
  std::string kind;      ///< missing, undeclared, unmanaged, autoscaler, replicas, runners, target, window, resources
  std::string runner;
  std::string cluster;
  std::string ns;
  std::string key;      ///< the tfvars key that differs (extra_runner_sets.<name>.<field>); "" for a whole runner
  std::string desired;  ///< as the tfvars give it; "" when not applicable
  std::string live;     ///< as deployed; "" when not applicable
  std::string file;     ///< the tfvars file, "" for an undeclared runner
  std::string message;  ///< one line for a person
  std::string forge;    ///< gitlab or github: a release and a scale set may share a name in a cluster
  bool operator==(const drift_item&) const = default;
};

/// An ephemeral runner of an ARC scale set.
struct ephemeral_runner_view {
  std::string name, phase, reason, job_id, job_repository, job_workflow_ref, job_display_name;
  bool operator==(const ephemeral_runner_view&) const = default;
};

/// A Kubernetes event about one of a runner's objects.
struct kube_event_view {
  std::string uid, type, reason, message, object_kind, object_name, source;
  int count = 1;
  std::optional<time_point> last_seen;
  bool operator==(const kube_event_view&) const = default;
};

/// The Deployment behind a GitLab runner release.
struct deployment_view {
  std::string name;
  int replicas = 0, ready = 0, available = 0, updated = 0;
  bool operator==(const deployment_view&) const = default;
};

/// The ARC listener of a scale set.
struct listener_view {
  std::string name, ns;
  bool pod_ready = false;
  bool operator==(const listener_view&) const = default;
};

/// One gitlab-runner process GitLab knows (a manager of a registration; usually one per pod).
struct manager_view {
  std::string system_id;
  std::optional<std::string> version;
  std::optional<std::string> ip;
  std::string status;
  std::optional<time_point> contacted_at;
  bool busy = false;
  bool operator==(const manager_view&) const = default;
};

/// A GitLab runner registration, as matched to a runner (or left unmatched).
struct registration_view {
  std::int64_t id = 0;
  std::string description;
  std::string status;  ///< GitLab's REST status: online offline stale never_contacted paused
  std::string runner_type;
  std::string matched_by;  ///< mapping, description, or empty when unmatched
  bool paused = false;
  bool online = false;
  std::vector<std::string> tags;
  std::optional<std::string> version;
  std::optional<time_point> contacted_at;
  std::optional<std::string> maintenance_note;
  std::optional<int> running_jobs;
  std::optional<time_point> jobs_as_of;  ///< when running_jobs was read
  std::vector<manager_view> managers;
  bool operator==(const registration_view&) const = default;
};

/// One runner pool as deployed (the contract's runner model).
struct runner_view {
  std::string name;
  std::string forge;  ///< gitlab, github
  std::string cluster;
  std::string ns;
  std::string type;  ///< docker, dind, nix, rocky8, rocky9, l40s, a100, unknown
  std::vector<std::string> tags;
  std::string status;  ///< online idle degraded draining paused offline unknown
  std::string status_reason;
  scaling_view scaling;
  pod_counts pods;
  job_counts jobs;
  std::optional<std::string> version;
  std::optional<bool> outdated;
  std::optional<resources_view> resources;
  std::optional<runner_config_ref> config;  ///< GitOps declares it (null: not configured or undeclared)
  bool stale = false;  ///< its cluster's source (or GitLab, for a registered runner) is down: last good data
  // Detail only.
  std::optional<deployment_view> deployment;
  std::optional<listener_view> listener;
  std::vector<ephemeral_runner_view> ephemeral_runners;
  std::vector<kube_event_view> kube_events;  ///< newest first, bounded
  std::vector<std::string> pod_names;        ///< "namespace/name" of its pods
  std::vector<registration_view> registrations;  ///< GitLab only, when the source is configured
  bool operator==(const runner_view&) const = default;
};

/// One upstream source's health.
struct source_view {
  std::string name;   ///< "kubernetes/<cluster>", "gitlab", "prometheus", "gitops"
  std::string kind;   ///< kubernetes, gitlab, prometheus, gitops
  std::string state;  ///< ok, degraded, down, not_configured
  std::optional<time_point> last_success;
  std::optional<time_point> last_error_time;
  std::string last_error;
  std::string detail;  ///< one line: "24/24 informers watching; autoscalinglisteners absent"
  std::vector<std::string> conditions;
  bool operator==(const source_view&) const = default;
};

/// Something in the fleet that needs a person's (or agent's) attention.
struct attention_item {
  std::string severity;  ///< error, warning, info
  std::string runner;
  std::string reason;
  std::string message;
  bool operator==(const attention_item&) const = default;
};

/// The landing-view aggregates.
struct fleet_summary {
  int runners_total = 0;
  std::map<std::string, std::map<std::string, int>> runners_by_forge_status;  ///< forge → status → n
  std::map<std::string, int> runners_by_status;
  pod_counts pods;
  std::map<std::string, int> pods_by_problem;
  job_counts jobs;
  std::vector<attention_item> attention;
  /// GitLab registrations (when the source is configured): matched, unmatched, releases without one.
  std::optional<int> registrations_matched, registrations_unmatched, runners_unregistered;
  std::optional<std::string> version_target;  ///< configured, else the newest version seen
  std::vector<std::string> outdated;          ///< runners below version_target
  bool operator==(const fleet_summary&) const = default;
};

/// A pod view shared between consecutive snapshots: a build reuses the view of every pod that
/// did not change, so one watch event costs one new view, not one per pod in the fleet.
using pod_ptr = std::shared_ptr<const pod_view>;

/// The whole immutable snapshot. Not copyable: a copy of a whole fleet is never intended.
struct snapshot {
  snapshot() = default;
  snapshot(const snapshot&) = delete;
  snapshot& operator=(const snapshot&) = delete;

  std::uint64_t generation = 0;
  time_point built_at{};
  std::vector<runner_view> runners;  ///< sorted by name, then cluster, namespace
  std::vector<pod_ptr> pods;         ///< sorted by namespace, name, cluster; never null
  std::vector<source_view> sources;
  std::vector<std::string> stale_sources;
  /// GitLab registrations no runner release claims (sorted by id): reported, never dropped.
  std::vector<registration_view> unmatched_registrations;
  fleet_summary fleet;
  /// Prometheus figures of the last hour and their SLO results (null: not configured or not
  /// read yet). Shared between snapshots: a rebuild never recomputes them.
  std::shared_ptr<const fleet_metrics> metrics;
  bool metrics_stale = false;  ///< Prometheus is down: these are the last good figures
  /// The tfvars as last read (null: GitOps not configured or not read yet), and the drift
  /// between them and the runners above, errors first.
  std::shared_ptr<const gitops::desired_state> desired;
  bool desired_stale = false;  ///< the repository is unreachable: the last good tfvars
  std::vector<drift_item> drift;

  /// Positions of the runners named so (usually one; more when clusters reuse a name).
  std::vector<std::size_t> find_runner(std::string_view name) const;
  /// Position of a pod by namespace and name, in the given cluster or else the first that has it.
  std::optional<std::size_t> find_pod(std::string_view ns, std::string_view name,
                                      std::string_view cluster = {}) const;

  /// True when the content (not generation/time) equals another snapshot's.
  bool same_content(const snapshot& other) const;
};

/// The snapshot's pod order: namespace, name, cluster.
bool pod_order(const pod_view& a, const pod_view& b);

}  // namespace runnerfleet
