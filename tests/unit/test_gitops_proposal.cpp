// SPDX-License-Identifier: Apache-2.0
// GitOps proposals and their API: plans against the simulator's tfvars change exactly the one
// line asked for, with the exact unified diff, a deterministic branch, and title and description
// a reviewer can trust; unknown keys, wrong types, bad ranges, other runners' keys and
// injection attempts are refused or escaped; the request body, the JSON <-> tfvars conversion,
// GET /v1/gitops/{drift,config} and the config's gitops section check what they are given.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/api/gitops_json.hpp"
#include "common/api/gitops_routes.hpp"
#include "common/api/proposal_body.hpp"
#include "common/api/route_table.hpp"
#include "common/config.hpp"
#include "common/gitops/drift.hpp"
#include "common/gitops/proposal.hpp"
#include "common/gitops/tfvars.hpp"
#include "common/snapshot.hpp"
#include "gitops_fixture.hpp"
#include "test_support.hpp"

using namespace runnerfleet;
using namespace runnerfleet::gitops;
using nlohmann::json;
using tfvars::value;

using namespace runnerfleet::test::gitops_fixture;

namespace {

const std::string branch_prefix = "runnerfleet/";
const proposal_author jane{"jane (uid 1000)", "operator"};

using changes = std::map<std::string, value>;

proposal_request request(const std::string& runner, changes c,
                         const std::string& idempotency_key = "") {
  proposal_request r;
  r.runner = runner;
  r.changes = std::move(c);
  r.reason = "queue waits over 10 minutes at peak";
  r.idempotency_key = idempotency_key;
  return r;
}

result<proposal_plan> plan(const proposal_request& req) {
  return plan_proposal(dev_state(), req, jane, branch_prefix);
}

proposal_plan planned(const proposal_request& req) {
  auto p = plan(req);
  INFO((p ? std::string() : p.failure().message));
  REQUIRE(p);
  return std::move(*p);
}

/// The message of a refusal with `code`; fails the test when the plan was accepted.
std::string refused(const proposal_request& req, error_code code = error_code::invalid_argument) {
  auto p = plan(req);
  REQUIRE_FALSE(p);
  CHECK(p.failure().code == code);
  return p.failure().message;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

/// The 0-based indexes of the lines where two texts of the same line count differ.
std::vector<std::size_t> changed_lines(const std::string& before, const std::string& after) {
  auto a = lines_of(before), b = lines_of(after);
  REQUIRE(a.size() == b.size());
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) out.push_back(i);
  return out;
}

std::string line_at(const std::string& text, std::size_t index) { return lines_of(text).at(index); }

std::string hcl(const std::optional<value>& v) { return v ? tfvars::to_hcl(*v) : "(none)"; }

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

}  // namespace

TEST_CASE("gitops: a proposal changes exactly one line and shows the exact diff", "[gitops]") {
  auto p = planned(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}));
  CHECK(p.runner == "docker-runner");
  CHECK(p.cluster == "dev");
  CHECK(p.ns == "gitlab-runners");
  CHECK(p.forge == "gitlab");
  CHECK(p.stack == "gitlab-runners");
  CHECK(p.stack_runner == "docker");
  CHECK(p.file == gitlab_path);
  CHECK(p.base_commit == fixture_commit);

  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].key == "docker_hpa_max_replicas");
  CHECK(hcl(p.changes[0].from) == "10");
  CHECK_FALSE(p.changes[0].from_default);
  CHECK(hcl(p.changes[0].to) == "12");

  CHECK(changed_lines(gitlab_dev(), p.new_text) == std::vector<std::size_t>{46});
  CHECK(line_at(gitlab_dev(), 46) == "docker_hpa_max_replicas   = 10");
  CHECK(line_at(p.new_text, 46) == "docker_hpa_max_replicas   = 12");
  CHECK(p.new_text.size() == gitlab_dev().size());

  // As `diff -u` (diffutils 3.8) writes it.
  CHECK(p.diff ==
        "--- a/tofu/stacks/gitlab-runners/dev.tfvars\n"
        "+++ b/tofu/stacks/gitlab-runners/dev.tfvars\n"
        "@@ -44,7 +44,7 @@\n"
        " docker_job_memory_limit   = \"4Gi\"\n"
        " docker_hpa_enabled        = true\n"
        " docker_hpa_min_replicas   = 2\n"
        "-docker_hpa_max_replicas   = 10\n"
        "+docker_hpa_max_replicas   = 12\n"
        " \n"
        " # dind-runner\n"
        " dind_concurrent_jobs    = 6\n");

  CHECK(p.title == "runnerfleet: docker-runner: docker_hpa_max_replicas 10 → 12");
  CHECK_THAT(p.description, Contains("jane (uid 1000) (operator)"));
  CHECK_THAT(p.description, Contains("> queue waits over 10 minutes at peak"));
  CHECK_THAT(p.description, Contains("```diff\n" + p.diff + "```"));
  CHECK_THAT(p.description, Contains("| `docker_hpa_max_replicas` | `10` | `12` |"));
  CHECK_THAT(p.description,
             Contains("`" + gitlab_path + "` as of `" + fixture_commit.substr(0, 12) + "`"));
  CHECK_THAT(p.description, Contains("OpenTofu applies it from `main`"));
  CHECK(p.commit_message == p.title +
                                "\n\nWhy: queue waits over 10 minutes at peak\n"
                                "Proposed by jane (uid 1000) with runnerfleet.\n");
}

TEST_CASE("gitops: a proposal's branch is deterministic per change and idempotency key",
          "[gitops]") {
  auto twelve =
      planned(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}));
  CHECK_THAT(twelve.branch, StartsWith("runnerfleet/docker-runner-"));
  CHECK(twelve.branch.size() == std::string("runnerfleet/docker-runner-").size() + 16);
  CHECK_THAT(twelve.idempotency_key, StartsWith("derived:"));

  auto again = planned(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}));
  CHECK(again.branch == twelve.branch);
  CHECK(again.idempotency_key == twelve.idempotency_key);
  CHECK(again.new_text == twelve.new_text);
  auto as_text =
      planned(request("docker-runner", {{"docker_hpa_max_replicas", value::string("12")}}));
  CHECK(as_text.branch == twelve.branch);  // normalized before it is hashed

  auto thirteen =
      planned(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(13)}}));
  CHECK(thirteen.branch != twelve.branch);

  auto keyed = planned(
      request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}, "ticket-42:a"));
  CHECK(keyed.idempotency_key == "ticket-42:a");
  CHECK_THAT(keyed.branch, StartsWith("runnerfleet/docker-runner-"));
  CHECK(keyed.branch != twelve.branch);
  auto keyed_again = planned(
      request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}, "ticket-42:a"));
  CHECK(keyed_again.branch == keyed.branch);
  auto other_key = planned(
      request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}, "ticket-42:b"));
  CHECK(other_key.branch != keyed.branch);

  CHECK(stable_digest("") == "cbf29ce484222325");  // FNV-1a 64 offset basis
  CHECK(stable_digest("a") == "af63dc4c8601ec8c");
}

TEST_CASE("gitops: a key the file leaves out is added after the last line, its default shown",
          "[gitops]") {
  auto p = planned(
      request("docker-runner", {{"manager_priority_class_name", value::string("ci-managers")}}));
  REQUIRE(p.changes.size() == 1);
  CHECK(hcl(p.changes[0].from) == "\"\"");
  CHECK(p.changes[0].from_default);
  REQUIRE(p.new_text.rfind(gitlab_dev(), 0) == 0);  // every existing byte kept
  auto again = tfvars::document::parse(p.new_text);
  REQUIRE(again);
  CHECK(hcl(*again->get({"manager_priority_class_name"})) == "\"ci-managers\"");
  CHECK_THAT(p.description,
             Contains("| `manager_priority_class_name` | `\"\"` (default) | `\"ci-managers\"` |"));
}

TEST_CASE("gitops: proposals refuse what OpenTofu would ignore or reject, naming the key",
          "[gitops]") {
  SECTION("an unknown key suggests the real one") {
    auto msg = refused(request("docker-runner", {{"docker_max_replicas", value::integer(12)}}));
    CHECK_THAT(msg, StartsWith("docker_max_replicas: not a variable of the gitlab-runners stack"));
    CHECK_THAT(msg, Contains("did you mean docker_hpa_max_replicas?"));
    auto p = plan(request("docker-runner", {{"docker_max_replicas", value::integer(12)}}));
    CHECK(p.failure().details.value("key", "") == "docker_max_replicas");
  }
  SECTION("a secret is never written to the file") {
    auto msg = refused(request("docker-runner", {{"docker_runner_token", value::string("glrt-abc123")}}));
    CHECK_THAT(msg, StartsWith("docker_runner_token: is a secret"));
    CHECK_THAT(msg, !Contains("glrt-abc123"));
  }
  SECTION("a wrong type") {
    auto msg =
        refused(request("docker-runner", {{"docker_hpa_max_replicas", value::string("twelve")}}));
    CHECK(msg == "docker_hpa_max_replicas: expected number (whole), got string");
    CHECK_THAT(refused(request("docker-runner", {{"docker_hpa_max_replicas", value::real(12.5)}})),
               StartsWith("docker_hpa_max_replicas: must be a whole number"));
    CHECK_THAT(refused(request("docker-runner", {{"docker_hpa_enabled", value::string("yes")}})),
               StartsWith("docker_hpa_enabled: expected bool"));
  }
  SECTION("out of range, alone and against the file's other bound") {
    CHECK_THAT(refused(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(0)}})),
               StartsWith("docker_hpa_max_replicas: must be at least 1, got 0"));
    CHECK(refused(request("docker-runner", {{"docker_hpa_min_replicas", value::integer(20)}})) ==
          "docker_hpa_min_replicas: docker_hpa_min_replicas 20 exceeds docker_hpa_max_replicas 10; "
          "it must be at "
          "most that");
    CHECK_THAT(refused(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(1)}})),
               StartsWith("docker_hpa_max_replicas: docker_hpa_min_replicas 2 exceeds "
                          "docker_hpa_max_replicas 1"));
    // Both bounds at once are judged together.
    auto both =
        planned(request("docker-runner", {{"docker_hpa_min_replicas", value::integer(20)},
                                          {"docker_hpa_max_replicas", value::integer(30)}}));
    CHECK(both.changes.size() == 2);
    CHECK(changed_lines(gitlab_dev(), both.new_text) == std::vector<std::size_t>{45, 46});
    CHECK_THAT(refused(request("docker-runner", {{"manager_cpu_request", value::string("300m")}})),
               StartsWith("manager_cpu_request: manager_cpu_request \"300m\" exceeds "
                          "manager_cpu_limit \"200m\""));
  }
  SECTION("a key of another runner or of the stack") {
    CHECK(refused(request("docker-runner", {{"nix_concurrent_jobs", value::integer(8)}})) ==
          "nix_concurrent_jobs: belongs to the nix runner, not docker");
    CHECK_THAT(refused(request("docker-runner", {{"namespace", value::string("ci")}})),
               StartsWith("namespace: is a stack-wide setting"));
    CHECK_THAT(refused(request("gh-docker", {{"nix_max_runners", value::integer(3)}})),
               StartsWith("nix_max_runners: belongs to the nix runner, not docker"));
  }
  SECTION("a change that changes nothing") {
    auto msg = refused(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(10)}}));
    CHECK_THAT(msg, StartsWith("nothing to change: " + gitlab_path));
    CHECK_THAT(msg, Contains("docker-runner"));
    CHECK_THAT(
        refused(request("docker-runner", {{"docker_hpa_max_replicas", value::string("10")}})),
        StartsWith("nothing to change"));
    // Unchanged keys next to a changed one are left out of the change.
    auto p = planned(request("docker-runner", {{"docker_hpa_min_replicas", value::integer(2)},
                                               {"docker_hpa_max_replicas", value::integer(12)}}));
    REQUIRE(p.changes.size() == 1);
    CHECK(p.changes[0].key == "docker_hpa_max_replicas");
  }
  SECTION("no changes at all") {
    auto p = plan(request("docker-runner", {}));
    REQUIRE_FALSE(p);
    CHECK(p.failure().code == error_code::invalid_argument);
    CHECK(p.failure().details.value("field", "") == "changes");
  }
  SECTION("a bad idempotency key") {
    for (const auto& key : {std::string("has spaces"), std::string(200, 'a'), std::string("a/b"),
                            std::string("line\nbreak")}) {
      INFO(key);
      auto p =
          plan(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}, key));
      REQUIRE_FALSE(p);
      CHECK(p.failure().code == error_code::invalid_argument);
      CHECK_THAT(p.failure().message, StartsWith("idempotency_key:"));
      CHECK(p.failure().details.value("field", "") == "idempotency_key");
    }
    CHECK(plan(request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}},
                       std::string(max_idempotency_key, 'k'))));
  }
  SECTION("a runner no file declares") {
    auto msg = refused(request("rocky9-runner", {{"docker_hpa_max_replicas", value::integer(12)}}),
                       error_code::not_found);
    CHECK_THAT(msg, Contains("'rocky9-runner'"));
    auto p = plan(request("rocky9-runner", {{"docker_hpa_max_replicas", value::integer(12)}}));
    CHECK(p.failure().details.value("runner", "") == "rocky9-runner");
  }
  SECTION("a runner declared for several clusters needs its cluster") {
    auto d = dev_state();
    auto prod = d.files[0];
    prod.cluster = "prod";
    prod.path = "tofu/stacks/gitlab-runners/prod.tfvars";
    d.files.push_back(prod);
    auto req = request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}});
    auto p = plan_proposal(d, req, jane, branch_prefix);
    REQUIRE_FALSE(p);
    CHECK(p.failure().code == error_code::conflict);  // as GET /v1/runners/{name} answers it
    CHECK(p.failure().details.value("field", "") == "cluster");
    req.cluster = "prod";
    auto ok = plan_proposal(d, req, jane, branch_prefix);
    REQUIRE(ok);
    CHECK(ok->file == "tofu/stacks/gitlab-runners/prod.tfvars");
    CHECK(ok->cluster == "prod");
  }
  SECTION("a runner two files declare in one cluster cannot be told apart by cluster") {
    auto d = dev_state();
    auto again = d.files[0];
    again.path = "tofu/stacks/gitlab-runners/dev-copy.tfvars";
    d.files.push_back(again);
    auto p = plan_proposal(d, request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}), jane,
                           branch_prefix);
    REQUIRE_FALSE(p);
    CHECK(p.failure().code == error_code::conflict);
    CHECK_THAT(p.failure().message, Contains("tofu/stacks/gitlab-runners/dev-copy.tfvars (cluster dev)"));
    CHECK_THAT(p.failure().message, Contains("fix gitops.files"));
  }
  SECTION("a runner whose file cannot be read") {
    auto d = dev_state();
    d.files[0].doc.reset();
    d.files[0].problem = "line 3, column 1: unexpected '{'";
    auto p = plan_proposal(
        d, request("docker-runner", {{"docker_hpa_max_replicas", value::integer(12)}}), jane,
        branch_prefix);
    REQUIRE_FALSE(p);
    // An unreadable file declares nothing we can see: the runner may be in it, so the answer is
    // unavailable naming the file, not "not declared".
    CHECK(p.failure().code == error_code::unavailable);
    CHECK_THAT(p.failure().message, Contains(gitlab_path));
  }
}

TEST_CASE(
    "gitops: strings that could become HCL syntax are escaped, or refused where the key is checked",
    "[gitops]") {
  // attic_server is a free-form string: every value is written escaped and reads back as given.
  const std::vector<std::string> attacks = {
      "https://x\"\nevil = true\n#",
      "${var.nix_runner_token}",
      "%{ if true }x%{ endif }",
      "quote \" and backslash \\",
      "line\nbreak",
      "\"",
  };
  for (const auto& attack : attacks) {
    INFO("attack: " << attack);
    auto p = planned(request("nix-runner", {{"attic_server", value::string(attack)}}));
    CHECK(changed_lines(gitlab_dev(), p.new_text).size() == 1);
    auto again = tfvars::document::parse(p.new_text);
    REQUIRE(again);
    auto got = again->get({"attic_server"});
    REQUIRE(got);
    CHECK(got->type() == tfvars::kind::string);
    CHECK(got->text() == attack);
    CHECK_FALSE(got->templated());
    CHECK(again->keys() == tfvars::document::parse(gitlab_dev())->keys());
  }
  // Checked keys refuse the same strings outright.
  CHECK_THAT(refused(request("docker-runner",
                             {{"docker_job_cpu_limit", value::string("2\"\nevil = \"1")}})),
             StartsWith("docker_job_cpu_limit: \"2\"\nevil = \"1\" is not a Kubernetes quantity"));
  CHECK_THAT(
      refused(request("docker-runner", {{"docker_runner_name", value::string("docker-runner\n")}})),
      StartsWith("docker_runner_name:"));
  CHECK_THAT(refused(request("docker-runner", {{"docker_runner_name", value::string("${var.x}")}})),
             StartsWith("docker_runner_name:"));
  CHECK_THAT(refused(request("nix-runner", {{"attic_server", value::template_string("${var.x}")}})),
             StartsWith("attic_server: a ${...} template cannot be written"));
  CHECK_THAT(refused(request("nix-runner", {{"attic_server", value::null()}})),
             StartsWith("attic_server: null would override the default"));
}

TEST_CASE("gitops: an extra scale set takes its fields bare or by their full key", "[gitops]") {
  auto bare = planned(request("gh-l40s", {{"max_runners", value::integer(3)}}));
  auto full =
      planned(request("gh-l40s", {{"extra_runner_sets.gh-l40s.max_runners", value::integer(3)}}));
  CHECK(bare.new_text == full.new_text);
  CHECK(bare.branch == full.branch);
  CHECK(bare.stack == "arc-runners");
  CHECK(bare.stack_runner == "gh-l40s");
  CHECK(bare.forge == "github");
  CHECK(bare.ns == "arc-runners");
  REQUIRE(bare.changes.size() == 1);
  CHECK(bare.changes[0].key == "extra_runner_sets.gh-l40s.max_runners");
  CHECK(hcl(bare.changes[0].from) == "2");
  CHECK(hcl(bare.changes[0].to) == "3");

  auto changed = changed_lines(arc_dev(), bare.new_text);
  REQUIRE(changed.size() == 1);
  CHECK(line_at(arc_dev(), changed[0]) == "    max_runners       = 2 # two L40S nodes");
  CHECK(line_at(bare.new_text, changed[0]) == "    max_runners       = 3 # two L40S nodes");
  CHECK(bare.title == "runnerfleet: gh-l40s: extra_runner_sets.gh-l40s.max_runners 2 → 3");

  CHECK(refused(request("gh-l40s", {{"max_runners", value::integer(-1)}})) ==
        "extra_runner_sets.gh-l40s.max_runners: must be at least 0, got -1");
  auto min = refused(request("gh-l40s", {{"min_runners", value::integer(5)}}));
  CHECK_THAT(min, Contains("extra_runner_sets.gh-l40s.min_runners 5 exceeds "
                           "extra_runner_sets.gh-l40s.max_runners 2"));
  CHECK_THAT(
      refused(request("gh-l40s", {{"extra_runner_sets.gh-other.max_runners", value::integer(3)}})),
      StartsWith("extra_runner_sets.gh-other.max_runners: runner set gh-l40s takes its fields"));
  CHECK_THAT(refused(request("gh-l40s", {{"max_runner", value::integer(3)}})),
             Contains("did you mean max_runners?"));
  CHECK_THAT(refused(request("gh-l40s", {{"runner_type", value::string("gpu")}})),
             Contains("is not one of docker, dind or nix"));
  CHECK_THAT(refused(request("gh-l40s", {{"max_runners", value::integer(2)}})),
             StartsWith("nothing to change"));
}

TEST_CASE("gitops: a value equal to the default of a key the file leaves out changes nothing",
          "[gitops]") {
  // Top level: manager_priority_class_name is absent and defaults to "".
  CHECK_THAT(
      refused(request("docker-runner", {{"manager_priority_class_name", value::string("")}})),
      StartsWith("nothing to change"));
  // An extra set's field: gh-l40s leaves attic_cache to its default "main".
  auto other = planned(request("gh-l40s", {{"attic_cache", value::string("gpu-cache")}}));
  REQUIRE(other.changes.size() == 1);
  // An extra_runner_sets field the file leaves out has its schema default as `from`, so
  // proposing the default itself is "nothing to change", as for a top-level key.
  CHECK(other.changes[0].from_default);
  CHECK(hcl(other.changes[0].from) == "\"main\"");
  auto same = plan(request("gh-l40s", {{"attic_cache", value::string("main")}}));
  CHECK_FALSE(same);
  if (!same) CHECK_THAT(same.failure().message, StartsWith("nothing to change"));
}

TEST_CASE("gitops: the earlier dashboard's keys are refused naming the real key", "[gitops]") {
  // The representative cases of test_stack_schema.cpp's list (prior-art §5.4, §8.2), end to end.
  CHECK_THAT(refused(request("docker-runner", {{"docker_concurrent", value::integer(16)}})),
             Contains("did you mean docker_concurrent_jobs?"));
  CHECK_THAT(refused(request("nix-runner", {{"nix_manager_cpu_request", value::string("100m")}})),
             Contains("did you mean manager_cpu_request?"));
  CHECK_THAT(refused(request("dind-runner", {{"dind_privileged", value::boolean(true)}})),
             Contains("does not expose the module's privileged"));
  CHECK_THAT(refused(request("docker-runner", {{"docker_run_untagged", value::boolean(true)}})),
             Contains("does not expose the module's run_untagged, whose default false applies"));
  CHECK_THAT(refused(request("docker-runner", {{"hpa_enabled", value::boolean(false)}})),
             Contains("did you mean docker_hpa_enabled?"));
  CHECK_THAT(refused(request("nix-runner", {{"deploy_nix_runner", value::boolean(true)}})),
             Contains("nix is always deployed"));
  CHECK_THAT(refused(request("docker-runner", {{"hpa_cpu_target", value::integer(60)}})),
             Contains("module's hpa_cpu_target"));
  CHECK_THAT(refused(request("gh-docker", {{"docker_job_memory_limit", value::string("8Gi")}})),
             Contains("did you mean docker_memory_limit?"));
}

TEST_CASE("gitops: proposal bodies are checked field by field", "[gitops]") {
  auto body = api::parse_proposal_body(
      R"({"runner": "docker-runner", "cluster": "dev", "changes": {"docker_hpa_max_replicas": 12,
          "docker_job_cpu_limit": "3"}, "reason": "  peak load  ", "idempotency_key": "t-1",
          "base_commit": "9d2c1f0e"})");
  REQUIRE(body);
  CHECK(body->request.runner == "docker-runner");
  CHECK(body->request.cluster == "dev");
  CHECK(body->request.reason == "peak load");
  CHECK(body->request.idempotency_key == "t-1");
  CHECK(body->base_commit == "9d2c1f0e");
  CHECK_FALSE(body->dry_run);
  REQUIRE(body->request.changes.size() == 2);
  CHECK(hcl(body->request.changes.at("docker_hpa_max_replicas")) == "12");
  CHECK(hcl(body->request.changes.at("docker_job_cpu_limit")) == "\"3\"");

  auto dry = api::parse_proposal_body(
      R"({"runner": "gh-l40s", "changes": {"max_runners": 3}, "dry_run": true})");
  REQUIRE(dry);
  CHECK(dry->dry_run);
  CHECK(dry->request.reason.empty());

  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"runner": "a", "changes": {"k": 1}, "reason": "r", "runnr": "a"})", "runnr"},
      {R"({"changes": {"k": 1}, "reason": "r"})", "runner"},
      {R"({"runner": "", "changes": {"k": 1}, "reason": "r"})", "runner"},
      {R"({"runner": 7, "changes": {"k": 1}, "reason": "r"})", "runner"},
      {R"({"runner": "a", "changes": [1], "reason": "r"})", "changes"},
      {R"({"runner": "a", "changes": {}, "reason": "r"})", "changes"},
      {R"({"runner": "a", "reason": "r"})", "changes"},
      {R"({"runner": "a", "changes": {"k": null}, "reason": "r"})", "changes.k"},
      {R"({"runner": "a", "changes": {"k": 1}})", "reason"},
      {R"({"runner": "a", "changes": {"k": 1}, "reason": "  "})", "reason"},
      {R"({"runner": "a", "changes": {"k": 1}, "reason": "two\nlines"})", "reason"},
      {R"({"runner": "a", "changes": {"k": 1}, "dry_run": false})", "reason"},
      {R"({"runner": "a", "changes": {"k": 1}, "reason": "r", "dry_run": "yes"})", "dry_run"},
      {R"({"runner": "a", "changes": {"k": 1}, "reason": "r", "cluster": ["dev"]})", "cluster"},
      {R"({"runner": "a", "changes": {"k": 1}, "reason": "r", "idempotency_key": 5})",
       "idempotency_key"},
      {R"({"runner": "a", "changes": {"k": 1}, "reason": "r", "base_commit": "x\ty"})",
       "base_commit"},
  };
  for (const auto& [text, field] : bad) {
    INFO(text);
    auto b = api::parse_proposal_body(text);
    REQUIRE_FALSE(b);
    CHECK(b.failure().code == error_code::invalid_argument);
    CHECK(b.failure().details.value("field", "") == field);
    CHECK_THAT(b.failure().message, Contains(field));
  }
  for (const std::string text : {"{\"runner\": ", "[1, 2]", "\"docker-runner\""}) {
    INFO(text);
    auto b = api::parse_proposal_body(text);
    REQUIRE_FALSE(b);
    CHECK(b.failure().code == error_code::invalid_argument);
    CHECK_THAT(b.failure().message, Contains("docker_hpa_max_replicas"));  // the example it cites
  }
  auto empty = api::parse_proposal_body("");
  REQUIRE_FALSE(empty);
  CHECK(empty.failure().details.value("field", "") == "runner");
}

TEST_CASE("gitops: JSON and tfvars values convert both ways", "[gitops]") {
  const json values = json::parse(R"({
    "int": 12, "negative": -3, "big": 9007199254740993, "float": 1.5, "small": 0.001,
    "text": "50m", "escaped": "a \"b\" ${c}\n", "empty": "", "yes": true, "no": false,
    "list": [1, "two", false, [3.25]], "empty_list": [],
    "object": {"min_runners": 0, "labels": {"pool": "ci", "gpu": "l40s"}, "tags": ["a"]}
  })");
  for (const auto& [key, j] : values.items()) {
    INFO(key);
    CHECK(api::tfvars_to_json(api::json_to_tfvars(j)) == j);
  }
  CHECK(api::tfvars_to_json(api::json_to_tfvars(values)) == values);

  CHECK(hcl(api::json_to_tfvars(json(12))) == "12");
  CHECK(api::json_to_tfvars(json(12)).as_int() == 12);
  // Exact, not through a double.
  CHECK(api::json_to_tfvars(json(9007199254740993LL)).as_int() == 9007199254740993LL);
  CHECK(api::json_to_tfvars(json(1.5)).type() == tfvars::kind::number);
  CHECK(api::json_to_tfvars(json("12")).type() == tfvars::kind::string);
  CHECK_FALSE(api::json_to_tfvars(json("${x}")).templated());
  CHECK(api::json_to_tfvars(json(nullptr)).type() == tfvars::kind::null);
  CHECK(hcl(api::json_to_tfvars(json::parse(R"({"b": [1, true], "a": "x"})"))) ==
        "{\n  a = \"x\"\n  b = [1, true]\n}");

  // Values as a tfvars file writes them, including the extra set of the ARC file.
  auto doc = tfvars::document::parse(arc_dev());
  REQUIRE(doc);
  auto sets = doc->get({"extra_runner_sets"});
  REQUIRE(sets);
  auto as_json = api::tfvars_to_json(*sets);
  CHECK(as_json["gh-l40s"]["max_runners"] == 2);
  CHECK(as_json["gh-l40s"]["cpu_request"] == "2");
  CHECK(api::tfvars_to_json(api::json_to_tfvars(as_json)) == as_json);
  CHECK(api::tfvars_to_json(value::number("0.70")) == 0.7);
  CHECK(api::tfvars_to_json(value::number("1e3")) == 1000);
}

namespace {

/// A snapshot whose desired state is dev_state() and whose fleet drifts three ways.
std::shared_ptr<snapshot> gitops_snapshot() {
  auto s = std::make_shared<snapshot>();
  auto desired = std::make_shared<const desired_state>(dev_state());
  s->desired = desired;
  auto runner = [](std::string name, std::string forge, std::string ns) {
    runner_view r;
    r.name = std::move(name);
    r.forge = std::move(forge);
    r.cluster = "dev";
    r.ns = std::move(ns);
    return r;
  };
  auto docker = runner("docker-runner", "gitlab", "gitlab-runners");
  docker.scaling.model = "hpa";
  docker.scaling.autoscaler = "docker-runner-hpa";
  docker.scaling.min = 2;
  docker.scaling.max = 12;
  docker.scaling.cpu_target = 70;
  docker.scaling.memory_target = 80;
  docker.scaling.scale_up_window_s = 15;
  docker.scaling.scale_down_window_s = 300;
  auto nix = docker;
  nix.name = "nix-runner";
  nix.scaling.min = 1;
  nix.scaling.max = 5;
  auto l40s = runner("gh-l40s", "github", "arc-runners");
  l40s.status = "paused";
  l40s.status_reason = "paused by scaling to zero (maxRunners 0)";
  l40s.scaling.model = "arc";
  l40s.scaling.min = 0;
  l40s.scaling.max = 0;
  auto gh_nix = runner("gh-nix", "github", "arc-runners");
  gh_nix.scaling.min = 0;
  gh_nix.scaling.max = 10;
  auto gh_docker = runner("gh-docker", "github", "arc-runners");
  gh_docker.scaling.min = 1;
  gh_docker.scaling.max = 5;
  // dind-runner is missing; rocky9-runner is undeclared.
  s->runners = {docker, gh_docker, l40s,
                gh_nix, nix,       runner("rocky9-runner", "gitlab", "gitlab-runners")};
  s->drift = compute_drift(*desired, s->runners, {});
  attach_config_refs(*desired, s->drift, s->runners);
  s->sources.push_back({"gitops", "gitops", "ok", {}, {}, "", "2 files read", {}});
  return s;
}

result<json> drift_route(const snapshot& s, const api::query_params& q) {
  auto b = api::gitops_drift(q, s);
  if (!b) return b.take_failure();
  auto data = json::parse(b->data);
  data["meta"] = b->meta;
  return data;
}

result<json> config_route(const snapshot& s, const std::string& runner,
                          const api::query_params& q = {}) {
  auto m = api::match_route("GET", "/v1/gitops/config/" + runner);
  REQUIRE(m);
  REQUIRE(m->spec->id == api::route_id::gitops_config);
  auto b = api::gitops_config(*m, q, s);
  if (!b) return b.take_failure();
  return json::parse(b->data);
}

std::vector<std::string> item_keys(const json& items) {
  std::vector<std::string> out;
  for (const auto& i : items)
    out.push_back(i["severity"].get<std::string>() + " " + i["kind"].get<std::string>() + " " +
                  (i["runner"].is_null() ? "-" : i["runner"].get<std::string>()));
  return out;
}

const json* setting(const json& config, const std::string& key) {
  for (const auto& s : config["settings"])
    if (s["key"] == key) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("gitops: GET /v1/gitops/drift lists and filters the snapshot's drift", "[gitops]") {
  auto s = gitops_snapshot();
  auto all = drift_route(*s, {});
  REQUIRE(all);
  CHECK(item_keys((*all)["items"]) == std::vector<std::string>{
                                          "error missing dind-runner",
                                          "error undeclared rocky9-runner",
                                          "warning replicas docker-runner",
                                          "info runners gh-l40s",
                                      });
  CHECK((*all)["counts"] == json{{"error", 2}, {"warning", 1}, {"info", 1}});
  CHECK((*all)["meta"] == json{{"total", 4}, {"returned", 4}});
  CHECK((*all)["desired"]["source"] == "gitlab project ci/flywheel");
  CHECK((*all)["desired"]["branch"] == "main");
  CHECK((*all)["desired"]["commit"] == fixture_commit);
  CHECK((*all)["desired"]["stale"] == false);
  REQUIRE((*all)["desired"]["files"].size() == 2);
  CHECK((*all)["desired"]["files"][1] == json{{"path", arc_path},
                                              {"stack", "arc-runners"},
                                              {"cluster", "dev"},
                                              {"last_commit_id", fixture_commit},
                                              {"readable", true},
                                              {"problem", nullptr}});
  const auto& missing = (*all)["items"][0];
  CHECK(missing["key"].is_null());
  CHECK(missing["desired"] == "declared");
  CHECK(missing["file"] == gitlab_path);
  CHECK((*all)["items"][1]["file"].is_null());
  CHECK((*all)["items"][2]["key"] == "docker_hpa_max_replicas");
  CHECK((*all)["items"][2]["desired"] == "10");
  CHECK((*all)["items"][2]["live"] == "12");
  CHECK((*all)["items"][2]["namespace"] == "gitlab-runners");

  auto warnings = drift_route(*s, {{"severity", "warning"}});
  REQUIRE(warnings);
  CHECK(item_keys((*warnings)["items"]) ==
        std::vector<std::string>{"warning replicas docker-runner"});
  CHECK((*warnings)["counts"] == (*all)["counts"]);  // counts are of everything
  CHECK((*warnings)["meta"] == json{{"total", 4}, {"returned", 1}});
  auto loud = drift_route(*s, {{"severity", "error,info"}});
  REQUIRE(loud);
  CHECK((*loud)["items"].size() == 3);
  auto runners = drift_route(*s, {{"kind", "runners"}});
  REQUIRE(runners);
  CHECK(item_keys((*runners)["items"]) == std::vector<std::string>{"info runners gh-l40s"});
  auto docker = drift_route(*s, {{"runner", "docker-runner"}});
  REQUIRE(docker);
  CHECK(item_keys((*docker)["items"]) ==
        std::vector<std::string>{"warning replicas docker-runner"});
  auto elsewhere = drift_route(*s, {{"cluster", "prod"}});
  REQUIRE(elsewhere);
  CHECK((*elsewhere)["items"].empty());

  auto typo = drift_route(*s, {{"sevrity", "error"}});
  REQUIRE_FALSE(typo);
  CHECK(typo.failure().code == error_code::invalid_argument);
  CHECK_THAT(typo.failure().message, Contains("unknown query parameter 'sevrity'"));
  auto bogus = drift_route(*s, {{"severity", "fatal"}});
  REQUIRE_FALSE(bogus);
  CHECK(bogus.failure().code == error_code::invalid_argument);
  auto bad_kind = drift_route(*s, {{"kind", "replica"}});
  REQUIRE_FALSE(bad_kind);
  CHECK(bad_kind.failure().code == error_code::invalid_argument);
}

TEST_CASE("gitops: the routes say when GitOps is not configured or not read yet", "[gitops]") {
  snapshot none;
  none.sources.push_back({"gitops", "gitops", "not_configured", {}, {}, "", "", {}});
  auto m = api::match_route("GET", "/v1/gitops/config/docker-runner");
  REQUIRE(m);
  for (const auto& r : {api::gitops_drift({}, none), api::gitops_config(*m, {}, none)}) {
    REQUIRE_FALSE(r);
    CHECK(r.failure().code == error_code::unavailable);
    CHECK_THAT(r.failure().message, Contains("not configured"));
  }
  snapshot unread;
  unread.sources.push_back({"gitops", "gitops", "down", {}, {}, "connection refused", "", {}});
  auto r = api::gitops_drift({}, unread);
  REQUIRE_FALSE(r);
  CHECK(r.failure().code == error_code::unavailable);
  CHECK(r.failure().message == "the tfvars could not be read yet: connection refused");
  // A typo is still a typo.
  CHECK(api::gitops_drift({{"sort", "x"}}, none).failure().code == error_code::invalid_argument);
}

TEST_CASE("gitops: GET /v1/gitops/config/{name} gives a runner's desired settings and drift",
          "[gitops]") {
  auto s = gitops_snapshot();

  auto l40s = config_route(*s, "gh-l40s");
  REQUIRE(l40s);
  CHECK((*l40s)["runner"] == "gh-l40s");
  CHECK((*l40s)["cluster"] == "dev");
  CHECK((*l40s)["namespace"] == "arc-runners");
  CHECK((*l40s)["forge"] == "github");
  CHECK((*l40s)["stack"] == "arc-runners");
  CHECK((*l40s)["stack_runner"] == "gh-l40s");
  CHECK((*l40s)["file"] == arc_path);
  CHECK((*l40s)["last_commit_id"] == fixture_commit);
  CHECK((*l40s)["deployed"] == true);
  CHECK((*l40s)["settings"].size() == 13);
  const auto* max = setting(*l40s, "extra_runner_sets.gh-l40s.max_runners");
  REQUIRE(max != nullptr);
  CHECK((*max)["value"] == 2);
  CHECK((*max)["default"] == false);
  CHECK((*max)["sensitive"] == false);
  CHECK((*max)["scope"] == "runner");
  const auto* cache = setting(*l40s, "extra_runner_sets.gh-l40s.attic_cache");
  REQUIRE(cache != nullptr);
  CHECK((*cache)["value"] == "main");
  CHECK((*cache)["default"] == true);
  CHECK(setting(*l40s, "extra_runner_sets.gh-l40s.cpu_request") != nullptr);
  CHECK(setting(*l40s, "docker_max_runners") == nullptr);
  REQUIRE((*l40s)["drift"].size() == 1);
  CHECK((*l40s)["drift"][0]["key"] == "extra_runner_sets.gh-l40s.max_runners");
  CHECK((*l40s)["drift"][0]["severity"] == "info");

  auto docker = config_route(*s, "docker-runner");
  REQUIRE(docker);
  CHECK((*docker)["stack_runner"] == "docker");
  CHECK((*docker)["namespace"] == "gitlab-runners");
  const auto* hpa_max = setting(*docker, "docker_hpa_max_replicas");
  REQUIRE(hpa_max != nullptr);
  CHECK((*hpa_max)["value"] == 10);
  CHECK((*hpa_max)["scope"] == "runner");
  CHECK((*hpa_max)["description"].is_string());
  const auto* token = setting(*docker, "docker_runner_token");
  REQUIRE(token != nullptr);
  CHECK((*token)["sensitive"] == true);
  CHECK((*token)["value"].is_null());
  const auto* manager = setting(*docker, "manager_cpu_request");
  REQUIRE(manager != nullptr);
  CHECK((*manager)["scope"] == "all_runners");
  CHECK((*manager)["value"] == "50m");
  CHECK(setting(*docker, "nix_concurrent_jobs") == nullptr);
  REQUIRE((*docker)["drift"].size() == 1);
  CHECK((*docker)["drift"][0]["key"] == "docker_hpa_max_replicas");

  auto dind = config_route(*s, "dind-runner");
  REQUIRE(dind);
  CHECK((*dind)["deployed"] == false);
  CHECK((*dind)["drift"][0]["kind"] == "missing");

  auto undeclared = config_route(*s, "rocky9-runner");
  REQUIRE_FALSE(undeclared);
  CHECK(undeclared.failure().code == error_code::not_found);
  CHECK_THAT(undeclared.failure().message, Contains("'rocky9-runner'"));
  CHECK(undeclared.failure().details.value("runner", "") == "rocky9-runner");

  CHECK(config_route(*s, "gh-l40s", {{"cluster", "dev"}}));
  CHECK(config_route(*s, "gh-l40s", {{"cluster", "prod"}}).failure().code == error_code::not_found);
  CHECK(config_route(*s, "gh-l40s", {{"runner", "x"}}).failure().code ==
        error_code::invalid_argument);
}

namespace {

const std::string config_head = R"(state_dir: /var/lib/runnerfleet
clusters:
  - name: dev
    kubeconfig: /etc/runnerfleet/kubeconfig
    namespaces: [gitlab-runners, arc-runners]
gitlab:
  url: https://gitlab.example
  token_file: /etc/runnerfleet/gitlab-token
)";

const std::string second_cluster = R"(  - name: prod
    in_cluster: true
    namespaces: [gitlab-runners]
)";

/// config_head with `second_cluster` inserted after the first cluster when `two_clusters`.
std::string head(bool two_clusters = false) {
  if (!two_clusters) return config_head;
  auto at = config_head.find("gitlab:");
  return config_head.substr(0, at) + second_cluster + config_head.substr(at);
}

std::string gitops_error(const std::string& yaml) {
  auto cfg = parse_config(yaml, "cfg.yaml");
  REQUIRE_FALSE(cfg);
  CHECK(cfg.failure().code == error_code::invalid_argument);
  return cfg.failure().message;
}

}  // namespace

TEST_CASE("gitops: the config's gitops section infers stack and cluster", "[gitops]") {
  auto cfg = parse_config(head() + R"(gitops:
  project: ci/flywheel
  branch_prefix: rf/
  poll_interval: 2m
  files:
    - path: tofu/stacks/gitlab-runners/dev.tfvars
    - path: tofu/stacks/arc-runners/dev.tfvars
      runners:
        gpu-l40s: gh-l40s
    - path: envs/dev.tfvars.json
      stack: gitlab-runners
  unmanaged: [rocky9-runner]
)",
                          "cfg.yaml");
  INFO((cfg ? std::string() : cfg.failure().message));
  REQUIRE(cfg);
  REQUIRE(cfg->gitops);
  const auto& g = *cfg->gitops;
  CHECK(g.project == "ci/flywheel");
  CHECK_FALSE(g.local_path);
  CHECK(g.branch == "main");
  CHECK(g.branch_prefix == "rf/");
  CHECK(g.poll_interval == std::chrono::minutes(2));
  CHECK(g.line == 10);
  REQUIRE(g.files.size() == 3);
  CHECK(g.files[0].stack == "gitlab-runners");
  CHECK(g.files[0].cluster == "dev");
  CHECK(g.files[1].stack == "arc-runners");
  CHECK(g.files[1].runners == std::map<std::string, std::string>{{"gpu-l40s", "gh-l40s"}});
  CHECK(g.files[2].stack == "gitlab-runners");
  CHECK(g.unmanaged == std::vector<std::string>{"rocky9-runner"});

  auto local = parse_config(
      "state_dir: /x\nclusters:\n  - name: a\n    in_cluster: true\n    namespaces: [ci]\n"
      "gitops:\n  local_path: /srv/flywheel\n  files:\n"
      "    - path: tofu/stacks/arc-runners/prod.tfvars\n",
      "cfg.yaml");
  INFO((local ? std::string() : local.failure().message));
  REQUIRE(local);
  CHECK(local->gitops->local_path == "/srv/flywheel");
  CHECK(local->gitops->files[0].cluster == "a");

  auto two =
      parse_config(head(true) +
                       "gitops:\n  project: \"12\"\n  files:\n"
                       "    - path: tofu/stacks/gitlab-runners/prod.tfvars\n      cluster: prod\n",
                   "cfg.yaml");
  INFO((two ? std::string() : two.failure().message));
  REQUIRE(two);
  CHECK(two->gitops->files[0].cluster == "prod");
  CHECK_FALSE(parse_config(config_head, "cfg.yaml")->gitops.has_value());
}

TEST_CASE("gitops: gitops config errors name the key and the line", "[gitops]") {
  const std::string files = "  files:\n    - path: tofu/stacks/gitlab-runners/dev.tfvars\n";
  // head() has 8 lines: `gitops:` is line 9 and its first key line 10.
  CHECK(gitops_error(head() + "gitops:\n  project: ci/flywheel\n  local_path: /srv/flywheel\n" +
                     files) ==
        "cfg.yaml: gitops (line 10): needs exactly one of project (a GitLab project id or path) or "
        "local_path (a "
        "checkout)");
  CHECK_THAT(gitops_error(head() + "gitops:\n" + files),
             Contains("gitops (line 10): needs exactly one of project"));
  CHECK(gitops_error(
            "state_dir: /x\nclusters:\n  - name: a\n    in_cluster: true\n    namespaces: [ci]\n"
            "gitops:\n  project: ci/flywheel\n" +
            files) ==
        "cfg.yaml: gitops.project (line 7): needs the gitlab section (its url and token reach the "
        "project)");
  CHECK(gitops_error(head() +
                     "gitops:\n  project: ci/flywheel\n  files:\n    - path: envs/dev.tfvars\n") ==
        "cfg.yaml: gitops.files[0].stack (line 12): is required when the path has no "
        "tofu/stacks/<stack>/ "
        "(gitlab-runners or arc-runners)");
  CHECK(gitops_error(head() +
                     "gitops:\n  project: ci/flywheel\n  files:\n    - path: envs/dev.tfvars\n"
                     "      stack: gitlab-runner\n") ==
        "cfg.yaml: gitops.files[0].stack (line 13): expected gitlab-runners or arc-runners (or define it in "
        "gitops.stacks)");
  CHECK(gitops_error(head() + "gitops:\n  project: ci/flywheel\n  files:\n"
                              "    - path: tofu/stacks/gitlab-runners/../../../etc/dev.tfvars\n") ==
        "cfg.yaml: gitops.files[0].path (line 12): expected a relative path inside the repository");
  CHECK_THAT(gitops_error(head() + "gitops:\n  project: ci/flywheel\n  files:\n"
                                   "    - path: /tofu/stacks/gitlab-runners/dev.tfvars\n"),
             Contains("gitops.files[0].path (line 12): expected a relative path"));
  CHECK_THAT(gitops_error(head() + "gitops:\n  project: ci/flywheel\n  files:\n"
                                   "    - path: tofu/stacks/gitlab-runners/dev.tfvars\n      stack: arc-runners\n"),
             Contains("gitops.files[0].stack (line 13): is arc-runners but the path is in the gitlab-runners"));
  CHECK_THAT(gitops_error(head() + "gitops:\n  project: ci/flywheel\n  files:\n"
                                   "    - path: tofu/stacks/gitlab-runners/dev.tfvars\n"
                                   "      runners:\n        my-docker: gpu\n"),
             Contains("gitops.files[0].runners.my-docker (line 14): expected nix, docker or dind"));
  CHECK(gitops_error(head() + "gitops:\n  project: ci/flywheel\n  files:\n"
                              "    - path: tofu/stacks/gitlab-runners/dev.txt\n") ==
        "cfg.yaml: gitops.files[0].path (line 12): expected a .tfvars or .tfvars.json file");
  CHECK(gitops_error(head() + "gitops:\n  project: ci/flywheel\n" + files +
                     "    - path: tofu/stacks/gitlab-runners/dev.tfvars\n") ==
        "cfg.yaml: gitops.files[1].path (line 13): tofu/stacks/gitlab-runners/dev.tfvars is listed "
        "twice");
  CHECK(gitops_error(head() + "gitops:\n  project: ci/flywheel\n" + files +
                     "      cluster: staging\n") ==
        "cfg.yaml: gitops.files[0].cluster (line 13): names no cluster in clusters[]");
  CHECK(gitops_error(head(true) + "gitops:\n  project: ci/flywheel\n" + files) ==
        "cfg.yaml: gitops.files[0].cluster (line 15): is required when more than one cluster is "
        "configured");
  CHECK_THAT(gitops_error(head() + "gitops:\n  project: ci/flywheel\n  files: []\n"),
             Contains("gitops.files (line 11): expected a list of tfvars files"));
  CHECK_THAT(gitops_error(head() + "gitops:\n  project: ci/flywheel\n  fils: []\n"),
             Contains("gitops.fils (line 11): unknown key"));
  CHECK_THAT(
      gitops_error(head() + "gitops:\n  local_path: /srv/flywheel\n  token_file: /t\n" + files),
      Contains("gitops.token_file (line 11): only applies with project"));
  CHECK_THAT(
      gitops_error(head() + "gitops:\n  project: ci/flywheel\n  branch_prefix: \"a b/\"\n" + files),
      Contains("gitops.branch_prefix (line 11)"));
}
