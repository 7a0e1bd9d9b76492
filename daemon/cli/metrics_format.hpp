// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

/// Metrics as text for people, shared by the CLI's `metrics` and the MCP metrics tools so both
/// read the same: figures per forge or runner, SLO verdicts, and one sparkline per series.
namespace runnerfleet::cli {

/// A sparkline (▁▂▃▄▅▆▇█) of [time, value|null] points resampled to at most `width` columns by
/// averaging; a gap where every value of a column is null; "" for no points.
std::string sparkline(const nlohmann::json& points, std::size_t width = 48);

/// A value in its unit for people: ratio 0.0215 → "2.2 %", seconds → "133 s", bytes → "1.1 GiB",
/// cores → "0.39", jobs/h → "93/h"; "-" for null.
std::string measure_text(const nlohmann::json& value, const std::string& unit);

/// The text of a /v1/metrics/fleet answer.
std::string fleet_metrics_text(const nlohmann::json& data);

/// The text of a /v1/metrics/runners/{name} answer.
std::string runner_metrics_text(const nlohmann::json& data);

/// The points of a series thinned to at most `max_points` (every n-th, the last kept), for
/// answers that must stay small (MCP).
nlohmann::json thin_points(const nlohmann::json& points, std::size_t max_points);

}  // namespace runnerfleet::cli
