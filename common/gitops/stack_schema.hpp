// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/gitops/tfvars.hpp"
#include "common/gitops/tfvars_value.hpp"

/// The tfvars keys a runner stack declares, with their types, defaults and constraints, and where
/// its runners' settings live, so an edit is checked before it becomes a merge request instead of
/// silently doing nothing (OpenTofu only warns on unknown keys). Two stacks are built in
/// (tofu/stacks/gitlab-runners, tofu/stacks/arc-runners); others come from the config.
namespace runnerfleet::gitops {

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
  one_of,                  ///< one of value_rule::allowed (e.g. the ARC runner types)
};

/// What a value must be: its type and the checks beyond it.
struct value_rule {
  var_type type = var_type::string;
  value_check check = value_check::none;
  std::optional<std::int64_t> min;   ///< inclusive, numbers only
  std::optional<std::int64_t> max;   ///< inclusive, numbers only
  std::vector<std::string> allowed;  ///< for one_of
};

/// Who a variable configures.
enum class var_scope {
  stack,        ///< the stack itself (cluster, namespace, secrets): no runner's config
  all_runners,  ///< every runner of the stack alike (e.g. shared manager resources)
  runner,       ///< one runner type, named by `runner`
};

/// Two keys (or fields) whose values must satisfy first ≤ second (replica bounds, request ≤ limit).
struct ordered_pair {
  std::string low;
  std::string high;
  bool quantities = false;  ///< compare as Kubernetes quantities, not numbers

  bool operator==(const ordered_pair&) const = default;
};

/// One field of an object-typed variable (a runner set's entry).
struct field_spec : value_rule {
  std::string name;
  std::optional<tfvars::value> default_value;  ///< nullopt: the field is required
};

/// One stack variable, i.e. one tfvars key.
struct variable_spec : value_rule {
  std::string key;
  std::optional<tfvars::value> default_value;  ///< nullopt: required, no default
  var_scope scope = var_scope::stack;
  std::string runner;  ///< the runner type when scope is runner
  bool sensitive = false;
  std::string description;
  std::vector<field_spec> fields;         ///< the object fields, for runner_set_map
  std::vector<ordered_pair> field_pairs;  ///< ordered fields of each entry, for runner_set_map
};

/// A live HPA setting the stack either exposes as a key or leaves at its module's fixed value.
struct hpa_setting {
  std::string key;                   ///< key template ("{runner}_hpa_cpu_target"), or the module's name when fixed
  std::optional<std::int64_t> fixed;  ///< the module's value when the stack does not expose it
};

/// Where a runner set map (ARC extra_runner_sets, or a map of GitLab releases) keeps the settings
/// drift compares: field names of each entry.
struct runner_set_layout {
  std::string key;               ///< the runner_set_map variable; "" when the stack has none
  std::string min_field;         ///< min runners (github) or HPA min replicas (gitlab)
  std::string max_field;         ///< max runners (github) or HPA max replicas (gitlab)
  std::string autoscale_field;   ///< gitlab: whether the entry has an HPA; "" → always
  std::optional<std::string> resources_prefix;  ///< "" → cpu_request, ...; nullopt: not compared
};

/// How a stack's keys map onto its runners and their live objects. Key templates use "{runner}"
/// for the runner type (nix_hpa_min_replicas is "{runner}_hpa_min_replicas" for nix); an empty
/// template means the stack has no such key.
struct runner_layout {
  std::string forge = "gitlab";       ///< gitlab: Helm releases (Deployment + HPA); github: ARC scale sets
  std::vector<std::string> runners;   ///< the runner types with their own keys
  std::string namespace_key;          ///< the namespace every runner runs in
  std::string name_key;               ///< a runner's live name; "" → the runner type itself
  std::string deploy_key;             ///< whether it exists; a runner without this key always does
  std::string autoscale_key;          ///< gitlab: whether it has an HPA; "" → always
  std::string min_key;                ///< HPA min replicas (gitlab) or min runners (github)
  std::string max_key;                ///< HPA max replicas (gitlab) or max runners (github)
  std::string resources_prefix;       ///< the live container's <prefix>cpu_request, ... ("manager_")
  hpa_setting cpu_target, memory_target, scale_up_window, scale_down_window;  ///< gitlab only
  runner_set_layout sets;             ///< further runners keyed by release name
};

/// A known wrong key and what to say about it: a rename ("{runner}_concurrent" →
/// "{runner}_concurrent_jobs", "*" for the rest of the key), or a note on a key the stack does not
/// expose (matched with or without a runner prefix).
struct key_hint {
  std::string from;  ///< the wrong key, a template with "{runner}" and at most one trailing "*"
  std::string to;    ///< the real key (same placeholders), or "" when `note` explains instead
  std::string note;  ///< why the key does not exist
};

/// A stack's full schema.
struct stack_schema {
  std::string name;  ///< its directory under tofu/stacks/: gitlab-runners, arc-runners, ...
  bool builtin = false;
  std::vector<variable_spec> variables;
  std::vector<ordered_pair> pairs;
  runner_layout layout;
  std::vector<key_hint> hints;
};

/// Stacks are shared, immutable, and outlive every desired state that names them.
using stack_ref = std::shared_ptr<const stack_schema>;

/// The built-in stacks, transcribed from their variables.tf: gitlab-runners, arc-runners.
const std::vector<stack_ref>& builtin_stacks();

/// The built-in stack of this name (gitlab-runners or arc-runners); nullptr for any other.
stack_ref builtin_stack(std::string_view name);

/// The stack of this name among `stacks`; nullptr when none.
stack_ref find_stack(const std::vector<stack_ref>& stacks, std::string_view name);

/// A key template with "{runner}" replaced by the runner type.
std::string expand(std::string_view key_template, std::string_view runner);

/// A key's spec; nullptr when the stack does not declare it.
const variable_spec* find_variable(const stack_schema& s, std::string_view key);

/// The stack's runner set map variable (ARC extra_runner_sets); nullptr when it has none.
const variable_spec* runner_set_variable(const stack_schema& s);

/// Whether `runner` is one of the stack's runner types (nix, docker, dind), not a set entry.
bool is_runner_type(const stack_schema& s, std::string_view runner);

/// The real key a wrong one was probably meant as (a known dashboard mistake, a stale example
/// key, or the nearest by edit distance); nullopt when nothing is close.
std::optional<std::string> suggest_key(const stack_schema& s, std::string_view wrong);

/// Checks an edit of one runner and returns it normalized (numbers as integers, numeric
/// quantities as strings, "true" as true). `runner` is a runner type, a runner set key, or "" for
/// a stack-wide edit that may touch any key; a runner edit may also touch the all-runner keys
/// (which then change every runner). Refused with invalid_argument naming the key and the reason:
/// unknown key (with the real one suggested), wrong type, out of range, bad quantity or name, null
/// (it would override the default), a pair out of order given `current`'s other value, or a key
/// of another runner.
result<std::map<std::string, tfvars::value>> validate_change(
    const stack_schema& s, std::string_view runner,
    const std::map<std::string, tfvars::value>& changes, const tfvars::document& current);

/// One desired setting of a runner as the file (or the schema default) gives it.
struct desired_entry {
  tfvars::value value;      ///< null for a sensitive key, whose value is never copied out
  bool is_default = false;  ///< the file does not set it; value is the schema default
  bool sensitive = false;
};

/// A runner's desired config from a tfvars document: its own keys and the all-runner keys,
/// present ones as written, absent ones as their default (keys without a default and absent
/// are left out). For a runner set entry the keys are "<sets key>.<name>.<field>". not_found for
/// an unknown runner.
result<std::map<std::string, desired_entry>> desired_config(const stack_schema& s,
                                                            std::string_view runner,
                                                            const tfvars::document& doc);

}  // namespace runnerfleet::gitops
