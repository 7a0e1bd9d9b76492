// SPDX-License-Identifier: Apache-2.0
// Stack schema: the keys of tofu/stacks/{gitlab-runners,arc-runners}/variables.tf with their
// defaults; the earlier dashboard's wrong edit keys refused naming the real key; every type,
// range, quantity, name and min<=max rule accepted at its boundary and refused just outside;
// a runner's desired config read from realistic tfvars files.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "common/gitops/stack_schema.hpp"
#include "common/gitops/value_rules.hpp"

using namespace runnerfleet;
using namespace runnerfleet::gitops;
using tfvars::value;

namespace Catch {
template <>
struct StringMaker<value> {
  static std::string convert(const value& v) { return tfvars::to_hcl(v); }
};
}  // namespace Catch

namespace {

const stack_schema& gl = *builtin_stack("gitlab-runners");
const stack_schema& arc = *builtin_stack("arc-runners");

const char* const gitlab_tfvars = R"(# dev gitlab runners
cluster_context  = "honey"
nix_runner_token = "glrt-nix-secret"
docker_runner_token = "glrt-docker-secret"

manager_cpu_request = "100m"

nix_concurrent_jobs   = 8
nix_job_memory_limit  = "16Gi"
nix_hpa_min_replicas  = 3
nix_hpa_max_replicas  = 6
attic_server          = "https://attic.example.org"

docker_concurrent_jobs = 16
docker_job_cpu_limit   = 3
docker_hpa_max_replicas = 10
deploy_dind_runner     = true
)";

const char* const arc_tfvars = R"(cluster_context   = "honey"
github_config_url = "https://github.com/tinyland-inc"
nix_max_runners   = 10
docker_cpu_limit  = "3"

extra_runner_sets = {
  gh-gpu = {
    github_config_url = "https://github.com/tinyland-inc/ml"
    runner_label      = "tinyland-gpu"
    runner_type       = "docker"
    max_runners       = 2
    memory_limit      = "32Gi"
  }
  gh-big = {
    github_config_url = "https://github.com/tinyland-inc"
    runner_label      = "tinyland-big"
  }
}
)";

tfvars::document parse(const char* text) {
  auto d = tfvars::document::parse(text);
  REQUIRE(d.ok());
  return *d;
}

const tfvars::document& empty_doc() {
  static const auto d = parse("");
  return d;
}

using changes = std::map<std::string, value>;

// The message of a refused change; fails the test if it was accepted or refused with another code.
std::string refusal(const stack_schema& s, std::string_view runner, const changes& c,
                    const tfvars::document& doc = empty_doc()) {
  auto r = validate_change(s, runner, c, doc);
  REQUIRE_FALSE(r.ok());
  CHECK(r.failure().code == error_code::invalid_argument);
  return r.failure().message;
}

std::map<std::string, value> accepted(const stack_schema& s, std::string_view runner, const changes& c,
                                      const tfvars::document& doc = empty_doc()) {
  auto r = validate_change(s, runner, c, doc);
  INFO((r.ok() ? std::string() : r.failure().message));
  REQUIRE(r.ok());
  return *r;
}

using Catch::Matchers::Contains;

}  // namespace

TEST_CASE("schema: keys and defaults are those of the stacks' variables.tf", "[stack_schema]") {
  CHECK(builtin_stack("gitlab-runners")->name == "gitlab-runners");
  CHECK(builtin_stack("arc-runners")->layout.forge == "github");
  CHECK(builtin_stack("gitlab-runner") == nullptr);
  CHECK(arc.name == "arc-runners");

  CHECK(gl.variables.size() == 51);
  CHECK(arc.variables.size() == 38);

  const std::map<std::string, value> gitlab_defaults = {
      {"gitlab_url", value::string("https://gitlab.com")},
      {"namespace", value::string("gitlab-runners")},
      {"nix_runner_name", value::string("nix-runner")},
      {"dind_runner_name", value::string("dind-runner")},
      {"deploy_docker_runner", value::boolean(true)},
      {"deploy_dind_runner", value::boolean(false)},
      {"use_legacy_exec_strategy", value::boolean(true)},
      {"manager_cpu_request", value::string("50m")},
      {"manager_memory_limit", value::string("256Mi")},
      {"nix_concurrent_jobs", value::integer(6)},
      {"docker_concurrent_jobs", value::integer(12)},
      {"dind_concurrent_jobs", value::integer(6)},
      {"nix_job_cpu_limit", value::string("4")},
      {"docker_job_memory_limit", value::string("4Gi")},
      {"dind_job_cpu_request", value::string("500m")},
      {"nix_hpa_min_replicas", value::integer(2)},
      {"docker_hpa_max_replicas", value::integer(8)},
      {"dind_hpa_min_replicas", value::integer(1)},
      {"attic_cache", value::string("main")},
      {"kubectl_image", value::string("bitnami/kubectl:latest")},
      {"enable_runner_cleanup", value::boolean(false)},
      {"ghcr_username", value::string("")},
  };
  for (const auto& [key, def] : gitlab_defaults) {
    INFO(key);
    const auto* v = find_variable(gl, key);
    REQUIRE(v != nullptr);
    REQUIRE(v->default_value.has_value());
    CHECK(*v->default_value == def);
    CHECK_FALSE(v->description.empty());
  }
  CHECK_FALSE(find_variable(gl, "nix_runner_token")->default_value.has_value());
  CHECK(find_variable(gl, "nix_runner_token")->sensitive);
  CHECK_FALSE(find_variable(gl, "cluster_context")->default_value.has_value());
  CHECK(find_variable(gl, "docker_job_cpu_request")->runner == "docker");
  CHECK(find_variable(gl, "manager_cpu_limit")->scope == var_scope::all_runners);
  for (const char* absent : {"deploy_nix_runner", "docker_concurrent", "hpa_cpu_target",
                             "rocky8_concurrent_jobs", "extra_runner_sets", "nix_min_runners"})
    CHECK(find_variable(gl, absent) == nullptr);

  const std::map<std::string, value> arc_defaults = {
      {"github_config_secret", value::string("github-app-secret")},
      {"controller_namespace", value::string("arc-systems")},
      {"runner_namespace", value::string("arc-runners")},
      {"controller_chart_version", value::string("0.13.1")},
      {"nix_runner_name", value::string("gh-nix")},
      {"docker_runner_name", value::string("gh-docker")},
      {"nix_min_runners", value::integer(0)},
      {"dind_max_runners", value::integer(5)},
      {"docker_cpu_request", value::string("100m")},
      {"nix_memory_limit", value::string("8Gi")},
      {"bazel_cache_endpoint", value::string("")},
      {"extra_runner_sets", value::object({})},
  };
  for (const auto& [key, def] : arc_defaults) {
    INFO(key);
    const auto* v = find_variable(arc, key);
    REQUIRE(v != nullptr);
    REQUIRE(v->default_value.has_value());
    CHECK(*v->default_value == def);
  }
  CHECK_FALSE(find_variable(arc, "github_config_url")->default_value.has_value());
  CHECK(find_variable(arc, "extra_runner_sets")->fields.size() == 13);
  for (const char* absent :
       {"nix_job_cpu_request", "nix_concurrent_jobs", "namespace", "nix_hpa_enabled"})
    CHECK(find_variable(arc, absent) == nullptr);
}

TEST_CASE("schema: the earlier dashboard's edit keys are refused naming the real key",
          "[stack_schema]") {
  // §5.4: ${p}_concurrent, ${p}_manager_*, and the unexposed module settings.
  for (const std::string p : {"nix", "docker", "dind"}) {
    INFO(p);
    auto msg = refusal(gl, p, {{p + "_concurrent", value::integer(4)}});
    CHECK_THAT(msg, Contains(p + "_concurrent: not a variable of the gitlab-runners stack"));
    CHECK_THAT(msg, Contains("did you mean " + p + "_concurrent_jobs?"));
    for (const std::string f : {"cpu_request", "cpu_limit", "memory_request", "memory_limit"})
      CHECK_THAT(refusal(gl, p, {{p + "_manager_" + f, value::string("100m")}}),
                 Contains("did you mean manager_" + f + "?"));
    CHECK_THAT(refusal(gl, p, {{p + "_default_image", value::string("alpine")}}),
               Contains("does not expose the module's default_image"));
    CHECK_THAT(refusal(gl, p, {{p + "_run_untagged", value::boolean(true)}}),
               Contains("does not expose the module's run_untagged, whose default false applies"));
    CHECK_THAT(refusal(gl, p, {{p + "_protected", value::boolean(true)}}),
               Contains("does not expose the module's protected"));
    CHECK_THAT(refusal(gl, p, {{p + "_privileged", value::boolean(true)}}),
               Contains("does not expose the module's privileged"));
  }
  // §8.2: names in docs and tests that are not stack variables.
  CHECK_THAT(refusal(gl, "", {{"hpa_cpu_target", value::integer(70)}}),
             Contains("module's hpa_cpu_target"));
  CHECK_THAT(refusal(gl, "", {{"service_monitor_enabled", value::boolean(true)}}),
             Contains("module's service_monitor_enabled"));
  CHECK_THAT(refusal(gl, "docker", {{"hpa_enabled", value::boolean(true)}}),
             Contains("did you mean docker_hpa_enabled?"));
  CHECK_THAT(refusal(gl, "", {{"nix_cpu_request", value::string("1")}}),
             Contains("did you mean nix_job_cpu_request?"));
  CHECK_THAT(refusal(gl, "", {{"deploy_nix_runner", value::boolean(true)}}),
             Contains("nix is always deployed"));
  // ARC: the GitLab spellings map to the scale-set keys.
  CHECK_THAT(refusal(arc, "nix", {{"nix_job_memory_limit", value::string("1Gi")}}),
             Contains("did you mean nix_memory_limit?"));
  CHECK_THAT(refusal(arc, "", {{"docker_max_runner", value::integer(3)}}),
             Contains("did you mean docker_max_runners?"));
  CHECK_FALSE(suggest_key(gl, "completely_unrelated_thing").has_value());
}

TEST_CASE("schema: types are checked and normalized", "[stack_schema]") {
  auto out = accepted(gl, "docker",
                      {{"docker_concurrent_jobs", value::string("20")},
                       {"docker_job_cpu_limit", value::integer(3)},
                       {"docker_hpa_enabled", value::string("false")},
                       {"spread_to_nodes", value::boolean(false)}});
  CHECK(out.at("docker_concurrent_jobs") == value::integer(20));
  CHECK(out.at("docker_job_cpu_limit") == value::string("3"));
  CHECK(out.at("docker_hpa_enabled") == value::boolean(false));
  CHECK(out.at("spread_to_nodes") == value::boolean(false));

  CHECK_THAT(refusal(gl, "docker", {{"docker_concurrent_jobs", value::string("many")}}),
             Contains("docker_concurrent_jobs: expected number (whole), got string"));
  CHECK_THAT(refusal(gl, "docker", {{"docker_concurrent_jobs", value::number("2.5")}}),
             Contains("must be a whole number"));
  CHECK_THAT(refusal(gl, "docker", {{"docker_hpa_enabled", value::integer(1)}}),
             Contains("expected bool, got number"));
  CHECK_THAT(refusal(gl, "docker", {{"docker_job_cpu_limit", value::boolean(true)}}),
             Contains("expected string, got bool"));
  CHECK_THAT(refusal(gl, "docker", {{"docker_job_cpu_limit", value::null()}}),
             Contains("null would override the default"));
  CHECK_THAT(refusal(gl, "docker", {{"docker_runner_name", value::template_string("${var.x}")}}),
             Contains("template"));
  CHECK_THAT(refusal(gl, "", {{"gitlab_url", value::list({})}}),
             Contains("expected string, got list"));
  CHECK_THAT(refusal(gl, "docker", {}), Contains("no changes"));
}

TEST_CASE("schema: ranges at their boundary", "[stack_schema]") {
  CHECK(
      accepted(gl, "nix", {{"nix_concurrent_jobs", value::integer(1)}}).at("nix_concurrent_jobs") ==
      value::integer(1));
  CHECK_THAT(refusal(gl, "nix", {{"nix_concurrent_jobs", value::integer(0)}}),
             Contains("nix_concurrent_jobs: must be at least 1, got 0"));
  accepted(gl, "dind", {{"dind_hpa_min_replicas", value::integer(1)}});
  CHECK_THAT(refusal(gl, "dind", {{"dind_hpa_min_replicas", value::integer(0)}}),
             Contains("at least 1"));
  CHECK_THAT(refusal(gl, "dind", {{"dind_hpa_max_replicas", value::integer(0)}}),
             Contains("at least 1"));
  accepted(arc, "docker", {{"docker_min_runners", value::integer(0)}});
  CHECK_THAT(refusal(arc, "docker", {{"docker_min_runners", value::integer(-1)}}),
             Contains("at least 0"));
  CHECK_THAT(refusal(arc, "docker", {{"docker_max_runners", value::integer(-1)}}),
             Contains("at least 0"));
}

TEST_CASE("schema: quantities and names", "[stack_schema]") {
  for (const char* good :
       {"500m", "2", "1.5Gi", "0.5", "512Mi", "1e3", "128974848", "1k", "2E", ".5", "0"}) {
    INFO(good);
    CHECK(parse_quantity(good).has_value());
  }
  for (const char* bad :
       {"", "-1", "2GiB", "1.5.2", "m", "500 m", "1e", "0x10", "Gi", "1ee3", "two"}) {
    INFO(bad);
    CHECK_FALSE(parse_quantity(bad).has_value());
  }
  CHECK(*parse_quantity("500m") == Approx(0.5));
  CHECK(*parse_quantity("2Gi") == Approx(2.0 * 1024 * 1024 * 1024));
  CHECK(*parse_quantity("1.5e3") == Approx(1500));

  accepted(gl, "", {{"manager_memory_request", value::string("256Mi")}});
  CHECK_THAT(refusal(gl, "", {{"manager_memory_request", value::string("256MB")}}),
             Contains("manager_memory_request: \"256MB\" is not a Kubernetes quantity"));

  const std::string name53(53, 'a');
  accepted(gl, "nix", {{"nix_runner_name", value::string(name53)}});
  CHECK_THAT(refusal(gl, "nix", {{"nix_runner_name", value::string(name53 + "a")}}),
             Contains("not a Helm release name"));
  CHECK_THAT(refusal(gl, "nix", {{"nix_runner_name", value::string("Nix_Runner")}}),
             Contains("not a Helm release name"));
  CHECK_THAT(refusal(gl, "nix", {{"nix_runner_name", value::string("nix-")}}),
             Contains("not a Helm release name"));
  accepted(gl, "", {{"namespace", value::string(std::string(63, 'n'))}});
  CHECK_THAT(refusal(gl, "", {{"namespace", value::string(std::string(64, 'n'))}}),
             Contains("not a Kubernetes namespace"));
  accepted(gl, "",
           {{"job_priority_class_name", value::string("")},
            {"manager_priority_class_name", value::string("a.b-c")}});
  CHECK_THAT(refusal(gl, "", {{"job_priority_class_name", value::string("a..b")}}),
             Contains("not a PriorityClass name"));
  accepted(arc, "", {{"github_config_url", value::string("https://github.com/o")}});
  CHECK_THAT(refusal(arc, "", {{"github_config_url", value::string("https://github.com/")}}),
             Contains("must start with https://github.com/"));
  CHECK_THAT(refusal(arc, "", {{"github_config_url", value::string("http://github.com/o")}}),
             Contains("must start with https://github.com/"));
  CHECK_THAT(refusal(gl, "", {{"cluster_context", value::string("")}}),
             Contains("must not be empty"));
}

TEST_CASE("schema: min<=max and request<=limit pairs use the file's other value",
          "[stack_schema]") {
  auto doc =
      parse(gitlab_tfvars);  // nix 3..6, docker max 10 (min default 2), manager cpu request 100m
  accepted(gl, "nix", {{"nix_hpa_min_replicas", value::integer(6)}}, doc);
  CHECK_THAT(
      refusal(gl, "nix", {{"nix_hpa_min_replicas", value::integer(7)}}, doc),
      Contains("nix_hpa_min_replicas: nix_hpa_min_replicas 7 exceeds nix_hpa_max_replicas 6"));
  accepted(gl, "nix", {{"nix_hpa_max_replicas", value::integer(3)}}, doc);
  CHECK_THAT(
      refusal(gl, "nix", {{"nix_hpa_max_replicas", value::integer(2)}}, doc),
      Contains("nix_hpa_max_replicas: nix_hpa_min_replicas 3 exceeds nix_hpa_max_replicas 2"));
  // Both sides changed together: the new pair is what counts.
  accepted(
      gl, "nix",
      {{"nix_hpa_min_replicas", value::integer(8)}, {"nix_hpa_max_replicas", value::integer(9)}},
      doc);
  // Absent from the file: the default is the other side (dind 1..5).
  accepted(gl, "dind", {{"dind_hpa_min_replicas", value::integer(5)}}, doc);
  CHECK_THAT(refusal(gl, "dind", {{"dind_hpa_min_replicas", value::integer(6)}}, doc),
             Contains("dind_hpa_max_replicas 5"));

  accepted(gl, "", {{"manager_cpu_limit", value::string("0.1")}}, doc);
  CHECK_THAT(refusal(gl, "", {{"manager_cpu_limit", value::string("99m")}}, doc),
             Contains("manager_cpu_request \"100m\" exceeds manager_cpu_limit \"99m\""));
  accepted(gl, "nix", {{"nix_job_memory_request", value::string("16Gi")}}, doc);
  CHECK_THAT(refusal(gl, "nix", {{"nix_job_memory_request", value::string("17Gi")}}, doc),
             Contains("exceeds nix_job_memory_limit \"16Gi\""));

  auto arc_doc = parse(arc_tfvars);  // nix max 10
  accepted(arc, "nix", {{"nix_min_runners", value::integer(10)}}, arc_doc);
  CHECK_THAT(refusal(arc, "nix", {{"nix_min_runners", value::integer(11)}}, arc_doc),
             Contains("nix_min_runners 11 exceeds nix_max_runners 10"));
  accepted(arc, "docker", {{"docker_cpu_request", value::integer(3)}}, arc_doc);
  CHECK_THAT(refusal(arc, "docker", {{"docker_cpu_request", value::string("3001m")}}, arc_doc),
             Contains("exceeds docker_cpu_limit \"3\""));
}

TEST_CASE("schema: a key of another runner or of the stack is refused for a runner edit",
          "[stack_schema]") {
  CHECK_THAT(refusal(gl, "docker", {{"nix_concurrent_jobs", value::integer(4)}}),
             Contains("nix_concurrent_jobs: belongs to the nix runner, not docker"));
  CHECK_THAT(refusal(gl, "docker", {{"attic_server", value::string("x")}}),
             Contains("belongs to the nix runner"));
  CHECK_THAT(refusal(gl, "docker", {{"ghcr_token", value::string("x")}}),
             Contains("stack-wide setting"));
  CHECK_THAT(refusal(arc, "nix", {{"extra_runner_sets", value::object({})}}),
             Contains("stack-wide setting"));
  CHECK_THAT(refusal(gl, "rocky8", {{"docker_concurrent_jobs", value::integer(4)}}),
             Contains("not a runner of"));
  // Shared by all runners, so any runner may change it; a stack-wide edit may change anything.
  accepted(gl, "docker", {{"manager_memory_limit", value::string("1Gi")}});
  accepted(gl, "",
           {{"nix_concurrent_jobs", value::integer(4)}, {"enable_runner_cleanup", value::boolean(true)}});
  // Secrets come from CI/CD variables: never written, not even stack-wide.
  CHECK_THAT(refusal(gl, "", {{"ghcr_token", value::string("t")}}), Contains("ghcr_token: is a secret"));
}

TEST_CASE("schema: extra_runner_sets entries are typed objects owned by their release",
          "[stack_schema]") {
  auto doc = parse(arc_tfvars);
  auto current = doc.get({"extra_runner_sets"});
  REQUIRE(current.ok());
  auto with_gpu = [&](std::vector<tfvars::member> gpu) {
    std::vector<tfvars::member> sets = {{"gh-gpu", value::object(std::move(gpu))},
                                        {"gh-big", *current->find("gh-big")}};
    return changes{{"extra_runner_sets", value::object(std::move(sets))}};
  };
  auto base = [](std::vector<tfvars::member> extra) {
    std::vector<tfvars::member> m = {
        {"github_config_url", value::string("https://github.com/tinyland-inc/ml")},
        {"runner_label", value::string("tinyland-gpu")}};
    m.insert(m.end(), extra.begin(), extra.end());
    return m;
  };
  auto out = accepted(
      arc, "gh-gpu",
      with_gpu(base({{"max_runners", value::string("3")}, {"cpu_limit", value::integer(8)}})), doc);
  const value& gpu = *out.at("extra_runner_sets").find("gh-gpu");
  CHECK(*gpu.find("max_runners") == value::integer(3));
  CHECK(*gpu.find("cpu_limit") == value::string("8"));

  CHECK_THAT(refusal(arc, "gh-gpu", with_gpu(base({{"max_runner", value::integer(3)}})), doc),
             Contains("extra_runner_sets.gh-gpu.max_runner: not a field of a runner set; did you "
                      "mean max_runners?"));
  CHECK_THAT(refusal(arc, "gh-gpu", with_gpu({{"runner_label", value::string("x")}}), doc),
             Contains("extra_runner_sets.gh-gpu.github_config_url: is required"));
  CHECK_THAT(
      refusal(arc, "gh-gpu", with_gpu(base({{"runner_type", value::string("rocky9")}})), doc),
      Contains("is not one of docker, dind or nix"));
  accepted(arc, "gh-gpu", with_gpu(base({{"min_runners", value::integer(5)}})),
           doc);  // default max 5
  CHECK_THAT(refusal(arc, "gh-gpu", with_gpu(base({{"min_runners", value::integer(6)}})), doc),
             Contains("min_runners 6 exceeds extra_runner_sets.gh-gpu.max_runners 5"));
  CHECK_THAT(
      refusal(arc, "gh-gpu", with_gpu(base({{"memory_request", value::string("9Gi")}})), doc),
      Contains("exceeds extra_runner_sets.gh-gpu.memory_limit \"8Gi\""));
  CHECK_THAT(refusal(arc, "gh-gpu", with_gpu(base({{"cpu_request", value::string("lots")}})), doc),
             Contains("not a Kubernetes quantity"));

  // Another set's entry may not change (or vanish) in gh-gpu's edit.
  auto changed_big = with_gpu(base({}));
  auto sets = changed_big.at("extra_runner_sets").members();
  sets[1].val = value::object({{"github_config_url", value::string("https://github.com/x")},
                               {"runner_label", value::string("tinyland-big")}});
  CHECK_THAT(refusal(arc, "gh-gpu", {{"extra_runner_sets", value::object(sets)}}, doc),
             Contains("extra_runner_sets.gh-big: belongs to runner set gh-big, not gh-gpu"));
  CHECK_THAT(refusal(arc, "gh-gpu", {{"extra_runner_sets", value::object({sets[0]})}}, doc),
             Contains("belongs to runner set gh-big"));
  CHECK_THAT(refusal(arc, "gh-gpu", {{"nix_max_runners", value::integer(1)}}, doc),
             Contains("configured only by extra_runner_sets.gh-gpu"));
  CHECK_THAT(
      refusal(arc, "", {{"extra_runner_sets", value::object({{"GPU", value::object(base({}))}})}},
              doc),
      Contains("extra_runner_sets.GPU: \"GPU\" is not a Helm release name"));
  CHECK_THAT(refusal(arc, "", {{"extra_runner_sets", value::list({})}}, doc),
             Contains("expected map(object)"));
}

TEST_CASE("schema: desired config of a GitLab runner from a tfvars file", "[stack_schema]") {
  auto doc = parse(gitlab_tfvars);
  auto nix = desired_config(gl, "nix", doc);
  REQUIRE(nix.ok());
  CHECK(nix->at("nix_concurrent_jobs").value == value::integer(8));
  CHECK_FALSE(nix->at("nix_concurrent_jobs").is_default);
  CHECK(nix->at("nix_hpa_min_replicas").value == value::integer(3));
  CHECK(nix->at("nix_job_memory_limit").value == value::string("16Gi"));
  CHECK(nix->at("nix_job_cpu_limit").value == value::string("4"));
  CHECK(nix->at("nix_job_cpu_limit").is_default);
  CHECK(nix->at("manager_cpu_request").value == value::string("100m"));
  CHECK(nix->at("manager_cpu_limit").is_default);
  CHECK(nix->at("attic_server").value == value::string("https://attic.example.org"));
  CHECK(nix->at("nix_runner_token").sensitive);
  CHECK(nix->at("nix_runner_token").value == value::null());
  CHECK_FALSE(nix->at("nix_runner_token").is_default);
  CHECK(nix->count("docker_concurrent_jobs") == 0);
  CHECK(nix->count("cluster_context") == 0);
  CHECK(nix->size() == 21);

  auto docker = desired_config(gl, "docker", doc);
  REQUIRE(docker.ok());
  CHECK(docker->at("docker_job_cpu_limit").value == value::string("3"));  // written as a number
  CHECK(docker->at("docker_hpa_min_replicas").value == value::integer(2));
  CHECK(docker->at("docker_hpa_min_replicas").is_default);
  CHECK(docker->at("deploy_docker_runner").is_default);
  CHECK(docker->count("attic_server") == 0);

  auto dind = desired_config(gl, "dind", doc);
  REQUIRE(dind.ok());
  CHECK(dind->at("deploy_dind_runner").value == value::boolean(true));
  CHECK(dind->at("dind_runner_token").is_default);

  auto none = desired_config(gl, "rocky8", doc);
  REQUIRE_FALSE(none.ok());
  CHECK(none.failure().code == error_code::not_found);
}

TEST_CASE("schema: desired config of ARC scale sets, built-in and extra", "[stack_schema]") {
  auto doc = parse(arc_tfvars);
  auto nix = desired_config(arc, "nix", doc);
  REQUIRE(nix.ok());
  CHECK(nix->at("nix_max_runners").value == value::integer(10));
  CHECK(nix->at("nix_min_runners").is_default);
  CHECK(nix->at("github_config_url").value == value::string("https://github.com/tinyland-inc"));
  CHECK(nix->count("extra_runner_sets") == 0);

  auto gpu = desired_config(arc, "gh-gpu", doc);
  REQUIRE(gpu.ok());
  CHECK(gpu->size() == 13);
  CHECK(gpu->at("extra_runner_sets.gh-gpu.max_runners").value == value::integer(2));
  CHECK_FALSE(gpu->at("extra_runner_sets.gh-gpu.max_runners").is_default);
  CHECK(gpu->at("extra_runner_sets.gh-gpu.runner_type").value == value::string("docker"));
  CHECK(gpu->at("extra_runner_sets.gh-gpu.memory_limit").value == value::string("32Gi"));
  CHECK(gpu->at("extra_runner_sets.gh-gpu.cpu_limit").value == value::string("4"));
  CHECK(gpu->at("extra_runner_sets.gh-gpu.cpu_limit").is_default);
  CHECK(gpu->at("extra_runner_sets.gh-gpu.github_config_secret").value ==
        value::string("github-app-secret"));

  auto big = desired_config(arc, "gh-big", doc);
  REQUIRE(big.ok());
  CHECK(big->at("extra_runner_sets.gh-big.runner_type").value == value::string("nix"));
  CHECK(big->at("extra_runner_sets.gh-big.runner_type").is_default);

  auto missing = desired_config(arc, "gh-none", doc);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.failure().code == error_code::not_found);
  CHECK_FALSE(desired_config(gl, "gh-gpu", doc).ok());
}
