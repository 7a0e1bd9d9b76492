// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "daemon/client/socket_client.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace runnerfleet::cli {

/// Exit codes, documented in --help.
enum exit_status : int {
  exit_ok = 0,
  exit_error = 1,
  exit_usage = 2,
  exit_unreachable = 3,
  exit_denied = 4,
  exit_not_found = 5,
  exit_check_failed = 6,
};

/// The exit status a daemon or transport error maps to.
int exit_for(error_code code);

/// Global flags shared by every command.
struct options {
  std::string socket;
  bool json = false;
  std::string role;  ///< sent as X-Runnerfleet-Role when set
  std::chrono::milliseconds timeout{10000};
  bool color = false;
  std::size_t width = 0;
};

/// Talks to the daemon for one command: GETs that decode the envelope, error printing.
class session {
 public:
  explicit session(options opts) : opts_(std::move(opts)) {}

  /// GET target; the decoded envelope ({"data", "meta"}).
  result<nlohmann::json> get(const std::string& target) const;
  /// POST a JSON body; the decoded envelope.
  result<nlohmann::json> post(const std::string& target, const nlohmann::json& body) const;
  /// GET every page of a list (following meta.next_cursor) into one envelope.
  result<nlohmann::json> get_all(const std::string& target) const;
  /// Prints `runnerfleet: <message>` to stderr and returns the matching exit status.
  int fail(const error& e) const;
  /// Prints an envelope as JSON (for --json).
  void print_json(const nlohmann::json& envelope) const;
  /// Extra headers for every request.
  client::headers extra_headers() const;
  const options& opts() const { return opts_; }

 private:
  options opts_;
};

/// Filters of `runners` and `pods`, turned into query strings.
struct list_args {
  std::string forge, status, type, tag, q, runner, ns, phase;
  bool problems = false;
  std::optional<int> limit;
  bool all = false;
};

int cmd_status(const session& s);
int cmd_runners(const session& s, const list_args& a);
int cmd_runner(const session& s, const std::string& name);
int cmd_pods(const session& s, const list_args& a);
int cmd_autoscalers(const session& s, const std::string& forge);
int cmd_events(const session& s, const std::string& since, const std::string& kind, const std::string& runner,
               std::optional<int> limit);
int cmd_logs(const session& s, const std::string& pod, const std::string& container, std::optional<int> tail);
int cmd_whoami(const session& s);
int cmd_health(const session& s);
int cmd_check(const session& s);
/// `pause NAME --reason` / `resume NAME`: one audited mutation, then the runner's new status.
int cmd_pause_resume(const session& s, bool pause, const std::string& name, const std::string& reason,
                     const std::string& cluster);
/// `metrics [NAME] --window W`: the fleet's or one runner's figures, SLOs and sparklines.
int cmd_metrics(const session& s, const std::string& runner, const std::string& window, const std::string& cluster);

/// Filters of `drift`, passed through to GET /v1/gitops/drift.
struct drift_args {
  std::string severity, kind, runner, cluster;
};

/// `drift`: where the live fleet differs from the tfvars, errors first [operator].
int cmd_drift(const session& s, const drift_args& a);
/// `config NAME`: a runner's desired settings from its tfvars file [operator].
int cmd_config(const session& s, const std::string& name, const std::string& cluster);

/// What `propose` sends: the runner, its key=value arguments (parsed here), and the options.
struct propose_args {
  std::string name, reason, idempotency_key, cluster, base_commit;
  std::vector<std::string> assignments;
  bool dry_run = false;
};

/// `propose NAME key=value...`: a config change as a merge request (or its diff with --dry-run).
int cmd_propose(const session& s, const propose_args& a);

/// `audit`: the mutation journal, newest first (admin).
int cmd_audit(const session& s, const std::string& runner, std::optional<int> limit);

/// `events --follow`: prints recent events, then streams new ones until SIGINT/SIGTERM,
/// reconnecting with Last-Event-ID when the stream drops.
int cmd_follow(const session& s, const std::string& kind, const std::string& runner);


}  // namespace runnerfleet::cli
