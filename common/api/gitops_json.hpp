// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/gitops/desired_state.hpp"
#include "common/gitops/tfvars_value.hpp"
#include "common/snapshot.hpp"

#include <nlohmann/json.hpp>

/// JSON for the GitOps answers (schemas/api/drift.json, runner_config.json, proposal.json) and
/// the one conversion between JSON and tfvars values that requests and answers share.
namespace runnerfleet::api {

/// A tfvars value as JSON (numbers as numbers, objects keep their member order).
nlohmann::json tfvars_to_json(const tfvars::value& v);

/// A JSON value as a tfvars value (integers stay integers; other numbers keep their text).
tfvars::value json_to_tfvars(const nlohmann::json& j);

/// One drift item.
nlohmann::json drift_item_json(const drift_item& d);

/// Where the desired state came from and how fresh it is.
nlohmann::json desired_source_json(const gitops::desired_state& d, bool stale);

/// A runner's GitOps reference (file, stack, drift counts), or null.
nlohmann::json config_ref_json(const std::optional<runner_config_ref>& c);

}  // namespace runnerfleet::api
