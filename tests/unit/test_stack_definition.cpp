// SPDX-License-Identifier: Apache-2.0
// Stacks defined in the config (gitops.stacks): the shipped examples define exactly the two
// built-in schemas; a stack with its own key names, runner types, ranges and HPA keys checks
// edits, declares runners and judges drift by its layout; a config can replace a built-in; and
// every malformed definition is refused naming the key, the line and what is wrong.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/config_fields.hpp"
#include "common/config_stack.hpp"
#include "common/gitops/desired_state.hpp"
#include "common/gitops/drift.hpp"
#include "common/gitops/proposal.hpp"
#include "common/gitops/stack_schema.hpp"
#include "gitops_fixture.hpp"
#include "test_support.hpp"

using namespace runnerfleet;
using namespace runnerfleet::gitops;
using Catch::Matchers::Contains;
using tfvars::value;
using runnerfleet::test::gitops_fixture::file_of;
using runnerfleet::test::gitops_fixture::release;

namespace {

stack_schema parsed(const std::string& yaml) { return parse_stack(YAML::Load(yaml), "gitops.stacks[0]"); }

/// The message a malformed definition is refused with.
std::string refusal(const std::string& yaml) {
  try {
    parsed(yaml);
  } catch (const config_fields::config_error& e) {
    return e.message;
  }
  FAIL("accepted: " << yaml);
  return {};
}

std::string text(const std::optional<value>& v) { return v ? tfvars::to_hcl(*v) : "(required)"; }

/// Everything a variable's spec says, as one comparable line.
std::string describe(const variable_spec& v) {
  std::string out = v.key + " type=" + std::string(to_string(v.type)) + " check=" +
                    std::to_string(static_cast<int>(v.check)) + " min=" + (v.min ? std::to_string(*v.min) : "-") +
                    " max=" + (v.max ? std::to_string(*v.max) : "-") + " default=" + text(v.default_value) +
                    " scope=" + std::to_string(static_cast<int>(v.scope)) + " runner=" + v.runner +
                    " sensitive=" + (v.sensitive ? "yes" : "no") + " | " + v.description;
  for (const auto& a : v.allowed) out += " allowed:" + a;
  for (const auto& f : v.fields)
    out += "\n  ." + f.name + " type=" + std::string(to_string(f.type)) + " check=" +
           std::to_string(static_cast<int>(f.check)) + " min=" + (f.min ? std::to_string(*f.min) : "-") +
           " default=" + text(f.default_value) + (f.allowed.empty() ? "" : " allowed:" + f.allowed.front());
  for (const auto& p : v.field_pairs) out += "\n  " + p.low + "<=" + p.high + (p.quantities ? " q" : "");
  return out;
}

std::map<std::string, std::string> variables_of(const stack_schema& s) {
  std::map<std::string, std::string> out;
  for (const auto& v : s.variables) out[v.key] = describe(v);
  return out;
}

std::set<std::string> pairs_of(const stack_schema& s) {
  std::set<std::string> out;
  for (const auto& p : s.pairs) out.insert(p.low + "<=" + p.high + (p.quantities ? " q" : ""));
  return out;
}

std::string layout_of(const stack_schema& s) {
  const auto& l = s.layout;
  auto hpa = [](const hpa_setting& h) { return h.key + "=" + (h.fixed ? std::to_string(*h.fixed) : "key"); };
  std::string out = l.forge + " ns=" + l.namespace_key + " name=" + l.name_key + " deploy=" + l.deploy_key +
                    " autoscale=" + l.autoscale_key + " min=" + l.min_key + " max=" + l.max_key +
                    " resources=" + l.resources_prefix + " " + hpa(l.cpu_target) + " " + hpa(l.memory_target) + " " +
                    hpa(l.scale_up_window) + " " + hpa(l.scale_down_window) + " sets=" + l.sets.key + "/" +
                    l.sets.min_field + "/" + l.sets.max_field + "/" + l.sets.autoscale_field + "/" +
                    l.sets.resources_prefix.value_or("none");
  for (const auto& r : l.runners) out += " runner:" + r;
  return out;
}

std::vector<std::string> hints_of(const stack_schema& s) {
  std::vector<std::string> out;
  for (const auto& h : s.hints) out.push_back(h.from + " -> " + h.to + " | " + h.note);
  return out;
}

const char* const ci_fleet = R"(
name: ci-fleet
forge: gitlab
runners: [linux, rocky]
namespace_key: runner_namespace
name_key: "{runner}_release"
deploy_key: "{runner}_enabled"
autoscale_key: "{runner}_autoscale"
min_key: "{runner}_min_managers"
max_key: "{runner}_max_managers"
resources_prefix: manager_
hpa:
  cpu_target: "{runner}_hpa_cpu_target"
  memory_target: 80
variables:
  - {key: runner_namespace, check: namespace, default: ci}
  - {key: "{runner}_release", check: release_name, default: "{runner}-runner"}
  - {key: rocky_enabled, type: bool, default: false, runner: rocky}
  - {key: "{runner}_autoscale", type: bool, default: true}
  - {key: "{runner}_min_managers", type: number, min: 1, max: 20, default: 1}
  - {key: "{runner}_max_managers", type: number, min: 1, max: 20, defaults: {linux: 8, rocky: 3}}
  - {key: "{runner}_hpa_cpu_target", type: number, min: 10, max: 100, default: 70}
  - key: "{runner}_concurrency"
    type: number
    min: 1
    max: 64
    default: 4
    description: "jobs one {runner} manager runs at once"
  - {key: manager_cpu_request, type: quantity, default: 50m, scope: all_runners}
  - {key: manager_memory_request, type: quantity, default: 128Mi, scope: all_runners}
  - {key: manager_cpu_limit, type: quantity, default: 200m, scope: all_runners}
  - {key: manager_memory_limit, type: quantity, default: 256Mi, scope: all_runners}
  - {key: registration_token, sensitive: true}
order:
  - ["{runner}_min_managers", "{runner}_max_managers"]
  - [manager_cpu_request, manager_cpu_limit]
hints:
  - {from: "{runner}_concurrent", to: "{runner}_concurrency"}
  - {from: "{runner}_hpa_memory_target", note: the module fixes the memory target at 80}
)";

const char* const ci_fleet_dev = R"(# ci-fleet, dev
runner_namespace   = "gitlab-runners"
linux_release      = "docker-runner"
linux_min_managers = 2
linux_max_managers = 8
linux_hpa_cpu_target = 60
rocky_enabled      = true
rocky_release      = "rocky9-runner"
rocky_autoscale    = false
)";

using changes = std::map<std::string, value>;

std::string edit_refusal(const stack_schema& s, const std::string& runner, const changes& c) {
  auto doc = tfvars::document::parse(ci_fleet_dev);
  REQUIRE(doc);
  auto r = validate_change(s, runner, c, *doc);
  REQUIRE_FALSE(r.ok());
  return r.failure().message;
}

}  // namespace

TEST_CASE("stack definitions: the shipped examples define exactly the built-in stacks", "[stack_definition]") {
  for (const std::string name : {"gitlab-runners", "arc-runners"}) {
    INFO(name);
    auto from_yaml = parsed(test::read_data("../../examples/stacks/" + name + ".yaml"));
    const auto& builtin = *builtin_stack(name);
    CHECK(from_yaml.name == builtin.name);
    CHECK_FALSE(from_yaml.builtin);
    CHECK(layout_of(from_yaml) == layout_of(builtin));
    auto want = variables_of(builtin);
    auto got = variables_of(from_yaml);
    for (const auto& [key, spec] : want) {
      INFO(key);
      REQUIRE(got.count(key) == 1);
      CHECK(got[key] == spec);
    }
    CHECK(got.size() == want.size());
    CHECK(pairs_of(from_yaml) == pairs_of(builtin));
    CHECK(hints_of(from_yaml) == hints_of(builtin));
  }
}

TEST_CASE("stack definitions: the README's example loads", "[stack_definition]") {
  auto readme = test::read_data("../../README.md");
  auto start = readme.find("```yaml\ngitops:\n  stacks:\n");
  REQUIRE(start != std::string::npos);
  start += 8;
  auto yaml = readme.substr(start, readme.find("```", start) - start);
  auto node = YAML::Load(yaml)["gitops"]["stacks"][0];
  auto s = parse_stack(node, "gitops.stacks[0]");
  CHECK(s.name == "ci-fleet");
  CHECK(s.layout.cpu_target.key == "{runner}_hpa_cpu_target");
  CHECK(find_variable(s, "rocky_max_managers")->default_value->as_int() == 3);
}

TEST_CASE("stack definitions: a stack of its own checks edits by its keys and ranges", "[stack_definition]") {
  const auto s = parsed(ci_fleet);
  REQUIRE(s.variables.size() == 19);
  CHECK(find_variable(s, "rocky_concurrency")->description == "jobs one rocky manager runs at once");
  CHECK(find_variable(s, "linux_max_managers")->default_value->as_int() == 8);
  CHECK(find_variable(s, "rocky_release")->default_value->text() == "rocky-runner");

  auto doc = tfvars::document::parse(ci_fleet_dev);
  REQUIRE(doc);
  auto ok = validate_change(s, "linux", {{"linux_concurrency", value::string("12")}, {"manager_cpu_limit", value::number("1")}}, *doc);
  REQUIRE(ok);
  CHECK(ok->at("linux_concurrency") == value::integer(12));
  CHECK(ok->at("manager_cpu_limit") == value::string("1"));

  CHECK(edit_refusal(s, "linux", {{"linux_concurrency", value::integer(65)}}) ==
        "linux_concurrency: must be at most 64, got 65");
  CHECK(edit_refusal(s, "linux", {{"linux_concurrency", value::integer(0)}}) ==
        "linux_concurrency: must be at least 1, got 0");
  CHECK_THAT(edit_refusal(s, "linux", {{"linux_concurrent", value::integer(8)}}),
             Contains("not a variable of the ci-fleet stack; did you mean linux_concurrency?"));
  CHECK_THAT(edit_refusal(s, "linux", {{"concurrency", value::integer(8)}}), Contains("did you mean linux_concurrency?"));
  CHECK_THAT(edit_refusal(s, "linux", {{"linux_hpa_memory_target", value::integer(70)}}),
             Contains("(the module fixes the memory target at 80)"));
  CHECK(edit_refusal(s, "linux", {{"rocky_concurrency", value::integer(2)}}) ==
        "rocky_concurrency: belongs to the rocky runner, not linux");
  CHECK(edit_refusal(s, "linux", {{"runner_namespace", value::string("ci")}}) ==
        "runner_namespace: is a stack-wide setting, not the linux runner's; edit it stack-wide");
  CHECK_THAT(edit_refusal(s, "linux", {{"linux_min_managers", value::integer(9)}}),
             Contains("linux_min_managers 9 exceeds linux_max_managers 8"));
  CHECK_THAT(edit_refusal(s, "linux", {{"manager_cpu_request", value::string("500m")}}),
             Contains("manager_cpu_request \"500m\" exceeds manager_cpu_limit \"200m\""));
  CHECK_THAT(edit_refusal(s, "", {{"registration_token", value::string("x")}}), Contains("is a secret"));
  CHECK_THAT(edit_refusal(s, "windows", {{"linux_concurrency", value::integer(2)}}),
             Contains("runner windows is not a runner of the ci-fleet stack (linux, rocky)"));

  auto config = desired_config(s, "rocky", *doc);
  REQUIRE(config);
  CHECK(config->at("rocky_autoscale").value == value::boolean(false));
  CHECK(config->at("rocky_max_managers").is_default);
  CHECK(config->at("rocky_max_managers").value == value::integer(3));
  CHECK(config->count("linux_concurrency") == 0);
  CHECK(config->count("manager_cpu_limit") == 1);
}

TEST_CASE("stack definitions: runners and drift follow the stack's layout", "[stack_definition]") {
  auto stack = std::make_shared<const stack_schema>(parsed(ci_fleet));
  desired_state d;
  d.files.push_back(file_of("tofu/stacks/ci-fleet/dev.tfvars", stack, ci_fleet_dev));

  auto declared = declared_runners(d);
  REQUIRE(declared.size() == 2);
  CHECK(declared[0].name == "docker-runner");
  CHECK(declared[0].stack_runner == "linux");
  CHECK(declared[0].ns == "gitlab-runners");
  CHECK(declared[0].forge == "gitlab");
  CHECK(declared[1].name == "rocky9-runner");

  std::vector<runner_view> live = {release("docker-runner", 2, 10), release("rocky9-runner", 1, 3),
                                   release("nix-runner", 1, 5)};
  live[1].scaling = {};  // rocky9-runner runs without an HPA, as rocky_autoscale says
  auto items = compute_drift(d, live, {});
  std::vector<std::string> got;
  for (const auto& i : items) got.push_back(i.severity + " " + i.runner + " " + i.key + " " + i.desired + "→" + i.live);
  CHECK(got == std::vector<std::string>{"error nix-runner  absent→deployed",
                                        "warning docker-runner linux_hpa_cpu_target 60→70",
                                        "warning docker-runner linux_max_managers 8→10"});

  live[1].scaling.model = "hpa";
  live[1].scaling.autoscaler = "rocky9-runner-hpa";
  auto with_hpa = compute_drift(d, live, {});
  CHECK(std::any_of(with_hpa.begin(), with_hpa.end(), [](const drift_item& i) {
    return i.runner == "rocky9-runner" && i.key == "rocky_autoscale" && i.desired == "false";
  }));

  attach_config_refs(d, items, live);
  REQUIRE(live[0].config);
  CHECK(live[0].config->stack == "ci-fleet");
  CHECK(live[0].config->stack_runner == "linux");
  CHECK(live[0].config->drift_warnings == 2);
  CHECK_FALSE(live[2].config);

  // The deploy key decides; a runner type without one (linux) is always deployed.
  auto text = std::string(ci_fleet_dev);
  text.replace(text.find("rocky_enabled      = true"), 25, "rocky_enabled      = false");
  d.files[0].doc = *tfvars::document::parse(text);
  auto without_rocky = declared_runners(d);
  REQUIRE(without_rocky.size() == 1);
  CHECK(without_rocky[0].name == "docker-runner");
}

TEST_CASE("stack definitions: the config adds stacks, replaces built-ins and files name them", "[stack_definition]") {
  // ci_fleet as the first item of a YAML list under gitops.stacks.
  std::string indented;
  std::size_t start = std::string(ci_fleet).find("name:");
  for (const std::string all = ci_fleet; start < all.size();) {
    auto end = all.find('\n', start);
    indented += (indented.empty() ? "    - " : "      ") + all.substr(start, end - start) + "\n";
    start = end + 1;
  }
  const std::string head = "state_dir: /var/lib/runnerfleet\nclusters:\n  - name: dev\n    kubeconfig: /etc/runnerfleet/kubeconfig\n    namespaces: [gitlab-runners]\n";
  auto cfg = parse_config(head + "gitops:\n  local_path: /srv/fleet\n  stacks:\n" + indented +
                              "  files:\n    - path: tofu/stacks/ci-fleet/dev.tfvars\n"
                              "    - path: tofu/stacks/gitlab-runners/dev.tfvars\n",
                          "cfg.yaml");
  INFO((cfg ? std::string() : cfg.failure().message));
  REQUIRE(cfg);
  const auto& g = *cfg->gitops;
  REQUIRE(g.stacks.size() == 3);
  CHECK(g.stacks[2]->name == "ci-fleet");
  CHECK(g.files[0].stack == "ci-fleet");
  CHECK(g.files[1].stack == "gitlab-runners");
  CHECK(g.stacks[0]->builtin);

  auto replaced = parse_config(head + "gitops:\n  local_path: /srv/fleet\n  stacks:\n" +
                                   std::string(indented).replace(indented.find("ci-fleet"), 8, "gitlab-runners") +
                                   "  files:\n    - path: tofu/stacks/gitlab-runners/dev.tfvars\n"
                                   "      runners: {my-linux: linux}\n",
                               "cfg.yaml");
  INFO((replaced ? std::string() : replaced.failure().message));
  REQUIRE(replaced);
  REQUIRE(replaced->gitops->stacks.size() == 2);
  CHECK_FALSE(replaced->gitops->stacks[0]->builtin);
  CHECK(replaced->gitops->stacks[0]->layout.runners == std::vector<std::string>{"linux", "rocky"});

  auto unknown_runner = parse_config(head + "gitops:\n  local_path: /srv/fleet\n  stacks:\n" + indented +
                                         "  files:\n    - path: tofu/stacks/ci-fleet/dev.tfvars\n"
                                         "      runners: {my-linux: nix}\n",
                                     "cfg.yaml");
  REQUIRE_FALSE(unknown_runner);
  CHECK_THAT(unknown_runner.failure().message, Contains("runners.my-linux (line "));
  CHECK_THAT(unknown_runner.failure().message, Contains("expected linux or rocky (the ci-fleet stack's runners)"));

  // The stack is the directory right after stacks/, not any directory that happens to share a name.
  auto nested = parse_config(head + "gitops:\n  local_path: /srv/fleet\n  stacks:\n" +
                                 std::string(indented).replace(indented.find("ci-fleet"), 8, "ci") + indented +
                                 "  files:\n    - path: tofu/stacks/ci-fleet/ci/dev.tfvars\n",
                             "cfg.yaml");
  INFO((nested ? std::string() : nested.failure().message));
  REQUIRE(nested);
  CHECK(nested->gitops->files[0].stack == "ci-fleet");

  auto twice = parse_config(head + "gitops:\n  local_path: /srv/fleet\n  stacks:\n" + indented + indented +
                                "  files:\n    - path: tofu/stacks/ci-fleet/dev.tfvars\n",
                            "cfg.yaml");
  REQUIRE_FALSE(twice);
  CHECK_THAT(twice.failure().message, Contains("ci-fleet is defined twice"));
}

TEST_CASE("stack definitions: a malformed definition is refused naming key, line and fault", "[stack_definition]") {
  CHECK(refusal("forge: gitlab\nnamespace_key: ns\nvariables: [{key: ns}]\nrunners: [a]\n") ==
        "gitops.stacks[0].name (line 1): is required (the stack's directory under tofu/stacks/)");
  CHECK(refusal("name: Bad_Name\n") ==
        "gitops.stacks[0].name (line 1): expected a directory name such as gpu-runners (lowercase, digits, '-')");
  CHECK(refusal("name: s\nforge: gitea\n") ==
        "gitops.stacks[0].forge (line 2): expected gitlab (runner Helm releases with HPAs) or github (ARC scale sets)");
  CHECK_THAT(refusal("name: s\nforge: gitlab\nrunners: [a]\nnamespace_key: ns\nvariables: [{key: ns}]\nsurprise: 1\n"),
             Contains("gitops.stacks[0].surprise (line 6): unknown key"));
  CHECK(refusal("name: s\nforge: gitlab\nrunners: [a, A]\n") ==
        "gitops.stacks[0].runners (line 3): \"A\" is not a runner type (lowercase letters and digits)");
  CHECK(refusal("name: s\nforge: gitlab\nrunners: [a]\n") ==
        "gitops.stacks[0].variables (line 1): expected a list of the stack's variables (key, type, default, ...)");

  const std::string head = "name: s\nforge: gitlab\nrunners: [a, b]\nnamespace_key: ns\nvariables:\n  - {key: ns}\n";
  struct bad {
    std::string yaml;
    std::string message;
  };
  const bad cases[] = {
      {"  - {key: n, type: integer}\n", "variables[1].type (line 7): expected string, number, bool, quantity or map(object)"},
      {"  - {key: n, type: number, check: namespace}\n", "variables[1].check (line 7): only applies to type string"},
      {"  - {key: n, check: uuid}\n", "variables[1].check (line 7): expected namespace, release_name, priority_class"},
      {"  - {key: n, min: 1}\n", "variables[1].min (line 7): only applies to type number"},
      {"  - {key: n, type: number, min: 5, max: 1}\n", "variables[1].max (line 7): is below min"},
      {"  - {key: n, type: number, min: 1, default: 0}\n", "variables[1].default (line 7): must be at least 1, got 0"},
      {"  - {key: n, type: quantity, default: lots}\n", "variables[1].default (line 7): \"lots\" is not a Kubernetes quantity"},
      {"  - {key: n, type: bool, default: maybe}\n", "variables[1].default (line 7): expected true or false"},
      {"  - {key: \"{runner}_n\", defaults: {c: x}}\n", "variables[1].defaults.c (line 7): names no runner type in runners"},
      {"  - {key: \"{runner}_n\", scope: all_runners}\n", "variables[1].scope (line 7): a key with {runner} belongs to each runner type already"},
      {"  - {key: n, runner: c}\n", "variables[1].runner (line 7): names no runner type in runners"},
      {"  - {key: n, scope: everyone}\n", "variables[1].scope (line 7): expected stack or all_runners (or runner: <type>)"},
      {"  - {key: ns}\n", "variables[1].key (line 7): ns is declared twice"},
      {"  - {key: \"a_n\"}\n  - {key: \"{runner}_n\"}\n", "variables[2].key (line 8): a_n is declared twice"},
      {"  - {key: \"n x\"}\n", "variables[1].key (line 7): \"n x\" is not a tfvars key (an identifier)"},
      {"  - {key: n, sensitive: true, type: number}\n", "variables[1].sensitive (line 7): only applies to strings"},
      {"  - {key: m, type: map(object)}\n", "variables[1].fields (line 7): is required for a map(object)"},
      {"  - {key: m, type: map(object), fields: [{name: x}]}\n",
       "runner_sets (line 1): m is a map(object): name it in runner_sets.key (its keys are runners)"},
      {"  - {key: n, fields: [{name: x}]}\n", "variables[1].fields (line 7): only applies to type map(object)"},
      {"min_key: \"{runner}_min\"\n", "min_key (line 7): names a_min, which no variable declares"},
      {"  - {key: \"{runner}_min\"}\nmin_key: \"{runner}_min\"\n", "min_key (line 8): a_min must be a number variable"},
      {"  - {key: \"{runner}_min\", type: number}\nmin_key: a_min\n",
       "min_key (line 8): expected a key with {runner} (one per runner type), e.g. {runner}_min_replicas"},
      {"deploy_key: \"{runner}_on\"\n", "deploy_key (line 7): names no declared variable for any runner type"},
      {"resources_prefix: m_\n", "resources_prefix (line 7): needs m_cpu_request declared as a quantity"},
      {"hpa: {cpu_target: \"{runner}_t\"}\n", "hpa.cpu_target (line 7): names a_t, which no variable declares"},
      {"  - {key: t, type: number}\nhpa: {cpu_target: t}\n",
       "hpa.cpu_target (line 8): expected a number the module fixes, or a key of each runner's number variable"},
      {"  - {key: a_on, type: bool}\ndeploy_key: \"{runner}_on\"\n",
       "deploy_key (line 8): a_on must belong to the a runner (a {runner} key, or runner: a)"},
      {"  - {key: n, scope: all_runners}\nname_key: n\n",
       "name_key (line 8): expected a key with {runner} (one per runner type), e.g. {runner}_runner_name"},
      {"  - {key: \"{runner}_m_cpu_request\", type: quantity}\nresources_prefix: m_\n",
       "resources_prefix (line 8): needs m_cpu_request declared as a quantity with scope all_runners"},
      {"hints: [{from: x, to: \"{runner}_y\"}]\n", "hints[0].to (line 7): names a_y, which no variable declares"},
      {"order:\n  - [ns, ns]\n  - [n]\n", "order[1] (line 9): expected [low, high]"},
      {"hpa: {cpu: 70}\n", "hpa.cpu (line 7): unknown key"},
      {"runner_sets: {key: m}\n", "runner_sets.key (line 7): expected the stack's map(object) variable"},
      {"  - {key: n, type: number}\n  - {key: q, type: quantity}\norder: [[n, q]]\n",
       "order[0] (line 9): expects two numbers or two quantities"},
      {"order: [[n, ns]]\n", "order[0] (line 7): n is not declared"},
      {"order: [[ns]]\n", "order[0] (line 7): expected [low, high]"},
      {"  - {key: t, sensitive: true, default: glrt-abc}\n",
       "variables[1].default (line 7): a sensitive variable's default can only be \"\""},
      {"  - {key: \"{runner}_t\", sensitive: true, defaults: {a: \"\", b: x}}\n",
       "variables[1].defaults (line 7): a sensitive variable's default can only be \"\""},
      {"  - {key: \"{runner}_n\", sensitive: true}\nname_key: \"{runner}_n\"\n",
       "name_key (line 8): a_n is sensitive: its value would show in drift"},
      {"hints: [{from: x, to: y, note: z}]\n", "hints[0] (line 7): needs exactly one of to (the real key) or note (why)"},
      {"hints: [{from: \"x*y\", to: y}]\n", "hints[0].from (line 7): may end with one *"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    CHECK_THAT(refusal(head + c.yaml), Contains("gitops.stacks[0]." + c.message));
  }
  CHECK(refusal("name: s\nforge: gitlab\nrunners: [a]\nnamespace_key: ns\nvariables: [{key: ns, scope: all_runners}]\n") ==
        "gitops.stacks[0].namespace_key (line 4): ns must be a stack-level variable (no scope or runner): it places "
        "every runner");
  CHECK(refusal("name: s\nforge: github\nnamespace_key: ns\nvariables:\n  - {key: ns}\n"
                "  - {key: m, type: map(object), scope: all_runners, fields: [{name: lo}]}\nrunner_sets: {key: m}\n") ==
        "gitops.stacks[0].variables[1].scope (line 6): a map(object) is one stack-level variable whose keys are runners: no "
        "{runner}, scope or runner");
  CHECK(refusal("name: s\nforge: github\nnamespace_key: ns\nvariables:\n  - {key: ns}\n"
                "  - {key: m, type: map(object), fields: [{name: lo}]}\nrunner_sets: {key: m}\nname_key: \"{runner}_n\"\n") ==
        "gitops.stacks[0].name_key (line 8): only applies to runner types, and runners lists none");
  CHECK(refusal("name: s\nforge: gitlab\nnamespace_key: ns\nvariables:\n  - {key: ns}\n"
                "  - {key: m, type: map(object), fields: [{name: lo}]}\nrunner_sets: {key: m}\n"
                "hpa: {cpu_target: \"{runner}_t\"}\n") ==
        "gitops.stacks[0].hpa.cpu_target (line 8): a key only applies to runner types, and runners lists none");
  CHECK(refusal("name: s\nforge: github\nrunners: [a]\nnamespace_key: ns\nvariables: [{key: ns}]\nautoscale_key: x\n") ==
        "gitops.stacks[0].autoscale_key (line 6): only applies to forge gitlab");
  CHECK(refusal("name: s\nforge: github\nnamespace_key: ns\nvariables: [{key: ns}]\n") ==
        "gitops.stacks[0].runners (line 1): is required: list the runner types (or give runner_sets)");
  CHECK(refusal("name: s\nforge: github\nrunners: [a]\nnamespace_key: ns\nvariables:\n  - {key: ns}\n"
                "  - {key: m, type: map(object), fields: [{name: lo, type: number}, {name: hi}]}\n"
                "runner_sets: {key: m, min_field: lo, max_field: hi}\n") ==
        "gitops.stacks[0].runner_sets.max_field (line 8): expected a number field of m");
  CHECK(refusal("name: s\nforge: github\nnamespace_key: ns\nvariables:\n  - {key: ns}\n"
                "  - {key: m, type: map(object), fields: [{name: on, type: bool}]}\n"
                "runner_sets: {key: m, autoscale_field: on}\n") ==
        "gitops.stacks[0].runner_sets.autoscale_field (line 7): only applies to forge gitlab");
}

TEST_CASE("stack definitions: GitLab releases kept in a map of objects, one entry per release", "[stack_definition]") {
  auto stack = std::make_shared<const stack_schema>(parsed(R"(
name: release-map
forge: gitlab
namespace_key: namespace
hpa: {cpu_target: 70, memory_target: 80, scale_up_window: 15, scale_down_window: 300}
runner_sets: {key: releases, min_field: min, max_field: max, autoscale_field: autoscale, resources_prefix: manager_}
variables:
  - {key: namespace, check: namespace, default: gitlab-runners}
  - key: releases
    type: map(object)
    description: runner releases keyed by Helm release name
    fields:
      - {name: concurrency, type: number, min: 1, max: 64, default: 4}
      - {name: autoscale, type: bool, default: true}
      - {name: min, type: number, min: 1, default: 1}
      - {name: max, type: number, min: 1, default: 4}
      - {name: manager_cpu_request, type: quantity, default: 50m}
      - {name: manager_memory_request, type: quantity, default: 128Mi}
      - {name: manager_cpu_limit, type: quantity, default: 200m}
      - {name: manager_memory_limit, type: quantity, default: 256Mi}
    order: [[min, max], [manager_cpu_request, manager_cpu_limit]]
)"));
  const std::string text = R"(namespace = "gitlab-runners"
releases = {
  # the busy one
  "docker-runner" = { concurrency = 8, min = 2, max = 8 }
  "rocky9-runner" = { concurrency = 2, autoscale = false }
}
)";
  desired_state d;
  d.branch = "main";
  d.files.push_back(file_of("tofu/stacks/release-map/dev.tfvars", stack, text));
  const auto& f = d.files[0];

  auto declared = declared_runners(d);
  REQUIRE(declared.size() == 2);
  CHECK(declared[0].name == "docker-runner");
  CHECK(declared[0].stack_runner == "docker-runner");
  CHECK(declared[1].name == "rocky9-runner");

  std::vector<runner_view> live = {release("docker-runner", 2, 10), release("rocky9-runner", 1, 3),
                                   release("nix-runner", 1, 5)};
  live[1].scaling = {};
  std::vector<std::string> got;
  for (const auto& i : compute_drift(d, live, {}))
    got.push_back(i.severity + " " + i.runner + " " + i.key + " " + i.desired + "→" + i.live);
  CHECK(got == std::vector<std::string>{"error nix-runner  absent→deployed",
                                        "warning docker-runner releases.docker-runner.max 8→10"});
  live[1].scaling.model = "hpa";
  got.clear();
  for (const auto& i : compute_drift(d, live, {})) got.push_back(i.severity + " " + i.runner + " " + i.key);
  CHECK(std::count(got.begin(), got.end(), "warning rocky9-runner releases.rocky9-runner.autoscale") == 1);

  auto config = desired_config(*stack, "rocky9-runner", *f.doc);
  REQUIRE(config);
  CHECK(config->at("releases.rocky9-runner.autoscale").value == value::boolean(false));
  CHECK(config->at("releases.rocky9-runner.max").is_default);

  // A proposal edits the entry's field in place; its ranges and order are the fields' own.
  proposal_request req;
  req.runner = "docker-runner";
  req.reason = "match the HPA";
  req.changes = {{"max", value::integer(10)}};
  auto plan = plan_proposal(d, req, {"alice", "operator"}, "runnerfleet/");
  REQUIRE(plan);
  REQUIRE(plan->changes.size() == 1);
  CHECK(plan->changes[0].key == "releases.docker-runner.max");
  CHECK(plan->new_text == std::string(text).replace(text.find("max = 8"), 7, "max = 10"));
  req.changes = {{"max", value::integer(1)}};
  auto inverted = plan_proposal(d, req, {"alice", "operator"}, "runnerfleet/");
  REQUIRE_FALSE(inverted);
  CHECK_THAT(inverted.failure().message, Contains("releases.docker-runner.min 2 exceeds releases.docker-runner.max 1"));
  req.changes = {{"concurrency", value::integer(65)}};
  auto too_many = plan_proposal(d, req, {"alice", "operator"}, "runnerfleet/");
  REQUIRE_FALSE(too_many);
  CHECK_THAT(too_many.failure().message, Contains("releases.docker-runner.concurrency: must be at most 64, got 65"));
}
