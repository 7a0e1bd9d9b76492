// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/stack_schema.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace runnerfleet::gitops {

namespace {

using tfvars::value;

const std::vector<std::string> runner_types = {"nix", "docker", "dind"};

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

// tofu/stacks/gitlab-runners/variables.tf (prior-art §8.2).
stack_schema make_gitlab() {
  using enum var_scope;
  stack_schema s;
  s.id = stack_id::gitlab_runners;
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
  for (const auto& p : runner_types)
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
  for (std::size_t i = 0; i < runner_types.size(); ++i) {
    const auto& p = runner_types[i];
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
  return s;
}

// tofu/stacks/arc-runners/variables.tf (prior-art §8.4) and the arc-runner module's validation
// (§8.3).
stack_schema make_arc() {
  using enum var_scope;
  stack_schema s;
  s.id = stack_id::arc_runners;
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
  for (const auto& p : runner_types)
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
  for (std::size_t i = 0; i < runner_types.size(); ++i) {
    const auto& p = runner_types[i];
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
    return field_spec{std::move(name), t, c, min, std::move(def)};
  };
  sets.fields = {
      field("github_config_url", var_type::string, value_check::non_empty, std::nullopt),
      field("github_config_secret", var_type::string, value_check::non_empty,
            str("github-app-secret")),
      field("runner_label", var_type::string, value_check::non_empty, std::nullopt),
      field("runner_type", var_type::string, value_check::arc_runner_type, str("nix")),
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
  s.variables.push_back(std::move(sets));
  return s;
}

}  // namespace

std::string_view to_string(stack_id s) {
  return s == stack_id::gitlab_runners ? "gitlab-runners" : "arc-runners";
}

std::optional<stack_id> stack_from_string(std::string_view name) {
  if (name == "gitlab-runners") return stack_id::gitlab_runners;
  if (name == "arc-runners") return stack_id::arc_runners;
  return std::nullopt;
}

std::string_view to_string(var_type t) {
  switch (t) {
    case var_type::string:
      return "string";
    case var_type::integer:
      return "number (whole)";
    case var_type::boolean:
      return "bool";
    case var_type::runner_set_map:
      return "map(object)";
  }
  return "?";
}

const stack_schema& schema_for(stack_id s) {
  static const stack_schema gitlab = make_gitlab();
  static const stack_schema arc = make_arc();
  return s == stack_id::gitlab_runners ? gitlab : arc;
}

const variable_spec* find_variable(stack_id s, std::string_view key) {
  for (const auto& v : schema_for(s).variables)
    if (v.key == key) return &v;
  return nullptr;
}

std::optional<long double> parse_quantity(std::string_view q) {
  std::size_t i = 0;
  long double mantissa = 0;
  bool digits = false;
  while (i < q.size() && q[i] >= '0' && q[i] <= '9') {
    mantissa = mantissa * 10 + (q[i++] - '0');
    digits = true;
  }
  if (i < q.size() && q[i] == '.') {
    ++i;
    long double scale = 0.1L;
    while (i < q.size() && q[i] >= '0' && q[i] <= '9') {
      mantissa += (q[i++] - '0') * scale;
      scale /= 10;
      digits = true;
    }
  }
  if (!digits) return std::nullopt;
  std::string_view suffix = q.substr(i);
  if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::size_t j = 1;
    bool negative = false;
    if (suffix[j] == '+' || suffix[j] == '-') negative = suffix[j++] == '-';
    if (j == suffix.size() || suffix.size() - j > 3) return std::nullopt;
    int exponent = 0;
    for (; j < suffix.size(); ++j) {
      if (suffix[j] < '0' || suffix[j] > '9') return std::nullopt;
      exponent = exponent * 10 + (suffix[j] - '0');
    }
    return mantissa * std::pow(10.0L, negative ? -exponent : exponent);
  }
  static const std::pair<std::string_view, long double> units[] = {
      {"", 1},         {"n", 1e-9L},    {"u", 1e-6L},    {"m", 1e-3L},
      {"k", 1e3L},     {"M", 1e6L},     {"G", 1e9L},     {"T", 1e12L},
      {"P", 1e15L},    {"E", 1e18L},    {"Ki", 0x1p10L}, {"Mi", 0x1p20L},
      {"Gi", 0x1p30L}, {"Ti", 0x1p40L}, {"Pi", 0x1p50L}, {"Ei", 0x1p60L}};
  for (const auto& [unit, factor] : units)
    if (suffix == unit) return mantissa * factor;
  return std::nullopt;
}

namespace {

using tfvars::value;

error refuse(std::string_view key, const std::string& why) {
  return make_error(error_code::invalid_argument, std::string(key) + ": " + why,
                    {{"key", std::string(key)}});
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

bool is_dns_label(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    if (!is_dns_label(s.substr(start, dot == std::string_view::npos ? dot : dot - start), 63))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

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

bool has_runner_prefix(std::string_view key, std::string& prefix, std::string_view& rest) {
  for (const auto& p : runner_types)
    if (key.size() > p.size() + 1 && key.substr(0, p.size()) == p && key[p.size()] == '_') {
      prefix = p;
      rest = key.substr(p.size() + 1);
      return true;
    }
  return false;
}

std::string unknown_key_message(stack_id s, std::string_view key, std::string_view runner) {
  std::string msg = "not a variable of the " + std::string(to_string(s)) + " stack";
  std::string prefix;
  std::string_view rest = key;
  has_runner_prefix(key, prefix, rest);
  if (s == stack_id::gitlab_runners)
    for (const auto& [name, def] : unexposed)
      if (rest == name)
        return msg + " (it does not expose the module's " + std::string(name) + ", whose default " +
               std::string(def) + " applies; OpenTofu would ignore the key)";
  if (key == "deploy_nix_runner")
    return msg + " (nix is always deployed; deploy_docker_runner and deploy_dind_runner exist)";
  std::optional<std::string> real;
  if (!runner.empty() && prefix.empty() &&
      find_variable(s, std::string(runner) + "_" + std::string(key)))
    real = std::string(runner) + "_" + std::string(key);
  if (!real) real = suggest_key(s, key);
  return real ? msg + "; did you mean " + *real + "?" : msg;
}

result<value> normalize(std::string_view where, var_type type, value_check check,
                        std::optional<std::int64_t> min, const value& v) {
  if (v.type() == tfvars::kind::null)
    return refuse(where,
                  "null would override the default with null; remove the key to use the default");
  if (v.templated()) return refuse(where, "a ${...} template cannot be written as a value");
  auto wrong = [&] {
    return refuse(where, "expected " + std::string(to_string(type)) + ", got " +
                             std::string(tfvars::to_string(v.type())));
  };
  switch (type) {
    case var_type::boolean:
      if (v.type() == tfvars::kind::boolean) return v;
      if (v.type() == tfvars::kind::string && (v.text() == "true" || v.text() == "false"))
        return value::boolean(v.text() == "true");
      return wrong();
    case var_type::integer: {
      std::optional<std::int64_t> n;
      if (v.type() == tfvars::kind::number) {
        n = v.as_int();
        if (!n) return refuse(where, "must be a whole number, got " + v.text());
      } else if (v.type() == tfvars::kind::string && tfvars::is_number_literal(v.text())) {
        n = value::number(v.text()).as_int();
        if (!n) return refuse(where, "must be a whole number, got " + v.text());
      } else {
        return wrong();
      }
      if (min && *n < *min)
        return refuse(where,
                      "must be at least " + std::to_string(*min) + ", got " + std::to_string(*n));
      return value::integer(*n);
    }
    case var_type::string: {
      std::string text;
      if (v.type() == tfvars::kind::string)
        text = v.text();
      else if (v.type() == tfvars::kind::number)
        text = v.text();  // OpenTofu converts 4 to "4"
      else
        return wrong();
      switch (check) {
        case value_check::none:
          break;
        case value_check::quantity:
          if (!parse_quantity(text))
            return refuse(
                where,
                "\"" + text + "\" is not a Kubernetes quantity (e.g. 500m, 2, 1.5Gi, 512Mi)");
          break;
        case value_check::release_name:
          if (!is_dns_label(text, 53))
            return refuse(where,
                          "\"" + text +
                              "\" is not a Helm release name (lowercase letters, digits and '-', "
                              "starting and ending alphanumeric, at most 53 characters)");
          break;
        case value_check::dns_label:
          if (!is_dns_label(text, 63))
            return refuse(where,
                          "\"" + text +
                              "\" is not a Kubernetes namespace name (lowercase letters, digits "
                              "and '-', starting and ending alphanumeric, at most 63 characters)");
          break;
        case value_check::dns_subdomain_or_empty:
          if (!text.empty() && !is_dns_subdomain(text))
            return refuse(where,
                          "\"" + text + "\" is not a PriorityClass name (or empty for none)");
          break;
        case value_check::non_empty:
          if (text.empty()) return refuse(where, "must not be empty");
          break;
        case value_check::github_url: {
          constexpr std::string_view github = "https://github.com/";
          if (text.size() <= github.size() || text.compare(0, github.size(), github) != 0)
            return refuse(
                where,
                "\"" + text + "\" must start with https://github.com/ and name an org or repo");
          break;
        }
        case value_check::arc_runner_type:
          if (text != "docker" && text != "dind" && text != "nix")
            return refuse(where,
                          "\"" + text + "\" is not an ARC runner type (docker, dind or nix)");
          break;
      }
      return value::string(std::move(text));
    }
    case var_type::runner_set_map:
      break;  // handled by normalize_sets
  }
  return wrong();
}

// The value of `key` an edit leaves in force: the change, else the file's, else the default.
std::optional<value> effective(stack_id s, const std::string& key,
                               const std::map<std::string, value>& normalized,
                               const tfvars::document& current) {
  if (auto it = normalized.find(key); it != normalized.end()) return it->second;
  const auto* spec = find_variable(s, key);
  if (!spec) return std::nullopt;
  if (auto got = current.get({key}); got) {
    auto n = normalize(key, spec->type, spec->check, spec->min, *got);
    return n ? std::optional<value>(*n) : std::nullopt;  // the file's own fault: not this edit's
  }
  return spec->default_value;
}

std::optional<long double> magnitude(const value& v, bool quantities) {
  if (quantities) return parse_quantity(v.text());
  if (auto n = v.as_int()) return static_cast<long double>(*n);
  return std::nullopt;
}

status check_order(std::string_view low_name, const value& low, std::string_view high_name,
                   const value& high, bool quantities, std::string_view changed) {
  auto a = magnitude(low, quantities);
  auto b = magnitude(high, quantities);
  if (!a || !b || *a <= *b * (1 + 1e-12L)) return ok();
  auto text = [](const value& v) {
    return v.type() == tfvars::kind::string ? "\"" + v.text() + "\"" : v.text();
  };
  return refuse(changed, std::string(low_name) + " " + text(low) + " exceeds " +
                             std::string(high_name) + " " + text(high) +
                             "; it must be at most that");
}

result<value> normalize_set(const variable_spec& spec, const std::string& name,
                            const value& entry) {
  const std::string where = spec.key + "." + name;
  if (!is_dns_label(name, 53))
    return refuse(
        where, "\"" + name +
                   "\" is not a Helm release name (lowercase letters, digits and '-', at most 53)");
  if (entry.type() != tfvars::kind::object)
    return refuse(where, "expected an object, got " + std::string(tfvars::to_string(entry.type())));
  std::vector<tfvars::member> out;
  for (const auto& m : entry.members()) {
    auto f = std::find_if(spec.fields.begin(), spec.fields.end(),
                          [&](const field_spec& fs) { return fs.name == m.key; });
    if (f == spec.fields.end()) {
      std::string msg = "not a field of a runner set";
      std::size_t best = 3;
      for (const auto& fs : spec.fields)
        if (auto d = edit_distance(m.key, fs.name); d < best) {
          best = d;
          msg = "not a field of a runner set; did you mean " + fs.name + "?";
        }
      return refuse(where + "." + m.key, msg);
    }
    auto n = normalize(where + "." + m.key, f->type, f->check, f->min, m.val);
    if (!n) return n.take_failure();
    out.push_back({m.key, std::move(*n)});
  }
  auto field = [&](const std::string& f) -> std::optional<value> {
    for (const auto& m : out)
      if (m.key == f) return m.val;
    for (const auto& fs : spec.fields)
      if (fs.name == f) return fs.default_value;
    return std::nullopt;
  };
  for (const auto& fs : spec.fields)
    if (!fs.default_value && !field(fs.name)) return refuse(where + "." + fs.name, "is required");
  const std::tuple<const char*, const char*, bool> pairs[] = {
      {"min_runners", "max_runners", false},
      {"cpu_request", "cpu_limit", true},
      {"memory_request", "memory_limit", true}};
  for (const auto& [lo, hi, q] : pairs)
    if (auto st = check_order(where + "." + lo, *field(lo), where + "." + hi, *field(hi), q, where);
        !st)
      return st.take_failure();
  return value::object(std::move(out));
}

bool is_builtin(std::string_view runner) {
  return std::find(runner_types.begin(), runner_types.end(), runner) != runner_types.end();
}

}  // namespace

std::optional<std::string> suggest_key(stack_id s, std::string_view wrong) {
  std::string prefix;
  std::string_view rest;
  if (has_runner_prefix(wrong, prefix, rest)) {
    std::vector<std::string> tries;
    if (s == stack_id::gitlab_runners) {
      if (rest == "concurrent") tries.push_back(prefix + "_concurrent_jobs");
      if (rest.substr(0, 8) == "manager_") tries.emplace_back(rest);  // shared by all runners
      tries.push_back(prefix + "_job_" + std::string(rest));          // e.g. stale nix_cpu_request
    } else {
      if (rest.substr(0, 4) == "job_") tries.push_back(prefix + "_" + std::string(rest.substr(4)));
      if (rest.substr(0, 8) == "manager_")
        tries.push_back(prefix + "_" + std::string(rest.substr(8)));
    }
    for (const auto& t : tries)
      if (find_variable(s, t)) return t;
  }
  const variable_spec* best = nullptr;
  std::size_t best_distance = std::max<std::size_t>(2, wrong.size() / 3) + 1;
  for (const auto& v : schema_for(s).variables)
    if (auto d = edit_distance(wrong, v.key); d < best_distance) {
      best_distance = d;
      best = &v;
    }
  if (best) return best->key;
  return std::nullopt;
}

result<std::map<std::string, value>> validate_change(stack_id s, std::string_view runner,
                                                     const std::map<std::string, value>& changes,
                                                     const tfvars::document& current) {
  const auto* sets_spec = find_variable(s, "extra_runner_sets");
  value current_sets = value::object({});
  if (sets_spec)
    if (auto got = current.get({"extra_runner_sets"}); got && got->type() == tfvars::kind::object)
      current_sets = *got;
  bool extra = false;
  if (!runner.empty() && !is_builtin(runner)) {
    auto proposed = changes.find("extra_runner_sets");
    extra = sets_spec && (current_sets.find(runner) ||
                          (proposed != changes.end() && proposed->second.find(runner)));
    if (!extra)
      return make_error(error_code::invalid_argument,
                        "runner " + std::string(runner) + " is not a runner of the " +
                            std::string(to_string(s)) + " stack (nix, docker, dind" +
                            (sets_spec ? ", or an extra_runner_sets key)" : ")"),
                        {{"runner", std::string(runner)}});
  }
  if (changes.empty()) return make_error(error_code::invalid_argument, "no changes given");

  std::map<std::string, value> normalized;
  for (const auto& [key, v] : changes) {
    const auto* spec = find_variable(s, key);
    if (!spec) return refuse(key, unknown_key_message(s, key, extra ? "" : runner));
    if (!runner.empty()) {
      if (extra && spec != sets_spec)
        return refuse(key, "runner set " + std::string(runner) +
                               " is configured only by extra_runner_sets." + std::string(runner) +
                               "; " + key + " belongs to the built-in scale sets");
      if (!extra && spec->scope == var_scope::runner && spec->runner != runner)
        return refuse(key,
                      "belongs to the " + spec->runner + " runner, not " + std::string(runner));
      if (!extra && spec->scope == var_scope::stack)
        return refuse(key, "is a stack-wide setting, not the " + std::string(runner) +
                               " runner's; edit it stack-wide");
    }
    if (spec->sensitive)
      return refuse(key, "is a secret: it comes from a CI/CD variable (TF_VAR_" + key +
                             "), never from the tfvars file, and runnerfleet does not write secrets");
    if (spec->type != var_type::runner_set_map) {
      auto n = normalize(key, spec->type, spec->check, spec->min, v);
      if (!n) return n.take_failure();
      normalized.emplace(key, std::move(*n));
      continue;
    }
    if (v.type() != tfvars::kind::object)
      return refuse(key, "expected map(object) keyed by release name, got " +
                             std::string(tfvars::to_string(v.type())));
    std::vector<tfvars::member> sets;
    for (const auto& m : v.members()) {
      auto n = normalize_set(*spec, m.key, m.val);
      if (!n) return n.take_failure();
      sets.push_back({m.key, std::move(*n)});
    }
    if (extra) {  // only this runner's entry may change
      for (const auto& m : current_sets.members()) {
        const value* now = v.find(m.key);
        if (m.key != runner && (!now || !(*now == m.val)))
          return refuse(key + "." + m.key,
                        "belongs to runner set " + m.key + ", not " + std::string(runner));
      }
      for (const auto& m : v.members())
        if (m.key != runner && !current_sets.find(m.key))
          return refuse(key + "." + m.key,
                        "belongs to runner set " + m.key + ", not " + std::string(runner));
    }
    normalized.emplace(key, value::object(std::move(sets)));
  }

  for (const auto& pair : schema_for(s).pairs) {
    bool low_changed = normalized.count(pair.low) != 0;
    if (!low_changed && normalized.count(pair.high) == 0) continue;
    auto low = effective(s, pair.low, normalized, current);
    auto high = effective(s, pair.high, normalized, current);
    if (!low || !high) continue;
    if (auto st = check_order(pair.low, *low, pair.high, *high, pair.quantities,
                              low_changed ? pair.low : pair.high);
        !st)
      return st.take_failure();
  }
  return normalized;
}

result<std::map<std::string, desired_entry>> desired_config(stack_id s, std::string_view runner,
                                                            const tfvars::document& doc) {
  std::map<std::string, desired_entry> out;
  if (is_builtin(runner)) {
    for (const auto& v : schema_for(s).variables) {
      if (v.scope == var_scope::stack || (v.scope == var_scope::runner && v.runner != runner))
        continue;
      desired_entry e;
      e.sensitive = v.sensitive;
      if (auto got = doc.get({v.key}); got) {
        auto n = normalize(v.key, v.type, v.check, v.min, *got);
        e.value = n ? *n : *got;
      } else if (v.default_value) {
        e.value = *v.default_value;
        e.is_default = true;
      } else {
        continue;
      }
      if (e.sensitive) e.value = value::null();
      out.emplace(v.key, std::move(e));
    }
    return out;
  }
  const auto* sets = find_variable(s, "extra_runner_sets");
  auto entry = sets ? doc.get({"extra_runner_sets", std::string(runner)})
                    : result<value>(make_error(error_code::not_found, ""));
  if (!entry || entry->type() != tfvars::kind::object)
    return make_error(error_code::not_found, "runner " + std::string(runner) +
                                                 " is not a runner of the " +
                                                 std::string(to_string(s)) + " stack in this file");
  for (const auto& f : sets->fields) {
    desired_entry e;
    if (const value* got = entry->find(f.name)) {
      auto n = normalize(f.name, f.type, f.check, f.min, *got);
      e.value = n ? *n : *got;
    } else if (f.default_value) {
      e.value = *f.default_value;
      e.is_default = true;
    } else {
      continue;
    }
    out.emplace("extra_runner_sets." + std::string(runner) + "." + f.name, std::move(e));
  }
  return out;
}

}  // namespace runnerfleet::gitops
