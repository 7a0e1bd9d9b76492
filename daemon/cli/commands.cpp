// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/commands.hpp"

#include "common/api/query.hpp"
#include "daemon/cli/format.hpp"
#include "daemon/cli/table.hpp"

#include <iostream>
#include <variant>

namespace runnerfleet::cli {

using nlohmann::json;

namespace {


std::string list_target(const std::string& path, const list_args& a, bool runners) {
  std::string t = path;
  api::append_query(t, "forge", a.forge);
  api::append_query(t, "status", a.status);
  api::append_query(t, "type", a.type);
  api::append_query(t, "tag", a.tag);
  api::append_query(t, "q", a.q);
  api::append_query(t, "runner", a.runner);
  api::append_query(t, "namespace", a.ns);
  api::append_query(t, "phase", a.phase);
  if (!runners && a.problems) api::append_query(t, "problem", "true");
  if (a.limit) api::append_query(t, "limit", std::to_string(*a.limit));
  return t;
}

void print_footer(const json& meta, const std::string& what) {
  auto returned = meta.value("returned", 0);
  auto total = meta.value("total", 0);
  if (meta.contains("next_cursor") && meta["next_cursor"].is_string())
    std::cout << "showing " << returned << " of " << total << " " << what << "; pass --all for every page\n";
  else if (total != returned)
    std::cout << "showing " << returned << " of " << total << " " << what << "\n";
}

void warn_stale(const json& meta) {
  if (meta.contains("stale_sources") && !meta["stale_sources"].empty())
    std::cerr << "runnerfleet: warning: stale data from " << meta["stale_sources"].dump()
              << " (the source is down or degraded; showing the last good data)\n";
}

std::string problems_cell(const json& problems) {
  std::string out;
  for (const auto& p : problems) out += (out.empty() ? "" : ",") + p.value("reason", "");
  return out.empty() ? "-" : out;
}

/// Fetches an envelope (every page with `all`). Returns the exit status when the command is
/// already done (an error was printed, or --json printed the envelope), else the envelope.
std::variant<int, json> fetch(const session& s, const std::string& target, bool all = false) {
  auto r = all ? s.get_all(target) : s.get(target);
  if (!r) return s.fail(r.failure());
  if (s.opts().json) {
    s.print_json(*r);
    return exit_ok;
  }
  warn_stale((*r)["meta"]);
  return std::move(*r);
}

time_point now() { return clock::now(); }

}  // namespace

int exit_for(error_code code) {
  switch (code) {
    case error_code::invalid_argument: return exit_usage;
    case error_code::unavailable:
    case error_code::timeout: return exit_unreachable;
    case error_code::permission_denied: return exit_denied;
    case error_code::not_found: return exit_not_found;
    default: return exit_error;
  }
}


client::headers session::extra_headers() const {
  client::headers h;
  if (!opts_.role.empty()) h.emplace_back("X-Runnerfleet-Role", opts_.role);
  return h;
}

result<json> session::get(const std::string& target) const {
  auto r = client::request_blocking(opts_.socket, "GET", target, extra_headers(), opts_.timeout);
  if (!r) return r.take_failure();
  return client::decode_envelope(*r);
}

result<json> session::post(const std::string& target, const json& body) const {
  auto headers = extra_headers();
  headers.emplace_back("Content-Type", "application/json");
  auto r = client::request_blocking(opts_.socket, "POST", target, headers, opts_.timeout, body.dump());
  if (!r) return r.take_failure();
  return client::decode_envelope(*r);
}

result<json> session::get_all(const std::string& target) const {
  auto first = get(target);
  if (!first) return first;
  json merged = *first;
  while (merged["meta"].value("next_cursor", json()).is_string()) {
    auto cursor = merged["meta"]["next_cursor"].get<std::string>();
    auto page = get(target + (target.find('?') == std::string::npos ? "?" : "&") + "cursor=" + api::percent_encode(cursor));
    if (!page) return page;
    for (auto& item : (*page)["data"]) merged["data"].push_back(std::move(item));
    merged["meta"]["next_cursor"] = (*page)["meta"]["next_cursor"];
  }
  merged["meta"]["returned"] = merged["data"].size();
  return merged;
}

int session::fail(const error& e) const {
  std::cerr << "runnerfleet: " << e.message << "\n";
  return exit_for(e.code);
}

void session::print_json(const json& envelope) const { std::cout << envelope.dump(2) << "\n"; }

int cmd_runners(const session& s, const list_args& a) {
  auto target = list_target("/v1/runners", a, true);
  auto fetched = fetch(s, target, a.all);
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  auto* r = &std::get<json>(fetched);
  table t({"NAME", "FORGE", "TYPE", "STATUS", "SCALING", "PODS", "PROBLEMS", "JOBS", "REASON"});
  for (const auto& runner : (*r)["data"]) {
    const auto& pods = runner["pods"];
    std::string status = runner.value("status", "") + (runner.value("stale", false) ? " (stale)" : "");
    t.add({runner.value("name", ""), runner.value("forge", ""), runner.value("type", ""), status,
           scaling_cell(runner["scaling"]),
           std::to_string(pods.value("running", 0)) + "/" + std::to_string(pods.value("total", 0)),
           std::to_string(pods.value("problems", 0)), text(runner["jobs"]["running"]), runner.value("status_reason", "")},
          {tone::plain, tone::plain, tone::plain, tone_of(runner.value("status", ""))});
  }
  std::cout << t.render(s.opts().width, s.opts().color);
  print_footer((*r)["meta"], "runners");
  return exit_ok;
}

int cmd_pods(const session& s, const list_args& a) {
  auto target = list_target("/v1/pods", a, false);
  auto fetched = fetch(s, target, a.all);
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  auto* r = &std::get<json>(fetched);
  table t({"NAMESPACE", "NAME", "RUNNER", "PHASE", "READY", "RESTARTS", "AGE", "PROBLEMS"});
  for (const auto& p : (*r)["data"]) {
    auto problems = problems_cell(p["problems"]);
    t.add({p.value("namespace", ""), p.value("name", ""), text(p["runner"]), p.value("phase", ""), p.value("ready", ""),
           std::to_string(p.value("restarts", 0)), age(p["created"], now()), problems},
          {tone::plain, tone::plain, tone::plain, tone_of(p.value("phase", "")), tone::plain, tone::plain, tone::plain,
           problems == "-" ? tone::plain : tone::bad});
  }
  std::cout << t.render(s.opts().width, s.opts().color);
  print_footer((*r)["meta"], "pods");
  return exit_ok;
}

int cmd_runner(const session& s, const std::string& name) {
  auto fetched = fetch(s, "/v1/runners/" + api::percent_encode(name));
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  auto* r = &std::get<json>(fetched);
  const auto& d = (*r)["data"];
  bool c = s.opts().color;
  const auto& sc = d["scaling"];
  std::cout << d.value("name", "") << "  " << paint(d.value("status", ""), tone_of(d.value("status", "")), c) << "  "
            << d.value("status_reason", "") << "\n"
            << "  forge " << d.value("forge", "") << ", type " << d.value("type", "") << ", cluster "
            << d.value("cluster", "") << ", namespace " << d.value("namespace", "") << "\n";
  if (!d["tags"].empty()) std::cout << "  tags " << d["tags"].dump() << "\n";
  if (d["version"].is_string())
    std::cout << "  gitlab-runner " << d["version"].get<std::string>()
              << (d["outdated"].is_boolean() && d["outdated"].get<bool>() ? " (outdated)" : "") << "\n";
  std::cout << "  scaling " << sc.value("model", "none") << " " << text(sc["autoscaler"]) << ": current "
            << text(sc["current"]) << ", desired " << text(sc["desired"]) << ", min " << text(sc["min"]) << ", max "
            << text(sc["max"]);
  if (sc.value("model", "") == "hpa")
    std::cout << ", cpu " << text(sc["cpu_current"]) << "%/" << text(sc["cpu_target"]) << "%, windows up "
              << text(sc["scale_up_window_s"]) << "s down " << text(sc["scale_down_window_s"]) << "s";
  if (sc.value("model", "") == "arc")
    std::cout << ", runners pending " << text(sc["pending_runners"]) << " running " << text(sc["running_runners"])
              << " failed " << text(sc["failed_runners"]);
  std::cout << "\n";
  for (const auto& cond : sc.value("conditions", json::array()))
    std::cout << "    " << cond.value("type", "") << "=" << cond.value("status", "") << " " << cond.value("reason", "")
              << ": " << cond.value("message", "") << "\n";
  if (d["listener"].is_object())
    std::cout << "  listener " << d["listener"].value("namespace", "") << "/" << d["listener"].value("name", "")
              << (d["listener"].value("pod_ready", false) ? " (ready)" : " (not ready)") << "\n";
  if (d["deployment"].is_object())
    std::cout << "  deployment " << d["deployment"].value("name", "") << ": " << d["deployment"].value("ready", 0) << "/"
              << d["deployment"].value("replicas", 0) << " ready\n";
  std::cout << "\n";
  table pods({"POD", "ROLE", "PHASE", "READY", "RESTARTS", "AGE", "PROBLEMS"});
  for (const auto& p : d["pod_list"]) {
    auto problems = problems_cell(p["problems"]);
    pods.add({p.value("name", ""), text(p["role"]), p.value("phase", ""), p.value("ready", ""),
              std::to_string(p.value("restarts", 0)), age(p["created"], now()), problems},
             {tone::plain, tone::plain, tone_of(p.value("phase", "")), tone::plain, tone::plain, tone::plain,
              problems == "-" ? tone::plain : tone::bad});
  }
  std::cout << pods.render(s.opts().width, c);
  if (!d["ephemeral_runners"].empty()) {
    table ers({"EPHEMERAL RUNNER", "PHASE", "JOB"});
    for (const auto& e : d["ephemeral_runners"])
      ers.add({e.value("name", ""), e.value("phase", ""),
               e["job"].is_object() ? e["job"].value("repository", "") + " " + e["job"].value("display_name", "") : "-"});
    std::cout << "\n" << ers.render(s.opts().width, c);
  }
  if (d["registrations"].is_array()) {
    table regs({"REGISTRATION", "GITLAB STATUS", "PAUSED", "VERSION", "JOBS", "LAST CONTACT", "MATCHED BY"});
    for (const auto& g : d["registrations"])
      regs.add({"#" + std::to_string(g.value("id", 0)) + " " + g.value("description", ""), g.value("status", ""),
                g.value("paused", false) ? "yes" : "no", text(g["version"]), text(g["running_jobs"]),
                age(g["contacted_at"], now()), text(g["matched_by"])},
               {tone::plain, tone_of(g.value("status", ""))});
    if (d["registrations"].empty()) std::cout << "\n  no GitLab registration matches this release\n";
    else std::cout << "\n" << regs.render(s.opts().width, c);
  }
  if (!d["events"].empty()) {
    table ev({"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"});
    for (const auto& e : d["events"])
      ev.add({age(e["last_seen"], now()), e.value("type", ""), e.value("reason", ""), e.value("object", ""),
              e.value("message", "")},
             {tone::plain, e.value("type", "") == "Warning" ? tone::warn : tone::plain});
    std::cout << "\n" << ev.render(s.opts().width, c);
  }
  return exit_ok;
}

int cmd_autoscalers(const session& s, const std::string& forge) {
  std::string target = "/v1/autoscalers";
  api::append_query(target, "forge", forge);
  auto fetched = fetch(s, target);
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  auto* r = &std::get<json>(fetched);
  table t({"NAME", "KIND", "RUNNER", "MIN", "MAX", "CURRENT", "DESIRED", "CPU", "AT MAX", "LAST SCALE"});
  for (const auto& a : (*r)["data"]) {
    std::string cpu = a["cpu_target"].is_null() ? "-" : text(a["cpu_current"]) + "%/" + text(a["cpu_target"]) + "%";
    t.add({a.value("name", ""), a.value("kind", ""), a.value("runner", ""), text(a["min"]), text(a["max"]),
           text(a["current"]), text(a["desired"]), cpu, a.value("at_max", false) ? "yes" : "no",
           age(a["last_scale_time"], now())},
          {tone::plain, tone::plain, tone::plain, tone::plain, tone::plain, tone::plain, tone::plain, tone::plain,
           a.value("at_max", false) ? tone::warn : tone::plain});
  }
  std::cout << t.render(s.opts().width, s.opts().color);
  return exit_ok;
}

int cmd_events(const session& s, const std::string& since, const std::string& kind, const std::string& runner,
               std::optional<int> limit) {
  std::string target = "/v1/events";
  api::append_query(target, "since", since);
  api::append_query(target, "kind", kind);
  api::append_query(target, "runner", runner);
  if (limit) api::append_query(target, "limit", std::to_string(*limit));
  auto fetched = fetch(s, target);
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  auto* r = &std::get<json>(fetched);
  table t({"TIME", "SEVERITY", "KIND", "RUNNER", "MESSAGE"});
  auto& events = (*r)["data"];
  for (auto it = events.rbegin(); it != events.rend(); ++it)  // oldest first, like a log
    t.add({it->value("time", ""), it->value("severity", ""), it->value("kind", ""), text((*it)["runner"]),
           it->value("message", "")},
          {tone::plain, tone_of(it->value("severity", ""))});
  std::cout << t.render(s.opts().width, s.opts().color);
  return exit_ok;
}

int cmd_logs(const session& s, const std::string& pod, const std::string& container, std::optional<int> tail) {
  auto slash = pod.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == pod.size()) {
    std::cerr << "runnerfleet: logs takes NAMESPACE/POD, got '" << pod << "'\n";
    return exit_usage;
  }
  std::string target = "/v1/pods/" + api::percent_encode(pod.substr(0, slash)) + "/" + api::percent_encode(pod.substr(slash + 1)) + "/log";
  api::append_query(target, "container", container);
  if (tail) api::append_query(target, "tail", std::to_string(*tail));
  auto fetched = fetch(s, target);
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  auto* r = &std::get<json>(fetched);
  for (const auto& line : (*r)["data"]["lines"]) std::cout << line.get<std::string>() << "\n";
  if ((*r)["data"].value("truncated", false)) std::cerr << "runnerfleet: log truncated at the size limit\n";
  return exit_ok;
}

int cmd_whoami(const session& s) {
  auto fetched = fetch(s, "/v1/whoami");
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  auto* r = &std::get<json>(fetched);
  const auto& d = (*r)["data"];
  std::cout << d.value("user", "") << " (uid " << d.value("uid", 0) << "), role " << text(d["role"]);
  if (d.value("lowered", false)) std::cout << " (lowered from " << text(d["granted_role"]) << ")";
  std::cout << "\n  groups " << d["groups"].dump() << "\n";
  return exit_ok;
}

namespace {

void print_sources(const json& sources, bool color) {
  table t({"SOURCE", "STATE", "LAST SUCCESS", "DETAIL"});
  for (const auto& src : sources) {
    std::string detail = src.value("detail", "");
    if (src["last_error"].is_object() && src.value("state", "") != "ok")
      detail += "; last error: " + src["last_error"].value("message", "");
    t.add({src.value("name", ""), src.value("state", ""), age(src["last_success"], clock::now()) + " ago", detail},
          {tone::plain, tone_of(src.value("state", ""))});
  }
  std::cout << t.render(terminal_width(), color);
}

}  // namespace

int cmd_health(const session& s) {
  auto fetched = fetch(s, "/v1/health");
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  auto* r = &std::get<json>(fetched);
  const auto& d = (*r)["data"];
  std::cout << "runnerfleetd " << d.value("version", "") << ": " << paint(d.value("status", ""), tone_of(d.value("status", "") == "degraded" ? "degraded" : "ok"), s.opts().color)
            << ", generation " << text(d["generation"]) << ", up " << d.value("uptime_s", 0) << "s\n";
  print_sources(d["sources"], s.opts().color);
  return exit_ok;
}

int cmd_status(const session& s) {
  auto fleet = s.get("/v1/fleet");
  if (!fleet) return s.fail(fleet.failure());
  auto health = s.get("/v1/health");
  if (!health) return s.fail(health.failure());
  if (s.opts().json) {
    s.print_json({{"data", {{"fleet", (*fleet)["data"]}, {"health", (*health)["data"]}}}, {"meta", (*fleet)["meta"]}});
    return exit_ok;
  }
  warn_stale((*fleet)["meta"]);
  bool c = s.opts().color;
  const auto& f = (*fleet)["data"];
  const auto& meta = (*fleet)["meta"];
  std::cout << "Fleet  generation " << text(meta["generation"]) << ", " << text(meta["snapshot_age_ms"]) << " ms old\n";
  std::cout << "Runners  " << f["runners"].value("total", 0) << " total";
  for (const auto& forge : {"gitlab", "github"}) {
    const auto& by = f["runners"]["by_forge"][forge];
    std::cout << "   " << forge << " " << by.value("total", 0);
    std::string parts;
    for (const auto& [status, n] : by["by_status"].items())
      parts += (parts.empty() ? "" : ", ") + paint(status, tone_of(status), c) + " " + std::to_string(n.get<int>());
    if (!parts.empty()) std::cout << " (" << parts << ")";
  }
  std::cout << "\nPods     " << f["pods"].value("total", 0) << " total   ";
  std::string phases;
  for (const auto& [phase, n] : f["pods"]["by_phase"].items())
    if (n.get<int>() > 0) phases += (phases.empty() ? "" : ", ") + phase + " " + std::to_string(n.get<int>());
  std::cout << phases << "   with problems " << f["pods"].value("with_problems", 0);
  std::string problems;
  for (const auto& [reason, n] : f["pods"]["by_problem"].items())
    problems += (problems.empty() ? "" : ", ") + reason + " " + std::to_string(n.get<int>());
  if (!problems.empty()) std::cout << " (" << problems << ")";
  std::cout << "\nJobs     running " << text(f["jobs"]["running"]) << ", queued " << text(f["jobs"]["pending"]) << "\n";
  if (!f["attention"].empty()) {
    std::cout << "\nNeeds attention\n";
    table t({"SEVERITY", "RUNNER", "REASON", "MESSAGE"});
    for (const auto& a : f["attention"])
      t.add({a.value("severity", ""), a.value("runner", ""), a.value("reason", ""), a.value("message", "")},
            {tone_of(a.value("severity", ""))});
    std::cout << t.render(s.opts().width, c);
  }
  std::cout << "\n";
  print_sources((*health)["data"]["sources"], c);
  return exit_ok;
}

int cmd_check(const session& s) {
  auto r = s.get("/v1/health");
  if (!r) return s.fail(r.failure());
  const auto& d = (*r)["data"];
  bool healthy = !d["generation"].is_null() && !d["sources"].empty();
  for (const auto& src : d["sources"]) {
    auto state = src.value("state", "");
    bool ok = state == "ok" || state == "not_configured";  // an unconfigured source is a choice, not a fault
    healthy = healthy && ok;
    std::cout << (state == "not_configured" ? "off   " : ok ? "ok    " : "FAIL  ") << src.value("name", "") << ": " << src.value("state", "") << " ("
              << src.value("detail", "") << ")";
    if (!ok && src["last_error"].is_object()) std::cout << ": " << src["last_error"].value("message", "");
    std::cout << "\n";
  }
  if (d["generation"].is_null()) std::cout << "FAIL  no snapshot built yet\n";
  if (!healthy) {
    std::cerr << "runnerfleet: check failed: daemon status " << d.value("status", "") << "\n";
    return exit_check_failed;
  }
  std::cout << "runnerfleetd is healthy (generation " << text(d["generation"]) << ")\n";
  return exit_ok;
}

}  // namespace runnerfleet::cli
