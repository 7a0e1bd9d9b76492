// SPDX-License-Identifier: Apache-2.0
#include "common/config_stack.hpp"

#include "common/config_fields.hpp"
#include "common/gitops/value_rules.hpp"

#include <algorithm>
#include <set>

namespace runnerfleet {

using namespace config_fields;
using gitops::field_spec;
using gitops::stack_schema;
using gitops::value_check;
using gitops::value_rule;
using gitops::var_scope;
using gitops::var_type;
using gitops::variable_spec;
using tfvars::value;

namespace {

constexpr std::string_view runner_placeholder = "{runner}";
constexpr std::string_view quantity_fields[] = {"cpu_request", "memory_request", "cpu_limit", "memory_limit"};

bool templated(std::string_view key) { return key.find(runner_placeholder) != std::string_view::npos; }

/// An HCL identifier, as a tfvars key must be.
bool is_identifier(std::string_view s) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (s.empty() || !letter(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '-'; });
}

/// A runner type usable as a key prefix: lowercase letters and digits, starting with a letter.
bool is_runner_type_name(std::string_view s) {
  if (s.empty() || s.size() > 30 || s.front() < 'a' || s.front() > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

/// "" (or, for per-runner defaults, a mapping of nothing but "").
bool only_empty_text(const YAML::Node& d) {
  if (d.IsScalar()) return d.as<std::string>().empty();
  if (!d.IsMap()) return false;
  return std::all_of(d.begin(), d.end(),
                     [](const auto& kv) { return kv.second.IsScalar() && kv.second.template as<std::string>().empty(); });
}

/// "string", "number", "bool", "quantity" or "map(object)" (only where maps are allowed).
value_rule parse_rule(const YAML::Node& node, const std::string& path, bool allow_map) {
  value_rule rule;
  auto type = node["type"] ? get_string(node["type"], path + ".type") : "string";
  if (type == "string") rule.type = var_type::string;
  else if (type == "number") rule.type = var_type::integer;
  else if (type == "bool") rule.type = var_type::boolean;
  else if (type == "quantity") rule.check = value_check::quantity;
  else if (type == "map(object)" && allow_map) rule.type = var_type::runner_set_map;
  else
    fail(path + ".type", node["type"],
         std::string("expected string, number, bool, quantity") + (allow_map ? " or map(object)" : ""));
  if (auto n = node["check"]) {
    if (type != "string") fail(path + ".check", n, "only applies to type string");
    static const std::pair<std::string_view, value_check> checks[] = {
        {"namespace", value_check::dns_label},   {"release_name", value_check::release_name},
        {"priority_class", value_check::dns_subdomain_or_empty}, {"non_empty", value_check::non_empty},
        {"github_url", value_check::github_url}};
    auto name = get_string(n, path + ".check");
    auto it = std::find_if(std::begin(checks), std::end(checks), [&](const auto& c) { return c.first == name; });
    if (it == std::end(checks))
      fail(path + ".check", n, "expected namespace, release_name, priority_class, non_empty or github_url");
    rule.check = it->second;
  }
  if (auto n = node["one_of"]) {
    if (type != "string" || node["check"]) fail(path + ".one_of", n, "only applies to type string without a check");
    rule.allowed = get_string_list(n, path + ".one_of");
    if (rule.allowed.empty()) fail(path + ".one_of", n, "must list at least one value");
    rule.check = value_check::one_of;
  }
  for (const char* bound : {"min", "max"})
    if (auto n = node[bound]) {
      if (rule.type != var_type::integer) fail(path + "." + bound, n, "only applies to type number");
      long long v = 0;
      if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) fail(path + "." + bound, n, "expected an integer");
      (std::string_view(bound) == "min" ? rule.min : rule.max) = v;
    }
  if (rule.min && rule.max && *rule.min > *rule.max) fail(path + ".max", node["max"], "is below min");
  return rule;
}

/// A YAML default as the tfvars value of its rule's type, checked by the rule; "{runner}" in a
/// text default is the runner type of a templated key.
value parse_value(const YAML::Node& node, const std::string& path, const value_rule& rule,
                  std::string_view runner = {}) {
  if (rule.type == var_type::runner_set_map) {
    if (!node.IsMap() || node.size() != 0) fail(path, node, "a map(object) default can only be {}");
    return value::object({});
  }
  if (!node.IsScalar()) fail(path, node, "expected a scalar");
  value v = value::string(runner.empty() ? node.as<std::string>() : gitops::expand(node.as<std::string>(), runner));
  if (rule.type == var_type::boolean) v = value::boolean(get_bool(node, path));
  if (rule.type == var_type::integer) {
    long long n = 0;
    if (!YAML::convert<long long>::decode(node, n)) fail(path, node, "expected an integer");
    v = value::integer(n);
  }
  auto checked = gitops::normalize_value(path, rule, v);
  if (!checked) fail(path, node, checked.failure().message.substr(path.size() + 2));
  return *checked;
}

std::vector<field_spec> parse_fields(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence() || node.size() == 0) fail(path, node, "expected a list of fields (name, type, ...)");
  std::vector<field_spec> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto at = path + "[" + std::to_string(i) + "]";
    check_keys(node[i], at, {"name", "type", "check", "one_of", "min", "max", "default"});
    field_spec f;
    static_cast<value_rule&>(f) = parse_rule(node[i], at, false);
    if (!node[i]["name"]) fail(at + ".name", node[i], "is required");
    f.name = get_string(node[i]["name"], at + ".name");
    if (!is_identifier(f.name)) fail(at + ".name", node[i]["name"], "expected an identifier such as max_runners");
    for (const auto& seen : out)
      if (seen.name == f.name) fail(at + ".name", node[i]["name"], f.name + " is listed twice");
    if (auto d = node[i]["default"]) f.default_value = parse_value(d, at + ".default", f);
    out.push_back(std::move(f));
  }
  return out;
}

/// One [low, high] pair of keys (templates allowed) or fields whose values must be ordered, with
/// where it was written.
struct order_entry {
  std::string low, high;
  std::string path;
  YAML::Node node;
};

/// [[low, high], ...].
std::vector<order_entry> parse_order(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) fail(path, node, "expected a list of [low, high] pairs");
  std::vector<order_entry> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto at = path + "[" + std::to_string(i) + "]";
    auto pair = get_string_list(node[i], at);
    if (pair.size() != 2) fail(at, node[i], "expected [low, high]");
    out.push_back({pair[0], pair[1], at, node[i]});
  }
  return out;
}

/// A rule whose values can be ordered: number or quantity; nullopt for anything else.
std::optional<bool> orderable(const value_rule& r) {
  if (r.type == var_type::integer) return false;
  if (r.type == var_type::string && r.check == value_check::quantity) return true;
  return std::nullopt;
}

/// Checks one pair of rules can be ordered alike; quantities or not.
bool ordered_rules(const value_rule* low, const value_rule* high, const std::string& path, const YAML::Node& node,
                   const std::string& low_name, const std::string& high_name) {
  if (!low) fail(path, node, low_name + " is not declared");
  if (!high) fail(path, node, high_name + " is not declared");
  auto a = orderable(*low);
  auto b = orderable(*high);
  if (!a || !b || *a != *b) fail(path, node, "expects two numbers or two quantities");
  return *a;
}

class stack_parser {
 public:
  stack_parser(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  stack_schema parse() {
    check_keys(node_, path_,
               {"name", "forge", "runners", "namespace_key", "name_key", "deploy_key", "autoscale_key", "min_key",
                "max_key", "resources_prefix", "hpa", "runner_sets", "variables", "order", "hints"});
    if (!node_["name"]) fail(path_ + ".name", node_, "is required (the stack's directory under tofu/stacks/)");
    s_.name = get_string(node_["name"], path_ + ".name");
    if (!gitops::is_dns_label(s_.name, 63))
      fail(path_ + ".name", node_["name"], "expected a directory name such as gpu-runners (lowercase, digits, '-')");
    auto& l = s_.layout;
    l.forge = node_["forge"] ? get_string(node_["forge"], path_ + ".forge") : "";
    if (l.forge != "gitlab" && l.forge != "github")
      fail(path_ + ".forge", node_["forge"] ? node_["forge"] : node_,
           "expected gitlab (runner Helm releases with HPAs) or github (ARC scale sets)");
    parse_runners();
    parse_variables();
    parse_layout();
    parse_pairs();
    parse_hints();
    return std::move(s_);
  }

 private:
  std::string at(const std::string& key) const { return path_ + "." + key; }

  void parse_runners() {
    if (!node_["runners"]) return;
    auto names = get_string_list(node_["runners"], at("runners"));
    for (const auto& r : names) {
      if (!is_runner_type_name(r))
        fail(at("runners"), node_["runners"], "\"" + r + "\" is not a runner type (lowercase letters and digits)");
      if (std::count(names.begin(), names.end(), r) > 1) fail(at("runners"), node_["runners"], r + " is listed twice");
    }
    s_.layout.runners = std::move(names);
  }

  void parse_variables() {
    auto vars = node_["variables"];
    if (!vars || !vars.IsSequence() || vars.size() == 0)
      fail(at("variables"), vars ? vars : node_, "expected a list of the stack's variables (key, type, default, ...)");
    for (std::size_t i = 0; i < vars.size(); ++i) parse_variable(vars[i], at("variables[" + std::to_string(i) + "]"));
  }

  void parse_variable(const YAML::Node& n, const std::string& path) {
    check_keys(n, path,
               {"key", "type", "check", "one_of", "min", "max", "default", "defaults", "scope", "runner", "sensitive",
                "description", "fields", "order"});
    if (!n["key"]) fail(path + ".key", n, "is required");
    auto key = get_string(n["key"], path + ".key");
    variable_spec v;
    static_cast<value_rule&>(v) = parse_rule(n, path, true);
    if (auto d = n["description"]) v.description = get_string(d, path + ".description");
    if (auto d = n["sensitive"]) v.sensitive = get_bool(d, path + ".sensitive");
    if (v.sensitive && v.type != var_type::string) fail(path + ".sensitive", n["sensitive"], "only applies to strings");
    // A secret's value comes from a CI/CD variable, never from the config (which settings show).
    if (v.sensitive)
      for (const char* k : {"default", "defaults"})
        if (auto d = n[k]; d && !only_empty_text(d))
          fail(path + "." + k, d, "a sensitive variable's default can only be \"\" (its value comes from a CI/CD variable)");
    const bool is_map = v.type == var_type::runner_set_map;
    if (!is_map && (n["fields"] || n["order"]))
      fail(path + (n["fields"] ? ".fields" : ".order"), n, "only applies to type map(object)");
    if (is_map) {
      if (!n["fields"]) fail(path + ".fields", n, "is required for a map(object) (the fields of each entry)");
      v.fields = parse_fields(n["fields"], path + ".fields");
      if (auto o = n["order"])
        for (const auto& e : parse_order(o, path + ".order")) {
          auto find = [&](const std::string& name) -> const value_rule* {
            for (const auto& f : v.fields)
              if (f.name == name) return &f;
            return nullptr;
          };
          bool q = ordered_rules(find(e.low), find(e.high), e.path, e.node, e.low, e.high);
          v.field_pairs.push_back({e.low, e.high, q});
        }
      v.default_value = value::object({});
    }
    if (is_map && (templated(key) || n["scope"] || n["runner"]))
      fail(path + (templated(key) ? ".key" : n["scope"] ? ".scope" : ".runner"), n,
           "a map(object) is one stack-level variable whose keys are runners: no {runner}, scope or runner");
    if (!templated(key)) {
      if (auto d = n["default"]) v.default_value = parse_value(d, path + ".default", v);
      if (n["defaults"]) fail(path + ".defaults", n["defaults"], "only applies to a key with {runner}");
      v.scope = var_scope::stack;
      if (auto sc = n["scope"]) {
        auto scope = get_string(sc, path + ".scope");
        if (scope == "all_runners") v.scope = var_scope::all_runners;
        else if (scope != "stack") fail(path + ".scope", sc, "expected stack or all_runners (or runner: <type>)");
      }
      if (auto r = n["runner"]) {
        if (n["scope"]) fail(path + ".runner", r, "give scope or runner, not both");
        v.runner = get_string(r, path + ".runner");
        if (!gitops::is_runner_type(s_, v.runner)) fail(path + ".runner", r, "names no runner type in runners");
        v.scope = var_scope::runner;
      }
      v.key = key;
      add(std::move(v), n["key"], path);
      return;
    }
    if (n["scope"] || n["runner"])
      fail(path + (n["scope"] ? ".scope" : ".runner"), n, "a key with {runner} belongs to each runner type already");
    if (s_.layout.runners.empty()) fail(path + ".key", n["key"], "uses {runner} but the stack lists no runners");
    std::map<std::string, YAML::Node> per_runner;
    if (auto d = n["defaults"]) {
      if (!d.IsMap()) fail(path + ".defaults", d, "expected a mapping of runner type to default");
      for (const auto& kv : d) {
        auto r = kv.first.as<std::string>();
        if (!gitops::is_runner_type(s_, r)) fail(path + ".defaults." + r, kv.first, "names no runner type in runners");
        per_runner[r] = kv.second;
      }
    }
    for (const auto& r : s_.layout.runners) {
      auto one = v;
      one.key = gitops::expand(key, r);
      one.scope = var_scope::runner;
      one.runner = r;
      one.description = gitops::expand(v.description, r);
      if (auto it = per_runner.find(r); it != per_runner.end())
        one.default_value = parse_value(it->second, path + ".defaults." + r, one);
      else if (auto d = n["default"])
        one.default_value = parse_value(d, path + ".default", one, r);
      add(std::move(one), n["key"], path);
    }
  }

  void add(variable_spec v, const YAML::Node& key_node, const std::string& path) {
    if (!is_identifier(v.key)) fail(path + ".key", key_node, "\"" + v.key + "\" is not a tfvars key (an identifier)");
    if (gitops::find_variable(s_, v.key)) fail(path + ".key", key_node, v.key + " is declared twice");
    s_.variables.push_back(std::move(v));
  }

  /// The runner types a key template stands for: every type when it has {runner}, else itself once.
  std::vector<std::string> expansions(const std::string& key_template) const {
    std::vector<std::string> out;
    if (!templated(key_template)) return {key_template};
    for (const auto& r : s_.layout.runners) out.push_back(gitops::expand(key_template, r));
    return out;
  }

  /// A per-runner key `k` (the expansion for runner type `r`): declared, of the type `want` names,
  /// and owned by that runner, so a proposal for the runner may change it.
  void check_runner_key(const std::string& k, const std::string& r, const std::string& want, const std::string& path,
                        const YAML::Node& n) const {
    const auto* v = gitops::find_variable(s_, k);
    if (!v) fail(path, n, "names " + k + ", which no variable declares");
    if (!has_type(*v, want)) fail(path, n, k + " must be a " + want + " variable");
    if (v->sensitive) fail(path, n, k + " is sensitive: its value would show in drift");
    if (v->scope != var_scope::runner || v->runner != r)
      fail(path, n, k + " must belong to the " + r + " runner (a {runner} key, or runner: " + r + ")");
  }

  /// A layout key: one stack-level variable, or a template with {runner} whose expansion is each
  /// runner type's own variable (`optional`: a runner type may lack it).
  std::string layout_key(const char* name, const std::string& want, const std::string& example,
                         bool per_runner = true, bool optional = false) {
    auto n = node_[name];
    if (!n) return {};
    auto key = get_string(n, at(name));
    if (!per_runner) {
      if (templated(key)) fail(at(name), n, "is one key for the whole stack: no {runner}");
      const auto* v = gitops::find_variable(s_, key);
      if (!v) fail(at(name), n, "names " + key + ", which no variable declares");
      if (!has_type(*v, want)) fail(at(name), n, key + " must be a " + want + " variable");
      if (v->sensitive) fail(at(name), n, key + " is sensitive: its value would show in drift");
      if (v->scope != var_scope::stack)
        fail(at(name), n, key + " must be a stack-level variable (no scope or runner): it places every runner");
      return key;
    }
    if (s_.layout.runners.empty()) fail(at(name), n, "only applies to runner types, and runners lists none");
    if (!templated(key)) fail(at(name), n, "expected a key with {runner} (one per runner type), e.g. " + example);
    bool any = false;
    for (const auto& r : s_.layout.runners) {
      auto k = gitops::expand(key, r);
      if (optional && !gitops::find_variable(s_, k)) continue;
      check_runner_key(k, r, want, at(name), n);
      any = true;
    }
    if (!any) fail(at(name), n, "names no declared variable for any runner type");
    return key;
  }

  static bool has_type(const value_rule& r, const std::string& want) {
    if (want == "quantity") return r.type == var_type::string && r.check == value_check::quantity;
    if (want == "number") return r.type == var_type::integer;
    if (want == "bool") return r.type == var_type::boolean;
    return r.type == var_type::string;
  }

  void parse_layout() {
    auto& l = s_.layout;
    const bool gitlab = l.forge == "gitlab";
    if (!node_["namespace_key"]) fail(at("namespace_key"), node_, "is required (the variable naming the runners' namespace)");
    l.namespace_key = layout_key("namespace_key", "string", "", false);
    l.name_key = layout_key("name_key", "string", "{runner}_runner_name");
    l.deploy_key = layout_key("deploy_key", "bool", "deploy_{runner}_runner", true, true);
    if (!gitlab && node_["autoscale_key"]) fail(at("autoscale_key"), node_["autoscale_key"], "only applies to forge gitlab");
    l.autoscale_key = layout_key("autoscale_key", "bool", "{runner}_hpa_enabled");
    l.min_key = layout_key("min_key", "number", "{runner}_min_replicas");
    l.max_key = layout_key("max_key", "number", "{runner}_max_replicas");
    if (auto n = node_["resources_prefix"]) {
      l.resources_prefix = get_string(n, at("resources_prefix"));
      if (l.resources_prefix.empty()) fail(at("resources_prefix"), n, "must not be empty");
      if (l.runners.empty()) fail(at("resources_prefix"), n, "only applies to runner types, and runners lists none");
      for (const auto& field : quantity_fields) {
        auto key = l.resources_prefix + std::string(field);
        for (const auto& r : l.runners) {
          if (templated(key)) {
            check_runner_key(gitops::expand(key, r), r, "quantity", at("resources_prefix"), n);
            continue;
          }
          const auto* v = gitops::find_variable(s_, key);
          if (!v || !has_type(*v, "quantity") || v->scope != var_scope::all_runners)
            fail(at("resources_prefix"), n, "needs " + key + " declared as a quantity with scope all_runners");
        }
      }
    }
    if (auto h = node_["hpa"]) {
      if (!gitlab) fail(at("hpa"), h, "only applies to forge gitlab (an HPA per runner release)");
      check_keys(h, at("hpa"), {"cpu_target", "memory_target", "scale_up_window", "scale_down_window"});
      l.cpu_target = hpa_setting(h, "cpu_target");
      l.memory_target = hpa_setting(h, "memory_target");
      l.scale_up_window = hpa_setting(h, "scale_up_window");
      l.scale_down_window = hpa_setting(h, "scale_down_window");
    }
    parse_runner_sets();
    if (l.runners.empty() && l.sets.key.empty())
      fail(at("runners"), node_, "is required: list the runner types (or give runner_sets)");
  }

  /// An HPA setting: a number the module fixes, or a key template of a number variable.
  gitops::hpa_setting hpa_setting(const YAML::Node& h, const std::string& name) {
    auto n = h[name];
    if (!n) return {};
    auto path = at("hpa." + name);
    long long fixed = 0;
    if (n.IsScalar() && YAML::convert<long long>::decode(n, fixed)) return {"hpa_" + name, fixed};
    auto key = get_string(n, path);
    if (s_.layout.runners.empty()) fail(path, n, "a key only applies to runner types, and runners lists none");
    if (!templated(key))
      fail(path, n, "expected a number the module fixes, or a key of each runner's number variable ({runner}_hpa_" +
                        name + ")");
    for (const auto& r : s_.layout.runners) check_runner_key(gitops::expand(key, r), r, "number", path, n);
    return {key, std::nullopt};
  }

  void parse_runner_sets() {
    auto& sets = s_.layout.sets;
    const variable_spec* map = nullptr;
    for (const auto& v : s_.variables)
      if (v.type == var_type::runner_set_map) {
        if (map) fail(at("variables"), node_["variables"], "declares two map(object) variables; a stack has one runner set map");
        map = &v;
      }
    auto n = node_["runner_sets"];
    if (!n) {
      if (map) fail(at("runner_sets"), node_, map->key + " is a map(object): name it in runner_sets.key (its keys are runners)");
      return;
    }
    check_keys(n, at("runner_sets"), {"key", "min_field", "max_field", "autoscale_field", "resources_prefix"});
    if (!n["key"]) fail(at("runner_sets.key"), n, "is required");
    sets.key = get_string(n["key"], at("runner_sets.key"));
    if (!map || map->key != sets.key) fail(at("runner_sets.key"), n["key"], "expected the stack's map(object) variable");
    auto field = [&](const std::string& name, const std::string& want) -> const value_rule* {
      for (const auto& f : map->fields)
        if (f.name == name) return has_type(f, want) ? &f : nullptr;
      return nullptr;
    };
    for (const char* bound : {"min_field", "max_field"})
      if (auto b = n[bound]) {
        auto name = get_string(b, at("runner_sets." + std::string(bound)));
        if (!field(name, "number")) fail(at("runner_sets." + std::string(bound)), b, "expected a number field of " + sets.key);
        (std::string_view(bound) == "min_field" ? sets.min_field : sets.max_field) = name;
      }
    if (auto a = n["autoscale_field"]) {
      if (s_.layout.forge != "gitlab") fail(at("runner_sets.autoscale_field"), a, "only applies to forge gitlab");
      sets.autoscale_field = get_string(a, at("runner_sets.autoscale_field"));
      if (!field(sets.autoscale_field, "bool"))
        fail(at("runner_sets.autoscale_field"), a, "expected a bool field of " + sets.key);
    }
    if (auto r = n["resources_prefix"]) {
      sets.resources_prefix = get_string(r, at("runner_sets.resources_prefix"));
      for (const auto& q : quantity_fields)
        if (!field(*sets.resources_prefix + std::string(q), "quantity"))
          fail(at("runner_sets.resources_prefix"), r,
               "needs field " + *sets.resources_prefix + std::string(q) + " declared as a quantity");
    }
  }

  void parse_pairs() {
    auto n = node_["order"];
    if (!n) return;
    for (const auto& e : parse_order(n, at("order"))) {
      if (templated(e.low) != templated(e.high))
        fail(e.path, e.node, e.low + " and " + e.high + " must both use {runner} or neither");
      auto lows = expansions(e.low);
      auto highs = expansions(e.high);
      for (std::size_t i = 0; i < lows.size(); ++i) {
        bool q = ordered_rules(gitops::find_variable(s_, lows[i]), gitops::find_variable(s_, highs[i]), e.path, e.node,
                               lows[i], highs[i]);
        s_.pairs.push_back({lows[i], highs[i], q});
      }
    }
  }

  void parse_hints() {
    auto n = node_["hints"];
    if (!n) return;
    if (!n.IsSequence()) fail(at("hints"), n, "expected a list of {from, to} or {from, note}");
    for (std::size_t i = 0; i < n.size(); ++i) {
      auto path = at("hints[" + std::to_string(i) + "]");
      check_keys(n[i], path, {"from", "to", "note"});
      if (!n[i]["from"]) fail(path + ".from", n[i], "is required");
      gitops::key_hint h{get_string(n[i]["from"], path + ".from"), "", ""};
      if (n[i]["to"]) h.to = get_string(n[i]["to"], path + ".to");
      if (n[i]["note"]) h.note = get_string(n[i]["note"], path + ".note");
      if (h.to.empty() == h.note.empty()) fail(path, n[i], "needs exactly one of to (the real key) or note (why)");
      auto star = h.from.find('*');
      if (star != std::string::npos && star + 1 != h.from.size()) fail(path + ".from", n[i]["from"], "may end with one *");
      if (!h.to.empty() && h.to.find('*') == std::string::npos)
        for (const auto& k : expansions(h.to))
          if (!gitops::find_variable(s_, k)) fail(path + ".to", n[i]["to"], "names " + k + ", which no variable declares");
      s_.hints.push_back(std::move(h));
    }
  }

  const YAML::Node& node_;
  std::string path_;
  stack_schema s_;
};

}  // namespace

gitops::stack_schema parse_stack(const YAML::Node& node, const std::string& path) {
  return stack_parser(node, path).parse();
}

}  // namespace runnerfleet
