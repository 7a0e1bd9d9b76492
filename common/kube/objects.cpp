// SPDX-License-Identifier: Apache-2.0
#include "common/kube/objects.hpp"

#include <nlohmann/json.hpp>

namespace runnerfleet::kube {
namespace {

using nlohmann::json;

const json& empty_object() {
  static const json value = json::object();
  return value;
}

/// The member `key` of `j`, or an empty object when absent or `j` is not an object.
const json& at(const json& j, const char* key) {
  if (!j.is_object()) return empty_object();
  auto it = j.find(key);
  return it == j.end() ? empty_object() : *it;
}

std::string str(const json& j, const char* key) {
  const json& v = at(j, key);
  return v.is_string() ? v.get<std::string>() : std::string{};
}

std::optional<int> opt_int(const json& j, const char* key) {
  const json& v = at(j, key);
  if (v.is_number_integer()) return static_cast<int>(v.get<long long>());
  if (v.is_number_float()) return static_cast<int>(v.get<double>());
  return std::nullopt;
}

int integer(const json& j, const char* key, int fallback = 0) {
  return opt_int(j, key).value_or(fallback);
}

bool boolean(const json& j, const char* key) {
  const json& v = at(j, key);
  return v.is_boolean() && v.get<bool>();
}

std::optional<time_point> timestamp(const json& j, const char* key) {
  const json& v = at(j, key);
  return v.is_string() ? parse_rfc3339(v.get_ref<const std::string&>()) : std::nullopt;
}

string_map string_pairs(const json& j) {
  string_map out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.value().is_string()) out.emplace(it.key(), it.value().get<std::string>());
  return out;
}

bool kept_annotation(const std::string& key) {
  return key.rfind("runnerfleet.io/", 0) == 0 || key.rfind("actions.github.com/", 0) == 0;
}

std::vector<condition> parse_conditions(const json& list) {
  std::vector<condition> out;
  if (!list.is_array()) return out;
  for (const auto& c : list)
    out.push_back({str(c, "type"), str(c, "status"), str(c, "reason"), str(c, "message"),
                   timestamp(c, "lastTransitionTime")});
  return out;
}

void add_container_statuses(const json& list, bool init, std::vector<container_status>& out) {
  if (!list.is_array()) return;
  for (const auto& c : list) {
    container_status s;
    s.name = str(c, "name");
    s.init = init;
    s.ready = boolean(c, "ready");
    s.restarts = integer(c, "restartCount");
    const json& state = at(c, "state");
    s.waiting_reason = str(at(state, "waiting"), "reason");
    s.waiting_message = str(at(state, "waiting"), "message");
    s.terminated_reason = str(at(state, "terminated"), "reason");
    s.terminated_exit_code = integer(at(state, "terminated"), "exitCode");
    s.last_terminated_reason = str(at(at(c, "lastState"), "terminated"), "reason");
    out.push_back(std::move(s));
  }
}

/// A Resource metric's utilization target or current value for cpu or memory.
void read_resource_metrics(const json& spec_metrics, const json& current_metrics, hpa& h) {
  if (spec_metrics.is_array()) {
    for (const auto& m : spec_metrics) {
      if (str(m, "type") != "Resource") continue;
      const json& r = at(m, "resource");
      auto value = opt_int(at(r, "target"), "averageUtilization");
      if (str(r, "name") == "cpu") h.cpu_target = value;
      if (str(r, "name") == "memory") h.memory_target = value;
    }
  }
  if (current_metrics.is_array()) {
    for (const auto& m : current_metrics) {
      if (str(m, "type") != "Resource") continue;
      const json& r = at(m, "resource");
      auto value = opt_int(at(r, "current"), "averageUtilization");
      if (str(r, "name") == "cpu") h.cpu_current = value;
      if (str(r, "name") == "memory") h.memory_current = value;
    }
  }
}

container_resources parse_resources(const json& container) {
  const json& r = at(container, "resources");
  return {str(at(r, "requests"), "cpu"), str(at(r, "requests"), "memory"), str(at(r, "limits"), "cpu"),
          str(at(r, "limits"), "memory")};
}

}  // namespace

object_meta parse_meta(const json& object) {
  const json& m = at(object, "metadata");
  object_meta meta;
  meta.name = str(m, "name");
  meta.ns = str(m, "namespace");
  meta.uid = str(m, "uid");
  meta.labels = string_pairs(at(m, "labels"));
  for (auto& [k, v] : string_pairs(at(m, "annotations")))
    if (kept_annotation(k)) meta.annotations.emplace(k, v);
  meta.created = timestamp(m, "creationTimestamp");
  meta.deleting = at(m, "deletionTimestamp").is_string();
  const json& owners = at(m, "ownerReferences");
  if (owners.is_array() && !owners.empty()) {
    meta.owner_kind = str(owners.front(), "kind");
    meta.owner_name = str(owners.front(), "name");
  }
  return meta;
}

pod parse_pod(const json& object) {
  pod p;
  p.meta = parse_meta(object);
  const json& spec = at(object, "spec");
  const json& status = at(object, "status");
  p.phase = str(status, "phase");
  p.reason = str(status, "reason");
  p.message = str(status, "message");
  p.node = str(spec, "nodeName");
  p.ip = str(status, "podIP");
  if (const json& c = at(spec, "containers"); c.is_array()) p.spec_containers = static_cast<int>(c.size());
  const json& conditions = at(status, "conditions");
  if (conditions.is_array())
    for (const auto& c : conditions)
      if (str(c, "type") == "Ready") p.ready = str(c, "status") == "True";
  add_container_statuses(at(status, "initContainerStatuses"), true, p.containers);
  add_container_statuses(at(status, "containerStatuses"), false, p.containers);
  return p;
}

deployment parse_deployment(const json& object) {
  deployment d;
  d.meta = parse_meta(object);
  const json& spec = at(object, "spec");
  const json& status = at(object, "status");
  d.replicas = integer(spec, "replicas", 1);
  d.selector = string_pairs(at(at(spec, "selector"), "matchLabels"));
  const json& pod_template = at(spec, "template");
  d.template_labels = string_pairs(at(at(pod_template, "metadata"), "labels"));
  if (const json& cs = at(at(pod_template, "spec"), "containers"); cs.is_array()) {
    for (const auto& c : cs) {
      d.images.push_back(str(c, "image"));
      if (str(c, "name") == d.meta.name) d.main_resources = parse_resources(c);
    }
    if (!d.main_resources && !cs.empty()) d.main_resources = parse_resources(cs.front());
  }
  d.status_replicas = integer(status, "replicas");
  d.ready_replicas = integer(status, "readyReplicas");
  d.available_replicas = integer(status, "availableReplicas");
  d.updated_replicas = integer(status, "updatedReplicas");
  for (const auto& c : parse_conditions(at(status, "conditions")))
    if (c.type == "Available" && c.status == "False") d.unavailable_reason = c.reason;
  return d;
}

hpa parse_hpa(const json& object) {
  hpa h;
  h.meta = parse_meta(object);
  const json& spec = at(object, "spec");
  const json& status = at(object, "status");
  h.target_kind = str(at(spec, "scaleTargetRef"), "kind");
  h.target_name = str(at(spec, "scaleTargetRef"), "name");
  h.min_replicas = integer(spec, "minReplicas", 1);
  h.max_replicas = integer(spec, "maxReplicas");
  read_resource_metrics(at(spec, "metrics"), at(status, "currentMetrics"), h);
  const json& behavior = at(spec, "behavior");
  h.scale_up_window_s = integer(at(behavior, "scaleUp"), "stabilizationWindowSeconds", 0);
  h.scale_down_window_s = integer(at(behavior, "scaleDown"), "stabilizationWindowSeconds", 300);
  h.current_replicas = integer(status, "currentReplicas");
  h.desired_replicas = integer(status, "desiredReplicas");
  h.last_scale_time = timestamp(status, "lastScaleTime");
  h.conditions = parse_conditions(at(status, "conditions"));
  return h;
}

autoscaling_runner_set parse_autoscaling_runner_set(const json& object) {
  autoscaling_runner_set a;
  a.meta = parse_meta(object);
  const json& spec = at(object, "spec");
  const json& status = at(object, "status");
  a.scale_set_name = str(spec, "runnerScaleSetName");
  if (a.scale_set_name.empty()) a.scale_set_name = a.meta.name;
  if (const json& labels = at(spec, "runnerScaleSetLabels"); labels.is_array())
    for (const auto& l : labels)
      if (l.is_string()) a.scale_set_labels.push_back(l.get<std::string>());
  a.github_config_url = str(spec, "githubConfigUrl");
  a.runner_group = str(spec, "runnerGroup");
  a.min_runners = opt_int(spec, "minRunners");
  a.max_runners = opt_int(spec, "maxRunners");
  if (const json& cs = at(at(at(spec, "template"), "spec"), "containers"); cs.is_array())
    for (const auto& c : cs)
      if (str(c, "name") == "runner") {
        a.runner_image = str(c, "image");
        a.runner_resources = parse_resources(c);
      }
  a.current_runners = integer(status, "currentRunners");
  a.pending_runners = integer(status, "pendingEphemeralRunners");
  a.running_runners = integer(status, "runningEphemeralRunners");
  a.failed_runners = integer(status, "failedEphemeralRunners");
  a.phase = str(status, "phase");
  return a;
}

ephemeral_runner_set parse_ephemeral_runner_set(const json& object) {
  ephemeral_runner_set e;
  e.meta = parse_meta(object);
  const json& status = at(object, "status");
  e.replicas = integer(at(object, "spec"), "replicas");
  e.current_replicas = integer(status, "currentReplicas");
  e.pending = integer(status, "pendingEphemeralRunners");
  e.running = integer(status, "runningEphemeralRunners");
  e.failed = integer(status, "failedEphemeralRunners");
  return e;
}

ephemeral_runner parse_ephemeral_runner(const json& object) {
  ephemeral_runner e;
  e.meta = parse_meta(object);
  const json& status = at(object, "status");
  e.phase = str(status, "phase");
  e.reason = str(status, "reason");
  e.message = str(status, "message");
  e.runner_name = str(status, "runnerName");
  e.job_id = str(status, "jobId");
  e.job_repository = str(status, "jobRepositoryName");
  e.job_workflow_ref = str(status, "jobWorkflowRef");
  e.job_display_name = str(status, "jobDisplayName");
  return e;
}

autoscaling_listener parse_autoscaling_listener(const json& object) {
  autoscaling_listener l;
  l.meta = parse_meta(object);
  const json& spec = at(object, "spec");
  l.runner_set_name = str(spec, "autoscalingRunnerSetName");
  l.runner_set_namespace = str(spec, "autoscalingRunnerSetNamespace");
  return l;
}

event parse_event(const json& object) {
  event e;
  e.meta = parse_meta(object);
  const json& involved = at(object, "involvedObject");
  e.involved_kind = str(involved, "kind");
  e.involved_name = str(involved, "name");
  e.involved_namespace = str(involved, "namespace");
  e.reason = str(object, "reason");
  e.message = str(object, "message");
  e.type = str(object, "type");
  e.source = str(at(object, "source"), "component");
  if (e.source.empty()) e.source = str(object, "reportingComponent");
  e.count = integer(object, "count", 1);
  e.last_seen = timestamp(object, "lastTimestamp");
  if (!e.last_seen) e.last_seen = timestamp(object, "eventTime");
  if (!e.last_seen) e.last_seen = e.meta.created;
  return e;
}

}  // namespace runnerfleet::kube
