// SPDX-License-Identifier: Apache-2.0
// runnerfleet: the operator CLI over runnerfleetd's Unix socket.
#include "build_config.hpp"
#include "common/socket_path.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/table.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdlib>
#include <iostream>

using namespace runnerfleet;
using namespace runnerfleet::cli;

namespace {

constexpr const char* footer = R"(Exit codes: 0 ok, 1 other error, 2 usage error, 3 daemon unreachable or timed out,
4 permission denied, 5 not found, 6 check failed.
The socket is --socket, else $RUNNERFLEET_SOCKET, else /run/runnerfleet/runnerfleet.sock with
--system, else $XDG_RUNTIME_DIR/runnerfleet.sock.)";

void add_list_filters(CLI::App* cmd, list_args& a, bool pods) {
  cmd->add_option("--limit", a.limit, "page size (1-1000)")->check(CLI::Range(1, 1000));
  cmd->add_flag("--all", a.all, "follow every page");
  if (pods) {
    cmd->add_flag("--problems", a.problems, "only pods with problems");
    cmd->add_option("--runner", a.runner, "only this runner's pods");
    cmd->add_option("--namespace", a.ns, "only this namespace");
    cmd->add_option("--phase", a.phase, "Pending, Running, Succeeded, Failed, Unknown (comma list)");
  } else {
    cmd->add_option("--forge", a.forge, "gitlab or github");
    cmd->add_option("--status", a.status, "online, idle, degraded, draining, paused, offline, unknown (comma list)");
    cmd->add_option("--type", a.type, "docker, dind, nix, rocky8, rocky9, l40s, a100, unknown");
    cmd->add_option("--tag", a.tag, "runners carrying this tag / runs-on label");
    cmd->add_option("-q", a.q, "name substring");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"runnerfleet: see and steer the CI runner fleet through runnerfleetd"};
  app.footer(footer);
  app.require_subcommand(1);
  app.fallthrough();  // global flags also work after the command: `runnerfleet runners --json`
  std::optional<std::string> socket_flag;
  bool system_mode = false, json = false, no_color = false;
  std::string role;
  double timeout_s = 10;
  app.add_option("--socket", socket_flag, "daemon socket path");
  app.add_flag("--system", system_mode, "use the system daemon's socket");
  app.add_flag("--json", json, "print the daemon's JSON envelope");
  app.add_option("--role", role, "lower your role for this call (viewer, operator, admin)")
      ->check(CLI::IsMember({"viewer", "operator", "admin"}));
  auto* timeout_opt =
      app.add_option("--timeout", timeout_s, "seconds to wait for the daemon (propose: 120 unless given)")
          ->check(CLI::Range(0.1, 3600.0));
  app.add_flag("--no-color", no_color, "never colour output");
  app.set_version_flag("--version", std::string("runnerfleet ") + RUNNERFLEET_VERSION);

  list_args runners_args, pods_args;
  std::string name, forge, since, kind, runner, pod, container;
  std::optional<int> limit, tail;
  bool follow = false;
  auto* status_cmd = app.add_subcommand("status", "landing view: runners, pods, attention, sources");
  auto* runners_cmd = app.add_subcommand("runners", "list runners");
  add_list_filters(runners_cmd, runners_args, false);
  auto* runner_cmd = app.add_subcommand("runner", "one runner in detail");
  runner_cmd->add_option("name", name, "runner name")->required();
  auto* pods_cmd = app.add_subcommand("pods", "list pods of the watched namespaces");
  add_list_filters(pods_cmd, pods_args, true);
  auto* autoscalers_cmd = app.add_subcommand("autoscalers", "HPAs and ARC scale sets");
  autoscalers_cmd->add_option("--forge", forge, "gitlab or github");
  auto* events_cmd = app.add_subcommand("events", "recent fleet events");
  events_cmd->add_option("--since", since, "RFC 3339 time or a duration such as 10m");
  events_cmd->add_option("--kind", kind, "event kinds (comma list)");
  events_cmd->add_option("--runner", runner, "only this runner");
  events_cmd->add_option("--limit", limit, "at most this many (1-1000)")->check(CLI::Range(1, 1000));
  events_cmd->add_flag("--follow,-f", follow, "keep streaming new events until interrupted");
  auto* logs_cmd = app.add_subcommand("logs", "tail of a runner pod's log");
  logs_cmd->add_option("pod", pod, "NAMESPACE/POD")->required();
  logs_cmd->add_option("--container,-c", container, "container name");
  logs_cmd->add_option("--tail", tail, "lines (1-5000, default 200)")->check(CLI::Range(1, 5000));
  auto* whoami_cmd = app.add_subcommand("whoami", "your identity and role as the daemon sees them");
  auto* health_cmd = app.add_subcommand("health", "daemon and source health");
  auto* check_cmd = app.add_subcommand("check", "CI smoke check: exit 0 only when synced and every source is ok");
  std::string reason, cluster;
  auto* pause_cmd = app.add_subcommand("pause", "pause a runner (GitLab: its registrations; ARC: scale to zero) [operator]");
  pause_cmd->add_option("name", name, "runner name")->required();
  pause_cmd->add_option("--reason,-r", reason, "why; goes into the audit journal")->required();
  pause_cmd->add_option("--cluster", cluster, "the cluster, when the name exists in several");
  auto* resume_cmd = app.add_subcommand("resume", "resume a paused runner [operator]");
  resume_cmd->add_option("name", name, "runner name")->required();
  resume_cmd->add_option("--reason,-r", reason, "why (optional)");
  resume_cmd->add_option("--cluster", cluster, "the cluster, when the name exists in several");
  auto* audit_cmd = app.add_subcommand("audit", "the mutation journal, newest first [admin]");
  audit_cmd->add_option("--runner", runner, "only this runner");
  audit_cmd->add_option("--limit", limit, "at most this many (1-1000)")->check(CLI::Range(1, 1000));

  std::string window = "1h";
  auto* metrics_cmd = app.add_subcommand("metrics", "fleet metrics, or one runner's, with SLOs and sparklines");
  metrics_cmd->add_option("name", name, "runner name (omit for the whole fleet)");
  metrics_cmd->add_option("--window,-w", window, "1h, 6h, 24h or 7d")->check(CLI::IsMember({"1h", "6h", "24h", "7d"}));
  metrics_cmd->add_option("--cluster", cluster, "the cluster, when the name exists in several");

  drift_args drift;
  auto* drift_cmd = app.add_subcommand("drift", "where the live fleet differs from the tfvars in Git [operator]");
  drift_cmd->add_option("--severity", drift.severity, "error, warning, info (comma list)");
  drift_cmd->add_option("--kind", drift.kind, "missing, undeclared, unmanaged, replicas, ... (comma list)");
  drift_cmd->add_option("--runner", drift.runner, "only this runner");
  drift_cmd->add_option("--cluster", drift.cluster, "only this cluster");
  auto* config_cmd = app.add_subcommand("config", "a runner's desired settings from its tfvars file [operator]");
  config_cmd->add_option("name", name, "runner name")->required();
  config_cmd->add_option("--cluster", cluster, "the cluster, when the name is declared for several");
  propose_args propose;
  auto* propose_cmd = app.add_subcommand(
      "propose", "propose a config change as a merge request; nothing changes until it is merged [operator]");
  propose_cmd->footer(R"(A value that parses as JSON is that JSON (12, true, {"cpu": "2"}, [1, 2]); anything else is a
plain string (500m). Quote for the shell to pass a JSON string: key='"12"'.)");
  propose_cmd->add_option("name", propose.name, "runner name")->required();
  propose_cmd->add_option("changes", propose.assignments, "key=value, one or more")->required();
  propose_cmd->add_option("--reason,-r", propose.reason, "why; goes into the merge request and the audit journal");
  propose_cmd->add_flag("--dry-run", propose.dry_run, "show the diff only; nothing is pushed");
  propose_cmd->add_option("--key", propose.idempotency_key, "idempotency key: a retry returns the open merge request");
  propose_cmd->add_option("--cluster", propose.cluster, "the cluster, when the name is declared for several");
  propose_cmd->add_option("--base", propose.base_commit, "refuse unless the file is still at this commit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : exit_usage;
  }

  auto socket = resolve_socket_path(socket_flag, system_mode, std::getenv("RUNNERFLEET_SOCKET"), std::getenv("XDG_RUNTIME_DIR"));
  if (!socket) {
    std::cerr << "runnerfleet: " << socket.failure().message << "\n";
    return exit_usage;
  }
  options opts;
  opts.socket = *socket;
  opts.json = json;
  opts.role = role;
  // A proposal makes several GitLab calls in a row (look-up, commit, merge request): give it time,
  // or the CLI would give up while the daemon still opens the request.
  if (propose_cmd->parsed() && timeout_opt->count() == 0) timeout_s = 120;
  opts.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  opts.color = use_color(::isatty(STDOUT_FILENO), no_color, std::getenv("NO_COLOR"));
  opts.width = terminal_width();
  session s(opts);

  if (status_cmd->parsed()) return cmd_status(s);
  if (runners_cmd->parsed()) return cmd_runners(s, runners_args);
  if (runner_cmd->parsed()) return cmd_runner(s, name);
  if (pods_cmd->parsed()) return cmd_pods(s, pods_args);
  if (autoscalers_cmd->parsed()) return cmd_autoscalers(s, forge);
  if (events_cmd->parsed()) return follow ? cmd_follow(s, kind, runner) : cmd_events(s, since, kind, runner, limit);
  if (logs_cmd->parsed()) return cmd_logs(s, pod, container, tail);
  if (whoami_cmd->parsed()) return cmd_whoami(s);
  if (health_cmd->parsed()) return cmd_health(s);
  if (check_cmd->parsed()) return cmd_check(s);
  if (pause_cmd->parsed()) return cmd_pause_resume(s, true, name, reason, cluster);
  if (resume_cmd->parsed()) return cmd_pause_resume(s, false, name, reason, cluster);
  if (audit_cmd->parsed()) return cmd_audit(s, runner, limit);
  if (metrics_cmd->parsed()) return cmd_metrics(s, name, window, cluster);
  if (drift_cmd->parsed()) return cmd_drift(s, drift);
  if (config_cmd->parsed()) return cmd_config(s, name, cluster);
  if (propose_cmd->parsed()) return cmd_propose(s, propose);
  return exit_usage;
}
