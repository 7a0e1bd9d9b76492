// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/fleet_metrics.hpp"
#include "common/prometheus/queries.hpp"
#include "common/prometheus/result.hpp"

#include <nlohmann/json.hpp>

/// JSON for metrics (schemas/api/metrics_*.json): absent values are null, never 0 or NaN.
namespace runnerfleet::api {

/// A number rounded for people (4 significant decimals), or null.
nlohmann::json metric_value(const std::optional<double>& v);
/// One runner's, forge's or the fleet's figures.
nlohmann::json usage_json(const usage_metrics& u);
nlohmann::json slo_json(const slo_result& r);
nlohmann::json cache_json(const cache_metrics& c);
/// forges, fleet, caches, slo (everything judged), as_of, window.
nlohmann::json fleet_metrics_json(const fleet_metrics& m);
/// The metrics part of /v1/fleet: figures per forge and for the fleet, caches, the forges'
/// SLO results and the runners' breaches; null when Prometheus is not configured or not read.
nlohmann::json fleet_metrics_summary_json(const snapshot& s);
/// A runner's figures of the last hour and its SLO results, for its detail; null without data.
nlohmann::json runner_metrics_summary_json(const runner_view& r, const snapshot& s);
/// One measure's series: {measure, forge, unit, series: [{labels, points: [[t, v|null]]}]}, or
/// {measure, forge, unit, error} when its query failed.
nlohmann::json range_json(const promql::range_query& q, const result<promql::query_result>& r);

}  // namespace runnerfleet::api
