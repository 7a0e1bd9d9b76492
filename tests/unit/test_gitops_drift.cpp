// SPDX-License-Identifier: Apache-2.0
// GitOps drift: the runners the simulator's tfvars (tests/sim/runnerfleet_sim/gitlab_repo.py)
// declare; a live fleet built to match them has no drift, and each single difference gives
// exactly one item of the right severity, kind, key and values; errors sort first; config
// references carry the drift counts; drift changes between snapshots become `drift` events.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/fleet_events.hpp"
#include "common/gitops/desired_state.hpp"
#include "common/gitops/drift.hpp"
#include "common/gitops/tfvars.hpp"
#include "common/snapshot.hpp"
#include "gitops_fixture.hpp"
#include "test_support.hpp"

using namespace runnerfleet;
using namespace runnerfleet::gitops;

namespace Catch {
template <>
struct StringMaker<runnerfleet::drift_item> {
  static std::string convert(const runnerfleet::drift_item& d) {
    return "{" + d.severity + " " + d.kind + " " + d.runner + "@" + d.cluster + "/" + d.ns + " " +
           d.key + " '" + d.desired + "' → '" + d.live + "' " + d.file + ": " + d.message + "}";
  }
};
}  // namespace Catch

using namespace runnerfleet::test::gitops_fixture;

namespace {

/// `text` with its single occurrence of `from` replaced by `to`.
std::string replaced(const std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  return text.substr(0, at) + to + text.substr(at + from.size());
}

/// An ARC scale set exactly as the arc dev file deploys it.
runner_view scale_set(const std::string& name, int min, int max, resources_view res) {
  runner_view r;
  r.name = name;
  r.forge = "github";
  r.cluster = "dev";
  r.ns = "arc-runners";
  r.status = "online";
  r.scaling.model = "arc";
  r.scaling.autoscaler = name;
  r.scaling.min = min;
  r.scaling.max = max;
  r.resources = std::move(res);
  return r;
}

/// The live fleet that matches dev_state() exactly.
std::vector<runner_view> matching_fleet() {
  return {release("nix-runner", 1, 5),
          release("docker-runner", 2, 10),
          release("dind-runner", 1, 4),
          scale_set("gh-nix", 0, 10, {"500m", "1Gi", "4", "8Gi"}),
          scale_set("gh-docker", 1, 5, {"100m", "256Mi", "2", "4Gi"}),
          scale_set("gh-l40s", 0, 2, {"2", "8Gi", "8", "32Gi"})};
}

runner_view& named(std::vector<runner_view>& runners, const std::string& name) {
  auto it = std::find_if(runners.begin(), runners.end(),
                         [&](const runner_view& r) { return r.name == name; });
  REQUIRE(it != runners.end());
  return *it;
}

/// The rocky9 release no stack declares (the simulator deploys it next to the stack's releases).
runner_view rocky9() {
  auto r = release("rocky9-runner", 1, 3);
  r.type = "rocky9";
  return r;
}

/// "severity kind runner key desired → live" without the empty fields ("-" for an empty value):
/// what a reviewer reads off an item.
std::vector<std::string> summary(const std::vector<drift_item>& items) {
  std::vector<std::string> out;
  for (const auto& d : items) {
    std::string line;
    for (const auto* part : {&d.severity, &d.kind, &d.runner, &d.key})
      if (!part->empty()) line += (line.empty() ? "" : " ") + *part;
    if (!d.desired.empty() || !d.live.empty())
      line += " " + (d.desired.empty() ? "-" : d.desired) + " → " + (d.live.empty() ? "-" : d.live);
    out.push_back(line);
  }
  return out;
}

std::vector<drift_item> drift_of(const std::vector<runner_view>& runners,
                                 const drift_context& ctx = {}) {
  return compute_drift(dev_state(), runners, ctx);
}

/// The one item a single difference gives.
drift_item only_item(const std::vector<drift_item>& items) {
  INFO(Catch::Detail::stringify(items));
  REQUIRE(items.size() == 1);
  return items.front();
}

std::vector<std::string> names_of(const std::vector<declared_runner>& declared) {
  std::vector<std::string> out;
  for (const auto& r : declared) out.push_back(r.name);
  return out;
}

using Catch::Matchers::Contains;

}  // namespace

TEST_CASE("gitops: the gitlab-runners dev file declares its three releases", "[gitops]") {
  auto f = file_of(gitlab_path, gitlab_stack(), gitlab_dev());
  auto declared = declared_runners(f, 7);
  REQUIRE(names_of(declared) ==
          std::vector<std::string>{"nix-runner", "docker-runner", "dind-runner"});
  const std::vector<std::string> stack_runners = {"nix", "docker", "dind"};
  for (std::size_t i = 0; i < declared.size(); ++i) {
    INFO(declared[i].name);
    CHECK(declared[i].cluster == "dev");
    CHECK(declared[i].ns == "gitlab-runners");
    CHECK(declared[i].forge == "gitlab");
    CHECK(declared[i].stack_runner == stack_runners[i]);
    CHECK(declared[i].file == 7);
  }

  SECTION("deploy flags are honoured; nix is always deployed") {
    auto no_dind = file_of(
        gitlab_path, gitlab_stack(),
        replaced(gitlab_dev(), "deploy_dind_runner   = true", "deploy_dind_runner   = false"));
    CHECK(names_of(declared_runners(no_dind, 0)) ==
          std::vector<std::string>{"nix-runner", "docker-runner"});
    auto nix_only = file_of(
        gitlab_path, gitlab_stack(),
        replaced(
            replaced(gitlab_dev(), "deploy_dind_runner   = true", "deploy_dind_runner   = false"),
            "deploy_docker_runner = true", "deploy_docker_runner = false"));
    CHECK(names_of(declared_runners(nix_only, 0)) == std::vector<std::string>{"nix-runner"});
  }
  SECTION("names and namespace fall back to the schema defaults") {
    auto bare =
        file_of(gitlab_path, gitlab_stack(), "cluster_context = \"dev-cluster\"\n");
    auto defaults = declared_runners(bare, 0);
    // deploy_dind_runner defaults to false.
    CHECK(names_of(defaults) == std::vector<std::string>{"nix-runner", "docker-runner"});
    for (const auto& r : defaults) CHECK(r.ns == "gitlab-runners");
    auto renamed =
        file_of(gitlab_path, gitlab_stack(),
                replaced(replaced(gitlab_dev(), "\"docker-runner\"", "\"docker-big\""),
                         "namespace        = \"gitlab-runners\"", "namespace        = \"ci\""));
    auto r = declared_runners(renamed, 0);
    CHECK(names_of(r) == std::vector<std::string>{"nix-runner", "docker-big", "dind-runner"});
    CHECK(r[1].ns == "ci");
  }
  SECTION("an unreadable file declares nothing") {
    stack_file broken;
    broken.path = gitlab_path;
    broken.problem = "line 3, column 1: unexpected '{'";
    CHECK(declared_runners(broken, 0).empty());
  }
}

TEST_CASE("gitops: the arc-runners dev file declares its scale sets and extra sets", "[gitops]") {
  auto f = file_of(arc_path, arc_stack(), arc_dev());
  auto declared = declared_runners(f, 1);
  // deploy_dind_runner = false: no gh-dind.
  REQUIRE(names_of(declared) == std::vector<std::string>{"gh-nix", "gh-docker", "gh-l40s"});
  CHECK(declared[0].stack_runner == "nix");
  CHECK(declared[1].stack_runner == "docker");
  CHECK(declared[2].stack_runner == "gh-l40s");
  for (const auto& r : declared) {
    INFO(r.name);
    CHECK(r.ns == "arc-runners");
    CHECK(r.forge == "github");
    CHECK(r.cluster == "dev");
    CHECK(r.file == 1);
  }
  auto with_dind =
      file_of(arc_path, arc_stack(),
              replaced(arc_dev(), "deploy_dind_runner   = false", "deploy_dind_runner   = true"));
  // gh-dind: the schema's default dind_runner_name.
  CHECK(names_of(declared_runners(with_dind, 0)) ==
        std::vector<std::string>{"gh-nix", "gh-docker", "gh-dind", "gh-l40s"});
}

TEST_CASE("gitops: runner overrides rename a stack runner to its live release", "[gitops]") {
  auto f = file_of(gitlab_path, gitlab_stack(), gitlab_dev());
  f.runner_overrides = {{"docker-runner-v2", "docker"}};
  auto declared = declared_runners(f, 0);
  REQUIRE(names_of(declared) ==
          std::vector<std::string>{"nix-runner", "docker-runner-v2", "dind-runner"});
  CHECK(declared[1].stack_runner == "docker");

  auto arc = file_of(arc_path, arc_stack(), arc_dev());
  arc.runner_overrides = {{"gpu-l40s", "gh-l40s"}};
  auto arc_declared = declared_runners(arc, 0);
  REQUIRE(names_of(arc_declared) == std::vector<std::string>{"gh-nix", "gh-docker", "gpu-l40s"});
  CHECK(arc_declared[2].stack_runner == "gh-l40s");
}

TEST_CASE("gitops: find_declared picks by name and cluster, and reports ambiguity", "[gitops]") {
  desired_state d;
  d.files.push_back(file_of(gitlab_path, gitlab_stack(), gitlab_dev(), "dev"));
  d.files.push_back(file_of("tofu/stacks/gitlab-runners/prod.tfvars", gitlab_stack(),
                            gitlab_dev(), "prod"));
  d.files.push_back(file_of(arc_path, arc_stack(), arc_dev(), "dev"));
  auto all = declared_runners(d);
  CHECK(all.size() == 9);

  bool ambiguous = false;
  CHECK(find_declared(all, "docker-runner", "", &ambiguous) == nullptr);
  CHECK(ambiguous);
  const auto* prod = find_declared(all, "docker-runner", "prod", &ambiguous);
  REQUIRE(prod != nullptr);
  CHECK_FALSE(ambiguous);
  CHECK(prod->file == 1);
  const auto* l40s = find_declared(all, "gh-l40s", "", &ambiguous);
  REQUIRE(l40s != nullptr);
  CHECK_FALSE(ambiguous);
  CHECK(l40s->file == 2);
  CHECK(find_declared(all, "rocky9-runner", "", &ambiguous) == nullptr);
  CHECK_FALSE(ambiguous);
  CHECK(find_declared(all, "gh-l40s", "prod") == nullptr);
}

TEST_CASE("gitops: effective_value falls back to the schema default, never to null", "[gitops]") {
  auto doc = tfvars::document::parse("docker_hpa_max_replicas = 10\nnix_hpa_max_replicas = null\n");
  REQUIRE(doc);
  CHECK(effective_value(*gitlab_stack(), *doc, "docker_hpa_max_replicas")->as_int() == 10);
  CHECK(effective_value(*gitlab_stack(), *doc, "nix_hpa_max_replicas")->as_int() == 5);
  CHECK(effective_value(*gitlab_stack(), *doc, "docker_hpa_min_replicas")->as_int() == 2);
  CHECK(effective_value(*arc_stack(), *doc, "runner_namespace")->text() == "arc-runners");
  // cluster_context is required: it has no default.
  CHECK_FALSE(effective_value(*gitlab_stack(), *doc, "cluster_context").has_value());
  CHECK_FALSE(effective_value(*gitlab_stack(), *doc, "no_such_key").has_value());
}

TEST_CASE("gitops: a fleet that matches the tfvars has no drift", "[gitops]") {
  auto items = drift_of(matching_fleet());
  INFO(Catch::Detail::stringify(items));
  CHECK(items.empty());
}

TEST_CASE("gitops: each difference of a GitLab release is exactly one drift item", "[gitops]") {
  auto fleet = matching_fleet();
  auto& docker = named(fleet, "docker-runner");

  SECTION("HPA maximum") {
    docker.scaling.max = 12;
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) == std::vector<std::string>{
                              "warning replicas docker-runner docker_hpa_max_replicas 10 → 12"});
    CHECK(d.cluster == "dev");
    CHECK(d.ns == "gitlab-runners");
    CHECK(d.file == gitlab_path);
    CHECK(d.message == "docker_hpa_max_replicas: tfvars say 10, the HPA has 12");
  }
  SECTION("HPA minimum") {
    docker.scaling.min = 1;
    CHECK(summary(drift_of(fleet)) ==
          std::vector<std::string>{"warning replicas docker-runner docker_hpa_min_replicas 2 → 1"});
  }
  SECTION("HPA missing while docker_hpa_enabled is true") {
    docker.scaling = scaling_view{};
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) == std::vector<std::string>{
                              "warning autoscaler docker-runner docker_hpa_enabled true → no HPA"});
    CHECK_THAT(d.message, Contains("docker_hpa_enabled") && Contains("has no HPA"));
  }
  SECTION("an HPA the tfvars switch off") {
    desired_state d = dev_state();
    d.files[0] = file_of(gitlab_path, gitlab_stack(),
                         replaced(gitlab_dev(), "docker_hpa_enabled        = true",
                                  "docker_hpa_enabled        = false"));
    CHECK(summary(compute_drift(d, fleet, {})) ==
          std::vector<std::string>{
              "warning autoscaler docker-runner docker_hpa_enabled false → HPA docker-runner-hpa"});
  }
  SECTION("CPU target the module fixes at 70") {
    docker.scaling.cpu_target = 60;
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) ==
          std::vector<std::string>{"warning target docker-runner hpa_cpu_target 70 → 60"});
    CHECK_THAT(d.message, Contains("changed outside OpenTofu"));
  }
  SECTION("memory target and windows the module fixes") {
    docker.scaling.memory_target = 90;
    docker.scaling.scale_up_window_s = 30;
    docker.scaling.scale_down_window_s.reset();
    CHECK(summary(drift_of(fleet)) ==
          std::vector<std::string>{
              "warning target docker-runner hpa_memory_target 80 → 90",
              "warning window docker-runner hpa_scale_down_window 300 → unset",
              "warning window docker-runner hpa_scale_up_window 15 → 30",
          });
  }
  SECTION("manager resources compare as quantities") {
    docker.resources->cpu_request = "100m";
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) == std::vector<std::string>{
                              "warning resources docker-runner manager_cpu_request 50m → 100m"});
    CHECK(d.message == "manager_cpu_request: tfvars say 50m, the manager container has 100m");

    docker.resources->cpu_request = "0.05";  // the same 50 millicores
    CHECK(drift_of(fleet).empty());
  }
  SECTION("an unset live limit is a difference") {
    docker.resources->cpu_limit = "";
    CHECK(
        summary(drift_of(fleet)) ==
        std::vector<std::string>{"warning resources docker-runner manager_cpu_limit 200m → unset"});
  }
  SECTION("a release in another namespace") {
    docker.ns = "ci";
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) == std::vector<std::string>{
                              "warning namespace docker-runner namespace gitlab-runners → ci"});
  }
}

TEST_CASE("gitops: each difference of an ARC scale set is exactly one drift item", "[gitops]") {
  auto fleet = matching_fleet();

  SECTION("a built-in scale set's maximum") {
    named(fleet, "gh-docker").scaling.max = 3;
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) ==
          std::vector<std::string>{"warning runners gh-docker docker_max_runners 5 → 3"});
    CHECK(d.ns == "arc-runners");
    CHECK(d.file == arc_path);
    CHECK(d.message == "docker_max_runners: tfvars say 5, the scale set has 3");
  }
  SECTION("a built-in scale set's minimum and runner resources") {
    named(fleet, "gh-nix").scaling.min = 2;
    named(fleet, "gh-nix").resources->memory_limit = "16Gi";
    CHECK(summary(drift_of(fleet)) == std::vector<std::string>{
                                          "warning resources gh-nix nix_memory_limit 8Gi → 16Gi",
                                          "warning runners gh-nix nix_min_runners 0 → 2",
                                      });
  }
  SECTION("an extra scale set's maximum names its extra_runner_sets key") {
    named(fleet, "gh-l40s").scaling.max = 4;
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) ==
          std::vector<std::string>{
              "warning runners gh-l40s extra_runner_sets.gh-l40s.max_runners 2 → 4"});
    CHECK(d.message == "extra_runner_sets.gh-l40s.max_runners: tfvars say 2, the scale set has 4");
  }
  SECTION("an extra scale set's resources, and a field left to its default") {
    named(fleet, "gh-l40s").resources->memory_limit = "64Gi";
    CHECK(summary(drift_of(fleet)) ==
          std::vector<std::string>{
              "warning resources gh-l40s extra_runner_sets.gh-l40s.memory_limit 32Gi → 64Gi"});
    desired_state d = dev_state();
    d.files[1] = file_of(arc_path, arc_stack(),
                         replaced(arc_dev(), "    cpu_limit         = \"8\"\n", ""));
    auto fleet2 = matching_fleet();  // live 8 against the field's default 4
    CHECK(summary(compute_drift(d, fleet2, {})) ==
          std::vector<std::string>{
              "warning resources gh-l40s extra_runner_sets.gh-l40s.cpu_limit 4 → 8"});
  }
  SECTION("a scale set runnerfleet paused is info, not a warning") {
    auto& l40s = named(fleet, "gh-l40s");
    l40s.status = "paused";
    l40s.status_reason = "paused by scaling to zero (maxRunners 0)";
    l40s.scaling.max = 0;
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) == std::vector<std::string>{
                              "info runners gh-l40s extra_runner_sets.gh-l40s.max_runners 2 → 0"});
    CHECK_THAT(d.message, Contains("paused by runnerfleet"));

    auto& docker = named(fleet, "gh-docker");
    docker.status = "draining";
    docker.status_reason = "paused by scaling to zero (maxRunners 0); 1 runner(s) still finishing";
    docker.scaling.max = 0;
    CHECK(summary(drift_of(fleet)) ==
          std::vector<std::string>{
              "info runners gh-docker docker_max_runners 5 → 0",
              "info runners gh-l40s extra_runner_sets.gh-l40s.max_runners 2 → 0",
          });
  }
  SECTION("maximum 0 without runnerfleet's pause is a warning") {
    auto& l40s = named(fleet, "gh-l40s");
    l40s.status = "paused";
    l40s.status_reason = "maxRunners set to 0 by hand";
    l40s.scaling.max = 0;
    CHECK(only_item(drift_of(fleet)).severity == "warning");
  }
}

TEST_CASE("gitops: resource quantities compare by value, whatever their spelling", "[gitops]") {
  // The API server canonicalizes quantities (tfvars "0.5" runs as "500m", "1000m" as "1"), so
  // each live spelling here is the tfvars value and must give no drift.
  struct spelling {
    std::string runner;
    std::string field;  // of resources_view
    std::string live;
  };
  const std::vector<spelling> same = {
      {"docker-runner", "cpu_request", "0.05"},        // manager_cpu_request 50m
      {"docker-runner", "memory_limit", "268435456"},  // manager_memory_limit 256Mi
      {"nix-runner", "memory_request", "0.125Gi"},     // manager_memory_request 128Mi
      {"gh-docker", "memory_limit", "4096Mi"},         // docker_memory_limit 4Gi
      {"dind-runner", "cpu_limit", "0.2"},             // manager_cpu_limit 200m
      {"gh-nix", "cpu_request", "0.5"},                // nix_cpu_request 500m
      {"gh-docker", "cpu_limit", "2000m"},             // docker_cpu_limit 2
      {"gh-l40s", "cpu_request", "2000m"},             // extra_runner_sets.gh-l40s.cpu_request 2
      {"gh-l40s", "cpu_limit", "8000m"},               // extra_runner_sets.gh-l40s.cpu_limit 8
  };
  for (const auto& q : same) {
    INFO(q.runner << " " << q.field << " = " << q.live);
    auto fleet = matching_fleet();
    auto& r = *named(fleet, q.runner).resources;
    auto& slot = q.field == "cpu_request"      ? r.cpu_request
                 : q.field == "cpu_limit"      ? r.cpu_limit
                 : q.field == "memory_request" ? r.memory_request
                                               : r.memory_limit;
    slot = q.live;
    // The API server canonicalizes quantities (0.5 → 500m): 0.2 vs 200m, 2000m vs 2 and 8000m vs
    // 8 differ only by floating-point rounding and must not be drift.
    CHECK(summary(drift_of(fleet)) == std::vector<std::string>{});
  }
}

TEST_CASE("gitops: a quantity the tfvars write as a number is judged like a string", "[gitops]") {
  // The schema accepts docker_cpu_limit = 2 (OpenTofu converts it to "2"), so drift must judge it.
  desired_state d = dev_state();
  d.files[1] =
      file_of(arc_path, arc_stack(),
              replaced(arc_dev(), "docker_cpu_limit      = \"2\"", "docker_cpu_limit      = 2"));
  auto fleet = matching_fleet();
  CHECK(summary(compute_drift(d, fleet, {})) == std::vector<std::string>{});
  named(fleet, "gh-docker").resources->cpu_limit = "3";
  // A quantity the file writes as a number is compared too.
  CHECK(summary(compute_drift(d, fleet, {})) ==
        std::vector<std::string>{"warning resources gh-docker docker_cpu_limit 2 → 3"});
}

TEST_CASE("gitops: missing, undeclared and unmanaged runners are whole-runner items", "[gitops]") {
  auto fleet = matching_fleet();

  SECTION("a declared runner that is not deployed is an error") {
    fleet.erase(std::find_if(fleet.begin(), fleet.end(),
                             [](const runner_view& r) { return r.name == "dind-runner"; }));
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) == std::vector<std::string>{"error missing dind-runner declared → absent"});
    CHECK(d.cluster == "dev");
    CHECK(d.ns == "gitlab-runners");
    CHECK(d.file == gitlab_path);
    CHECK(d.message ==
          "declared in " + gitlab_path + " (dind) but not deployed in dev/gitlab-runners");
  }
  SECTION("a runner with the name in another forge or cluster does not count as deployed") {
    auto& gh = named(fleet, "gh-l40s");
    gh.cluster = "prod";  // a cluster no file is for: not judged there
    CHECK(summary(drift_of(fleet)) ==
          std::vector<std::string>{"error missing gh-l40s declared → absent"});
  }
  SECTION("a deployed runner no file declares is an error, or info when listed unmanaged") {
    fleet.push_back(rocky9());
    auto d = only_item(drift_of(fleet));
    CHECK(summary({d}) ==
          std::vector<std::string>{"error undeclared rocky9-runner absent → deployed"});
    CHECK(d.ns == "gitlab-runners");
    CHECK(d.file.empty());
    CHECK_THAT(d.message, Contains("gitops.unmanaged"));

    drift_context ctx;
    ctx.unmanaged = {"rocky9-runner"};
    auto u = only_item(drift_of(fleet, ctx));
    CHECK(summary({u}) == std::vector<std::string>{"info unmanaged rocky9-runner - → deployed"});
  }
  SECTION("a runner in a cluster or forge no file covers is not judged") {
    auto other = rocky9();
    other.cluster = "prod";
    fleet.push_back(other);
    CHECK(drift_of(fleet).empty());
  }
  SECTION("nothing is missing in a cluster not listed yet") {
    drift_context ctx;
    ctx.unsynced_clusters = {"dev"};
    CHECK(drift_of({}, ctx).empty());
    CHECK(drift_of({}).size() == 6);
  }
  SECTION(
      "an unreadable file is one error, and hides undeclared runners of its cluster and forge") {
    desired_state d = dev_state();
    d.files[0].doc.reset();
    d.files[0].problem = "line 12, column 3: unexpected '{'";
    fleet.push_back(rocky9());
    named(fleet, "gh-docker").scaling.max = 3;  // the readable ARC file is still judged
    auto items = compute_drift(d, fleet, {});
    CHECK(summary(items) == std::vector<std::string>{
                                "error file",
                                "warning runners gh-docker docker_max_runners 5 → 3",
                            });
    CHECK(items[0].cluster == "dev");
    CHECK(items[0].file == gitlab_path);
    CHECK_THAT(items[0].message,
               Contains(gitlab_path) && Contains("line 12, column 3: unexpected '{'"));

    fleet.push_back(scale_set("gh-undeclared", 0, 1, {}));  // the ARC forge is still covered
    CHECK(compute_drift(d, fleet, {}).size() == 3);
  }
}

TEST_CASE("gitops: drift sorts errors first, then warnings, then info, each by runner and key",
          "[gitops]") {
  auto fleet = matching_fleet();
  fleet.erase(std::find_if(fleet.begin(), fleet.end(),
                           [](const runner_view& r) { return r.name == "dind-runner"; }));
  fleet.push_back(rocky9());
  named(fleet, "docker-runner").scaling.max = 12;
  named(fleet, "docker-runner").scaling.cpu_target = 60;
  named(fleet, "gh-docker").scaling.max = 3;
  auto& l40s = named(fleet, "gh-l40s");
  l40s.status = "paused";
  l40s.status_reason = "paused by scaling to zero (maxRunners 0)";
  l40s.scaling.max = 0;
  drift_context ctx;
  ctx.unmanaged = {"zz-legacy"};
  auto legacy = rocky9();
  legacy.name = "zz-legacy";
  fleet.insert(fleet.begin(), legacy);

  CHECK(summary(drift_of(fleet, ctx)) ==
        std::vector<std::string>{
            "error missing dind-runner declared → absent",
            "error undeclared rocky9-runner absent → deployed",
            "warning replicas docker-runner docker_hpa_max_replicas 10 → 12",
            "warning target docker-runner hpa_cpu_target 70 → 60",
            "warning runners gh-docker docker_max_runners 5 → 3",
            "info runners gh-l40s extra_runner_sets.gh-l40s.max_runners 2 → 0",
            "info unmanaged zz-legacy - → deployed",
        });
}

TEST_CASE("gitops: attach_config_refs points declared runners at their file with drift counts",
          "[gitops]") {
  auto d = dev_state();
  auto fleet = matching_fleet();
  fleet.push_back(rocky9());
  named(fleet, "docker-runner").scaling.max = 12;
  named(fleet, "docker-runner").scaling.cpu_target = 60;
  auto& l40s = named(fleet, "gh-l40s");
  l40s.status = "paused";
  l40s.status_reason = "paused by scaling to zero (maxRunners 0)";
  l40s.scaling.max = 0;
  auto drift = compute_drift(d, fleet, {});
  REQUIRE(drift.size() == 4);
  attach_config_refs(d, drift, fleet);

  CHECK(named(fleet, "docker-runner").config ==
        runner_config_ref{gitlab_path, "gitlab-runners", "docker", 0, 2, 0});
  CHECK(named(fleet, "nix-runner").config ==
        runner_config_ref{gitlab_path, "gitlab-runners", "nix", 0, 0, 0});
  CHECK(named(fleet, "dind-runner").config ==
        runner_config_ref{gitlab_path, "gitlab-runners", "dind", 0, 0, 0});
  CHECK(named(fleet, "gh-docker").config ==
        runner_config_ref{arc_path, "arc-runners", "docker", 0, 0, 0});
  CHECK(named(fleet, "gh-l40s").config ==
        runner_config_ref{arc_path, "arc-runners", "gh-l40s", 0, 0, 1});
  // Undeclared: its error has no file to point at.
  CHECK_FALSE(named(fleet, "rocky9-runner").config.has_value());
}

TEST_CASE("gitops: a release and a scale set of one name in one cluster keep their own drift",
          "[gitops]") {
  // The ARC file names its nix scale set "docker-runner", like the GitLab docker release.
  auto d = dev_state();
  d.files[1] = file_of(arc_path, arc_stack(),
                       replaced(arc_dev(), "nix_runner_name      = \"gh-nix\"", "nix_runner_name = \"docker-runner\""));
  auto fleet = matching_fleet();
  named(fleet, "gh-nix").name = "docker-runner";
  auto it = std::find_if(fleet.begin(), fleet.end(),
                         [](const runner_view& r) { return r.name == "docker-runner" && r.forge == "github"; });
  REQUIRE(it != fleet.end());
  it->scaling.max = 7;  // the scale set differs (nix_max_runners 10); the release does not
  auto drift = compute_drift(d, fleet, {});
  INFO(Catch::Detail::stringify(drift));
  REQUIRE(drift.size() == 1);
  CHECK(drift[0].runner == "docker-runner");
  CHECK(drift[0].forge == "github");
  CHECK(drift[0].key == "nix_max_runners");
  attach_config_refs(d, drift, fleet);
  for (const auto& r : fleet)
    if (r.name == "docker-runner") {
      INFO(r.forge);
      REQUIRE(r.config);
      CHECK(r.config->drift_warnings == (r.forge == "github" ? 1 : 0));
      CHECK(r.config->stack == (r.forge == "github" ? "arc-runners" : "gitlab-runners"));
    }
}

namespace {

drift_item docker_max_item(const std::string& live) {
  return {"warning",
          "replicas",
          "docker-runner",
          "dev",
          "gitlab-runners",
          "docker_hpa_max_replicas",
          "10",
          live,
          gitlab_path,
          "docker_hpa_max_replicas: tfvars say 10, the HPA has " + live,
          "gitlab"};
}

std::shared_ptr<snapshot> snapshot_with(std::shared_ptr<const desired_state> desired,
                                        std::vector<drift_item> drift) {
  auto s = std::make_shared<snapshot>();
  s->desired = std::move(desired);
  s->drift = std::move(drift);
  return s;
}

std::vector<fleet_event> drift_events(const snapshot& before, const snapshot& after) {
  std::vector<fleet_event> out;
  for (auto& e : diff_snapshots(before, after))
    if (e.kind == "drift") out.push_back(std::move(e));
  return out;
}

}  // namespace

TEST_CASE("gitops: drift appearing, changing and resolving are drift events", "[gitops]") {
  std::shared_ptr<const desired_state> desired = std::make_shared<desired_state>(dev_state());
  auto clean = snapshot_with(desired, {});
  auto drifted = snapshot_with(desired, {docker_max_item("12")});

  SECTION("an item appears") {
    auto events = drift_events(*clean, *drifted);
    REQUIRE(events.size() == 1);
    CHECK(events[0].severity == "warning");
    CHECK(events[0].reason == "drift_replicas");
    CHECK(events[0].runner == "docker-runner");
    CHECK(events[0].cluster == "dev");
    CHECK(events[0].ns == "gitlab-runners");
    CHECK(events[0].object == "docker_hpa_max_replicas");
    CHECK(events[0].message == "docker_hpa_max_replicas: tfvars say 10, the HPA has 12");
    CHECK(diff_snapshots(*clean, *drifted).size() == 1);  // and nothing else

    auto missing =
        snapshot_with(desired, {{"error", "missing", "dind-runner", "dev", "gitlab-runners", "",
                                 "declared", "absent", gitlab_path, "declared but not deployed"}});
    auto error = drift_events(*clean, *missing);
    REQUIRE(error.size() == 1);
    CHECK(error[0].severity == "error");
    CHECK(error[0].object == gitlab_path);  // no key: the file
  }
  SECTION("an item's values change") {
    auto worse = snapshot_with(desired, {docker_max_item("14")});
    auto events = drift_events(*drifted, *worse);
    REQUIRE(events.size() == 1);
    CHECK(events[0].severity == "warning");
    CHECK(events[0].reason == "drift_replicas");
    CHECK(events[0].message == "docker_hpa_max_replicas: tfvars say 10, the HPA has 14");
  }
  SECTION("an item resolves") {
    auto events = drift_events(*drifted, *clean);
    REQUIRE(events.size() == 1);
    CHECK(events[0].severity == "info");
    CHECK(events[0].reason == "drift_resolved");
    CHECK(events[0].runner == "docker-runner");
    CHECK_THAT(events[0].message, Contains("docker_hpa_max_replicas: resolved"));
  }
  SECTION("unchanged drift is not news") {
    auto again = snapshot_with(desired, {docker_max_item("12")});
    CHECK(diff_snapshots(*drifted, *again).empty());
  }
  SECTION("a file that becomes unreadable leaves its items unknown, not resolved") {
    auto broken = std::make_shared<desired_state>(dev_state());
    broken->files[0].doc.reset();
    broken->files[0].problem = "line 3, column 1: unexpected '{'";
    auto unreadable = snapshot_with(broken, {});
    CHECK(drift_events(*drifted, *unreadable).empty());
  }
  SECTION("the first read of the tfvars is not news") {
    auto unread = snapshot_with(nullptr, {});
    CHECK(drift_events(*unread, *drifted).empty());
    CHECK(drift_events(*drifted, *unread).empty());
  }
}
