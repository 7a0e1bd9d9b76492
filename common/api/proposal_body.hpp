// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/gitops/proposal.hpp"

#include <string>
#include <string_view>

namespace runnerfleet::api {

/// POST /v1/gitops/proposals as the caller sent it.
struct proposal_body {
  gitops::proposal_request request;
  bool dry_run = false;
  std::string base_commit;  ///< the file version the caller saw (last_commit_id of GET /v1/gitops/config)
};

/// Parses and checks the body: {"runner", "changes": {key: value}, "reason" (required unless
/// dry_run), "dry_run", "idempotency_key", "cluster", "base_commit"}. invalid_argument naming
/// the field for anything else; the values themselves are checked by the stack schema later.
result<proposal_body> parse_proposal_body(std::string_view body);

}  // namespace runnerfleet::api
