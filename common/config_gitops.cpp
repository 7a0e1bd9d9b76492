// SPDX-License-Identifier: Apache-2.0
#include "common/config_gitops.hpp"

#include "common/config_fields.hpp"
#include "common/config_stack.hpp"
#include "common/gitops/stack_schema.hpp"
#include "common/gitops/value_rules.hpp"
#include "common/gitops/tfvars.hpp"

#include <algorithm>
#include <memory>
#include <set>

namespace runnerfleet {

using namespace config_fields;

namespace {

/// tofu/stacks/<stack>/<env>.tfvars names its stack (the directory right after a `stacks`
/// directory); "" when the path does not name one of `stacks`.
std::string stack_in_path(const std::string& path, const std::vector<gitops::stack_ref>& stacks) {
  std::vector<std::string> steps;
  for (std::size_t start = 0; start <= path.size();) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    steps.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  for (std::size_t i = 0; i + 2 < steps.size(); ++i)
    if (steps[i] == "stacks" && gitops::find_stack(stacks, steps[i + 1])) return steps[i + 1];
  return {};
}

/// "gitlab-runners, arc-runners or gpu-runners".
std::string stack_names(const std::vector<gitops::stack_ref>& stacks) {
  std::vector<std::string> names;
  for (const auto& s : stacks) names.push_back(s->name);
  return gitops::or_list(names);
}

/// The built-in stacks, each replaced by a gitops.stacks entry of its name, then the new ones.
std::vector<gitops::stack_ref> parse_stacks(const YAML::Node& node) {
  auto stacks = gitops::builtin_stacks();
  if (!node) return stacks;
  if (!node.IsSequence()) fail("gitops.stacks", node, "expected a list of stack definitions (name, forge, runners, variables, ...)");
  std::set<std::string> defined;
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto path = "gitops.stacks[" + std::to_string(i) + "]";
    auto s = std::make_shared<const gitops::stack_schema>(parse_stack(node[i], path));
    if (!defined.insert(s->name).second) fail(path + ".name", node[i]["name"], s->name + " is defined twice");
    auto same = std::find_if(stacks.begin(), stacks.end(), [&](const auto& b) { return b->name == s->name; });
    if (same != stacks.end()) *same = std::move(s);
    else stacks.push_back(std::move(s));
  }
  return stacks;
}

/// A repository-relative path: no leading '/', no '..' step, no empty step.
bool safe_relative_path(const std::string& p) {
  if (p.empty() || p.front() == '/' || p.back() == '/') return false;
  std::size_t start = 0;
  while (start <= p.size()) {
    auto slash = p.find('/', start);
    auto step = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (step.empty() || step == "." || step == "..") return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

gitops_file_config parse_file(const YAML::Node& node, const std::string& path, const config& cfg,
                              const std::vector<gitops::stack_ref>& stacks) {
  check_keys(node, path, {"path", "stack", "cluster", "runners"});
  gitops_file_config f;
  if (!node["path"]) fail(path + ".path", node, "is required (e.g. tofu/stacks/gitlab-runners/prod.tfvars)");
  f.path = get_string(node["path"], path + ".path");
  if (!safe_relative_path(f.path)) fail(path + ".path", node["path"], "expected a relative path inside the repository");
  if (!tfvars::format_for(f.path))
    fail(path + ".path", node["path"], "expected a .tfvars or .tfvars.json file");
  auto implied = stack_in_path(f.path, stacks);
  f.stack = node["stack"] ? get_string(node["stack"], path + ".stack") : implied;
  if (!implied.empty() && f.stack != implied)
    fail(path + ".stack", node["stack"], "is " + f.stack + " but the path is in the " + implied + " stack's directory");
  const auto stack = gitops::find_stack(stacks, f.stack);
  if (!stack)
    fail(path + ".stack", node["stack"] ? node["stack"] : node,
         f.stack.empty() ? "is required when the path has no tofu/stacks/<stack>/ (" + stack_names(stacks) + ")"
                         : "expected " + stack_names(stacks) + " (or define it in gitops.stacks)");
  if (auto n = node["cluster"]) {
    f.cluster = get_string(n, path + ".cluster");
    bool known = false;
    for (const auto& c : cfg.clusters) known = known || c.name == f.cluster;
    if (!known) fail(path + ".cluster", n, "names no cluster in clusters[]");
  } else if (cfg.clusters.size() == 1) {
    f.cluster = cfg.clusters.front().name;
  } else {
    fail(path + ".cluster", node, "is required when more than one cluster is configured");
  }
  if (auto m = node["runners"]) {
    const auto types = gitops::or_list(stack->layout.runners);
    const auto* sets = gitops::runner_set_variable(*stack);
    if (!m.IsMap())
      fail(path + ".runners", m,
           "expected a mapping of live runner name to the stack's runner (" + types +
               (sets ? std::string(types.empty() ? "" : ", or ") + "an entry of " + sets->key + ")" : ")"));
    for (const auto& kv : m) {
      auto live = kv.first.as<std::string>();
      auto target = get_string(kv.second, path + ".runners." + live);
      if (target.empty()) fail(path + ".runners." + live, kv.second, "must name the stack's runner");
      if (!sets && !gitops::is_runner_type(*stack, target))
        fail(path + ".runners." + live, kv.second, "expected " + types + " (the " + f.stack + " stack's runners)");
      f.runners[live] = target;
    }
  }
  return f;
}

}  // namespace

gitops_config parse_gitops(const YAML::Node& node, const config& cfg) {
  check_keys(node, "gitops", {"project", "local_path", "branch", "token_file", "poll_interval", "request_timeout",
                              "branch_prefix", "files", "unmanaged", "stacks"});
  gitops_config g;
  g.stacks = parse_stacks(node["stacks"]);
  g.line = node.Mark().line + 1;
  if (auto n = node["project"]) g.project = get_string(n, "gitops.project");
  if (auto n = node["local_path"]) g.local_path = get_string(n, "gitops.local_path");
  if (g.project.has_value() == g.local_path.has_value())
    fail("gitops", node, "needs exactly one of project (a GitLab project id or path) or local_path (a checkout)");
  if (g.project && g.project->empty()) fail("gitops.project", node["project"], "must not be empty");
  if (g.project && !cfg.gitlab)
    fail("gitops.project", node["project"], "needs the gitlab section (its url and token reach the project)");
  if (auto n = node["branch"]) {
    g.branch = get_string(n, "gitops.branch");
    if (g.branch.empty()) fail("gitops.branch", n, "must not be empty");
  }
  if (auto n = node["token_file"]) g.token_file = get_string(n, "gitops.token_file");
  if (g.token_file && g.local_path) fail("gitops.token_file", node["token_file"], "only applies with project");
  if (auto n = node["poll_interval"])
    g.poll_interval = get_duration(n, "gitops.poll_interval", std::chrono::seconds(5), std::chrono::hours(24), "between 5s and 24h");
  if (auto n = node["request_timeout"])
    g.request_timeout = get_duration(n, "gitops.request_timeout", std::chrono::seconds(1), std::chrono::minutes(5),
                                     "between 1s and 5m");
  if (auto n = node["branch_prefix"]) {
    g.branch_prefix = get_string(n, "gitops.branch_prefix");
    if (g.branch_prefix.empty() || g.branch_prefix.find("..") != std::string::npos || g.branch_prefix.front() == '/' ||
        g.branch_prefix.find_first_of(" ~^:?*[\\") != std::string::npos)
      fail("gitops.branch_prefix", n, "expected a git branch name prefix such as runnerfleet/");
  }
  auto files = node["files"];
  if (!files || !files.IsSequence() || files.size() == 0)
    fail("gitops.files", files ? files : node, "expected a list of tfvars files (path, and stack/cluster where not implied)");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto path = "gitops.files[" + std::to_string(i) + "]";
    auto f = parse_file(files[i], path, cfg, g.stacks);
    if (!seen.insert(f.path).second) fail(path + ".path", files[i]["path"], f.path + " is listed twice");
    g.files.push_back(std::move(f));
  }
  if (auto n = node["unmanaged"]) g.unmanaged = get_string_list(n, "gitops.unmanaged");
  return g;
}

}  // namespace runnerfleet
