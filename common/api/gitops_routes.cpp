// SPDX-License-Identifier: Apache-2.0
#include "common/api/gitops_routes.hpp"

#include "common/api/gitops_json.hpp"
#include "common/gitops/desired_state.hpp"

#include <algorithm>

namespace runnerfleet::api {
namespace {

using nlohmann::json;

std::string param(const query_params& q, const char* key) {
  auto it = q.find(key);
  return it == q.end() ? std::string{} : it->second;
}

/// Not configured or not read yet: the same answer for both routes.
std::optional<error> not_ready(const snapshot& s) {
  if (s.desired) return std::nullopt;
  for (const auto& src : s.sources)
    if (src.kind == "gitops" && src.state == "not_configured")
      return make_error(error_code::unavailable,
                        "GitOps is not configured: add a gitops section (project or local_path, files) to the config");
  for (const auto& src : s.sources)
    if (src.kind == "gitops" && !src.last_error.empty())
      return make_error(error_code::unavailable, "the tfvars could not be read yet: " + src.last_error);
  return make_error(error_code::unavailable,
                    "the tfvars have not been read yet; retry in a moment (GET /v1/health shows the gitops source)");
}

const std::vector<std::string> severities = {"error", "warning", "info"};
const std::vector<std::string> kinds = {"missing", "undeclared", "unmanaged", "file", "namespace", "autoscaler",
                                        "replicas", "runners", "target", "window", "resources"};

}  // namespace

result<body> gitops_drift(const query_params& q, const snapshot& s) {
  if (auto st = require_known(q, {"severity", "kind", "runner", "cluster"}); !st) return st.take_failure();
  if (auto e = not_ready(s)) return *e;
  auto severity = parse_enum(q, "severity", severities, true);
  if (!severity) return severity.take_failure();
  auto kind = parse_enum(q, "kind", kinds, true);
  if (!kind) return kind.take_failure();
  auto runner = param(q, "runner"), cluster = param(q, "cluster");
  auto in = [](const std::vector<std::string>& set, const std::string& v) {
    return set.empty() || std::find(set.begin(), set.end(), v) != set.end();
  };
  json items = json::array();
  json counts = {{"error", 0}, {"warning", 0}, {"info", 0}};
  for (const auto& d : s.drift) {
    counts[d.severity] = counts[d.severity].get<int>() + 1;
    if (!in(*severity, d.severity) || !in(*kind, d.kind)) continue;
    if ((!runner.empty() && d.runner != runner) || (!cluster.empty() && d.cluster != cluster)) continue;
    items.push_back(drift_item_json(d));
  }
  json data = {{"desired", desired_source_json(*s.desired, s.desired_stale)},
               {"counts", std::move(counts)},
               {"items", std::move(items)}};
  return body{data.dump(), json{{"total", s.drift.size()}, {"returned", data["items"].size()}}};
}

result<body> gitops_config(const route_match& m, const query_params& q, const snapshot& s) {
  if (auto st = require_known(q, {"cluster"}); !st) return st.take_failure();
  if (auto e = not_ready(s)) return *e;
  const auto& name = m.params.at(0);
  auto declared = gitops::declared_runners(*s.desired);
  auto found = gitops::resolve_declared(*s.desired, declared, name, param(q, "cluster"), "add ?cluster=");
  if (!found) return found.take_failure();
  const auto* want = *found;
  const auto& file = s.desired->files[want->file];
  const auto& stack = *file.stack;
  auto config = gitops::desired_config(stack, want->stack_runner, *file.doc);
  if (!config) return config.take_failure();
  const auto* sets = gitops::runner_set_variable(stack);
  json settings = json::array();
  for (const auto& [key, entry] : *config) {
    auto spec_key = sets && key.rfind(sets->key + ".", 0) == 0 ? sets->key : key;
    const auto* spec = gitops::find_variable(stack, spec_key);
    settings.push_back({{"key", key},
                        {"value", entry.sensitive ? json(nullptr) : tfvars_to_json(entry.value)},
                        {"default", entry.is_default},
                        {"sensitive", entry.sensitive},
                        {"scope", spec && spec->scope == gitops::var_scope::all_runners ? "all_runners" : "runner"},
                        {"description", spec && spec_key == key ? json(spec->description) : json(nullptr)}});
  }
  json drift = json::array();
  for (const auto& d : s.drift)
    if (d.runner == want->name && d.cluster == want->cluster && d.forge == want->forge) drift.push_back(drift_item_json(d));
  bool deployed = std::any_of(s.runners.begin(), s.runners.end(), [&](const runner_view& r) {
    return r.name == want->name && r.cluster == want->cluster && r.forge == want->forge;
  });
  json data = {{"runner", want->name},
               {"cluster", want->cluster},
               {"namespace", want->ns},
               {"forge", want->forge},
               {"stack", stack.name},
               {"stack_runner", want->stack_runner},
               {"file", file.path},
               {"last_commit_id", file.last_commit_id.empty() ? json(nullptr) : json(file.last_commit_id)},
               {"deployed", deployed},
               {"desired", desired_source_json(*s.desired, s.desired_stale)},
               {"settings", std::move(settings)},
               {"drift", std::move(drift)}};
  return body{data.dump(), json::object()};
}

}  // namespace runnerfleet::api
