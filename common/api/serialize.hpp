// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/fleet_events.hpp"
#include "common/snapshot.hpp"

#include <nlohmann/json.hpp>

/// JSON for the API objects; the shapes are pinned by schemas/api/*.json and tested against them.
namespace runnerfleet::api {

/// A runner as listed (summary fields only).
nlohmann::json runner_summary_json(const runner_view& r);
/// A runner with everything: pods, scaling conditions, listener, ephemeral runners, events.
nlohmann::json runner_detail_json(const runner_view& r, const snapshot& s);
nlohmann::json pod_json(const pod_view& p);
nlohmann::json source_json(const source_view& s);
nlohmann::json fleet_json(const snapshot& s);

/// The GitLab part of /v1/fleet (null when the source is not configured or not listed yet).
nlohmann::json gitlab_summary_json(const snapshot& s);

/// One GitLab registration with its managers.
nlohmann::json registration_json(const registration_view& r);
nlohmann::json event_json(const fleet_event& e);
/// An autoscaler (HPA or ARC scale set) seen from its runner.
nlohmann::json autoscaler_json(const runner_view& r);

/// RFC 3339 or null.
nlohmann::json time_json(const std::optional<time_point>& t);

}  // namespace runnerfleet::api
