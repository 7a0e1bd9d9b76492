// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// PromQL text built safely: every value that reaches a query (runner names, namespaces, pod
/// names) goes through these, so no name can end a string literal or widen a regex.
namespace runnerfleet::promql {

/// A double-quoted PromQL string literal: backslash, quote and control characters escaped.
std::string quote(std::string_view value);

/// Escapes RE2 metacharacters so the value matches only itself inside a regex.
std::string regex_escape(std::string_view value);

/// A label matcher: name="value" (exact, quoted).
std::string equals(std::string_view label, std::string_view value);

/// A label matcher: name=~"(?:a|b)" matching exactly one of the values, each regex-escaped;
/// Prometheus anchors regexes already, the group keeps alternatives apart from any suffix.
std::string one_of(std::string_view label, const std::vector<std::string>& values);

/// A label matcher name=~"<pattern>" for a pattern built by this namespace (already escaped).
std::string matches(std::string_view label, std::string_view pattern);

/// A query window: how far back, the step of its range queries (always under Prometheus's
/// 11,000-point limit) and the rate() range that step needs.
struct window {
  std::string name;  ///< 1h 6h 24h 7d
  std::chrono::seconds span;
  std::chrono::seconds step;
  std::chrono::seconds rate_range;
};

/// The windows the API offers, shortest first.
const std::vector<window>& windows();

/// The window named so; nullopt for anything else.
std::optional<window> find_window(std::string_view name);

/// A duration as PromQL writes it: 90s → "90s", 3600s → "1h", 300s → "5m".
std::string duration(std::chrono::seconds d);

}  // namespace runnerfleet::promql
