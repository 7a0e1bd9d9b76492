// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Prometheus HTTP API replies (query, query_range) decoded, and its error shapes mapped to
/// the envelope's codes. Values that are NaN or infinite become "no value" here, so they can
/// never reach JSON.
namespace runnerfleet::promql {

/// A series' labels (without __name__ unless the query kept it).
using labels = std::map<std::string, std::string, std::less<>>;

/// One value at one time; nullopt when Prometheus said NaN or ±Inf.
struct point {
  double time = 0;  ///< unix seconds
  std::optional<double> value;
  bool operator==(const point&) const = default;
};

/// One series of an instant (one point) or range (many points) result.
struct series {
  promql::labels labels;
  std::vector<point> points;
  /// The label's value, or "" when absent.
  std::string_view label(std::string_view name) const;
};

/// A decoded result: vector and scalar results have one point per series.
struct query_result {
  std::string type;  ///< vector, matrix, scalar, string
  std::vector<series> data;
  std::vector<std::string> warnings;
};

/// Decodes a reply body. `http_status` selects the error mapping: 400 bad_data →
/// invalid_argument, 422 execution → upstream_error, 503 timeout → timeout, others →
/// upstream_error; each message names what Prometheus said.
result<query_result> parse_reply(int http_status, std::string_view body);

/// A sample value as Prometheus encodes it ("1.5", "NaN", "+Inf"); nullopt unless finite.
std::optional<double> parse_sample_value(std::string_view text);

}  // namespace runnerfleet::promql
