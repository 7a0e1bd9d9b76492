// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace runnerfleet {

using clock = std::chrono::system_clock;
using time_point = clock::time_point;

/// Parses the RFC 3339 timestamps Kubernetes and GitLab emit ("2025-01-01T00:05:00Z",
/// fractional seconds and numeric offsets included); nullopt for anything else.
std::optional<time_point> parse_rfc3339(std::string_view text);

/// Formats as RFC 3339 UTC with second precision ("2025-01-01T00:05:00Z").
std::string format_rfc3339(time_point t);

/// Formats with millisecond precision, for event times.
std::string format_rfc3339_ms(time_point t);

/// Parses a duration as config writes it: "300", "300s", "5m", "1h", "250ms", "7d".
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// A compact human age such as kubectl prints: "45s", "12m", "3h", "12d".
std::string format_age(std::chrono::seconds age);

}  // namespace runnerfleet
