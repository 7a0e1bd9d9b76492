// SPDX-License-Identifier: Apache-2.0
#include "common/api/route_table.hpp"

namespace runnerfleet::api {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    out.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

bool matches(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  auto want = segments(pattern);
  auto have = segments(path);
  if (want.size() != have.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (have[i].empty()) return false;
      params.emplace_back(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<route_spec>& route_table() {
  static const std::vector<route_spec> table = {
      {"GET", "/v1/health", route_id::health, std::nullopt},
      {"GET", "/v1/whoami", route_id::whoami, role::viewer},
      {"GET", "/v1/settings", route_id::settings, role::viewer},
      {"GET", "/v1/fleet", route_id::fleet, role::viewer},
      {"GET", "/v1/runners", route_id::runners, role::viewer},
      {"GET", "/v1/runners/{name}", route_id::runner, role::viewer},
      {"POST", "/v1/runners/{name}/pause", route_id::runner_pause, role::operator_},
      {"POST", "/v1/runners/{name}/resume", route_id::runner_resume, role::operator_},
      {"GET", "/v1/pods", route_id::pods, role::viewer},
      {"GET", "/v1/pods/{namespace}/{name}/log", route_id::pod_log, role::viewer},
      {"GET", "/v1/autoscalers", route_id::autoscalers, role::viewer},
      {"GET", "/v1/events", route_id::events, role::viewer},
      {"GET", "/v1/events/stream", route_id::events_stream, role::viewer},
      {"GET", "/v1/audit", route_id::audit, role::admin},
      {"GET", "/v1/metrics/fleet", route_id::metrics_fleet, role::viewer},
      {"GET", "/v1/metrics/runners/{name}", route_id::metrics_runner, role::viewer},
      {"GET", "/v1/gitops/drift", route_id::gitops_drift, role::operator_},
      {"GET", "/v1/gitops/config/{name}", route_id::gitops_config, role::operator_},
      {"POST", "/v1/gitops/proposals", route_id::gitops_proposals, role::operator_},
      {"GET", "/metrics", route_id::metrics, std::nullopt},
  };
  return table;
}

result<route_match> match_route(std::string_view method, std::string_view path) {
  std::vector<std::string> params;
  const route_spec* wrong_method = nullptr;
  for (const auto& spec : route_table()) {
    if (!matches(spec.pattern, path, params)) continue;
    if (spec.method == method) return route_match{&spec, params};
    wrong_method = &spec;
  }
  if (wrong_method)
    return make_error(error_code::invalid_argument,
                      "method " + std::string(method) + " is not allowed on " + std::string(path) +
                          " (use " + std::string(wrong_method->method) + ")",
                      {{"allowed", std::string(wrong_method->method)}});
  return make_error(error_code::not_found, "no route " + std::string(path) + " (see GET /v1/health and the README's socket API)",
                    {{"path", std::string(path)}});
}

}  // namespace runnerfleet::api
