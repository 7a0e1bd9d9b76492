// SPDX-License-Identifier: Apache-2.0
#include "mcp/tools.hpp"

#include "mcp/gitops_tools.hpp"
#include "mcp/metrics_tools.hpp"
#include "mcp/mutation_tools.hpp"
#include "mcp/tool_support.hpp"

#include "common/api/query.hpp"
#include "daemon/cli/format.hpp"
#include "daemon/cli/table.hpp"

#include <algorithm>
#include <map>

namespace runnerfleet::mcp {

namespace {

constexpr std::size_t max_detail_pods = 50;
constexpr std::size_t max_detail_events = 10;
constexpr std::size_t max_scaling_events = 5;
constexpr long long default_limit = 50;


std::string integer_arg(const json& args, const char* key, long long fallback) {
  return std::to_string(args.contains(key) ? args[key].get<long long>() : fallback);
}



/// "showing 50 of 812; pass cursor=... for the next page".
std::string page_note(std::string_view tool, const json& meta, std::size_t shown, std::string_view noun) {
  auto total = meta.value("total", json(shown));
  std::string note = "showing " + std::to_string(shown) + " of " + cell(total) + " " + std::string(noun);
  if (auto next = meta.value("next_cursor", json()); next.is_string())
    note += "; call " + std::string(tool) + " again with cursor=\"" + next.get<std::string>() + "\" for the next page";
  return note;
}

std::string problems_cell(json& problems) {
  std::string out;
  for (auto& p : problems) {
    out += (out.empty() ? "" : ", ") + str(p, "reason");
    if (p.contains("container") && p["container"].is_string()) out += "(" + p["container"].get<std::string>() + ")";
  }
  return out.empty() ? "-" : out;
}

/// GitLab registrations, compact (null when GitLab is not configured or the runner is ARC).
json registration_rows(json& regs) {
  if (!regs.is_array()) return nullptr;
  json rows = json::array();
  for (auto& g : regs)
    rows.push_back({{"id", g["id"]}, {"description", g["description"]}, {"status", g["status"]},
                    {"paused", g["paused"]}, {"version", g["version"]}, {"running_jobs", g["running_jobs"]},
                    {"contacted_at", g["contacted_at"]}, {"matched_by", g["matched_by"]}});
  return rows;
}

std::string registrations_text(json& regs, time_point now) {
  if (!regs.is_array()) return "";
  if (regs.empty()) return "GitLab registrations: none match this release (it cannot be paused until one does)\n";
  std::string out = "GitLab registrations:";
  for (auto& g : regs)
    out += " #" + cell(g["id"]) + " " + str(g, "status") + (g["paused"] == true ? " (paused)" : "") + ", " +
           cell(g["running_jobs"]) + " job(s) running, last contact " + cli::age(g["contacted_at"], now) + " ago;";
  out.back() = '\n';
  return out;
}

json pod_row(json& p) {
  return {{"namespace", p.value("namespace", "")}, {"name", p.value("name", "")}, {"runner", p.value("runner", json())},
          {"role", p.value("role", json())},        {"phase", p.value("phase", "")}, {"ready", p.value("ready", "")},
          {"restarts", p.value("restarts", 0)},     {"node", p.value("node", json())}, {"created", p.value("created", json())},
          {"problems", p.value("problems", json::array())}};
}

std::string pod_table(json& pods, time_point now, bool with_runner) {
  std::vector<std::string> headers = {"POD", "PHASE", "READY", "RESTARTS", "AGE", "PROBLEMS"};
  if (with_runner) headers.insert(headers.begin() + 1, "RUNNER");
  cli::table t(headers);
  for (auto& p : pods) {
    std::vector<std::string> row = {str(p, "namespace") + "/" + str(p, "name"), str(p, "phase"), str(p, "ready"),
                                    cell(p["restarts"]), cli::age(p["created"], now), problems_cell(p["problems"])};
    if (with_runner) row.insert(row.begin() + 1, cell(p["runner"]));
    t.add(std::move(row));
  }
  return t.render(0, false);
}

// ---- list_runners ---------------------------------------------------------------------

daemon_request plan_list_runners(const json& a) {
  daemon_request r{.target = "/v1/runners"};
  for (const char* key : {"forge", "status", "type", "tag", "q", "cursor"})
    if (a.contains(key)) api::append_query(r.target, key, a[key].get<std::string>());
  api::append_query(r.target, "limit", integer_arg(a, "limit", default_limit));
  return r;
}

json render_list_runners(json& env, time_point) {
  json& meta = env["meta"];
  json rows = json::array();
  cli::table t({"NAME", "FORGE", "TYPE", "STATUS", "PODS", "SCALING", "REASON"});
  for (auto& r : env["data"]) {
    json& pods = r["pods"];
    json& s = r["scaling"];
    rows.push_back({{"name", r["name"]},
                    {"forge", r["forge"]},
                    {"cluster", r["cluster"]},
                    {"namespace", r["namespace"]},
                    {"type", r["type"]},
                    {"status", r["status"]},
                    {"status_reason", r["status_reason"]},
                    {"pods", {{"total", pods["total"]}, {"running", pods["running"]}, {"pending", pods["pending"]},
                              {"problems", pods["problems"]}}},
                    {"scaling", {{"model", s["model"]}, {"min", s["min"]}, {"max", s["max"]}, {"current", s["current"]},
                                 {"desired", s["desired"]}, {"at_max", s["at_max"]}}},
                    {"jobs_running", r["jobs"]["running"]},
                    {"stale", r["stale"]}});
    std::string pods_cell = cell(pods["running"]) + "/" + cell(pods["total"]);
    if (pods.value("problems", 0) > 0) pods_cell += " (" + cell(pods["problems"]) + " bad)";
    t.add({str(r, "name"), str(r, "forge"), str(r, "type"), str(r, "status"), pods_cell, cli::scaling_cell(s),
           str(r, "status_reason")});
  }
  json structured = {{"runners", rows}, {"total", meta.value("total", rows.size())},
                     {"next_cursor", meta.value("next_cursor", json())}};
  structured.update(snapshot_facts(meta));
  std::string text = rows.empty() ? "No runner matches.\n" : t.render(0, false);
  text += page_note("list_runners", meta, rows.size(), "runners") + "." + stale_note(meta);
  return tool_result(std::move(structured), std::move(text));
}

// ---- get_runner -----------------------------------------------------------------------

daemon_request plan_get_runner(const json& a) {
  daemon_request r{.target = "/v1/runners/" + api::percent_encode(a["name"].get<std::string>())};
  for (const char* key : {"cluster", "namespace"})
    if (a.contains(key)) api::append_query(r.target, key, a[key].get<std::string>());
  return r;
}

json render_get_runner(json& env, time_point now) {
  json& d = env["data"];
  json& meta = env["meta"];
  // Pods with problems first, so a bounded list never hides the interesting ones.
  std::vector<json> pods;
  for (auto& p : d.value("pod_list", json::array())) pods.push_back(pod_row(p));
  std::stable_partition(pods.begin(), pods.end(), [](json& p) { return !p["problems"].empty(); });
  json shown_pods = json::array();
  for (std::size_t i = 0; i < pods.size() && i < max_detail_pods; ++i) shown_pods.push_back(pods[i]);

  std::map<std::string, int> by_phase;
  int busy = 0;
  for (auto& e : d.value("ephemeral_runners", json::array())) {
    ++by_phase[str(e, "phase").empty() ? "Unknown" : str(e, "phase")];
    if (e.contains("job") && !e["job"].is_null()) ++busy;
  }
  json events = json::array();
  for (auto& e : d.value("events", json::array())) {
    if (events.size() >= max_detail_events) break;
    events.push_back(e);
  }
  json runner = {{"name", d["name"]},
                 {"forge", d["forge"]},
                 {"cluster", d["cluster"]},
                 {"namespace", d["namespace"]},
                 {"type", d["type"]},
                 {"tags", d["tags"]},
                 {"status", d["status"]},
                 {"status_reason", d["status_reason"]},
                 {"stale", d["stale"]},
                 {"scaling", d["scaling"]},
                 {"jobs", d["jobs"]},
                 {"pods", shown_pods},
                 {"pods_total", pods.size()},
                 {"ephemeral_runners", {{"total", d.value("ephemeral_runners", json::array()).size()},
                                        {"busy", busy}, {"by_phase", by_phase}}},
                 {"listener", d.value("listener", json())},
                 {"deployment", d.value("deployment", json())},
                 {"version", d.value("version", json())},
                 {"outdated", d.value("outdated", json())},
                 {"registrations", registration_rows(d["registrations"])},
                 {"events", events}};
  json structured = {{"runner", runner}};
  structured.update(snapshot_facts(meta));

  std::string text = str(d, "name") + " (" + str(d, "forge") + ", " + str(d, "namespace") + " in cluster " +
                     str(d, "cluster") + "): " + str(d, "status") + " - " + str(d, "status_reason") + "\n";
  std::string tags;
  for (auto& t : d.value("tags", json::array())) tags += (tags.empty() ? "" : ", ") + cell(t);
  text += "type " + str(d, "type") + (tags.empty() ? "" : "; tags: " + tags) + "\n";
  json& s = d["scaling"];
  text += "scaling: " + str(s, "model") + (s["autoscaler"].is_string() ? " " + s["autoscaler"].get<std::string>() : "") +
          ", replicas " + cli::scaling_cell(s);
  if (!s["cpu_current"].is_null()) text += ", CPU " + cell(s["cpu_current"]) + "% of target " + cell(s["cpu_target"]) + "%";
  if (s.value("at_max", false)) text += ", AT MAXIMUM";
  text += "\n";
  if (d.contains("deployment") && d["deployment"].is_object())
    text += "deployment: " + cell(d["deployment"]["ready"]) + "/" + cell(d["deployment"]["replicas"]) + " ready\n";
  if (d.contains("listener") && d["listener"].is_object())
    text += "listener: " + str(d["listener"], "name") + (d["listener"].value("pod_ready", false) ? " (ready)" : " (NOT ready)") + "\n";
  if (d["version"].is_string())
    text += "gitlab-runner " + str(d, "version") + (d["outdated"] == true ? " (OUTDATED)" : "") + "\n";
  text += registrations_text(d["registrations"], now);
  if (!by_phase.empty()) {
    text += "ephemeral runners: " + std::to_string(runner["ephemeral_runners"]["total"].get<std::size_t>()) + " (" +
            std::to_string(busy) + " running a job):";
    for (auto& [phase, n] : by_phase) text += " " + phase + " " + std::to_string(n);
    text += "\n";
  }
  text += "pods: " + std::to_string(pods.size()) + (pods.empty() ? "\n" : "\n" + pod_table(shown_pods, now, false));
  if (pods.size() > shown_pods.size())
    text += "(" + std::to_string(shown_pods.size()) + " of " + std::to_string(pods.size()) +
            " pods shown; list_pods with runner=\"" + str(d, "name") + "\" pages through all)\n";
  if (!events.empty()) {
    text += "recent events:\n";
    for (auto& e : events)
      text += "- " + cli::age(e["last_seen"], now) + " ago " + str(e, "type") + " " + str(e, "reason") + " " +
              str(e, "object") + ": " + str(e, "message") + "\n";
  }
  text += stale_note(meta);
  return tool_result(std::move(structured), std::move(text));
}

// ---- list_pods ------------------------------------------------------------------------

result<daemon_request> plan_list_pods(const json& a) {
  daemon_request r{.target = "/v1/pods"};
  for (const char* key : {"namespace", "runner", "phase", "cursor"})
    if (a.contains(key)) api::append_query(r.target, key, a[key].get<std::string>());
  if (a.contains("reason")) {
    if (a.contains("problems") && !a["problems"].get<bool>())
      return make_error(error_code::invalid_argument,
                        "arguments 'reason' and 'problems: false' contradict: a pod showing a problem has problems");
    api::append_query(r.target, "problem", a["reason"].get<std::string>());
  } else if (a.contains("problems")) {
    api::append_query(r.target, "problem", a["problems"].get<bool>() ? "true" : "false");
  }
  api::append_query(r.target, "limit", integer_arg(a, "limit", default_limit));
  return r;
}

json render_list_pods(json& env, time_point now) {
  json& meta = env["meta"];
  json rows = json::array();
  for (auto& p : env["data"]) rows.push_back(pod_row(p));
  json structured = {{"pods", rows}, {"total", meta.value("total", rows.size())},
                     {"next_cursor", meta.value("next_cursor", json())}};
  structured.update(snapshot_facts(meta));
  std::string text = rows.empty() ? "No pod matches.\n" : pod_table(rows, now, true);
  text += page_note("list_pods", meta, rows.size(), "pods") + "." + stale_note(meta);
  return tool_result(std::move(structured), std::move(text));
}

// ---- get_autoscaler_status ------------------------------------------------------------

daemon_request plan_autoscalers(const json& a) {
  daemon_request r{.target = "/v1/autoscalers"};
  for (const char* key : {"runner", "forge"})
    if (a.contains(key)) api::append_query(r.target, key, a[key].get<std::string>());
  return r;
}

json render_autoscalers(json& env, time_point now) {
  json& meta = env["meta"];
  json rows = json::array();
  cli::table t({"AUTOSCALER", "KIND", "RUNNER", "REPLICAS", "CPU/TARGET", "LAST SCALE", "NOTE"});
  std::string details;
  for (auto& a : env["data"]) {
    json events = json::array();
    for (auto& e : a.value("recent_events", json::array())) {
      if (events.size() >= max_scaling_events) break;
      events.push_back({{"reason", e["reason"]}, {"message", e["message"]}, {"last_seen", e["last_seen"]}});
    }
    rows.push_back({{"name", a["name"]},
                    {"kind", a["kind"]},
                    {"runner", a["runner"]},
                    {"forge", a["forge"]},
                    {"namespace", a["namespace"]},
                    {"min", a["min"]},
                    {"max", a["max"]},
                    {"current", a["current"]},
                    {"desired", a["desired"]},
                    {"at_max", a["at_max"]},
                    {"cpu_current", a["cpu_current"]},
                    {"cpu_target", a["cpu_target"]},
                    {"memory_current", a["memory_current"]},
                    {"memory_target", a["memory_target"]},
                    {"pending_runners", a["pending_runners"]},
                    {"running_runners", a["running_runners"]},
                    {"failed_runners", a["failed_runners"]},
                    {"last_scale_time", a["last_scale_time"]},
                    {"conditions", a.value("conditions", json::array())},
                    {"recent_events", events}});
    std::string note = a.value("at_max", false) ? "at max" : "";
    for (auto& c : a.value("conditions", json::array()))
      if (str(c, "status") == "False" && str(c, "type") != "ScalingLimited")
        note += (note.empty() ? "" : "; ") + str(c, "type") + "=False (" + str(c, "reason") + ")";
    std::string cpu = a["cpu_current"].is_null() ? "-" : cell(a["cpu_current"]) + "%/" + cell(a["cpu_target"]) + "%";
    t.add({str(a, "name"), str(a, "kind") == "HorizontalPodAutoscaler" ? "HPA" : "ARC", str(a, "runner"),
           cli::scaling_cell(a), cpu, cli::age(a["last_scale_time"], now), note.empty() ? "-" : note});
    for (auto& e : events)
      details += "- " + str(a, "name") + ", " + cli::age(e["last_seen"], now) + " ago: " + str(e, "reason") + " " +
                 str(e, "message") + "\n";
  }
  json structured = {{"autoscalers", rows}, {"total", rows.size()}};
  structured.update(snapshot_facts(meta));
  std::string text = rows.empty() ? "No autoscaler matches.\n" : t.render(0, false);
  if (!details.empty()) text += "recent scaling events:\n" + details;
  text += stale_note(meta);
  return tool_result(std::move(structured), std::move(text));
}

// ---- get_health -----------------------------------------------------------------------

json render_health(json& env, time_point now) {
  json& d = env["data"];
  json sources = json::array();
  cli::table t({"SOURCE", "STATE", "LAST SUCCESS", "DETAIL", "LAST ERROR"});
  for (auto& s : d.value("sources", json::array())) {
    json err = s.value("last_error", json());
    json message = err.is_object() ? err["message"] : json();
    json when = err.is_object() ? err["time"] : json();
    sources.push_back({{"name", s["name"]}, {"kind", s["kind"]}, {"state", s["state"]},
                       {"last_success", s["last_success"]}, {"last_error", message}, {"last_error_time", when},
                       {"detail", s["detail"]}});
    t.add({str(s, "name"), str(s, "state"), cli::age(s["last_success"], now) + " ago", str(s, "detail"),
           message.is_string() ? message.get<std::string>() : "-"});
  }
  json structured = {{"status", d["status"]},       {"version", d["version"]},
                     {"uptime_s", d["uptime_s"]},   {"generation", as_string(d["generation"])},
                     {"snapshot_built_at", d["snapshot_built_at"]}, {"sources", sources}};
  std::string text = "runnerfleetd " + str(d, "version") + ": " + str(d, "status") + ", up " + cell(d["uptime_s"]) +
                     " s, snapshot generation " + cell(d["generation"]) + "\n" + t.render(0, false);
  return tool_result(std::move(structured), std::move(text));
}

// ---- list_events ----------------------------------------------------------------------

daemon_request plan_events(const json& a) {
  daemon_request r{.target = "/v1/events"};
  for (const char* key : {"since", "kind", "runner"})
    if (a.contains(key)) api::append_query(r.target, key, a[key].get<std::string>());
  api::append_query(r.target, "limit", integer_arg(a, "limit", default_limit));
  return r;
}

json render_events(json& env, time_point now) {
  json& meta = env["meta"];
  json rows = json::array();
  cli::table t({"AGE", "SEVERITY", "KIND", "RUNNER", "MESSAGE"});
  for (auto& e : env["data"]) {
    rows.push_back({{"id", as_string(e["id"])}, {"time", e["time"]}, {"kind", e["kind"]}, {"severity", e["severity"]},
                    {"runner", e["runner"]}, {"object", e["object"]}, {"reason", e["reason"]}, {"message", e["message"]}});
    t.add({cli::age(e["time"], now), str(e, "severity"), str(e, "kind"), cell(e["runner"]), str(e, "message")});
  }
  json structured = {{"events", rows}, {"total", meta.value("total", rows.size())},
                     {"returned", rows.size()}, {"last_event_id", as_string(meta.value("last_event_id", json(0)))}};
  std::string text = rows.empty() ? "No event matches.\n" : t.render(0, false);
  text += "showing " + std::to_string(rows.size()) + " of " + cell(meta.value("total", json(rows.size()))) +
          " events, newest first" + (rows.size() < meta.value("total", rows.size()) ? " (raise limit or narrow with since/kind/runner)" : "") + ".";
  return tool_result(std::move(structured), std::move(text));
}

using plan_fn = result<daemon_request> (*)(const json&);
using render_fn = json (*)(json&, const json&, time_point);

struct tool_impl {
  std::string_view name;
  plan_fn plan;
  render_fn render;
  bool viewer = true;  ///< a viewer may make its daemon call (the GitOps routes need an operator)
};

template <daemon_request (*Plan)(const json&)>
result<daemon_request> always(const json& a) {
  return Plan(a);
}

/// Most answers are bounded by the daemon route itself; their rendering needs no arguments.
template <json (*Render)(json&, time_point)>
json answer(json& envelope, const json&, time_point now) {
  return Render(envelope, now);
}

daemon_request plan_health(const json&) { return {.target = "/v1/health"}; }

const std::vector<tool_impl>& registry() {
  static const std::vector<tool_impl> tools = {
      {"list_runners", always<plan_list_runners>, answer<render_list_runners>},
      {"get_runner", always<plan_get_runner>, answer<render_get_runner>},
      {"pause_runner", always<plan_pause_runner>, answer<render_mutation>},
      {"resume_runner", always<plan_resume_runner>, answer<render_mutation>},
      {"list_pods", plan_list_pods, answer<render_list_pods>},
      {"get_autoscaler_status", always<plan_autoscalers>, answer<render_autoscalers>},
      {"get_fleet_metrics", always<plan_fleet_metrics>, answer<render_fleet_metrics>},
      {"get_runner_metrics", always<plan_runner_metrics>, answer<render_runner_metrics>},
      {"get_drift", always<plan_drift>, render_drift, false},
      {"get_runner_config", always<plan_runner_config>, answer<render_runner_config>, false},
      {"submit_config_change", plan_config_change, answer<render_config_change>, false},
      {"get_health", always<plan_health>, answer<render_health>},
      {"list_events", always<plan_events>, answer<render_events>},
  };
  return tools;
}

const tool_impl* find(std::string_view name) {
  for (const auto& t : registry())
    if (t.name == name) return &t;
  return nullptr;
}

json error_text_result(std::string text) {
  return {{"content", json::array({{{"type", "text"}, {"text", std::move(text)}}})}, {"isError", true}};
}

/// The socket failed: the daemon is down, its socket is closed to us, or it did not answer.
std::string transport_failure_text(std::string_view tool, const error& e) {
  switch (e.code) {
    case error_code::unavailable:
      // The client's message names the socket path; that stays in runnerfleet-mcp's log.
      return "The runnerfleet daemon is not reachable (is runnerfleetd running?). Nothing about the fleet can be "
             "read until it runs again; an operator can check it with `runnerfleet health` or start runnerfleetd.";
    case error_code::timeout:
      return "The runnerfleet daemon did not answer " + std::string(tool) + " in time. Try again; if it persists, "
             "call get_health.";
    case error_code::permission_denied:
      return "runnerfleet-mcp may not open the daemon's socket (permission denied); the user running it needs the "
             "socket's group.";
    default: return "The call to the runnerfleet daemon failed (" + std::string(to_string(e.code)) + "); try again.";
  }
}

}  // namespace

const std::vector<std::string_view>& implemented_tools() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& t : registry()) out.push_back(t.name);
    return out;
  }();
  return names;
}

const std::vector<std::string_view>& viewer_tools() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& t : registry())
      if (t.viewer) out.push_back(t.name);
    return out;
  }();
  return names;
}

result<daemon_request> plan_tool_call(std::string_view tool, const json& arguments) {
  const auto* t = find(tool);
  if (!t) return make_error(error_code::not_found, "no tool named '" + std::string(tool) + "'");
  return t->plan(arguments);
}

json render_tool_result(std::string_view tool, json envelope, const json& arguments, time_point now) {
  const auto* t = find(tool);
  if (!t) return error_text_result("no tool named '" + std::string(tool) + "'");
  if (!envelope.is_object() || !envelope.contains("data") || !envelope.contains("meta") || !envelope["meta"].is_object())
    return error_text_result("runnerfleetd answered without the {data, meta} envelope; this is a daemon defect, "
                             "report it with `runnerfleet " + std::string(tool) + "` output");
  try {
    return t->render(envelope, arguments, now);  // non-const access: a missing key reads as null
  } catch (const json::exception& e) {
    return error_text_result("runnerfleetd's answer for " + std::string(tool) + " had an unexpected shape (" + e.what() +
                             "); check that runnerfleetd and runnerfleet-mcp are the same version");
  }
}

json tool_error_result(std::string_view tool, const error& e, failure_origin origin) {
  if (origin == failure_origin::transport) return error_text_result(transport_failure_text(tool, e));
  if (auto gitops = gitops_error_text(tool, e)) return error_text_result(std::move(*gitops));
  std::string text;
  switch (e.code) {
    case error_code::unavailable:
      text = std::string(tool) + " cannot answer now: " + e.message + ". get_health shows the sources' state.";
      break;
    case error_code::timeout:
      text = "An upstream did not answer " + std::string(tool) + " in time (" + e.message +
             "). Try again; if it persists, call get_health.";
      break;
    case error_code::permission_denied:
      text = "The daemon refused " + std::string(tool) + ": " + e.message +
             ". The user running runnerfleet-mcp lacks the role (or runnerfleet-mcp runs with --read-only); an "
             "admin maps users to roles in the daemon's config.";
      break;
    case error_code::invalid_argument: text = "Invalid arguments for " + std::string(tool) + ": " + e.message; break;
    case error_code::not_found:
      // The daemon's own wording points at its HTTP routes; a model needs the tool instead.
      if (e.details.contains("runner") && e.details["runner"].is_string())
        text = "no runner named '" + e.details["runner"].get<std::string>() +
               "'; list_runners shows the runners that exist (q= filters by name).";
      else
        text = e.message + ". list_runners and list_pods show what exists.";
      break;
    case error_code::upstream_error:
      text = "An upstream source failed: " + e.message + ". get_health shows which source is down.";
      break;
    default: text = std::string(tool) + " failed: " + e.message; break;
  }
  return error_text_result(std::move(text));
}

json invalid_arguments_result(std::string_view tool, const std::string& problem) {
  return error_text_result("Invalid arguments for " + std::string(tool) + ": " + problem +
                           ". Fix the argument and call again; the tool's inputSchema lists what it accepts.");
}

}  // namespace runnerfleet::mcp
