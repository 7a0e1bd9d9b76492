// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/gitops/desired_state.hpp"
#include "common/gitops/tfvars_value.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

/// A config change as a reviewer will see it, worked out before anything is sent upstream:
/// validated against the stack schema, applied to the file without touching other bytes,
/// diffed, and given a deterministic branch so a retry finds its own merge request.
namespace runnerfleet::gitops {

/// The longest idempotency key a caller may give.
inline constexpr std::size_t max_idempotency_key = 128;

/// What the caller asks for.
struct proposal_request {
  std::string runner;
  std::string cluster;  ///< needed only when several clusters declare the runner
  /// Keys as GET /v1/gitops/config names them; an extra_runner_sets runner may also use the bare
  /// field name (max_runners for extra_runner_sets.<runner>.max_runners).
  std::map<std::string, tfvars::value> changes;
  std::string reason;
  std::string idempotency_key;  ///< "" = derived from runner, file and changes
};

/// Who asked, for the merge request's description.
struct proposal_author {
  std::string actor;  ///< "jane (uid 1000)"
  std::string role;
};

/// One setting that changes.
struct planned_change {
  std::string key;                     ///< as in the file: docker_hpa_max_replicas, extra_runner_sets.gh-l40s.max_runners
  std::optional<tfvars::value> from;   ///< null when the file does not set it
  bool from_default = false;           ///< `from` is the schema default, not written in the file
  tfvars::value to;
};

/// Everything a proposal needs, computed without I/O.
struct proposal_plan {
  std::string runner, cluster, ns, forge, stack, stack_runner;
  std::string file;
  std::string base_commit;  ///< the file's last commit the change was computed against
  std::vector<planned_change> changes;
  std::string new_text;
  std::string diff;  ///< unified, a/<file> → b/<file>
  std::string idempotency_key;
  std::string change_digest;  ///< of cluster, file, runner and new values: tells a reused key's other change apart
  std::string branch;
  std::string title;
  std::string description;  ///< Markdown for the merge request
  std::string commit_message;
};

/// Plans a change against the desired state as read. invalid_argument for an unknown key, a wrong
/// type, an out-of-range value, a bad idempotency key, a change that changes nothing;
/// not_found for a runner no file declares; unavailable for a file that could not be read.
result<proposal_plan> plan_proposal(const desired_state& d, const proposal_request& req, const proposal_author& who,
                                    const std::string& branch_prefix);

/// The marker a proposal's merge request description carries: the change digest, so a retry
/// under the same key can tell its own change from another.
std::string change_marker(const std::string& change_digest);

/// A short, stable hex digest (FNV-1a, 64 bits) for branch names: not a security measure.
std::string stable_digest(std::string_view text);

}  // namespace runnerfleet::gitops
