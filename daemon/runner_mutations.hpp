// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/api/read_routes.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "daemon/audit_journal.hpp"
#include "daemon/snapshot_store.hpp"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <set>
#include <string>

namespace runnerfleet::kube {
class cluster_source;
}

namespace runnerfleet::daemon {

class gitlab_source;

/// One pause or resume as the caller asked for it.
struct mutation_call {
  std::string action;   ///< pause, resume
  std::string runner;   ///< the path parameter
  std::string cluster;  ///< ?cluster=, needed only when the name exists in several clusters
  std::string reason;
  std::string request_id;         ///< ours, unique: the journal pairs intent and outcome by it
  std::string client_request_id;  ///< the caller's X-Request-Id, if usable; recorded, not trusted
  api::caller who;
};

/// Pause and resume: GitLab runners by pausing every matched registration, ARC runners by
/// scaling to zero (only with arc.pause_mode: scale_to_zero). Each change is idempotent,
/// journalled (intent fsynced before the upstream call, outcome after), announced as a
/// `mutation` event, and visible in the snapshot before the reply is sent.
class runner_mutations {
 public:
  using cluster_lookup = std::function<kube::cluster_source*(const std::string&)>;

  runner_mutations(const config& cfg, snapshot_store& store, audit_journal& journal, gitlab_source* gitlab,
                   cluster_lookup clusters);

  /// Performs the call; the reply data names the outcome and the runner's status after it.
  boost::asio::awaitable<result<nlohmann::json>> run(mutation_call call);

  /// For every intent the journal holds without an outcome (the daemon stopped in between):
  /// re-reads the real state and records an `unknown` outcome saying what it found.
  boost::asio::awaitable<void> recover_unfinished();

 private:
  boost::asio::awaitable<result<nlohmann::json>> change_gitlab(mutation_call call, runner_view runner);
  boost::asio::awaitable<result<nlohmann::json>> change_arc(mutation_call call, runner_view runner);
  audit::record record_for(const mutation_call& call, const runner_view& runner) const;
  /// Writes the outcome, publishes the event, and builds the reply (or the error) for it.
  result<nlohmann::json> finish(audit::record outcome, const std::optional<error>& failure);

  const config& cfg_;
  snapshot_store& store_;
  audit_journal& journal_;
  gitlab_source* gitlab_;
  cluster_lookup clusters_;
  std::set<std::string> in_flight_;  ///< runner keys with a mutation under way
};

/// The intent record of a mutation by `who` on a runner; the caller adds the detail.
audit::record intent_record(const std::string& request_id, const api::caller& who, std::string action,
                            const std::string& runner, const std::string& forge, const std::string& cluster,
                            const std::string& ns, const std::string& reason);

/// A fresh request id: "rf-" and 16 random hex digits.
std::string new_request_id();

/// The caller's X-Request-Id when it is short and plain ([A-Za-z0-9._-], ≤ 64), else "".
std::string client_request_id(const std::string& header);

}  // namespace runnerfleet::daemon
