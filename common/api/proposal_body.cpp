// SPDX-License-Identifier: Apache-2.0
#include "common/api/proposal_body.hpp"

#include "common/api/gitops_json.hpp"
#include "common/api/mutation_body.hpp"

#include <set>

namespace runnerfleet::api {
namespace {

using nlohmann::json;

constexpr std::size_t max_changes = 50;
constexpr std::string_view example =
    R"({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": 12}, "reason": "..."})";

error bad(const std::string& field, std::string message) {
  return make_error(error_code::invalid_argument, field + ": " + std::move(message), {{"field", field}});
}

result<std::string> optional_text(const json& j, const std::string& field, std::size_t max) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::string{};
  if (!it->is_string()) return bad(field, "expected a string");
  auto v = it->get<std::string>();
  if (v.size() > max) return bad(field, "longer than " + std::to_string(max) + " bytes");
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return bad(field, "must not hold control characters");
  return v;
}

}  // namespace

result<proposal_body> parse_proposal_body(std::string_view text) {
  auto j = json_object_body(text, example);
  if (!j) return j.take_failure();
  static const std::set<std::string> known = {"runner", "cluster", "changes", "reason",
                                              "dry_run", "idempotency_key", "base_commit"};
  for (const auto& [key, _] : j->items())
    if (!known.contains(key))
      return make_error(error_code::invalid_argument,
                        "unknown field '" + key + "' in the request body (known: runner, cluster, changes, reason, "
                        "dry_run, idempotency_key, base_commit)",
                        {{"field", key}});
  proposal_body out;
  if (auto it = j->find("dry_run"); it != j->end() && !it->is_null()) {
    if (!it->is_boolean()) return bad("dry_run", "expected true or false");
    out.dry_run = it->get<bool>();
  }
  auto runner = optional_text(*j, "runner", 253);
  if (!runner) return runner.take_failure();
  if (runner->empty()) return bad("runner", "is required (a runner name, as GET /v1/runners lists them)");
  out.request.runner = *runner;
  for (auto [field, slot, max] : {std::tuple{"cluster", &out.request.cluster, std::size_t{253}},
                                  std::tuple{"idempotency_key", &out.request.idempotency_key, std::size_t{256}},
                                  std::tuple{"base_commit", &out.base_commit, std::size_t{64}}}) {
    auto v = optional_text(*j, field, max);
    if (!v) return v.take_failure();
    *slot = std::move(*v);
  }
  auto reason = reason_field(*j, !out.dry_run);
  if (!reason) return reason.take_failure();
  out.request.reason = std::move(*reason);
  auto changes = j->find("changes");
  if (changes == j->end() || !changes->is_object() || changes->empty())
    return bad("changes", R"(expected an object of tfvars keys and new values, e.g. {"docker_hpa_max_replicas": 12})");
  if (changes->size() > max_changes) return bad("changes", "more than " + std::to_string(max_changes) + " keys");
  for (const auto& [key, value] : changes->items()) {
    if (key.empty() || key.size() > 200) return bad("changes", "a key is empty or longer than 200 bytes");
    if (value.is_null())
      return bad("changes." + key, "null would reset the variable to its module default silently; give the value");
    out.request.changes.emplace(key, json_to_tfvars(value));
  }
  return out;
}

}  // namespace runnerfleet::api
