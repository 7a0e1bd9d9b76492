// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/roles.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnerfleet::gitops {
struct stack_schema;
}  // namespace runnerfleet::gitops

namespace runnerfleet {

/// One Kubernetes cluster to watch.
struct cluster_config {
  std::string name;                       ///< label used in the API ("cluster" field)
  std::optional<std::string> kubeconfig;  ///< path; absent with in_cluster
  std::optional<std::string> context;     ///< kubeconfig context; default current-context
  bool in_cluster = false;                ///< use the pod's service account
  std::vector<std::string> namespaces;    ///< runner and ARC controller namespaces
  bool insecure_skip_tls_verify = false;  ///< explicit opt-out of TLS verification
  int line = 0;                           ///< where it was declared, for messages
};

/// Who gets which role. Keys are user names or numeric uids / group names or gids.
struct access_config {
  std::optional<role> default_role;  ///< nullopt = unknown users get no access
  std::map<std::string, role> users;
  std::map<std::string, role> groups;
};

/// Thresholds that turn raw state into status and problems.
struct threshold_config {
  std::chrono::seconds pending_after{300};  ///< a pod Pending longer than this is a problem
  int restart_warning = 5;                  ///< restarts (any container) that make a problem
};

/// Where GitLab runner registrations come from (instance needs an admin token).
enum class gitlab_scope { instance, group, project };

/// The GitLab source: registrations, jobs and versions, and the target of pause/resume.
struct gitlab_config {
  std::string url;         ///< https://gitlab.example.com (no /api/v4)
  std::string token_file;  ///< personal/group/project access token with `api` scope, one line
  std::optional<std::string> ca_file;  ///< CA bundle for a private GitLab; default system store
  bool insecure_skip_tls_verify = false;
  gitlab_scope scope = gitlab_scope::instance;
  std::string scope_id;  ///< group or project id or full path (group/project scope)
  std::chrono::seconds poll_interval{30};     ///< how often the registration list is read
  std::chrono::seconds request_timeout{20};   ///< one GitLab request (a page, a PUT), 429 waits included
  int max_requests_per_minute = 60;           ///< request budget; GitLab's default limit is 120/min
  std::chrono::seconds details_refresh{600};  ///< unchanged registrations' details re-read this often
  std::chrono::seconds offline_after{900};    ///< no heartbeat (contacted_at) for this long = offline
  std::optional<std::string> version_target;  ///< else the newest version seen in the fleet
  /// Release name → registration ids or descriptions; overrides description matching.
  std::map<std::string, std::vector<std::string>> mapping;
  int line = 0;
};

/// How "pause" works for GitHub ARC scale sets, which GitHub itself cannot pause.
enum class arc_pause_mode { refuse, scale_to_zero };

/// ARC behaviour.
struct arc_config {
  arc_pause_mode pause_mode = arc_pause_mode::refuse;
};

/// Service-level objectives the fleet is measured against (user story DC-1 and the platform's
/// success metrics), evaluated per forge and per runner over the last hour.
struct slo_config {
  double queue_time_p95_seconds = 60;  ///< a job starts within this long of being queued (p95)
  double failure_rate = 0.02;          ///< failed / finished jobs stays under this
  double cpu_utilization_min = 0.40;   ///< CPU used / requested stays within [min, max]
  double cpu_utilization_max = 0.70;
  int min_jobs = 10;  ///< fewer jobs than this in the window: too little data to judge rates
};

/// A cache whose hit rate is shown: two operator-written PromQL selectors of counters.
struct cache_config {
  std::string name;
  std::string hits;    ///< e.g. bazel_remote_incoming_requests_total{status="hit"}
  std::string misses;  ///< e.g. bazel_remote_incoming_requests_total{status="miss"}
};

/// The Prometheus source: fleet metrics polled into the snapshot, range queries on demand.
struct prometheus_config {
  std::string url;  ///< http(s)://host:9090 (the base URL; a path prefix is kept)
  std::optional<std::string> bearer_token_file;
  std::optional<std::string> basic_auth_username;
  std::optional<std::string> basic_auth_password_file;
  std::optional<std::string> ca_file;
  bool insecure_skip_tls_verify = false;
  std::chrono::seconds poll_interval{30};    ///< the instant-query batch behind the snapshot
  std::chrono::seconds request_timeout{10};  ///< one query
  std::string namespace_label = "namespace";  ///< the scrape's label carrying the pod's namespace
  std::string pod_label = "pod";              ///< and its name
  std::vector<cache_config> caches;
  slo_config slo;
  int line = 0;
};

/// One tfvars file of a runner stack: where it is, which stack reads it, which cluster runs it.
struct gitops_file_config {
  std::string path;     ///< repository path, e.g. tofu/stacks/gitlab-runners/prod.tfvars
  std::string stack;    ///< a stack's name, e.g. gitlab-runners (from the path when not given)
  std::string cluster;  ///< a clusters[].name (the only cluster when not given)
  /// Live runner name → the stack's runner it is (nix, docker, dind or an extra_runner_sets key),
  /// for releases not named as the tfvars' *_runner_name says.
  std::map<std::string, std::string> runners;
};

/// Desired state from OpenTofu tfvars in Git: drift, runner config and merge-request proposals.
struct gitops_config {
  std::optional<std::string> project;     ///< GitLab project id or full path (uses gitlab.url)
  std::optional<std::string> local_path;  ///< or a local checkout: read-only, no proposals
  std::string branch = "main";            ///< the branch OpenTofu applies from; proposals target it
  std::optional<std::string> token_file;  ///< a token that may push branches; default gitlab.token_file
  std::chrono::seconds poll_interval{60};    ///< how often the branch head is checked
  std::chrono::seconds request_timeout{20};  ///< one GitLab request
  std::string branch_prefix = "runnerfleet/";  ///< proposal branches are <prefix><runner>-<key hash>
  std::vector<gitops_file_config> files;
  std::vector<std::string> unmanaged;  ///< live runners deliberately kept outside the stacks
  /// The stacks files may name: the built-in ones, replaced or joined by gitops.stacks entries.
  std::vector<std::shared_ptr<const gitops::stack_schema>> stacks;
  int line = 0;
};

/// Logging at the edges: spdlog to stderr.
struct log_config {
  std::string level = "info";
  bool json = false;
};

/// The daemon's whole configuration, validated at load.
struct config {
  std::optional<std::string> socket;  ///< socket path override
  std::string state_dir;              ///< audit journal lives here
  std::optional<std::string> metrics_listen;  ///< optional TCP host:port for /metrics
  log_config log;
  access_config access;
  threshold_config thresholds;
  std::vector<cluster_config> clusters;
  std::optional<gitlab_config> gitlab;  ///< nullopt = the GitLab source is not configured
  arc_config arc;
  std::optional<prometheus_config> prometheus;  ///< nullopt = no metrics
  std::optional<gitops_config> gitops;          ///< nullopt = no desired state, drift or proposals
  std::string source_path;  ///< the file it was read from
};

/// "instance", "group", "project".
std::string_view to_string(gitlab_scope s);

/// Parses and validates YAML text; errors name the key and the line ("clusters[0].namespaces
/// (line 7): expected a list of strings").
result<config> parse_config(const std::string& yaml_text, const std::string& source_name);

/// Reads and parses a config file.
result<config> load_config(const std::string& path);

}  // namespace runnerfleet
