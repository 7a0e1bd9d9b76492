// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/time_format.hpp"

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

/// Compact copies of the Kubernetes objects the snapshot needs. Each parse_* keeps only the
/// fields the runner model reads, so 10,000 pods cost megabytes, not the JSON's hundreds.
namespace runnerfleet::kube {

/// Labels and annotations; std::less<> lets lookups take a string_view without allocating.
using string_map = std::map<std::string, std::string, std::less<>>;

/// metadata, reduced.
struct object_meta {
  std::string name;
  std::string ns;
  std::string uid;
  string_map labels;
  string_map annotations;  ///< only the runnerfleet.io/ and actions.github.com/ ones are kept
  std::optional<time_point> created;
  bool deleting = false;  ///< deletionTimestamp set
  std::string owner_kind;  ///< first ownerReference
  std::string owner_name;
  bool operator==(const object_meta&) const = default;
};

/// One container's status (init containers included, flagged).
struct container_status {
  std::string name;
  bool init = false;
  bool ready = false;
  int restarts = 0;
  std::string waiting_reason;
  std::string waiting_message;
  std::string terminated_reason;  ///< current state terminated
  int terminated_exit_code = 0;
  std::string last_terminated_reason;  ///< lastState.terminated
  bool operator==(const container_status&) const = default;
};

/// core/v1 Pod.
struct pod {
  object_meta meta;
  std::string phase;    ///< Pending, Running, Succeeded, Failed, Unknown
  std::string reason;   ///< status.reason, e.g. Evicted
  std::string message;  ///< status.message
  std::string node;
  std::string ip;
  bool ready = false;  ///< condition Ready=True
  int spec_containers = 0;
  std::vector<container_status> containers;
  bool operator==(const pod&) const = default;
};

/// A container's resource requests and limits as written ("" when unset): what GitOps compares
/// with the tfvars that set them.
struct container_resources {
  std::string cpu_request, memory_request, cpu_limit, memory_limit;
  bool operator==(const container_resources&) const = default;
};

/// apps/v1 Deployment.
struct deployment {
  object_meta meta;
  int replicas = 1;  ///< spec.replicas (defaults to 1)
  string_map selector;  ///< spec.selector.matchLabels
  string_map template_labels;
  std::vector<std::string> images;  ///< pod template container images
  /// The container named like the Deployment (the runner manager, in the GitLab chart), else the first.
  std::optional<container_resources> main_resources;
  int status_replicas = 0;
  int ready_replicas = 0;
  int available_replicas = 0;
  int updated_replicas = 0;
  std::string unavailable_reason;  ///< Available=False reason, if any
  bool operator==(const deployment&) const = default;
};

/// A status condition as printed by kubectl describe.
struct condition {
  std::string type;
  std::string status;
  std::string reason;
  std::string message;
  std::optional<time_point> last_transition;
  bool operator==(const condition&) const = default;
};

/// autoscaling/v2 HorizontalPodAutoscaler.
struct hpa {
  object_meta meta;
  std::string target_kind;
  std::string target_name;
  int min_replicas = 1;
  int max_replicas = 0;
  std::optional<int> cpu_target;     ///< Resource cpu Utilization target
  std::optional<int> memory_target;  ///< Resource memory Utilization target
  std::optional<int> cpu_current;
  std::optional<int> memory_current;
  int scale_up_window_s = 0;      ///< behavior.scaleUp.stabilizationWindowSeconds (default 0)
  int scale_down_window_s = 300;  ///< behavior.scaleDown.stabilizationWindowSeconds (default 300)
  int current_replicas = 0;
  int desired_replicas = 0;
  std::optional<time_point> last_scale_time;
  std::vector<condition> conditions;
  bool operator==(const hpa&) const = default;
};

/// actions.github.com/v1alpha1 AutoscalingRunnerSet.
struct autoscaling_runner_set {
  object_meta meta;
  std::string scale_set_name;  ///< spec.runnerScaleSetName (falls back to metadata.name)
  std::vector<std::string> scale_set_labels;
  std::string github_config_url;
  std::string runner_group;
  std::optional<int> min_runners;
  std::optional<int> max_runners;
  std::string runner_image;  ///< image of the container named "runner"
  std::optional<container_resources> runner_resources;  ///< of the container named "runner"
  int current_runners = 0;
  int pending_runners = 0;
  int running_runners = 0;
  int failed_runners = 0;
  std::string phase;
  bool operator==(const autoscaling_runner_set&) const = default;
};

/// actions.github.com/v1alpha1 EphemeralRunnerSet.
struct ephemeral_runner_set {
  object_meta meta;
  int replicas = 0;  ///< spec.replicas is omitempty: absent means 0
  int current_replicas = 0;
  int pending = 0;
  int running = 0;
  int failed = 0;
  bool operator==(const ephemeral_runner_set&) const = default;
};

/// actions.github.com/v1alpha1 EphemeralRunner.
struct ephemeral_runner {
  object_meta meta;
  std::string phase;
  std::string reason;
  std::string message;
  std::string runner_name;
  std::string job_id;  ///< a string on the wire
  std::string job_repository;
  std::string job_workflow_ref;
  std::string job_display_name;
  bool operator==(const ephemeral_runner&) const = default;
};

/// actions.github.com/v1alpha1 AutoscalingListener (lives in the controller namespace).
struct autoscaling_listener {
  object_meta meta;
  std::string runner_set_name;
  std::string runner_set_namespace;
  bool operator==(const autoscaling_listener&) const = default;
};

/// core/v1 Event.
struct event {
  object_meta meta;
  std::string involved_kind;
  std::string involved_name;
  std::string involved_namespace;
  std::string reason;
  std::string message;
  std::string type;  ///< Normal or Warning
  std::string source;
  int count = 1;
  std::optional<time_point> last_seen;
  bool operator==(const event&) const = default;
};

/// Parsers: tolerant of absent fields (defaults as the API documents), never throwing on
/// wrong types; a value of the wrong type reads as absent.
pod parse_pod(const nlohmann::json& object);
deployment parse_deployment(const nlohmann::json& object);
hpa parse_hpa(const nlohmann::json& object);
autoscaling_runner_set parse_autoscaling_runner_set(const nlohmann::json& object);
ephemeral_runner_set parse_ephemeral_runner_set(const nlohmann::json& object);
ephemeral_runner parse_ephemeral_runner(const nlohmann::json& object);
autoscaling_listener parse_autoscaling_listener(const nlohmann::json& object);
event parse_event(const nlohmann::json& object);

/// Only metadata, for DELETED events and keys.
object_meta parse_meta(const nlohmann::json& object);

}  // namespace runnerfleet::kube
