// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/api/envelope.hpp"
#include "common/api/query.hpp"
#include "common/api/route_table.hpp"
#include "common/fleet_events.hpp"
#include "common/identity.hpp"
#include "common/roles.hpp"
#include "common/snapshot.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace runnerfleet::api {

/// Who is calling, from the peer's credentials, and the role that applies to this request.
struct caller {
  peer_identity peer;
  std::optional<role> granted;    ///< what the config grants (nullopt = nothing)
  std::optional<role> effective;  ///< after X-Runnerfleet-Role lowering
};

/// What a read route may look at.
struct read_context {
  std::shared_ptr<const snapshot> snap;  ///< null before the first build
  const event_log* events = nullptr;
  time_point now{};
  const caller* who = nullptr;
  const nlohmann::json* settings = nullptr;  ///< the authority summary, built from config
  std::string version;
  time_point started{};
};

/// Answers a read route from memory. Routes needing I/O (pod_log, events_stream, metrics)
/// are not handled here.
result<body> handle_read(const route_match& route, const query_params& query, const read_context& ctx);

/// True when a route's answer depends only on the snapshot and the query, so the daemon may
/// cache it for the snapshot's generation.
bool cacheable(route_id id);

/// meta common to every answer: generation, snapshot_age_ms, stale_sources.
nlohmann::json snapshot_meta(const snapshot* s, time_point now);

}  // namespace runnerfleet::api
