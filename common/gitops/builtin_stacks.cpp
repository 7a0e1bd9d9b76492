// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/builtin_stacks.hpp"

#include <string_view>
#include <utility>

namespace runnerfleet::gitops {

namespace {

using tfvars::value;

// A function, not a global: the stacks may be built during another file's static initialization.
const std::vector<std::string>& runner_types() {
  static const std::vector<std::string> types = {"nix", "docker", "dind"};
  return types;
}

variable_spec var(std::string key, var_type t, value_check c, std::optional<value> def,
                  var_scope scope, std::string runner, std::string description) {
  variable_spec v;
  v.key = std::move(key);
  v.type = t;
  v.check = c;
  v.default_value = std::move(def);
  v.scope = scope;
  v.runner = std::move(runner);
  v.description = std::move(description);
  return v;
}

value str(std::string s) { return value::string(std::move(s)); }
value num(std::int64_t n) { return value::integer(n); }
value flag(bool b) { return value::boolean(b); }

variable_spec count(std::string key, std::int64_t def, std::int64_t min, var_scope scope,
                    std::string runner, std::string description) {
  auto v = var(std::move(key), var_type::integer, value_check::none, num(def), scope,
               std::move(runner), std::move(description));
  v.min = min;
  return v;
}

variable_spec secret(std::string key, std::optional<value> def, var_scope scope, std::string runner,
                     std::string description) {
  auto v = var(std::move(key), var_type::string, value_check::none, std::move(def), scope,
               std::move(runner), std::move(description));
  v.sensitive = true;
  return v;
}

// Runner-type resources: {request cpu, request memory, limit cpu, limit memory}.
struct resources {
  const char* cpu_request;
  const char* memory_request;
  const char* cpu_limit;
  const char* memory_limit;
};

void add_quantities(stack_schema& s, const std::string& prefix, const resources& r, var_scope scope,
                    const std::string& runner, const std::string& what) {
  const std::pair<const char*, const char*> items[] = {{"cpu_request", r.cpu_request},
                                                       {"memory_request", r.memory_request},
                                                       {"cpu_limit", r.cpu_limit},
                                                       {"memory_limit", r.memory_limit}};
  for (const auto& [name, def] : items)
    s.variables.push_back(
        var(prefix + name, var_type::string, value_check::quantity, str(def), scope, runner,
            what + " " + std::string(name).replace(std::string(name).find('_'), 1, " ")));
  s.pairs.push_back({prefix + "cpu_request", prefix + "cpu_limit", true});
  s.pairs.push_back({prefix + "memory_request", prefix + "memory_limit", true});
}

void add_common_head(stack_schema& s) {
  using enum var_scope;
  s.variables.push_back(var("cluster_context", var_type::string, value_check::non_empty,
                            std::nullopt, stack, "", "kubeconfig context the stack deploys to"));
  s.variables.push_back(var("k8s_config_path", var_type::string, value_check::none, str(""), stack,
                            "", "kubeconfig file; empty for the default"));
}

void add_common_tail(stack_schema& s) {
  using enum var_scope;
  s.variables.push_back(
      secret("ghcr_token", str(""), stack, "", "token of the ghcr-auth pull secret"));
  s.variables.push_back(var("ghcr_username", var_type::string, value_check::none, str(""), stack,
                            "", "user of the ghcr-auth pull secret"));
}

// The arc-runner module's validation of an extra set's runner_type (§8.3).
field_spec runner_type_field() {
  field_spec f;
  f.name = "runner_type";
  f.check = value_check::one_of;
  f.allowed = {"docker", "dind", "nix"};
  f.default_value = value::string("nix");
  return f;
}

}  // namespace

// tofu/stacks/gitlab-runners/variables.tf (prior-art §8.2).
stack_schema gitlab_runners_schema() {
  using enum var_scope;
  stack_schema s;
  s.name = "gitlab-runners";
  s.builtin = true;
  add_common_head(s);
  s.variables.push_back(var("gitlab_url", var_type::string, value_check::non_empty,
                            str("https://gitlab.com"), all_runners, "",
                            "GitLab instance every runner registers with"));
  s.variables.push_back(var("namespace", var_type::string, value_check::dns_label,
                            str("gitlab-runners"), stack, "", "namespace of all runner releases"));
  s.variables.push_back(var("create_namespace", var_type::boolean, value_check::none, flag(true),
                            stack, "", "whether the stack creates the namespace"));
  s.variables.push_back(
      secret("nix_runner_token", std::nullopt, runner, "nix", "nix runner authentication token"));
  s.variables.push_back(secret("docker_runner_token", str(""), runner, "docker",
                               "docker runner authentication token"));
  s.variables.push_back(
      secret("dind_runner_token", str(""), runner, "dind", "dind runner authentication token"));
  for (const auto& p : runner_types())
    s.variables.push_back(var(p + "_runner_name", var_type::string, value_check::release_name,
                              str(p + "-runner"), runner, p,
                              "Helm release name of the " + p + " runner (its HPA is <name>-hpa)"));
  s.variables.push_back(var("deploy_docker_runner", var_type::boolean, value_check::none,
                            flag(true), runner, "docker",
                            "whether the docker runner exists (nix is always deployed)"));
  s.variables.push_back(var("deploy_dind_runner", var_type::boolean, value_check::none, flag(false),
                            runner, "dind",
                            "whether the dind runner exists (nix is always deployed)"));
  s.variables.push_back(var("use_legacy_exec_strategy", var_type::boolean, value_check::none,
                            flag(true), all_runners, "",
                            "FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY for every runner"));
  s.variables.push_back(var("spread_to_nodes", var_type::boolean, value_check::none, flag(true),
                            all_runners, "",
                            "anti-affinity spreading managers and jobs across nodes"));
  s.variables.push_back(var("manager_priority_class_name", var_type::string,
                            value_check::dns_subdomain_or_empty, str(""), all_runners, "",
                            "priority class of the manager pods; empty for none"));
  s.variables.push_back(var("job_priority_class_name", var_type::string,
                            value_check::dns_subdomain_or_empty, str(""), all_runners, "",
                            "priority class of the job pods; empty for none"));
  add_quantities(s, "manager_", {"50m", "128Mi", "200m", "256Mi"}, all_runners, "",
                 "manager pod (all runners)");

  const resources job[] = {
      {"500m", "1Gi", "4", "8Gi"}, {"100m", "256Mi", "2", "4Gi"}, {"500m", "1Gi", "4", "8Gi"}};
  const std::int64_t concurrency[] = {6, 12, 6};
  const std::int64_t hpa_min[] = {2, 2, 1};
  const std::int64_t hpa_max[] = {5, 8, 5};
  for (std::size_t i = 0; i < runner_types().size(); ++i) {
    const auto& p = runner_types()[i];
    s.variables.push_back(
        count(p + "_concurrent_jobs", concurrency[i], 1, runner, p,
              "jobs one " + p + " runner manager runs at once (Helm concurrent)"));
    add_quantities(s, p + "_job_", job[i], runner, p, p + " job pod");
    s.variables.push_back(var(p + "_hpa_enabled", var_type::boolean, value_check::none, flag(true),
                              runner, p, "whether the " + p + " runner manager autoscales"));
    s.variables.push_back(count(p + "_hpa_min_replicas", hpa_min[i], 1, runner, p,
                                "fewest " + p + " manager replicas the HPA keeps"));
    s.variables.push_back(count(p + "_hpa_max_replicas", hpa_max[i], 1, runner, p,
                                "most " + p + " manager replicas the HPA allows"));
    s.pairs.push_back({p + "_hpa_min_replicas", p + "_hpa_max_replicas", false});
    if (p == "nix") {
      s.variables.push_back(var("attic_server", var_type::string, value_check::none, str(""),
                                runner, "nix",
                                "Attic binary cache server for nix jobs; empty for none"));
      s.variables.push_back(var("attic_cache", var_type::string, value_check::non_empty,
                                str("main"), runner, "nix", "Attic cache name for nix jobs"));
    }
  }
  s.variables.push_back(var("enable_runner_cleanup", var_type::boolean, value_check::none,
                            flag(false), stack, "", "whether the stuck-pod cleanup CronJob runs"));
  s.variables.push_back(var("kubectl_image", var_type::string, value_check::non_empty,
                            str("bitnami/kubectl:latest"), stack, "",
                            "image of the cleanup CronJob"));
  add_common_tail(s);

  auto& l = s.layout;
  l.forge = "gitlab";
  l.runners = runner_types();
  l.namespace_key = "namespace";
  l.name_key = "{runner}_runner_name";
  l.deploy_key = "deploy_{runner}_runner";
  l.autoscale_key = "{runner}_hpa_enabled";
  l.min_key = "{runner}_hpa_min_replicas";
  l.max_key = "{runner}_hpa_max_replicas";
  l.resources_prefix = "manager_";
  // The runner module fixes these; the stack does not expose them (§8.1).
  l.cpu_target = {"hpa_cpu_target", 70};
  l.memory_target = {"hpa_memory_target", 80};
  l.scale_up_window = {"hpa_scale_up_window", 15};
  l.scale_down_window = {"hpa_scale_down_window", 300};

  // Module variables the gitlab-runners stack does not expose, with the default that then applies
  // (§8.1, §8.2).
  const std::pair<std::string_view, std::string_view> unexposed[] = {
      {"default_image", "the runner type's default image"},
      {"run_untagged", "false"},
      {"protected", "false"},
      {"privileged", "true for dind, false for nix and docker"},
      {"runner_tags", "the runner type's default tags"},
      {"hpa_cpu_target", "70"},
      {"hpa_memory_target", "80"},
      {"hpa_scale_up_window", "15"},
      {"hpa_scale_down_window", "300"},
      {"pdb_enabled", "false"},
      {"service_monitor_enabled", "false"},
  };
  // The earlier dashboard's edit form wrote these keys (§11): renamed, or not exposed at all.
  s.hints = {{"{runner}_concurrent", "{runner}_concurrent_jobs", ""},
             {"{runner}_manager_*", "manager_*", ""},
             {"{runner}_*", "{runner}_job_*", ""},
             {"deploy_nix_runner", "",
              "nix is always deployed; deploy_docker_runner and deploy_dind_runner exist"}};
  for (const auto& [name, def] : unexposed)
    s.hints.push_back({std::string(name), "",
                       "it does not expose the module's " + std::string(name) + ", whose default " +
                           std::string(def) + " applies; OpenTofu would ignore the key"});
  return s;
}

// tofu/stacks/arc-runners/variables.tf (prior-art §8.4) and the arc-runner module's validation
// (§8.3).
stack_schema arc_runners_schema() {
  using enum var_scope;
  stack_schema s;
  s.name = "arc-runners";
  s.builtin = true;
  add_common_head(s);
  s.variables.push_back(var("github_config_url", var_type::string, value_check::github_url,
                            std::nullopt, all_runners, "",
                            "GitHub org or repo URL the scale sets register with"));
  s.variables.push_back(var("github_config_secret", var_type::string, value_check::non_empty,
                            str("github-app-secret"), all_runners, "",
                            "secret holding the GitHub App credentials"));
  s.variables.push_back(var("controller_namespace", var_type::string, value_check::dns_label,
                            str("arc-systems"), stack, "", "namespace of the ARC controller"));
  s.variables.push_back(var("create_controller_namespace", var_type::boolean, value_check::none,
                            flag(true), stack, "",
                            "whether the stack creates the controller namespace"));
  s.variables.push_back(var("runner_namespace", var_type::string, value_check::dns_label,
                            str("arc-runners"), stack, "", "namespace of all scale sets"));
  s.variables.push_back(var("create_runner_namespace", var_type::boolean, value_check::none,
                            flag(true), stack, "",
                            "whether the stack creates the runner namespace"));
  s.variables.push_back(var("controller_chart_version", var_type::string, value_check::non_empty,
                            str("0.13.1"), stack, "",
                            "gha-runner-scale-set-controller chart version"));
  for (const auto& p : runner_types())
    s.variables.push_back(
        var(p + "_runner_name", var_type::string, value_check::release_name, str("gh-" + p), runner,
            p, "Helm release name of the " + p + " scale set (label tinyland-" + p + ")"));
  s.variables.push_back(var("deploy_docker_runner", var_type::boolean, value_check::none,
                            flag(true), runner, "docker",
                            "whether the docker scale set exists (nix is always deployed)"));
  s.variables.push_back(var("deploy_dind_runner", var_type::boolean, value_check::none, flag(false),
                            runner, "dind",
                            "whether the dind scale set exists (nix is always deployed)"));
  const resources res[] = {
      {"500m", "1Gi", "4", "8Gi"}, {"100m", "256Mi", "2", "4Gi"}, {"500m", "1Gi", "4", "8Gi"}};
  for (std::size_t i = 0; i < runner_types().size(); ++i) {
    const auto& p = runner_types()[i];
    s.variables.push_back(count(p + "_min_runners", 0, 0, runner, p,
                                "idle " + p + " runners kept (0 scales to zero)"));
    s.variables.push_back(
        count(p + "_max_runners", 5, 0, runner, p, "most " + p + " runners at once"));
    s.pairs.push_back({p + "_min_runners", p + "_max_runners", false});
    add_quantities(s, p + "_", res[i], runner, p, p + " runner container");
  }
  s.variables.push_back(var("attic_server", var_type::string, value_check::none, str(""), runner,
                            "nix", "Attic binary cache server for nix jobs; empty for none"));
  s.variables.push_back(var("attic_cache", var_type::string, value_check::non_empty, str("main"),
                            runner, "nix", "Attic cache name for nix jobs"));
  s.variables.push_back(var("bazel_cache_endpoint", var_type::string, value_check::none, str(""),
                            all_runners, "", "Bazel remote cache for jobs; empty for none"));
  add_common_tail(s);

  auto sets = var("extra_runner_sets", var_type::runner_set_map, value_check::none,
                  value::object({}), stack, "", "further scale sets, keyed by Helm release name");
  auto field = [](std::string name, var_type t, value_check c, std::optional<value> def,
                  std::optional<std::int64_t> min = std::nullopt) {
    field_spec f;
    f.name = std::move(name);
    f.type = t;
    f.check = c;
    f.min = min;
    f.default_value = std::move(def);
    return f;
  };
  sets.fields = {
      field("github_config_url", var_type::string, value_check::non_empty, std::nullopt),
      field("github_config_secret", var_type::string, value_check::non_empty,
            str("github-app-secret")),
      field("runner_label", var_type::string, value_check::non_empty, std::nullopt),
      runner_type_field(),
      field("min_runners", var_type::integer, value_check::none, num(0), 0),
      field("max_runners", var_type::integer, value_check::none, num(5), 0),
      field("cpu_request", var_type::string, value_check::quantity, str("500m")),
      field("memory_request", var_type::string, value_check::quantity, str("1Gi")),
      field("cpu_limit", var_type::string, value_check::quantity, str("4")),
      field("memory_limit", var_type::string, value_check::quantity, str("8Gi")),
      field("attic_server", var_type::string, value_check::none, str("")),
      field("attic_cache", var_type::string, value_check::non_empty, str("main")),
      field("bazel_cache_endpoint", var_type::string, value_check::none, str("")),
  };
  sets.field_pairs = {{"min_runners", "max_runners", false},
                      {"cpu_request", "cpu_limit", true},
                      {"memory_request", "memory_limit", true}};
  s.variables.push_back(std::move(sets));

  auto& l = s.layout;
  l.forge = "github";
  l.runners = runner_types();
  l.namespace_key = "runner_namespace";
  l.name_key = "{runner}_runner_name";
  l.deploy_key = "deploy_{runner}_runner";
  l.min_key = "{runner}_min_runners";
  l.max_key = "{runner}_max_runners";
  l.resources_prefix = "{runner}_";
  l.sets = {.key = "extra_runner_sets", .min_field = "min_runners", .max_field = "max_runners", .resources_prefix = ""};

  s.hints = {{"{runner}_job_*", "{runner}_*", ""},
             {"{runner}_manager_*", "{runner}_*", ""},
             {"deploy_nix_runner", "",
              "nix is always deployed; deploy_docker_runner and deploy_dind_runner exist"}};
  return s;
}

}  // namespace runnerfleet::gitops
