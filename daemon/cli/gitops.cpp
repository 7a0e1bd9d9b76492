// SPDX-License-Identifier: Apache-2.0
// The CLI's GitOps commands: drift, config and propose (a merge request, never a direct change).
#include "common/api/query.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/format.hpp"
#include "daemon/cli/gitops_format.hpp"
#include "daemon/cli/table.hpp"

#include <iostream>
#include <sstream>
#include <variant>

namespace runnerfleet::cli {

using nlohmann::json;

namespace {

/// The envelope, or the exit status when the command is done (error printed, or --json printed).
std::variant<int, json> envelope_or_done(const session& s, result<json> r) {
  if (!r) return s.fail(r.failure());
  if (s.opts().json) {
    s.print_json(*r);
    return exit_ok;
  }
  return std::move(*r);
}

/// A unified diff, + lines green and - lines red on a terminal.
std::string painted_diff(const std::string& diff, bool color) {
  if (!color) return diff;
  std::istringstream in(diff);
  std::string out, line;
  while (std::getline(in, line)) {
    bool header = line.rfind("+++", 0) == 0 || line.rfind("---", 0) == 0;
    tone t = tone::plain;
    if (!header && !line.empty() && (line[0] == '+' || line[0] == '-')) t = line[0] == '+' ? tone::good : tone::bad;
    out += paint(line, t, true) + "\n";
  }
  return out;
}

void print_drift_table(const json& items, const session& s) {
  table t({"SEVERITY", "RUNNER", "KIND", "KEY", "DESIRED", "LIVE", "MESSAGE"});
  for (const auto& d : items) {
    auto field = [&](const char* key) { return text(d.value(key, json())); };
    auto severity = d.value("severity", "");
    // A cluster-wide item (an unreadable file, a namespace) has no runner: the cluster stands in.
    auto runner = d.value("runner", json()).is_string() ? field("runner") : "(" + d.value("cluster", "") + ")";
    t.add({severity, runner, field("kind"), field("key"), field("desired"), field("live"), field("message")},
          {severity == "error" ? tone::bad : severity == "warning" ? tone::warn : tone::plain});
  }
  std::cout << t.render(s.opts().width, s.opts().color);
}

}  // namespace

int cmd_drift(const session& s, const drift_args& a) {
  std::string target = "/v1/gitops/drift";
  api::append_query(target, "severity", a.severity);
  api::append_query(target, "kind", a.kind);
  api::append_query(target, "runner", a.runner);
  api::append_query(target, "cluster", a.cluster);
  auto fetched = envelope_or_done(s, s.get(target));
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  const auto& d = std::get<json>(fetched)["data"];
  std::cout << "tfvars from " << desired_source_text(d["desired"], clock::now()) << "\n"
            << drift_counts_text(d["counts"]) << "\n";
  for (const auto& f : d["desired"].value("files", json::array()))
    if (!f.value("readable", true))
      std::cerr << "runnerfleet: warning: " << f.value("path", "") << " is unreadable: " << text(f["problem"]) << "\n";
  if (d["items"].empty()) {
    std::cout << "no drift item matches\n";
    return exit_ok;
  }
  std::cout << "\n";
  print_drift_table(d["items"], s);
  return exit_ok;
}

int cmd_config(const session& s, const std::string& name, const std::string& cluster) {
  std::string target = "/v1/gitops/config/" + api::percent_encode(name);
  api::append_query(target, "cluster", cluster);
  auto fetched = envelope_or_done(s, s.get(target));
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  const auto& d = std::get<json>(fetched)["data"];
  bool c = s.opts().color;
  std::cout << d.value("runner", name) << "  " << d.value("forge", "") << ", cluster " << d.value("cluster", "")
            << ", namespace " << d.value("namespace", "")
            << (d.value("deployed", false) ? "" : "  " + paint("not deployed", tone::warn, c)) << "\n"
            << "  file " << d.value("file", "") << " (stack " << d.value("stack", "") << ", runner "
            << d.value("stack_runner", "") << "), last commit " << text(d["last_commit_id"]) << "\n"
            << "  tfvars from " << desired_source_text(d["desired"], clock::now()) << "\n\n";
  table t({"KEY", "VALUE", "NOTE"});
  for (const auto& setting : d["settings"]) {
    std::string note;
    if (setting.value("default", false)) note = "default";
    if (setting.value("sensitive", false)) note += std::string(note.empty() ? "" : ", ") + "sensitive";
    if (setting.value("scope", "") == "all_runners") note += std::string(note.empty() ? "" : ", ") + "all runners";
    t.add({setting.value("key", ""), setting_value_text(setting), note.empty() ? "-" : note},
          {tone::plain, setting.value("default", false) ? tone::dim : tone::plain});
  }
  std::cout << t.render(s.opts().width, c);
  if (!d["drift"].empty()) {
    std::cout << "\ndrift\n";
    print_drift_table(d["drift"], s);
  }
  return exit_ok;
}

int cmd_propose(const session& s, const propose_args& a) {
  auto changes = parse_changes(a.assignments);
  if (!changes) {
    std::cerr << "runnerfleet: " << changes.failure().message << "\n";
    return exit_usage;
  }
  if (!a.dry_run && a.reason.empty()) {
    std::cerr << "runnerfleet: propose needs --reason (it goes into the merge request and the audit journal), or "
                 "--dry-run\n";
    return exit_usage;
  }
  json body = {{"runner", a.name}, {"changes", *changes}, {"dry_run", a.dry_run}};
  if (!a.reason.empty()) body["reason"] = a.reason;
  if (!a.idempotency_key.empty()) body["idempotency_key"] = a.idempotency_key;
  if (!a.cluster.empty()) body["cluster"] = a.cluster;
  if (!a.base_commit.empty()) body["base_commit"] = a.base_commit;
  auto fetched = envelope_or_done(s, s.post("/v1/gitops/proposals", body));
  if (auto* done = std::get_if<int>(&fetched)) return *done;
  const auto& d = std::get<json>(fetched)["data"];
  bool c = s.opts().color;
  std::cout << painted_diff(d.value("diff", ""), c);
  if (d.value("dry_run", false)) {
    std::cout << "dry run: nothing pushed\n";
    return exit_ok;
  }
  const auto& mr = d["merge_request"];
  if (!mr.is_object()) {
    std::cerr << "runnerfleet: the daemon answered without a merge request\n";
    return exit_error;
  }
  std::cout << "merge request !" << text(mr["iid"]) << " (" << mr.value("state", "") << "): " << mr.value("web_url", "")
            << "\n";
  if (d.value("existing", false)) std::cout << "  already open for this change; nothing new was pushed\n";
  std::cout << "  branch " << d.value("branch", "") << " -> " << mr.value("target_branch", "") << ", journalled as "
            << text(d["request_id"]) << "\n";
  return exit_ok;
}

}  // namespace runnerfleet::cli
