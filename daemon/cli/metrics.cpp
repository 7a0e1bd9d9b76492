// SPDX-License-Identifier: Apache-2.0
// The CLI's `metrics` command: the fleet's or one runner's Prometheus figures as text.
#include "common/api/query.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/metrics_format.hpp"

#include <iostream>

namespace runnerfleet::cli {

int cmd_metrics(const session& s, const std::string& runner, const std::string& window, const std::string& cluster) {
  std::string target = runner.empty() ? "/v1/metrics/fleet" : "/v1/metrics/runners/" + api::percent_encode(runner);
  api::append_query(target, "window", window);
  if (!cluster.empty()) api::append_query(target, "cluster", cluster);
  auto r = s.get(target);
  if (!r) return s.fail(r.failure());
  if (s.opts().json) {
    s.print_json(*r);
    return exit_ok;
  }
  const auto& data = (*r)["data"];
  std::cout << (runner.empty() ? fleet_metrics_text(data) : runner_metrics_text(data));
  return exit_ok;
}

}  // namespace runnerfleet::cli
