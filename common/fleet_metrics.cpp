// SPDX-License-Identifier: Apache-2.0
#include "common/fleet_metrics.hpp"

#include "common/prometheus/histogram.hpp"

#include <cmath>
#include <cstdio>
#include <unordered_map>

namespace runnerfleet {

namespace {

using promql::batch_id;

/// `text` without its last `segments` dash-separated parts; "" when it has too few.
std::string strip_segments(std::string_view text, int segments) {
  auto end = text.size();
  for (int i = 0; i < segments; ++i) {
    auto dash = text.rfind('-', end == 0 ? 0 : end - 1);
    if (dash == std::string_view::npos || dash == 0) return {};
    end = dash;
  }
  return std::string(text.substr(0, end));
}

/// (namespace, pod) → runner, from the snapshot's pods and listeners, then by naming pattern.
class pod_owners {
 public:
  explicit pod_owners(const std::vector<runner_view>& runners) {
    for (std::size_t i = 0; i < runners.size(); ++i) {
      const auto& r = runners[i];
      for (const auto& key : r.pod_names) exact_.emplace(key, i);
      if (r.listener) exact_.emplace(r.listener->ns + "/" + r.listener->name, i);
      by_name_.emplace(r.forge + "/" + r.ns + "/" + r.name, i);
      if (r.forge == "github") listener_sets_.emplace(r.name, i);
    }
  }

  std::optional<std::size_t> find(std::string_view ns, std::string_view pod) const {
    std::string key = std::string(ns) + "/" + std::string(pod);
    if (auto it = exact_.find(key); it != exact_.end()) return it->second;
    // A Deployment's pod: <release>-<replicaset hash>-<suffix>.
    if (auto it = by_name_.find("gitlab/" + std::string(ns) + "/" + strip_segments(pod, 2)); it != by_name_.end())
      return it->second;
    // An ARC runner's pod: <scale set>-<suffix>-runner-<suffix> (0.14), <scale set>-runner-<suffix> (later).
    if (auto at = pod.rfind("-runner-"); at != std::string_view::npos) {
      for (const auto& set : {std::string(pod.substr(0, at)), strip_segments(pod.substr(0, at), 1)})
        if (auto it = by_name_.find("github/" + std::string(ns) + "/" + set); it != by_name_.end()) return it->second;
    }
    // An ARC listener: <scale set>-<hash>-listener, in the controller's namespace.
    if (pod.size() > 9 && pod.substr(pod.size() - 9) == "-listener") {
      auto set = strip_segments(pod.substr(0, pod.size() - 9), 1);
      if (listener_sets_.count(set) == 1) return listener_sets_.find(set)->second;
    }
    return std::nullopt;
  }

 private:
  std::unordered_map<std::string, std::size_t> exact_;
  std::unordered_map<std::string, std::size_t> by_name_;
  std::unordered_multimap<std::string, std::size_t> listener_sets_;
};

void add(std::optional<double>& into, std::optional<double> v) {
  if (v) into = into.value_or(0) + *v;
}

/// Sums and histogram buckets gathered for one runner, forge or the fleet.
struct accumulator {
  usage_metrics usage;
  std::vector<promql::bucket> queue;
};

void finish(accumulator& a) {
  auto& u = a.usage;
  if (u.jobs && u.failed_jobs && *u.jobs > 0) u.failure_rate = std::min(1.0, *u.failed_jobs / *u.jobs);
  if (u.cpu_cores && u.cpu_requested_cores && *u.cpu_requested_cores > 0)
    u.cpu_utilization = *u.cpu_cores / *u.cpu_requested_cores;
  u.queue_seconds = {promql::quantile(0.5, a.queue), promql::quantile(0.95, a.queue), promql::quantile(0.99, a.queue)};
}

std::string format_number(double v, const char* unit) {
  char text[48];
  if (std::fabs(v) >= 100 || v == std::floor(v)) std::snprintf(text, sizeof text, "%.0f%s", v, unit);
  else std::snprintf(text, sizeof text, "%.1f%s", v, unit);
  return text;
}

std::string percent(double ratio) { return format_number(ratio * 100, " %"); }

class slo_judge {
 public:
  slo_judge(const slo_config& cfg, const std::string& window) : cfg_(cfg), window_(window) {}

  void judge(std::vector<slo_result>& out, const usage_metrics& u, const std::string& scope, const std::string& forge,
             const std::string& runner, const std::string& cluster) const {
    auto subject = runner.empty() ? forge : runner;
    auto base = [&](std::string objective, std::string target) {
      slo_result r;
      r.objective = std::move(objective);
      r.scope = scope;
      r.forge = forge;
      r.runner = runner;
      r.cluster = cluster;
      r.target = std::move(target);
      return r;
    };
    bool enough_jobs = u.jobs && *u.jobs >= cfg_.min_jobs;
    auto too_few = [&] {
      return u.jobs ? format_number(std::round(*u.jobs), "") + " jobs in the last " + window_ + " (fewer than slo.min_jobs " +
                          std::to_string(cfg_.min_jobs) + ")"
                    : "no job metrics in the last " + window_;
    };
    {
      auto r = base("queue_time_p95", "< " + format_number(cfg_.queue_time_p95_seconds, " s"));
      r.value = u.queue_seconds.p95;
      if (!enough_jobs || !r.value) {
        r.state = "no_data";
        r.message = subject + ": queue time not judged: " + (enough_jobs ? "no queue-time histogram" : too_few());
      } else {
        bool over = *r.value > cfg_.queue_time_p95_seconds;
        r.state = over ? "breached" : "met";
        r.message = subject + ": queue time p95 " + format_number(*r.value, " s") + (over ? " is over" : " is within") +
                    " the " + r.target + " target (last " + window_ + ")";
      }
      out.push_back(std::move(r));
    }
    {
      auto r = base("failure_rate", "< " + percent(cfg_.failure_rate));
      r.value = u.failure_rate;
      if (!enough_jobs || !r.value) {
        r.state = "no_data";
        r.message = subject + ": failure rate not judged: " +
                    (enough_jobs ? "no failed-jobs series (no failure reported since the exporter started)" : too_few());
      } else {
        bool over = *r.value > cfg_.failure_rate;
        r.state = over ? "breached" : "met";
        r.message = subject + ": " + percent(*r.value) + " of " + format_number(std::round(*u.jobs), "") + " jobs failed" +
                    (over ? ", over" : ", within") + " the " + r.target + " target (last " + window_ + ")";
      }
      out.push_back(std::move(r));
    }
    {
      auto r = base("cpu_utilization", format_number(cfg_.cpu_utilization_min * 100, "") + "-" +
                                           percent(cfg_.cpu_utilization_max));
      r.value = u.cpu_utilization;
      if (!r.value) {
        r.state = "no_data";
        r.message = subject + ": CPU utilization not judged: " +
                    (u.cpu_cores ? "no CPU requests (kube_pod_container_resource_requests)" : "no CPU usage series");
      } else {
        bool under = *r.value < cfg_.cpu_utilization_min, over = *r.value > cfg_.cpu_utilization_max;
        r.state = under || over ? "breached" : "met";
        r.message = subject + ": CPU at " + percent(*r.value) + " of its requests" +
                    (under ? ", under" : over ? ", over" : ", within") + " the " + r.target + " target";
      }
      out.push_back(std::move(r));
    }
  }

 private:
  const slo_config& cfg_;
  const std::string& window_;
};

}  // namespace

std::optional<promql::runner_pods> runner_pods_of(const runner_view& r) {
  if (r.forge != "gitlab" && r.forge != "github") return std::nullopt;
  promql::runner_pods p{r.forge, r.ns, r.name, std::nullopt, std::nullopt};
  if (r.listener) {
    p.listener_ns = r.listener->ns;
    p.listener_pod = r.listener->name;
  }
  return p;
}

fleet_metrics summarize_metrics(const batch_results& in, const std::vector<runner_view>& runners,
                                const prometheus_config& cfg, const std::string& window) {
  fleet_metrics out;
  out.window = window;
  out.as_of = in.evaluated_at;
  out.caches = in.caches;
  for (const auto& [id, message] : in.errors) out.failed_queries.push_back(message);
  pod_owners owners(runners);
  std::vector<accumulator> per_runner(runners.size());
  std::map<std::string, accumulator> per_forge;
  accumulator fleet;

  // Every series: its runner (if any), then the forge its metric family belongs to.
  auto each = [&](batch_id id, auto&& fn) {
    auto it = in.results.find(id);
    if (it == in.results.end()) return;
    for (const auto& s : it->second.data) {
      if (s.points.empty() || !s.points.front().value) continue;
      auto owner = owners.find(s.label(cfg.namespace_label), s.label(cfg.pod_label));
      if (!owner) ++out.unattributed_series;
      accumulator* runner = owner ? &per_runner[*owner] : nullptr;
      fn(s, *s.points.front().value, runner);
    }
  };
  auto add_to = [](accumulator* a, std::optional<double> usage_metrics::*field, double v) {
    if (a) add(a->usage.*field, v);
  };
  for (auto [id, forge] : {std::pair{batch_id::gitlab_jobs, "gitlab"}, std::pair{batch_id::gitlab_failed, "gitlab"}}) {
    auto field = id == batch_id::gitlab_jobs ? &usage_metrics::jobs : &usage_metrics::failed_jobs;
    each(id, [&](const promql::series&, double v, accumulator* r) {
      add_to(r, field, v);
      add_to(&per_forge[forge], field, v);
      add_to(&fleet, field, v);
    });
  }
  each(batch_id::github_jobs, [&](const promql::series& s, double v, accumulator* r) {
    bool failed = s.label("job_result") == "failed";
    for (auto* a : {r, &per_forge["github"], &fleet}) {
      add_to(a, &usage_metrics::jobs, v);
      if (failed) add_to(a, &usage_metrics::failed_jobs, v);
    }
  });
  for (auto [id, forge] : {std::pair{batch_id::gitlab_queue, "gitlab"}, std::pair{batch_id::github_startup, "github"}}) {
    each(id, [&](const promql::series& s, double v, accumulator* r) {
      auto le = promql::parse_le(s.label("le"));
      if (!le) return;
      // Not into the fleet's: GitLab queue time and ARC startup time are different measures with
      // different buckets, so one quantile over both would mean nothing.
      for (auto* a : {r, &per_forge[forge]})
        if (a) promql::add_bucket(a->queue, *le, v);
    });
  }
  each(batch_id::gitlab_running, [&](const promql::series&, double v, accumulator* r) {
    for (auto* a : {r, &per_forge["gitlab"], &fleet}) add_to(a, &usage_metrics::running_jobs, v);
  });
  each(batch_id::github_gauges, [&](const promql::series& s, double v, accumulator* r) {
    auto name = s.label("__name__");
    auto field = name == "gha_assigned_jobs"       ? &usage_metrics::assigned_jobs
                 : name == "gha_running_jobs"      ? &usage_metrics::running_jobs
                 : name == "gha_busy_runners"      ? &usage_metrics::busy_runners
                 : name == "gha_registered_runners" ? &usage_metrics::registered_runners
                                                    : nullptr;
    if (!field) return;
    for (auto* a : {r, &per_forge["github"], &fleet}) add_to(a, field, v);
  });
  for (auto [id, field] : {std::pair{batch_id::cpu, &usage_metrics::cpu_cores}, std::pair{batch_id::memory, &usage_metrics::memory_bytes},
                           std::pair{batch_id::cpu_requests, &usage_metrics::cpu_requested_cores}}) {
    each(id, [&](const promql::series&, double v, accumulator* r) {
      add_to(&fleet, field, v);
      if (!r) return;
      add_to(r, field, v);
      add_to(&per_forge[runners[static_cast<std::size_t>(r - per_runner.data())].forge], field, v);
    });
  }

  slo_judge judge(cfg.slo, window);
  for (std::size_t i = 0; i < runners.size(); ++i) {
    auto& a = per_runner[i];
    if (a.usage == usage_metrics{} && a.queue.empty()) continue;
    finish(a);
    const auto& r = runners[i];
    out.runners.push_back({r.name, r.cluster, r.ns, r.forge, a.usage});
    judge.judge(out.slo, a.usage, "runner", r.forge, r.name, r.cluster);
  }
  for (auto& [forge, a] : per_forge) {
    finish(a);
    out.forges[forge] = a.usage;
  }
  for (const auto& [forge, usage] : out.forges) judge.judge(out.slo, usage, "forge", forge, "", "");
  finish(fleet);
  out.fleet = fleet.usage;
  return out;
}

std::vector<attention_item> slo_attention(const fleet_metrics& m) {
  std::vector<attention_item> out;
  for (const auto& r : m.slo) {
    if (r.state != "breached") continue;
    // The item names its runner already, as every other attention item does: the message
    // drops the "runner: " it starts with (a forge's keeps "gitlab: ", it has no runner field).
    std::string_view message = r.message, prefix = r.runner;
    if (!prefix.empty() && message.substr(0, prefix.size()) == prefix && message.substr(prefix.size(), 2) == ": ")
      message.remove_prefix(prefix.size() + 2);
    out.push_back({"warning", r.runner, "slo_" + r.objective, std::string(message)});
  }
  return out;
}

}  // namespace runnerfleet
