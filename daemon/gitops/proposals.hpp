// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/api/proposal_body.hpp"
#include "common/api/read_routes.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "daemon/audit_journal.hpp"
#include "daemon/snapshot_store.hpp"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace runnerfleet::daemon {

class gitops_source;

/// One POST /v1/gitops/proposals.
struct proposal_call {
  api::proposal_body body;
  std::string request_id;
  std::string client_request_id;
  api::caller who;
};

/// Config changes as merge requests, never applied: the change is planned and validated from
/// the tfvars the daemon holds (no upstream call for an invalid one), then one atomic commit
/// on a deterministic branch with the file's last commit as the optimistic lock, then the
/// merge request. A retry with the same idempotency key returns the same merge request; a
/// failure after the branch exists removes the branch. Journalled before and after like every
/// mutation, and announced as a `mutation` event.
class proposals {
 public:
  proposals(const config& cfg, snapshot_store& store, audit_journal& journal, gitops_source* source);

  /// Plans (dry_run) or proposes; the reply names the diff and the merge request.
  boost::asio::awaitable<result<nlohmann::json>> run(proposal_call call);

 private:
  boost::asio::awaitable<result<nlohmann::json>> propose(const proposal_call& call, const gitops::proposal_plan& plan);

  const config& cfg_;
  snapshot_store& store_;
  audit_journal& journal_;
  gitops_source* source_;
  std::set<std::string> in_flight_;  ///< branches with a proposal under way
};

}  // namespace runnerfleet::daemon
