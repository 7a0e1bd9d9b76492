// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>
#include <vector>

/// Quantiles of classic Prometheus histograms computed in the daemon, so buckets read once per
/// pod can be merged per runner and per forge without one query per grouping.
namespace runnerfleet::promql {

/// One cumulative bucket: observations ≤ upper_bound (+Inf for the last).
struct bucket {
  double upper_bound = 0;
  double count = 0;
};

/// Adds a bucket's count into a set keyed by its bound (merging pods or runners).
void add_bucket(std::vector<bucket>& into, double upper_bound, double count);

/// An `le` label value as a bound ("0.5", "+Inf"); nullopt when it is not a number.
std::optional<double> parse_le(std::string_view le);

/// histogram_quantile(q, ...) with Prometheus's semantics: linear interpolation inside the
/// bucket holding the rank, the last finite bound when it falls in +Inf, equal bounds merged
/// and counts made monotonic first. nullopt where Prometheus would say NaN (no +Inf bucket, fewer than two
/// buckets, no observations).
std::optional<double> quantile(double q, std::vector<bucket> buckets);

}  // namespace runnerfleet::promql
