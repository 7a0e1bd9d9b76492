// SPDX-License-Identifier: Apache-2.0
#include "common/prometheus/queries.hpp"

namespace runnerfleet::promql {

namespace {

std::string by_pod(const scope& s, std::string_view extra = {}) {
  std::string out = "sum by (" + s.namespace_label + ", " + s.pod_label;
  if (!extra.empty()) out += ", " + std::string(extra);
  return out + ") ";
}

std::string increase(std::string_view metric, const std::string& selector, std::chrono::seconds w) {
  return "increase(" + std::string(metric) + selector + "[" + duration(w) + "])";
}

std::string rate(std::string_view metric, const std::string& selector, std::chrono::seconds r) {
  return "rate(" + std::string(metric) + selector + "[" + duration(r) + "])";
}

std::string quantile_of(double q, std::string_view bucket_metric, const std::string& selector, std::chrono::seconds r) {
  auto qs = std::to_string(q);
  qs.erase(qs.find_last_not_of('0') + 1);
  return "histogram_quantile(" + qs + ", sum by (le) (" + rate(bucket_metric, selector, r) + "))";
}

constexpr std::string_view gitlab_jobs = "gitlab_runner_jobs_total";
constexpr std::string_view gitlab_failed = "gitlab_runner_failed_jobs_total";
constexpr std::string_view gitlab_queue = "gitlab_runner_job_queue_duration_seconds_bucket";
constexpr std::string_view github_completed = "gha_completed_jobs_total";
constexpr std::string_view github_startup = "gha_job_startup_duration_seconds_bucket";
constexpr std::string_view cpu_usage = "container_cpu_usage_seconds_total";
constexpr std::string_view memory_ws = "container_memory_working_set_bytes";
constexpr std::string_view in_container = R"(container!="")";

/// Jobs per hour, failure rate and three queue-time quantiles of one forge over `sel`.
void job_series(std::vector<range_query>& out, const std::string& forge, const std::string& sel, std::chrono::seconds r,
                bool github, const std::string& failed_sel) {
  auto jobs_metric = github ? github_completed : gitlab_jobs;
  auto jobs = "sum(" + rate(jobs_metric, sel, r) + ")";
  out.push_back({"jobs_per_hour", forge, "jobs/h", jobs + " * 3600"});
  auto failed = "sum(" + rate(github ? github_completed : gitlab_failed, failed_sel, r) + ")";
  out.push_back({"failure_rate", forge, "ratio", failed + " / " + jobs});
  auto buckets = github ? github_startup : gitlab_queue;
  for (auto [q, name] : {std::pair{0.5, "queue_seconds_p50"}, std::pair{0.95, "queue_seconds_p95"},
                         std::pair{0.99, "queue_seconds_p99"}})
    out.push_back({name, forge, "seconds", quantile_of(q, buckets, sel, r)});
}

}  // namespace

std::string scope::selector(std::string_view extra) const {
  std::string inner = namespaces.empty() ? "" : one_of(namespace_label, namespaces);
  if (!extra.empty()) inner += (inner.empty() ? "" : ",") + std::string(extra);
  return "{" + inner + "}";
}

std::vector<batch_query> fleet_batch(const scope& s, std::chrono::seconds w) {
  auto all = s.selector();
  return {
      {batch_id::gitlab_jobs, by_pod(s) + "(" + increase(gitlab_jobs, all, w) + ")"},
      {batch_id::gitlab_failed, by_pod(s) + "(" + increase(gitlab_failed, all, w) + ")"},
      {batch_id::gitlab_queue, by_pod(s, "le") + "(" + increase(gitlab_queue, all, w) + ")"},
      {batch_id::gitlab_running, by_pod(s) + "(gitlab_runner_jobs" + s.selector(R"(state="running")") + ")"},
      {batch_id::github_jobs, by_pod(s, "job_result") + "(" + increase(github_completed, all, w) + ")"},
      {batch_id::github_startup, by_pod(s, "le") + "(" + increase(github_startup, all, w) + ")"},
      {batch_id::github_gauges,
       s.selector(R"(__name__=~"gha_assigned_jobs|gha_running_jobs|gha_busy_runners|gha_registered_runners")")},
      {batch_id::cpu, by_pod(s) + "(" + rate(cpu_usage, s.selector(in_container), std::chrono::minutes(5)) + ")"},
      {batch_id::memory, by_pod(s) + "(" + std::string(memory_ws) + s.selector(in_container) + ")"},
      {batch_id::cpu_requests, by_pod(s) + "(kube_pod_container_resource_requests" + s.selector(R"(resource="cpu")") + ")"},
  };
}

std::string counter_total(std::string_view counter_selector, std::chrono::seconds w) {
  return "sum(increase(" + std::string(counter_selector) + "[" + duration(w) + "]))";
}

std::vector<range_query> fleet_series(const scope& s, const window& w) {
  std::vector<range_query> out;
  auto all = s.selector();
  job_series(out, "gitlab", all, w.rate_range, false, all);
  out.push_back({"running_jobs", "gitlab", "jobs", "sum(gitlab_runner_jobs" + s.selector(R"(state="running")") + ")"});
  job_series(out, "github", all, w.rate_range, true, s.selector(R"(job_result="failed")"));
  out.push_back({"busy_runners", "github", "runners", "sum(gha_busy_runners" + all + ")"});
  out.push_back({"registered_runners", "github", "runners", "sum(gha_registered_runners" + all + ")"});
  out.push_back({"cpu_utilization", "", "ratio",
                 "sum(" + rate(cpu_usage, s.selector(in_container), w.rate_range) + ") / sum(kube_pod_container_resource_requests" +
                     s.selector(R"(resource="cpu")") + ")"});
  return out;
}

std::string pod_pattern(const runner_pods& r) {
  auto name = regex_escape(r.name);
  return r.forge == "github" ? name + "-(?:[a-z0-9]+-)?runner-[a-z0-9]+" : name + "-[a-z0-9]+-[a-z0-9]+";
}

std::vector<range_query> runner_series(const scope& s, const runner_pods& r, const window& w) {
  std::vector<range_query> out;
  auto pods = equals(s.namespace_label, r.ns) + "," + matches(s.pod_label, pod_pattern(r));
  auto per_pod = "sum by (" + s.pod_label + ") ";
  out.push_back({"cpu_cores", r.forge, "cores",
                 per_pod + "(" + rate(cpu_usage, "{" + pods + "," + std::string(in_container) + "}", w.rate_range) + ")"});
  out.push_back({"memory_bytes", r.forge, "bytes",
                 per_pod + "(" + std::string(memory_ws) + "{" + pods + "," + std::string(in_container) + "}" + ")"});
  if (r.forge == "github") {
    if (!r.listener_pod || !r.listener_ns) return out;  // no listener known: no job metrics to read
    auto listener = "{" + equals(s.namespace_label, *r.listener_ns) + "," + equals(s.pod_label, *r.listener_pod);
    job_series(out, r.forge, listener + "}", w.rate_range, true, listener + R"(,job_result="failed"})");
  } else {
    job_series(out, r.forge, "{" + pods + "}", w.rate_range, false, "{" + pods + "}");
  }
  return out;
}

}  // namespace runnerfleet::promql
