// SPDX-License-Identifier: Apache-2.0
#include "common/api/serialize.hpp"

#include "common/api/gitops_json.hpp"

#include "common/api/metrics_json.hpp"

namespace runnerfleet::api {
namespace {

using nlohmann::json;

json opt(const std::optional<int>& v) { return v ? json(*v) : json(nullptr); }

json counts_json(const pod_counts& c) {
  return {{"total", c.total},         {"running", c.running}, {"pending", c.pending},
          {"succeeded", c.succeeded}, {"failed", c.failed},   {"unknown", c.unknown},
          {"problems", c.problems}};
}

json jobs_json(const job_counts& j) { return {{"running", opt(j.running)}, {"pending", opt(j.pending)}}; }

json scaling_json(const scaling_view& s) {
  return {{"model", s.model},
          {"autoscaler", s.autoscaler.empty() ? json(nullptr) : json(s.autoscaler)},
          {"min", opt(s.min)},
          {"max", opt(s.max)},
          {"current", opt(s.current)},
          {"desired", opt(s.desired)},
          {"cpu_current", opt(s.cpu_current)},
          {"cpu_target", opt(s.cpu_target)},
          {"memory_current", opt(s.memory_current)},
          {"memory_target", opt(s.memory_target)},
          {"scale_up_window_s", opt(s.scale_up_window_s)},
          {"scale_down_window_s", opt(s.scale_down_window_s)},
          {"last_scale_time", time_json(s.last_scale_time)},
          {"at_max", s.at_max},
          {"pending_runners", opt(s.pending_runners)},
          {"running_runners", opt(s.running_runners)},
          {"failed_runners", opt(s.failed_runners)}};
}

json conditions_json(const std::vector<condition_view>& conditions) {
  json out = json::array();
  for (const auto& c : conditions)
    out.push_back({{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}});
  return out;
}

json kube_event_json(const kube_event_view& e) {
  return {{"type", e.type},     {"reason", e.reason}, {"message", e.message},
          {"object", e.object_kind + "/" + e.object_name}, {"source", e.source},
          {"count", e.count},   {"last_seen", time_json(e.last_seen)}};
}

json text_or_null(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

json registration_json(const registration_view& r) {
  json managers = json::array();
  for (const auto& m : r.managers)
    managers.push_back({{"system_id", m.system_id},
                        {"version", text_or_null(m.version)},
                        {"ip_address", text_or_null(m.ip)},
                        {"status", m.status},
                        {"contacted_at", time_json(m.contacted_at)},
                        {"busy", m.busy}});
  return {{"id", r.id},
          {"description", r.description},
          {"status", r.status},
          {"paused", r.paused},
          {"online", r.online},
          {"runner_type", r.runner_type},
          {"matched_by", r.matched_by.empty() ? json(nullptr) : json(r.matched_by)},
          {"tags", r.tags},
          {"version", text_or_null(r.version)},
          {"contacted_at", time_json(r.contacted_at)},
          {"maintenance_note", text_or_null(r.maintenance_note)},
          {"running_jobs", opt(r.running_jobs)},
          {"jobs_as_of", time_json(r.jobs_as_of)},
          {"managers", std::move(managers)}};
}

json time_json(const std::optional<time_point>& t) { return t ? json(format_rfc3339(*t)) : json(nullptr); }

json runner_summary_json(const runner_view& r) {
  return {{"name", r.name},
          {"forge", r.forge},
          {"cluster", r.cluster},
          {"namespace", r.ns},
          {"type", r.type},
          {"tags", r.tags},
          {"status", r.status},
          {"status_reason", r.status_reason},
          {"stale", r.stale},
          {"scaling", scaling_json(r.scaling)},
          {"pods", counts_json(r.pods)},
          {"jobs", jobs_json(r.jobs)},
          {"version", r.version ? json(*r.version) : json(nullptr)},
          {"outdated", r.outdated ? json(*r.outdated) : json(nullptr)},
          {"config", config_ref_json(r.config)}};
}

json runner_detail_json(const runner_view& r, const snapshot& s) {
  json j = runner_summary_json(r);
  j["scaling"]["conditions"] = conditions_json(r.scaling.conditions);
  if (r.deployment)
    j["deployment"] = {{"name", r.deployment->name},       {"replicas", r.deployment->replicas},
                       {"ready", r.deployment->ready},     {"available", r.deployment->available},
                       {"updated", r.deployment->updated}};
  else
    j["deployment"] = nullptr;
  if (r.resources)
    j["resources"] = {{"cpu_request", r.resources->cpu_request},
                      {"memory_request", r.resources->memory_request},
                      {"cpu_limit", r.resources->cpu_limit},
                      {"memory_limit", r.resources->memory_limit}};
  else
    j["resources"] = nullptr;
  if (r.listener)
    j["listener"] = {{"name", r.listener->name}, {"namespace", r.listener->ns}, {"pod_ready", r.listener->pod_ready}};
  else
    j["listener"] = nullptr;
  json ers = json::array();
  for (const auto& e : r.ephemeral_runners) {
    json item = {{"name", e.name}, {"phase", e.phase}, {"reason", e.reason}};
    if (!e.job_id.empty() || !e.job_repository.empty())
      item["job"] = {{"id", e.job_id}, {"repository", e.job_repository},
                     {"workflow_ref", e.job_workflow_ref}, {"display_name", e.job_display_name}};
    else
      item["job"] = nullptr;
    ers.push_back(std::move(item));
  }
  j["ephemeral_runners"] = std::move(ers);
  json pods = json::array();
  for (const auto& key : r.pod_names) {
    auto slash = key.find('/');
    if (auto i = s.find_pod(key.substr(0, slash), key.substr(slash + 1))) pods.push_back(pod_json(*s.pods[*i]));
  }
  j["pod_list"] = std::move(pods);
  json events = json::array();
  for (const auto& e : r.kube_events) events.push_back(kube_event_json(e));
  j["events"] = std::move(events);
  if (r.forge == "gitlab" && s.fleet.registrations_matched) {
    json regs = json::array();
    for (const auto& g : r.registrations) regs.push_back(registration_json(g));
    j["registrations"] = std::move(regs);
  } else {
    j["registrations"] = nullptr;
  }
  j["metrics"] = runner_metrics_summary_json(r, s);
  return j;
}

json pod_json(const pod_view& p) {
  json problems = json::array();
  for (const auto& problem : p.problems)
    problems.push_back({{"reason", problem.reason},
                        {"container", problem.container.empty() ? json(nullptr) : json(problem.container)},
                        {"message", problem.message}});
  return {{"cluster", p.cluster},
          {"namespace", p.ns},
          {"name", p.name},
          {"runner", p.runner.empty() ? json(nullptr) : json(p.runner)},
          {"forge", p.forge.empty() ? json(nullptr) : json(p.forge)},
          {"role", p.role.empty() ? json(nullptr) : json(p.role)},
          {"phase", p.phase},
          {"ready", std::to_string(p.ready_containers) + "/" + std::to_string(p.total_containers)},
          {"restarts", p.restarts},
          {"node", p.node.empty() ? json(nullptr) : json(p.node)},
          {"ip", p.ip.empty() ? json(nullptr) : json(p.ip)},
          {"created", time_json(p.created)},
          {"problems", std::move(problems)}};
}

json source_json(const source_view& s) {
  return {{"name", s.name},
          {"kind", s.kind},
          {"state", s.state},
          {"last_success", time_json(s.last_success)},
          {"last_error", s.last_error.empty() ? json(nullptr)
                                              : json{{"time", time_json(s.last_error_time)}, {"message", s.last_error}}},
          {"detail", s.detail},
          {"conditions", s.conditions}};
}

json fleet_json(const snapshot& s) {
  const auto& f = s.fleet;
  json by_forge = json::object();
  for (const auto& forge : {"gitlab", "github"}) {
    json statuses = json::object();
    int total = 0;
    if (auto it = f.runners_by_forge_status.find(forge); it != f.runners_by_forge_status.end())
      for (const auto& [status, n] : it->second) {
        statuses[status] = n;
        total += n;
      }
    by_forge[forge] = {{"total", total}, {"by_status", std::move(statuses)}};
  }
  json attention = json::array();
  for (const auto& a : f.attention)
    attention.push_back({{"severity", a.severity}, {"runner", a.runner}, {"reason", a.reason}, {"message", a.message}});
  return {{"runners", {{"total", f.runners_total}, {"by_status", f.runners_by_status}, {"by_forge", std::move(by_forge)}}},
          {"pods", {{"total", f.pods.total},
                    {"by_phase", {{"Running", f.pods.running}, {"Pending", f.pods.pending},
                                  {"Succeeded", f.pods.succeeded}, {"Failed", f.pods.failed},
                                  {"Unknown", f.pods.unknown}}},
                    {"with_problems", f.pods.problems},
                    {"by_problem", f.pods_by_problem}}},
          {"jobs", jobs_json(f.jobs)},
          {"attention", std::move(attention)},
          {"gitlab", gitlab_summary_json(s)},
          {"metrics", fleet_metrics_summary_json(s)}};
}

json gitlab_summary_json(const snapshot& s) {
  const auto& f = s.fleet;
  if (!f.registrations_matched) return nullptr;
  json unmatched = json::array();
  for (const auto& r : s.unmatched_registrations) unmatched.push_back(registration_json(r));
  return {{"registrations_matched", *f.registrations_matched},
          {"registrations_unmatched", f.registrations_unmatched.value_or(0)},
          {"runners_unregistered", f.runners_unregistered.value_or(0)},
          {"version_target", text_or_null(f.version_target)},
          {"outdated", f.outdated},
          {"unmatched", std::move(unmatched)}};
}

json event_json(const fleet_event& e) {
  auto nullable = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"id", e.id},
          {"time", format_rfc3339_ms(e.time)},
          {"kind", e.kind},
          {"severity", e.severity},
          {"runner", nullable(e.runner)},
          {"cluster", nullable(e.cluster)},
          {"namespace", nullable(e.ns)},
          {"object", nullable(e.object)},
          {"reason", e.reason},
          {"message", e.message}};
}

json autoscaler_json(const runner_view& r) {
  json j = scaling_json(r.scaling);
  j.erase("autoscaler");
  j["name"] = r.scaling.autoscaler;
  j["kind"] = r.scaling.model == "hpa" ? "HorizontalPodAutoscaler" : "AutoscalingRunnerSet";
  j["runner"] = r.name;
  j["forge"] = r.forge;
  j["cluster"] = r.cluster;
  j["namespace"] = r.ns;
  j["conditions"] = conditions_json(r.scaling.conditions);
  json events = json::array();
  for (const auto& e : r.kube_events)
    if (e.object_kind == "HorizontalPodAutoscaler" || e.object_kind == "AutoscalingRunnerSet" ||
        e.object_kind == "EphemeralRunnerSet" || e.reason.find("Rescale") != std::string::npos)
      events.push_back(kube_event_json(e));
  j["recent_events"] = std::move(events);
  return j;
}

}  // namespace runnerfleet::api
