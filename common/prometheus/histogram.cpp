// SPDX-License-Identifier: Apache-2.0
#include "common/prometheus/histogram.hpp"

#include "common/prometheus/result.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace runnerfleet::promql {

void add_bucket(std::vector<bucket>& into, double upper_bound, double count) {
  auto it = std::find_if(into.begin(), into.end(), [&](const bucket& b) { return b.upper_bound == upper_bound; });
  if (it != into.end()) it->count += count;
  else into.push_back({upper_bound, count});
}

std::optional<double> parse_le(std::string_view le) {
  if (le == "+Inf" || le == "Inf") return std::numeric_limits<double>::infinity();
  return parse_sample_value(le);
}

std::optional<double> quantile(double q, std::vector<bucket> buckets) {
  if (std::isnan(q)) return std::nullopt;
  std::sort(buckets.begin(), buckets.end(), [](const bucket& a, const bucket& b) { return a.upper_bound < b.upper_bound; });
  // Equal bounds (series that differ only in labels dropped by the query) count as one bucket.
  std::vector<bucket> merged;
  for (const auto& b : buckets) {
    if (!merged.empty() && merged.back().upper_bound == b.upper_bound) merged.back().count += b.count;
    else merged.push_back(b);
  }
  buckets = std::move(merged);
  if (buckets.size() < 2 || !std::isinf(buckets.back().upper_bound)) return std::nullopt;
  if (q < 0 || q > 1) return std::nullopt;  // ±Inf in Prometheus: no value a person can use
  for (std::size_t i = 1; i < buckets.size(); ++i) buckets[i].count = std::max(buckets[i].count, buckets[i - 1].count);
  double observations = buckets.back().count;
  if (observations <= 0) return std::nullopt;
  double rank = q * observations;
  std::size_t b = 0;
  while (b < buckets.size() - 1 && buckets[b].count < rank) ++b;
  if (b == buckets.size() - 1) return buckets[b - 1].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double start = b == 0 ? 0 : buckets[b - 1].upper_bound;
  double end = buckets[b].upper_bound;
  double below = b == 0 ? 0 : buckets[b - 1].count;
  double in_bucket = buckets[b].count - below;
  if (in_bucket <= 0) return std::nullopt;  // 0/0 in Prometheus: NaN
  return start + (end - start) * ((rank - below) / in_bucket);
}

}  // namespace runnerfleet::promql
