// SPDX-License-Identifier: Apache-2.0
#include "common/api/metrics_json.hpp"

#include "common/api/serialize.hpp"

#include <cmath>

namespace runnerfleet::api {

using nlohmann::json;

json metric_value(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  if (*v == std::floor(*v) && std::fabs(*v) < 1e15) return static_cast<std::int64_t>(*v);
  // Four decimals from 1 up, four significant digits below (0.0234, 0.0001234).
  int digits = std::fabs(*v) >= 1 ? 4 : 3 - static_cast<int>(std::floor(std::log10(std::fabs(*v))));
  double scale = std::pow(10.0, std::min(digits, 15));
  return std::round(*v * scale) / scale;
}

json usage_json(const usage_metrics& u) {
  // Job counts come from increase(), which extrapolates to the window's edges: whole jobs read
  // better and are as true.
  auto count = [](const std::optional<double>& v) { return v ? metric_value(std::round(*v)) : nlohmann::json(nullptr); };
  return {{"jobs", count(u.jobs)},
          {"failed_jobs", count(u.failed_jobs)},
          {"failure_rate", metric_value(u.failure_rate)},
          {"queue_seconds",
           {{"p50", metric_value(u.queue_seconds.p50)},
            {"p95", metric_value(u.queue_seconds.p95)},
            {"p99", metric_value(u.queue_seconds.p99)}}},
          {"running_jobs", metric_value(u.running_jobs)},
          {"assigned_jobs", metric_value(u.assigned_jobs)},
          {"busy_runners", metric_value(u.busy_runners)},
          {"registered_runners", metric_value(u.registered_runners)},
          {"cpu_cores", metric_value(u.cpu_cores)},
          {"cpu_requested_cores", metric_value(u.cpu_requested_cores)},
          {"cpu_utilization", metric_value(u.cpu_utilization)},
          {"memory_bytes", metric_value(u.memory_bytes)}};
}

json slo_json(const slo_result& r) {
  json j = {{"objective", r.objective}, {"scope", r.scope},   {"forge", r.forge},
            {"target", r.target},       {"value", metric_value(r.value)}, {"state", r.state},
            {"message", r.message}};
  if (!r.runner.empty()) {
    j["runner"] = r.runner;
    j["cluster"] = r.cluster;
  }
  return j;
}

json cache_json(const cache_metrics& c) {
  json j = {{"name", c.name}, {"hits", metric_value(c.hits)}, {"misses", metric_value(c.misses)}, {"hit_rate", metric_value(c.hit_rate)}};
  if (!c.error.empty()) j["error"] = c.error;
  return j;
}

json fleet_metrics_json(const fleet_metrics& m) {
  json forges = json::object();
  for (const auto& [forge, u] : m.forges) forges[forge] = usage_json(u);
  json caches = json::array(), slo = json::array();
  for (const auto& c : m.caches) caches.push_back(cache_json(c));
  for (const auto& r : m.slo) slo.push_back(slo_json(r));
  return {{"window", m.window},
          {"as_of", time_json(m.as_of)},
          {"forges", std::move(forges)},
          {"fleet", usage_json(m.fleet)},
          {"caches", std::move(caches)},
          {"slo", std::move(slo)},
          {"unattributed_series", m.unattributed_series},
          {"failed_queries", m.failed_queries}};
}

json fleet_metrics_summary_json(const snapshot& s) {
  if (!s.metrics) return nullptr;
  auto j = fleet_metrics_json(*s.metrics);
  json slo = json::array();
  for (const auto& r : s.metrics->slo)
    if (r.scope == "forge" || r.state == "breached") slo.push_back(slo_json(r));
  j["slo"] = std::move(slo);
  j["stale"] = s.metrics_stale;
  j.erase("failed_queries");
  return j;
}

json runner_metrics_summary_json(const runner_view& r, const snapshot& s) {
  if (!s.metrics) return nullptr;
  for (const auto& m : s.metrics->runners) {
    if (m.name != r.name || m.cluster != r.cluster) continue;
    json slo = json::array();
    for (const auto& x : s.metrics->slo)
      if (x.runner == r.name && x.cluster == r.cluster) slo.push_back(slo_json(x));
    return {{"window", s.metrics->window}, {"as_of", time_json(s.metrics->as_of)}, {"stale", s.metrics_stale},
            {"usage", usage_json(m.usage)}, {"slo", std::move(slo)}};
  }
  return nullptr;
}

json range_json(const promql::range_query& q, const result<promql::query_result>& r) {
  json j = {{"measure", q.measure}, {"forge", q.forge.empty() ? json(nullptr) : json(q.forge)}, {"unit", q.unit}};
  if (!r) {
    j["error"] = r.failure().message;
    return j;
  }
  json series = json::array();
  for (const auto& s : r->data) {
    json labels = json::object();
    for (const auto& [k, v] : s.labels) labels[k] = v;
    json points = json::array();
    for (const auto& p : s.points) points.push_back({metric_value(p.time), metric_value(p.value)});
    series.push_back({{"labels", std::move(labels)}, {"points", std::move(points)}});
  }
  j["series"] = std::move(series);
  return j;
}

}  // namespace runnerfleet::api
