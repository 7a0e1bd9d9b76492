// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/gitops/tfvars.hpp"
#include "common/gitops/tfvars_value.hpp"

/// The tfvars keys the two runner stacks (tofu/stacks/gitlab-runners, tofu/stacks/arc-runners)
/// declare, with their types, defaults and constraints, so an edit is checked before it becomes
/// a merge request instead of silently doing nothing (OpenTofu only warns on unknown keys).
namespace runnerfleet::gitops {

/// The runner stacks a GitOps edit can touch.
enum class stack_id { gitlab_runners, arc_runners };

/// "gitlab-runners" or "arc-runners": the stack's directory name.
std::string_view to_string(stack_id s);

/// The stack a directory name names; nullopt for any other name.
std::optional<stack_id> stack_from_string(std::string_view name);

/// The OpenTofu type of a variable or object field, as far as an edit needs it.
enum class var_type { string, integer, boolean, runner_set_map };

/// "string", "number (integer)", ...: for messages.
std::string_view to_string(var_type t);

/// A value check beyond the type, all regex-free.
enum class value_check {
  none,
  quantity,                ///< Kubernetes resource quantity: "500m", "2", "1.5Gi", "1e3"
  release_name,            ///< Helm release name: DNS-1123 label of at most 53 characters
  dns_label,               ///< Kubernetes namespace: DNS-1123 label of at most 63 characters
  dns_subdomain_or_empty,  ///< priority class name, or "" for none
  non_empty,               ///< a required text such as a runs-on label
  github_url,              ///< starts with https://github.com/ and has something after it
  arc_runner_type,         ///< docker, dind or nix (the arc-runner module's validation)
};

/// Who a variable configures.
enum class var_scope {
  stack,        ///< the stack itself (cluster, namespace, secrets): no runner's config
  all_runners,  ///< every runner of the stack alike (e.g. shared manager resources)
  runner,       ///< one runner type, named by `runner`
};

/// One field of an object-typed variable (extra_runner_sets entries).
struct field_spec {
  std::string name;
  var_type type = var_type::string;
  value_check check = value_check::none;
  std::optional<std::int64_t> min;
  std::optional<tfvars::value> default_value;  ///< nullopt: the field is required
};

/// One stack variable, i.e. one tfvars key.
struct variable_spec {
  std::string key;
  var_type type = var_type::string;
  value_check check = value_check::none;
  std::optional<std::int64_t> min;             ///< inclusive, numbers only
  std::optional<tfvars::value> default_value;  ///< nullopt: required, no default
  var_scope scope = var_scope::stack;
  std::string runner;  ///< "nix", "docker" or "dind" when scope is runner
  bool sensitive = false;
  std::string description;
  std::vector<field_spec> fields;  ///< the object fields, for runner_set_map
};

/// Two keys whose values must satisfy first ≤ second (replica bounds, request ≤ limit).
struct ordered_pair {
  std::string low;
  std::string high;
  bool quantities = false;  ///< compare as Kubernetes quantities, not numbers
};

/// A stack's full schema.
struct stack_schema {
  stack_id id = stack_id::gitlab_runners;
  std::vector<variable_spec> variables;
  std::vector<ordered_pair> pairs;
};

/// The built-in schema of a stack, transcribed from its variables.tf.
const stack_schema& schema_for(stack_id s);

/// A key's spec; nullptr when the stack does not declare it.
const variable_spec* find_variable(stack_id s, std::string_view key);

/// The real key a wrong one was probably meant as (a known dashboard mistake, a stale example
/// key, or the nearest by edit distance); nullopt when nothing is close.
std::optional<std::string> suggest_key(stack_id s, std::string_view wrong);

/// A Kubernetes quantity's magnitude (cpu cores or bytes); nullopt when not a valid quantity
/// (negative quantities are refused: requests and limits cannot be negative).
std::optional<long double> parse_quantity(std::string_view q);

/// Checks an edit of one runner and returns it normalized (numbers as integers, numeric
/// quantities as strings, "true" as true). `runner` is "nix", "docker", "dind", an
/// extra_runner_sets key (ARC), or "" for a stack-wide edit that may touch any key; a runner edit
/// may also touch the all-runner keys (which then change every runner). Refused with
/// invalid_argument naming the key and the reason: unknown key (with the real one suggested),
/// wrong type, out of range, bad quantity or name, null (it would override the default), a
/// pair out of order given `current`'s other value, or a key of another runner.
result<std::map<std::string, tfvars::value>> validate_change(
    stack_id s, std::string_view runner, const std::map<std::string, tfvars::value>& changes,
    const tfvars::document& current);

/// One desired setting of a runner as the file (or the schema default) gives it.
struct desired_entry {
  tfvars::value value;      ///< null for a sensitive key, whose value is never copied out
  bool is_default = false;  ///< the file does not set it; value is the schema default
  bool sensitive = false;
};

/// A runner's desired config from a tfvars document: its own keys and the all-runner keys,
/// present ones as written, absent ones as their default (keys without a default and absent
/// are left out). For an ARC extra_runner_sets entry the keys are
/// "extra_runner_sets.<name>.<field>". not_found for an unknown runner.
result<std::map<std::string, desired_entry>> desired_config(stack_id s, std::string_view runner,
                                                            const tfvars::document& doc);

}  // namespace runnerfleet::gitops
