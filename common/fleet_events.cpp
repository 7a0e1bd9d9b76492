// SPDX-License-Identifier: Apache-2.0
#include "common/fleet_events.hpp"

#include "common/fleet_metrics.hpp"
#include "common/gitops/desired_state.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

namespace runnerfleet {
namespace {

std::string severity_of_status(const std::string& status) {
  if (status == "offline") return "error";
  if (status == "degraded" || status == "unknown") return "warning";
  return "info";
}

std::string to_text(const std::optional<int>& v) { return v ? std::to_string(*v) : "-"; }

std::string runner_key(const runner_view& r) { return r.cluster + "/" + r.ns + "/" + r.name; }

void diff_sources(const snapshot& before, const snapshot& after, std::vector<fleet_event>& out) {
  std::map<std::string, const source_view*> old;
  for (const auto& s : before.sources) old[s.name] = &s;
  for (const auto& s : after.sources) {
    auto it = old.find(s.name);
    std::string was = it == old.end() ? "absent" : it->second->state;
    if (was == s.state) continue;
    fleet_event e;
    e.kind = "source";
    e.severity = s.state == "down" ? "error" : s.state == "degraded" ? "warning" : "info";
    e.object = s.name;
    e.reason = s.state;
    e.message = "source " + s.name + " is " + s.state + " (was " + was + ")";
    if (!s.last_error.empty() && s.state != "ok") e.message += ": " + s.last_error;
    out.push_back(std::move(e));
  }
}

/// An SLO that starts breaching (warning) or stops (info); no_data changes are not news.
void diff_slo(const snapshot* before, const snapshot& after, std::vector<fleet_event>& out) {
  if (!after.metrics) return;
  auto key = [](const slo_result& r) { return r.objective + "|" + r.scope + "|" + r.forge + "|" + r.cluster + "|" + r.runner; };
  std::map<std::string, const slo_result*> old;
  if (before && before->metrics)
    for (const auto& r : before->metrics->slo) old[key(r)] = &r;
  for (const auto& r : after.metrics->slo) {
    auto it = old.find(key(r));
    bool was_breached = it != old.end() && it->second->state == "breached";
    bool breached = r.state == "breached";
    if (was_breached == breached || (!breached && r.state != "met")) continue;
    fleet_event e;
    e.kind = "slo";
    e.severity = breached ? "warning" : "info";
    e.runner = r.runner;
    e.cluster = r.cluster;
    e.object = "SLO/" + r.objective + (r.runner.empty() ? "/" + r.forge : "");
    e.reason = breached ? "breached" : "recovered";
    e.message = r.message;
    out.push_back(std::move(e));
  }
}

/// A drift item that appears (or whose values change) and one that resolves.
void diff_drift(const snapshot& before, const snapshot& after, std::vector<fleet_event>& out) {
  if (!before.desired || !after.desired) return;  // GitOps' first read is not news
  auto key = [](const drift_item& d) {
    return d.kind + "|" + d.runner + "|" + d.cluster + "|" + d.forge + "|" + d.key + "|" + d.file;
  };
  std::map<std::string, const drift_item*> old;
  for (const auto& d : before.drift) old[key(d)] = &d;
  auto event = [](const drift_item& d, std::string severity, std::string reason, std::string message) {
    fleet_event e;
    e.kind = "drift";
    e.severity = std::move(severity);
    e.runner = d.runner;
    e.cluster = d.cluster;
    e.ns = d.ns;
    e.object = d.key.empty() ? d.file : d.key;
    e.reason = std::move(reason);
    e.message = std::move(message);
    return e;
  };
  for (const auto& d : after.drift) {
    auto it = old.find(key(d));
    if (it != old.end()) {
      bool same = *it->second == d;
      old.erase(it);
      if (same) continue;
    }
    out.push_back(event(d, d.severity, "drift_" + d.kind, d.message));
  }
  // An item whose file (or, for an undeclared runner, whose cluster's file) cannot be read now
  // is unknown, not resolved: its file's `file` error says so instead.
  std::set<std::string> unreadable_files, unreadable_clusters;
  for (const auto& f : after.desired->files)
    if (!f.doc) {
      unreadable_files.insert(f.path);
      unreadable_clusters.insert(f.cluster);
    }
  for (const auto& [_, d] : old) {
    if (unreadable_files.contains(d->file) || (d->file.empty() && unreadable_clusters.contains(d->cluster))) continue;
    out.push_back(event(*d, "info", "drift_resolved",
                        (d->key.empty() ? d->kind : d->key) + ": resolved, live state matches the tfvars again"));
  }
}

/// An event about something a runner (or a pod) owns.
fleet_event make_event(std::string kind, std::string severity, const std::string& runner, const std::string& cluster,
                       const std::string& ns, std::string reason, std::string message) {
  fleet_event e;
  e.kind = std::move(kind);
  e.severity = std::move(severity);
  e.runner = runner;
  e.cluster = cluster;
  e.ns = ns;
  e.reason = std::move(reason);
  e.message = std::move(message);
  return e;
}

fleet_event runner_event(const runner_view& r, std::string kind, std::string severity,
                         std::string reason, std::string message) {
  return make_event(std::move(kind), std::move(severity), r.name, r.cluster, r.ns, std::move(reason), std::move(message));
}

void diff_scaling(const runner_view& a, const runner_view& b, std::vector<fleet_event>& out) {
  const auto& x = a.scaling;
  const auto& y = b.scaling;
  if (x.desired == y.desired && x.current == y.current) return;
  auto e = runner_event(b, "scaling", "info", "Rescaled",
                        b.name + " scaled: current " + to_text(x.current) + " → " + to_text(y.current) +
                            ", desired " + to_text(x.desired) + " → " + to_text(y.desired));
  e.object = (y.model == "hpa" ? "HorizontalPodAutoscaler/" : "AutoscalingRunnerSet/") + y.autoscaler;
  if (y.at_max && !x.at_max) {
    e.severity = "warning";
    e.message += " (at maximum " + to_text(y.max) + ")";
  }
  out.push_back(std::move(e));
}

void diff_kube_events(const runner_view* a, const runner_view& b, std::vector<fleet_event>& out) {
  std::unordered_map<std::string, int> old_counts;
  if (a)
    for (const auto& e : a->kube_events) old_counts[e.uid] = e.count;
  for (const auto& k : b.kube_events) {
    bool interesting = k.type == "Warning" || k.reason == "SuccessfulRescale";
    if (!interesting) continue;
    auto it = old_counts.find(k.uid);
    if (it != old_counts.end() && it->second >= k.count) continue;
    if (!a && it == old_counts.end()) continue;  // a runner that just appeared: history, not news
    auto e = runner_event(b, "kube_event", k.type == "Warning" ? "warning" : "info", k.reason, k.message);
    e.object = k.object_kind + "/" + k.object_name;
    if (k.last_seen) e.time = *k.last_seen;
    out.push_back(std::move(e));
  }
}

void diff_runners(const snapshot& before, const snapshot& after, std::vector<fleet_event>& out) {
  std::unordered_map<std::string, const runner_view*> old;
  for (const auto& r : before.runners) old[runner_key(r)] = &r;
  std::set<std::string> seen;
  for (const auto& r : after.runners) {
    auto key = runner_key(r);
    seen.insert(key);
    auto it = old.find(key);
    if (it == old.end()) {
      out.push_back(runner_event(r, "runner_added", "info", "Added",
                                 r.forge + " runner " + r.name + " appeared (" + r.status + ")"));
      continue;
    }
    const runner_view& prev = *it->second;
    if (prev.status != r.status)
      out.push_back(runner_event(r, "runner_status", severity_of_status(r.status), r.status,
                                 r.name + " is " + r.status + " (was " + prev.status + "): " + r.status_reason));
    diff_scaling(prev, r, out);
    diff_kube_events(&prev, r, out);
  }
  for (const auto& r : before.runners)
    if (!seen.contains(runner_key(r)))
      out.push_back(runner_event(r, "runner_removed", "warning", "Removed",
                                 r.forge + " runner " + r.name + " disappeared"));
}

std::set<std::string> problem_reasons(const pod_view& p) {
  std::set<std::string> reasons;
  for (const auto& problem : p.problems) reasons.insert(problem.reason);
  return reasons;
}

fleet_event pod_event(const pod_view& p, std::string kind, std::string severity, std::string reason,
                      std::string message) {
  auto e = make_event(std::move(kind), std::move(severity), p.runner, p.cluster, p.ns, std::move(reason), std::move(message));
  e.object = "Pod/" + p.name;
  return e;
}

/// Pods are sorted by (namespace, name, cluster) in every snapshot, so the diff is a merge walk.
void diff_pods(const snapshot& before, const snapshot& after, std::vector<fleet_event>& out) {
  auto old_it = before.pods.begin();
  for (const auto& ptr : after.pods) {
    const pod_view& p = *ptr;
    while (old_it != before.pods.end() && pod_order(**old_it, p)) ++old_it;
    const pod_view* prev = (old_it != before.pods.end() && !pod_order(p, **old_it)) ? old_it->get() : nullptr;
    if (prev == &p || (prev && prev->problems == p.problems)) continue;
    std::set<std::string> was = prev ? problem_reasons(*prev) : std::set<std::string>{};
    std::set<std::string> now = problem_reasons(p);
    for (const auto& problem : p.problems) {
      if (was.contains(problem.reason)) continue;
      std::string where = problem.container.empty() ? "" : " (container " + problem.container + ")";
      out.push_back(pod_event(p, "pod_problem", "warning", problem.reason,
                              "pod " + p.ns + "/" + p.name + where + ": " + problem.reason +
                                  (problem.message.empty() ? "" : " — " + problem.message)));
      was.insert(problem.reason);
    }
    if (!prev) continue;
    for (const auto& reason : problem_reasons(*prev))
      if (!now.contains(reason))
        out.push_back(pod_event(p, "pod_recovered", "info", reason,
                                "pod " + p.ns + "/" + p.name + " no longer shows " + reason));
  }
}

}  // namespace

const std::vector<std::string>& fleet_event_kinds() {
  static const std::vector<std::string> kinds = {
      "scaling",        "pod_problem", "pod_recovered", "runner_status", "runner_added",
      "runner_removed", "kube_event",  "source",        "mutation",      "drift",
      "slo"};
  return kinds;
}

std::uint64_t event_log::append(fleet_event e) {
  e.id = next_id_++;
  events_.push_back(std::move(e));
  while (events_.size() > capacity_) events_.pop_front();
  return events_.back().id;
}

std::vector<fleet_event> event_log::after(std::uint64_t after_id, std::size_t limit) const {
  std::vector<fleet_event> out;
  auto it = std::upper_bound(events_.begin(), events_.end(), after_id,
                             [](std::uint64_t id, const fleet_event& e) { return id < e.id; });
  for (; it != events_.end() && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

std::pair<std::vector<fleet_event>, std::size_t> event_log::find(const query& q) const {
  std::vector<fleet_event> out;
  std::size_t total = 0;
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (q.since && it->time < *q.since) continue;
    if (!q.kinds.empty() && std::find(q.kinds.begin(), q.kinds.end(), it->kind) == q.kinds.end()) continue;
    if (!q.runner.empty() && it->runner != q.runner) continue;
    ++total;
    if (out.size() < q.limit) out.push_back(*it);
  }
  return {std::move(out), total};
}

std::vector<fleet_event> slo_breaches(const snapshot& s) {
  std::vector<fleet_event> out;
  diff_slo(nullptr, s, out);
  for (auto& e : out) e.time = s.built_at;
  return out;
}

std::vector<fleet_event> diff_snapshots(const snapshot& before, const snapshot& after) {
  std::vector<fleet_event> out;
  diff_sources(before, after, out);
  diff_runners(before, after, out);
  diff_pods(before, after, out);
  diff_slo(&before, after, out);
  diff_drift(before, after, out);
  for (auto& e : out)
    if (e.time == time_point{}) e.time = after.built_at;
  return out;
}

}  // namespace runnerfleet
