// SPDX-License-Identifier: Apache-2.0
#include "mcp/gitops_tools.hpp"

#include "mcp/tool_support.hpp"

#include "common/api/query.hpp"
#include "daemon/cli/gitops_format.hpp"

namespace runnerfleet::mcp {

namespace {

constexpr long long default_drift_limit = 50;

/// A drift item on one line: "- error rocky9-runner undeclared: message".
std::string drift_line(const json& d) {
  // A cluster-wide item (an unreadable file, a namespace) has no runner: the cluster stands in.
  std::string who = d.value("runner", json()).is_string() ? str(d, "runner") : "(" + str(d, "cluster") + ")";
  return "- " + str(d, "severity") + " " + who + " " + str(d, "kind") + ": " + str(d, "message") + "\n";
}

/// Where the tfvars were read, without the per-file list (the drift items name unreadable files).
json desired_facts(const json& desired) {
  if (!desired.is_object()) return nullptr;
  return {{"source", desired.value("source", json())}, {"branch", desired.value("branch", json())},
          {"commit", desired.value("commit", json())}, {"read_at", desired.value("read_at", json())},
          {"stale", desired.value("stale", false)}};
}

std::string quoted(const std::string& s) { return json(s).dump(); }

/// The daemon's wording names HTTP routes and query strings; a model calls tools.
std::string model_words(std::string text) {
  static const std::pair<std::string_view, std::string_view> words[] = {
      {"GET /v1/health", "get_health"},      {"GET /v1/gitops/drift", "get_drift"},
      {"GET /v1/runners", "list_runners"},   {"add ?cluster=", "pass cluster"},
      {"read the config again", "call get_runner_config again"},
  };
  for (const auto& [from, to] : words)
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  return text;
}

}  // namespace

// ---- get_drift --------------------------------------------------------------------------

daemon_request plan_drift(const json& a) {
  daemon_request r{.target = "/v1/gitops/drift"};
  for (const char* key : {"severity", "kind", "runner", "cluster"})
    if (a.contains(key)) api::append_query(r.target, key, a[key].get<std::string>());
  return r;  // the route has no limit: render_drift cuts the (small, in-memory) list
}

json render_drift(json& env, const json& a, time_point now) {
  json& d = env["data"];
  json& items = d["items"];
  auto limit = static_cast<std::size_t>(a.contains("limit") ? a["limit"].get<long long>() : default_drift_limit);
  json shown = json::array();
  for (const auto& item : items) {
    if (shown.size() >= limit) break;
    shown.push_back(item);
  }
  json structured = {{"desired", desired_facts(d["desired"])}, {"counts", d["counts"]},
                     {"items", shown},                        {"total", items.size()}};
  structured.update(snapshot_facts(env["meta"]));  // the live side of the comparison
  std::string text = cli::drift_counts_text(d["counts"]) + " in the tfvars (" +
                     cli::desired_source_text(d["desired"], now) + ").\n";
  for (const auto& item : shown) text += drift_line(item);
  if (items.empty()) text += "No drift item matches.\n";
  text += "showing " + std::to_string(shown.size()) + " of " + std::to_string(items.size()) + " items";
  if (shown.size() < items.size()) text += "; raise limit or filter by severity, kind, runner or cluster";
  text += ". get_runner_config shows a runner's desired settings." + stale_note(env["meta"]);
  return tool_result(std::move(structured), std::move(text));
}

// ---- get_runner_config ------------------------------------------------------------------

daemon_request plan_runner_config(const json& a) {
  daemon_request r{.target = "/v1/gitops/config/" + api::percent_encode(a["name"].get<std::string>())};
  if (a.contains("cluster")) api::append_query(r.target, "cluster", a["cluster"].get<std::string>());
  return r;
}

json render_runner_config(json& env, time_point now) {
  json& d = env["data"];
  std::string lines;
  for (const auto& s : d["settings"]) {
    std::string notes = (s.value("default", false) ? "default" : "");
    if (str(s, "scope") == "all_runners") notes += std::string(notes.empty() ? "" : ", ") + "all runners of the file";
    if (!str(s, "description").empty()) notes += std::string(notes.empty() ? "" : "; ") + str(s, "description");
    lines += str(s, "key") + " = " + cli::setting_value_text(s) + (notes.empty() ? "" : "  # " + notes) + "\n";
  }
  json structured = {{"runner", d["runner"]},
                     {"cluster", d["cluster"]},
                     {"namespace", d["namespace"]},
                     {"forge", d["forge"]},
                     {"stack", d["stack"]},
                     {"stack_runner", d["stack_runner"]},
                     {"file", d["file"]},
                     {"last_commit_id", d["last_commit_id"]},
                     {"deployed", d["deployed"]},
                     {"desired", desired_facts(d["desired"])},
                     {"settings", d["settings"]},
                     {"drift", d["drift"]}};
  std::string text = str(d, "runner") + " (" + str(d, "forge") + ", cluster " + str(d, "cluster") + ", namespace " +
                     str(d, "namespace") + (d.value("deployed", false) ? "" : ", NOT deployed") + ")\n" + "file " +
                     str(d, "file") + " (stack " + str(d, "stack") + ", runner " + str(d, "stack_runner") +
                     "), last commit " + cell(d["last_commit_id"]) + "; " + cli::desired_source_text(d["desired"], now) +
                     "\nsettings (default = the module's, not set in the file):\n" + lines;
  text += d["drift"].empty() ? "drift: none\n" : "drift:\n";
  for (const auto& item : d["drift"]) text += drift_line(item);
  text += "To change settings: submit_config_change name=" + quoted(str(d, "runner")) +
          " changes={\"<key>\": <value>} with dry_run=true first";
  if (d["last_commit_id"].is_string()) text += ", base_commit=" + quoted(d["last_commit_id"].get<std::string>());
  text += "." + stale_note(env["meta"]);
  return tool_result(std::move(structured), std::move(text));
}

// ---- submit_config_change ---------------------------------------------------------------

result<daemon_request> plan_config_change(const json& a) {
  bool dry_run = a.value("dry_run", false);
  if (!dry_run && !a.contains("reason"))
    return make_error(error_code::invalid_argument,
                      "argument 'reason' is required unless dry_run is true (it goes into the merge request and the "
                      "audit journal)");
  if (a["changes"].empty())
    return make_error(error_code::invalid_argument,
                      "argument 'changes' must name at least one tfvars key, e.g. {\"docker_hpa_max_replicas\": 12}");
  json body = {{"runner", a["name"]}, {"changes", a["changes"]}, {"dry_run", dry_run}};
  for (const char* key : {"reason", "idempotency_key", "cluster", "base_commit"})
    if (a.contains(key)) body[key] = a[key];
  return daemon_request{.method = "POST", .target = "/v1/gitops/proposals", .body = body.dump()};
}

json render_config_change(json& env, time_point) {
  json& d = env["data"];
  json structured = d;
  structured.erase("title");  // the merge request carries it
  std::string changes;
  for (const auto& c : d["changes"]) changes += "- " + cli::change_text(c) + "\n";
  std::string where = str(d, "runner") + ": " + str(d, "file") + " at " +
                      (d["base_commit"].is_string() ? d["base_commit"].get<std::string>().substr(0, 12) : "-");
  std::string text;
  const json& mr = d["merge_request"];
  if (d.value("dry_run", false)) {
    text = "Dry run: nothing was pushed. " + where + " would change:\n" + changes + str(d, "diff") +
           "Call submit_config_change again without dry_run (with a reason) to open the merge request.";
  } else if (mr.is_object()) {
    std::string mr_name = "merge request !" + cell(mr["iid"]);
    text = (d.value("existing", false) ? mr_name + " already proposes this change (" + str(mr, "state") +
                                             "); nothing new was pushed: "
                                       : "Opened " + mr_name + ": ") +
           str(mr, "web_url") + "\n" + where + ", branch " + str(d, "branch") + " -> " + str(mr, "target_branch") +
           ":\n" + changes + str(d, "diff") + "Journalled as " + cell(d["request_id"]) +
           ". Nothing changes in the fleet until the merge request is merged and applied.";
  } else {
    text = "The daemon answered without a merge request: " + where + "\n" + changes + str(d, "diff");
  }
  return tool_result(std::move(structured), std::move(text));
}

std::optional<std::string> gitops_error_text(std::string_view tool, const error& e) {
  bool config_tool = tool == "get_runner_config" || tool == "submit_config_change";
  if (!config_tool && tool != "get_drift") return std::nullopt;
  switch (e.code) {
    case error_code::not_found:
      if (config_tool && e.details.contains("runner") && e.details["runner"].is_string())
        return "runner '" + e.details["runner"].get<std::string>() +
               "' is not declared in the tfvars files the daemon reads; get_drift lists runners that run but are not "
               "declared, list_runners the live ones.";
      return model_words(e.message) + ".";
    case error_code::unavailable:
      return std::string(tool) + " cannot answer now: " + model_words(e.message) + ".";
    case error_code::conflict:
      return model_words(e.message) + (tool == "submit_config_change" ? ". Nothing new was pushed." : ".");
    case error_code::invalid_argument:
      return "Invalid arguments for " + std::string(tool) + ": " + model_words(e.message) +
             (config_tool ? ". get_runner_config lists the keys this runner takes." : ".");
    case error_code::upstream_error:
    case error_code::timeout:
    case error_code::rate_limited:
      if (tool != "submit_config_change") return std::nullopt;
      return "GitLab failed while proposing the change: " + model_words(e.message) +
             ". Retry with the same idempotency_key: an opened merge request is returned, never duplicated.";
    default: return std::nullopt;
  }
}

}  // namespace runnerfleet::mcp
