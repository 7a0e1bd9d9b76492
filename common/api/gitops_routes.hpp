// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/api/envelope.hpp"
#include "common/api/query.hpp"
#include "common/api/route_table.hpp"
#include "common/snapshot.hpp"

/// GET /v1/gitops/drift and GET /v1/gitops/config/{name}: answered from the snapshot's desired
/// state and drift, never from the repository.
namespace runnerfleet::api {

/// Drift items with severity (filters severity, kind, runner, cluster) and the source's freshness.
result<body> gitops_drift(const query_params& q, const snapshot& s);

/// A declared runner's desired configuration (every key of its own and the all-runner keys, set
/// or defaulted, sensitive ones without their value) and its drift.
result<body> gitops_config(const route_match& m, const query_params& q, const snapshot& s);

}  // namespace runnerfleet::api
