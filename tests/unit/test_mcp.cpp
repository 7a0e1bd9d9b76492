// SPDX-License-Identifier: Apache-2.0
#include "mcp/argument_check.hpp"
#include "mcp/completion.hpp"
#include "mcp/embedded_files.hpp"
#include "mcp/prompts.hpp"
#include "mcp/protocol.hpp"
#include "mcp/resources.hpp"
#include "mcp/tool_catalog.hpp"
#include "mcp/tools.hpp"

#include <catch2/catch.hpp>

#include <functional>

using namespace runnerfleet;
using namespace runnerfleet::mcp;
using nlohmann::json;

TEST_CASE("lines are classified, and faults answered with the right code", "[mcp]") {
  CHECK(classify("{oops").error_reply["error"]["code"] == rpc_code::parse_error);
  CHECK(classify("[]").error_reply["error"]["code"] == rpc_code::invalid_request);
  CHECK(classify(R"({"id":1,"method":"ping"})").error_reply["error"]["code"] == rpc_code::invalid_request);
  CHECK(classify(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})").error_reply["error"]["code"] == rpc_code::invalid_request);
  auto bad_params = classify(R"({"jsonrpc":"2.0","id":"a","method":"tools/list","params":[1]})");
  CHECK(bad_params.error_reply["error"]["code"] == rpc_code::invalid_params);
  CHECK(bad_params.error_reply["id"] == "a");
  CHECK(classify(R"({"jsonrpc":"2.0","method":"x","params":[1]})").error_reply.is_null());  // notifications: silence
  auto request = classify(R"({"jsonrpc":"2.0","id":7,"method":"tools/list"})");
  CHECK(request.type == incoming::kind::request);
  CHECK(request.params == json::object());
  CHECK(classify(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").type == incoming::kind::notification);
  CHECK(classify(R"({"jsonrpc":"2.0","id":3,"result":{}})").type == incoming::kind::response);
}

TEST_CASE("initialize negotiates: echo a version we speak, else our newest", "[mcp]") {
  CHECK(negotiate_legacy_version("2024-11-05") == "2024-11-05");
  CHECK(negotiate_legacy_version("2025-11-25") == "2025-11-25");
  CHECK(negotiate_legacy_version("2026-07-28") == "2025-11-25");  // modern is per request, not a handshake
  CHECK(negotiate_legacy_version("1999-01-01") == "2025-11-25");
  CHECK(negotiate_legacy_version(json(20250618)) == "2025-11-25");
}

TEST_CASE("the 2026-07-28 envelope is checked", "[mcp]") {
  CHECK_FALSE(check_modern_meta(json::object()).modern);
  CHECK_FALSE(check_modern_meta({{"_meta", {{"progressToken", 1}}}}).modern);
  json ok = {{"_meta", {{meta_key::protocol_version, "2026-07-28"}, {meta_key::client_capabilities, json::object()}}}};
  auto good = check_modern_meta(ok);
  CHECK(good.modern);
  CHECK_FALSE(good.error);
  ok["_meta"].erase(meta_key::client_capabilities);
  CHECK(check_modern_meta(ok).error->code == rpc_code::invalid_params);
  json old = {{"_meta", {{meta_key::protocol_version, "2025-11-25"}, {meta_key::client_capabilities, json::object()}}}};
  auto refused = check_modern_meta(old);
  REQUIRE(refused.error);
  CHECK(refused.error->code == rpc_code::unsupported_protocol_version);
  CHECK(refused.error->data["supported"] == json::array({"2026-07-28"}));
  CHECK(refused.error->data["requested"] == "2025-11-25");
}

TEST_CASE("arguments are checked against the inputSchema, naming the argument", "[mcp]") {
  json schema = {{"type", "object"},
                 {"required", {"name"}},
                 {"properties", {{"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 5}}},
                                 {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}}},
                                 {"forge", {{"enum", {"gitlab", "github"}}}}}},
                 {"additionalProperties", false}};
  CHECK_FALSE(check_arguments(schema, {{"name", "ab"}, {"limit", 5}, {"forge", "github"}}));
  CHECK_FALSE(check_arguments(schema, {{"name", "ab"}, {"limit", 5.0}}));  // 5.0 is an integer
  CHECK(*check_arguments(schema, json::object()) == "argument 'name' is required");
  CHECK(*check_arguments(schema, {{"name", "ab"}, {"limit", 2.5}}) == "argument 'limit' must be an integer, got 2.5");
  CHECK(*check_arguments(schema, {{"name", "ab"}, {"limit", 1e300}}) == "argument 'limit' must be an integer, got 1e+300");
  CHECK(*check_arguments(schema, {{"name", "ab"}, {"limit", 201}}) == "argument 'limit' must be at most 200, got 201");
  CHECK(*check_arguments(schema, {{"name", "äöüßéx"}}) == "argument 'name' must not be longer than 5 characters");
  CHECK_FALSE(check_arguments(schema, {{"name", "äöüßé"}}));  // characters, not bytes
  CHECK(*check_arguments(schema, {{"name", "a"}, {"forge", "gitea"}}) ==
        "argument 'forge' must be one of \"gitlab\", \"github\", got \"gitea\"");
  CHECK(*check_arguments(schema, {{"name", "a"}, {"colour", 1}}) == "unknown argument 'colour' (known: forge, limit, name)");
  CHECK(*check_arguments(schema, json::array()) == "arguments must be an object, got []");
}

TEST_CASE("every tool schema file is served, complete, and checkable", "[mcp]") {
  tool_catalog all(tool_schema_files(), implemented_tools(), false);
  REQUIRE(all.list().size() == implemented_tools().size());
  CHECK(tool_schema_files().size() == implemented_tools().size());  // no schema without an implementation
  std::size_t bytes = 0;
  for (const auto& tool : all.list()) {
    INFO(tool["name"]);
    bytes += tool.dump().size();
    CHECK_FALSE(tool.contains("$schema"));
    CHECK_FALSE(tool["outputSchema"].contains("$schema"));
    CHECK(tool["title"].is_string());
    CHECK(tool["description"].get<std::string>().size() < 400);
    for (const char* hint : {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"})
      CHECK(tool["annotations"][hint].is_boolean());
    CHECK(tool["inputSchema"]["type"] == "object");
    CHECK(tool["inputSchema"]["additionalProperties"] == false);
    // check_arguments must understand every keyword the input schemas use.
    std::function<void(const json&)> keywords = [&](const json& schema) {
      for (const auto& [key, value] : schema.items()) {
        INFO(key);
        CHECK(is_supported_keyword(key));
        if (key == "properties")
          for (const auto& [_, sub] : value.items()) keywords(sub);
      }
    };
    keywords(tool["inputSchema"]);
  }
  // The contract's 13 tools must fit in 10 KiB of tools/list: they take 10.0 KB (10,036 bytes)
  // with output schemas that keep the top level only. A new tool trims others; this bound stays.
  CHECK(implemented_tools().size() == 13);
  CHECK(bytes < 10240);
  tool_catalog read_only(tool_schema_files(), viewer_tools(), true);
  // --read-only calls the daemon as viewer: the operator-only GitOps reads are not offered.
  CHECK(read_only.find("get_drift") == nullptr);
  CHECK(read_only.find("get_runner_config") == nullptr);
  CHECK(read_only.find("submit_config_change") == nullptr);
  CHECK(read_only.find("list_runners") != nullptr);
  for (const auto& tool : read_only.list()) CHECK(tool["annotations"]["readOnlyHint"] == true);
  CHECK(all.find("get_runner") != nullptr);
  CHECK(all.find("run_kubectl") == nullptr);
}

TEST_CASE("tool calls become daemon requests with escaped values", "[mcp]") {
  auto runners = plan_tool_call("list_runners", {{"forge", "github"}, {"q", "a b&c"}});
  REQUIRE(runners);
  CHECK(runners->target == "/v1/runners?forge=github&q=a%20b%26c&limit=50");
  auto runner = plan_tool_call("get_runner", {{"name", "gh/../x"}, {"namespace", "ci"}});
  CHECK(runner->target == "/v1/runners/gh%2F..%2Fx?namespace=ci");
  CHECK(plan_tool_call("list_pods", {{"problems", true}})->target == "/v1/pods?problem=true&limit=50");
  CHECK(plan_tool_call("list_pods", {{"reason", "OOMKilled"}, {"limit", 5}})->target ==
        "/v1/pods?problem=OOMKilled&limit=5");
  CHECK_FALSE(plan_tool_call("list_pods", {{"reason", "OOMKilled"}, {"problems", false}}));
  CHECK(plan_tool_call("list_events", {{"since", "30m"}})->target == "/v1/events?since=30m&limit=50");
}

TEST_CASE("a list answer becomes a table, a page note and string counters", "[mcp]") {
  json env = {{"data", json::array({{{"name", "gh-nix"}, {"forge", "github"}, {"cluster", "c"}, {"namespace", "arc"},
                                     {"type", "nix"}, {"status", "degraded"}, {"status_reason", "1 failed"},
                                     {"stale", false}, {"jobs", {{"running", 1}, {"pending", nullptr}}},
                                     {"pods", {{"total", 2}, {"running", 1}, {"pending", 0}, {"problems", 1}}},
                                     {"scaling", {{"model", "arc"}, {"min", 0}, {"max", 10}, {"current", 2},
                                                  {"desired", 2}, {"at_max", false}}}}})},
              {"meta", {{"total", 812}, {"returned", 1}, {"next_cursor", "abc"}, {"generation", 9007199254740993ULL},
                        {"stale_sources", {"kubernetes/east"}}}}};
  auto r = render_tool_result("list_runners", env, json::object(), clock::now());
  CHECK(r["structuredContent"]["generation"] == "9007199254740993");
  CHECK(r["structuredContent"]["runners"][0]["pods"]["problems"] == 1);
  CHECK(r["structuredContent"]["next_cursor"] == "abc");
  auto text = r["content"][0]["text"].get<std::string>();
  CHECK_THAT(text, Catch::Contains("gh-nix"));
  CHECK_THAT(text, Catch::Contains("1/2 (1 bad)"));
  CHECK_THAT(text, Catch::Contains("showing 1 of 812 runners; call list_runners again with cursor=\"abc\""));
  CHECK_THAT(text, Catch::Contains("Stale: kubernetes/east down"));
  auto broken = render_tool_result("list_runners", {{"data", 1}}, json::object(), clock::now());
  CHECK(broken["isError"] == true);
  auto odd = render_tool_result("list_runners", {{"data", {{{"name", 5}}}}, {"meta", json::object()}}, json::object(), clock::now());
  CHECK(odd["isError"] == true);  // an unexpected shape is an error result, never a crash
}

TEST_CASE("daemon failures become isError results that say what to do", "[mcp]") {
  auto down = tool_error_result("get_health", make_error(error_code::unavailable, "daemon not reachable at /run/x.sock"),
                                failure_origin::transport);
  CHECK(down["isError"] == true);
  auto text = down["content"][0]["text"].get<std::string>();
  CHECK_THAT(text, Catch::Contains("is runnerfleetd running?"));
  CHECK(text.find("/run/x.sock") == std::string::npos);  // socket paths stay in the log
  auto missing = tool_error_result("get_runner", make_error(error_code::not_found,
                                                            "no runner named 'x' (list them with GET /v1/runners)",
                                                            {{"runner", "x"}}),
                                   failure_origin::daemon);
  CHECK(missing["content"][0]["text"] ==
        "no runner named 'x'; list_runners shows the runners that exist (q= filters by name).");
  auto slow = tool_error_result("list_pods", make_error(error_code::timeout, "no answer in 15 s"), failure_origin::transport);
  CHECK_THAT(slow["content"][0]["text"].get<std::string>(), Catch::Contains("get_health"));
}

TEST_CASE("a daemon's own 503 is not mistaken for a stopped daemon", "[mcp]") {
  auto gitops = tool_error_result("get_drift",
                                  make_error(error_code::unavailable, "the tfvars have not been read yet; retry in a "
                                                                      "moment (GET /v1/health shows the gitops source)"),
                                  failure_origin::daemon);
  auto text = gitops["content"][0]["text"].get<std::string>();
  CHECK(text == "get_drift cannot answer now: the tfvars have not been read yet; retry in a moment (get_health shows "
                "the gitops source).");
  auto undeclared = tool_error_result("get_runner_config",
                                      make_error(error_code::not_found, "runner 'x' is not declared ...", {{"runner", "x"}}),
                                      failure_origin::daemon);
  CHECK_THAT(undeclared["content"][0]["text"].get<std::string>(), Catch::StartsWith("runner 'x' is not declared"));
  CHECK_THAT(undeclared["content"][0]["text"].get<std::string>(), Catch::Contains("get_drift"));
  auto gitlab = tool_error_result("submit_config_change", make_error(error_code::upstream_error, "GitLab answered 500"),
                                  failure_origin::daemon);
  CHECK_THAT(gitlab["content"][0]["text"].get<std::string>(), Catch::Contains("same idempotency_key"));
  auto ambiguous = tool_error_result("get_runner_config",
                                     make_error(error_code::conflict, "runner 'x' is declared for several clusters; add ?cluster="),
                                     failure_origin::daemon);
  CHECK(ambiguous["content"][0]["text"] == "runner 'x' is declared for several clusters; pass cluster.");
}

TEST_CASE("the GitOps tools check their arguments before any daemon call", "[mcp]") {
  tool_catalog all(tool_schema_files(), implemented_tools(), false);
  auto problem = [&](const char* tool, const json& args) {
    const auto* t = all.find(tool);
    REQUIRE(t);
    return check_arguments((*t)["inputSchema"], args).value_or("");
  };
  CHECK(problem("get_drift", {{"severity", "error"}, {"limit", 5}}).empty());
  CHECK_THAT(problem("get_drift", {{"severity", "fatal"}}), Catch::StartsWith("argument 'severity' must be one of"));
  CHECK(problem("get_drift", {{"limit", "5"}}) == "argument 'limit' must be an integer, got \"5\"");
  CHECK_THAT(problem("get_drift", {{"runners", "x"}}), Catch::StartsWith("unknown argument 'runners'"));
  CHECK(problem("get_runner_config", json::object()) == "argument 'name' is required");
  CHECK(problem("get_runner_config", {{"name", 5}}) == "argument 'name' must be a string, got 5");
  CHECK_THAT(problem("get_runner_config", {{"name", "x"}, {"key", "y"}}), Catch::StartsWith("unknown argument 'key'"));
  CHECK(problem("submit_config_change", {{"name", "x"}}) == "argument 'changes' is required");
  CHECK(problem("submit_config_change", {{"name", "x"}, {"changes", "docker_hpa_max_replicas=12"}}) ==
        "argument 'changes' must be an object, got \"docker_hpa_max_replicas=12\"");
  CHECK(problem("submit_config_change", {{"name", "x"}, {"changes", json::array({1})}}) ==
        "argument 'changes' must be an object, got [1]");
  CHECK(problem("submit_config_change", {{"name", "x"}, {"changes", {{"a", 1}}}, {"dry_run", "yes"}}) ==
        "argument 'dry_run' must be a boolean, got \"yes\"");
  CHECK_THAT(problem("submit_config_change", {{"name", "x"}, {"changes", {{"a", 1}}}, {"force", true}}),
             Catch::StartsWith("unknown argument 'force'"));
  CHECK(problem("submit_config_change", {{"name", "x"}, {"changes", {{"a", 1}}}, {"idempotency_key", std::string(129, 'k')}}) ==
        "argument 'idempotency_key' must not be longer than 128 characters");
}

TEST_CASE("the GitOps tools become one daemon request each", "[mcp]") {
  auto drift = plan_tool_call("get_drift", {{"severity", "error"}, {"runner", "a b"}, {"limit", 3}});
  REQUIRE(drift);
  CHECK(drift->target == "/v1/gitops/drift?severity=error&runner=a%20b");  // the limit is applied to the answer
  CHECK(plan_tool_call("get_runner_config", {{"name", "docker-runner"}, {"cluster", "sim"}})->target ==
        "/v1/gitops/config/docker-runner?cluster=sim");
  auto propose = plan_tool_call("submit_config_change", {{"name", "docker-runner"},
                                                         {"changes", {{"docker_hpa_max_replicas", 12}}},
                                                         {"reason", "queue p95 over SLO"},
                                                         {"idempotency_key", "inc-42"}});
  REQUIRE(propose);
  CHECK(propose->method == "POST");
  CHECK(propose->target == "/v1/gitops/proposals");
  CHECK(json::parse(propose->body) == json{{"runner", "docker-runner"},
                                           {"changes", {{"docker_hpa_max_replicas", 12}}},
                                           {"dry_run", false},
                                           {"reason", "queue p95 over SLO"},
                                           {"idempotency_key", "inc-42"}});
  auto no_reason = plan_tool_call("submit_config_change", {{"name", "x"}, {"changes", {{"a", 1}}}});
  REQUIRE_FALSE(no_reason);
  CHECK_THAT(no_reason.failure().message, Catch::StartsWith("argument 'reason' is required unless dry_run"));
  CHECK(plan_tool_call("submit_config_change", {{"name", "x"}, {"changes", {{"a", 1}}}, {"dry_run", true}}));
  auto empty = plan_tool_call("submit_config_change", {{"name", "x"}, {"changes", json::object()}, {"dry_run", true}});
  REQUIRE_FALSE(empty);
  CHECK_THAT(empty.failure().message, Catch::Contains("at least one tfvars key"));
}

namespace {

json drift_item(const char* severity, const char* kind, json runner, const char* message) {
  return {{"severity", severity}, {"kind", kind}, {"runner", std::move(runner)}, {"cluster", "sim"},
          {"namespace", nullptr}, {"key", nullptr}, {"desired", nullptr}, {"live", nullptr}, {"file", nullptr},
          {"message", message}};
}

json desired_source(bool stale) {
  return {{"source", "gitlab:ci/flywheel"}, {"branch", "main"}, {"commit", "0123456789abcdef0123"},
          {"read_at", "2026-11-22T11:58:00Z"}, {"stale", stale}, {"files", json::array()}};
}

}  // namespace

TEST_CASE("drift is counted, bounded by limit and says how much it shows", "[mcp]") {
  json items = json::array({drift_item("error", "undeclared", "rocky9-runner", "runs but is declared nowhere"),
                            drift_item("error", "missing", "gh-gpu", "declared but not running"),
                            drift_item("warning", "replicas", "docker-runner", "max 10 in Git, 8 live")});
  json env = {{"data", {{"desired", desired_source(true)}, {"counts", {{"error", 2}, {"warning", 1}, {"info", 0}}},
                        {"items", items}}},
              {"meta", {{"total", 3}, {"returned", 3}}}};
  auto now = *parse_rfc3339("2026-11-22T12:00:00Z");
  auto r = render_tool_result("get_drift", env, {{"limit", 2}}, now);
  REQUIRE_FALSE(r.contains("isError"));
  CHECK(r["structuredContent"]["items"].size() == 2);
  CHECK(r["structuredContent"]["total"] == 3);
  CHECK(r["structuredContent"]["desired"]["stale"] == true);
  CHECK_FALSE(r["structuredContent"]["desired"].contains("files"));
  auto text = r["content"][0]["text"].get<std::string>();
  CHECK_THAT(text, Catch::StartsWith("2 errors, 1 warning, 0 info in the tfvars (gitlab:ci/flywheel main@0123456789ab, "
                                     "read 2m ago (STALE"));
  CHECK_THAT(text, Catch::Contains("- error rocky9-runner undeclared: runs but is declared nowhere\n"));
  CHECK(text.find("docker-runner") == std::string::npos);
  CHECK_THAT(text, Catch::Contains("showing 2 of 3 items; raise limit"));
  auto all = render_tool_result("get_drift", env, json::object(), now);
  CHECK(all["structuredContent"]["items"].size() == 3);
}

TEST_CASE("a runner's config lists settings with defaults and hides sensitive values", "[mcp]") {
  json settings = json::array(
      {{{"key", "docker_hpa_max_replicas"}, {"value", 10}, {"default", false}, {"sensitive", false},
        {"scope", "runner"}, {"description", "HPA maximum"}},
       {{"key", "docker_cpu_request"}, {"value", "500m"}, {"default", true}, {"sensitive", false},
        {"scope", "runner"}, {"description", nullptr}},
       {{"key", "runner_token"}, {"value", nullptr}, {"default", false}, {"sensitive", true},
        {"scope", "all_runners"}, {"description", nullptr}}});
  json env = {{"data", {{"runner", "docker-runner"}, {"cluster", "sim"}, {"namespace", "gitlab-runners"},
                        {"forge", "gitlab"}, {"stack", "gitlab-runners"}, {"stack_runner", "docker"},
                        {"file", "tofu/stacks/gitlab-runners/dev.tfvars"}, {"last_commit_id", "abc1234"},
                        {"deployed", true}, {"desired", desired_source(false)}, {"settings", settings},
                        {"drift", json::array()}}},
              {"meta", json::object()}};
  auto r = render_tool_result("get_runner_config", env, {{"name", "docker-runner"}}, clock::now());
  CHECK(r["structuredContent"]["settings"].size() == 3);
  auto text = r["content"][0]["text"].get<std::string>();
  CHECK_THAT(text, Catch::Contains("\ndocker_hpa_max_replicas = 10  # HPA maximum\n"));
  CHECK_THAT(text, Catch::Contains("\ndocker_cpu_request = \"500m\"  # default\n"));
  CHECK_THAT(text, Catch::Contains("\nrunner_token = (sensitive)  # all runners of the file\n"));
  CHECK_THAT(text, Catch::Contains("base_commit=\"abc1234\""));
}

TEST_CASE("a proposal shows its diff and the merge request, or that a dry run pushed nothing", "[mcp]") {
  json data = {{"dry_run", true}, {"runner", "docker-runner"}, {"cluster", "sim"}, {"stack", "gitlab-runners"},
               {"stack_runner", "docker"}, {"file", "dev.tfvars"}, {"base_commit", "0123456789abcdef"},
               {"changes", json::array({{{"key", "docker_hpa_max_replicas"}, {"from", 10}, {"from_default", false},
                                         {"to", 12}}})},
               {"diff", "--- a/dev.tfvars\n+++ b/dev.tfvars\n@@ -1 +1 @@\n-docker_hpa_max_replicas = 10\n"
                        "+docker_hpa_max_replicas = 12\n"},
               {"branch", "runnerfleet/docker-runner-1"}, {"idempotency_key", "derived:1"}, {"title", "t"},
               {"merge_request", nullptr}, {"existing", false}, {"request_id", nullptr}};
  auto dry = render_tool_result("submit_config_change", {{"data", data}, {"meta", json::object()}}, json::object(),
                                clock::now());
  auto text = dry["content"][0]["text"].get<std::string>();
  CHECK_THAT(text, Catch::StartsWith("Dry run: nothing was pushed. docker-runner: dev.tfvars at 0123456789ab"));
  CHECK_THAT(text, Catch::Contains("- docker_hpa_max_replicas: 10 → 12\n"));
  CHECK_THAT(text, Catch::Contains("+docker_hpa_max_replicas = 12\n"));
  CHECK(dry["structuredContent"]["merge_request"].is_null());
  data["dry_run"] = false;
  data["existing"] = true;
  data["request_id"] = "rf-0123456789abcdef";
  data["merge_request"] = {{"iid", 7}, {"web_url", "https://gitlab.example/ci/flywheel/-/merge_requests/7"},
                           {"state", "opened"}, {"title", "t"}, {"source_branch", "runnerfleet/docker-runner-1"},
                           {"target_branch", "main"}};
  auto again = render_tool_result("submit_config_change", {{"data", data}, {"meta", json::object()}}, json::object(),
                                  clock::now());
  CHECK_THAT(again["content"][0]["text"].get<std::string>(),
             Catch::StartsWith("merge request !7 already proposes this change (opened); nothing new was pushed: "
                               "https://gitlab.example/ci/flywheel/-/merge_requests/7\n"));
  CHECK(again["structuredContent"]["merge_request"]["iid"] == 7);
}

TEST_CASE("resource URIs are parsed strictly", "[mcp]") {
  CHECK(parse_resource_uri("runnerfleet://fleet")->type == resource_ref::kind::fleet);
  auto runner = parse_resource_uri("runnerfleet://runners/gh-nix");
  REQUIRE(runner);
  CHECK(runner->name == "gh-nix");
  CHECK(resource_request(*runner).target == "/v1/runners/gh-nix");
  auto log = parse_resource_uri("runnerfleet://pods/arc-runners/gh-nix-abc/log");
  REQUIRE(log);
  CHECK(resource_request(*log).target == "/v1/pods/arc-runners/gh-nix-abc/log?tail=200");
  for (const char* bad : {"http://fleet", "runnerfleet://runners/", "runnerfleet://runners/A_B",
                          "runnerfleet://runners/a/b", "runnerfleet://pods/ns/p", "runnerfleet://pods/../p/log",
                          "runnerfleet://fleet/x"}) {
    INFO(bad);
    auto r = parse_resource_uri(bad);
    REQUIRE_FALSE(r);
    CHECK(r.failure().code == error_code::invalid_argument);
  }
}

TEST_CASE("prompts validate their arguments", "[mcp]") {
  CHECK(prompt_list().size() == 2);
  auto triage = get_prompt("triage_runner_incident", {{"runner", "gh-nix"}});
  REQUIRE(std::holds_alternative<json>(triage));
  CHECK_THAT(std::get<json>(triage)["messages"][0]["content"]["text"].get<std::string>(),
             Catch::Contains("get_runner with name=\"gh-nix\""));
  CHECK(std::holds_alternative<json>(get_prompt("triage_runner_incident", nullptr)));
  CHECK(std::get<protocol_error>(get_prompt("triage_runner_incident", {{"runner", "a\"; drop"}})).code ==
        rpc_code::invalid_params);
  CHECK(std::get<protocol_error>(get_prompt("triage_runner_incident", {{"pod", "x"}})).code == rpc_code::invalid_params);
  CHECK(std::get<protocol_error>(get_prompt("nope", json::object())).code == rpc_code::invalid_params);
}

TEST_CASE("completion offers runner, namespace and pod names by prefix", "[mcp]") {
  json prompt = {{"ref", {{"type", "ref/prompt"}, {"name", "triage_runner_incident"}}},
                 {"argument", {{"name", "runner"}, {"value", "gh-"}}}};
  auto planned = plan_completion(prompt);
  auto plan = std::get<std::optional<completion_plan>>(planned);
  REQUIRE(plan);
  CHECK(plan->request.target == "/v1/runners?limit=1000");
  json runners = {{"data", {{{"name", "gh-nix"}}, {{"name", "docker-runner"}}, {{"name", "gh-docker"}}, {{"name", 7}}}}};
  CHECK(completion_values(*plan, &runners)["completion"]["values"] == json::array({"gh-docker", "gh-nix"}));
  CHECK(completion_values(*plan, nullptr)["completion"]["values"].empty());  // daemon down: nothing, no error

  json pod_name = {{"ref", {{"type", "ref/resource"}, {"uri", "runnerfleet://pods/{namespace}/{name}/log"}}},
                   {"argument", {{"name", "name"}, {"value", "d"}}},
                   {"context", {{"arguments", {{"namespace", "gitlab-runners"}}}}}};
  auto pods = std::get<std::optional<completion_plan>>(plan_completion(pod_name));
  REQUIRE(pods);
  CHECK(pods->request.target == "/v1/pods?namespace=gitlab-runners&limit=1000");
  json ns = pod_name;
  ns["argument"]["name"] = "namespace";
  CHECK(std::get<std::optional<completion_plan>>(plan_completion(ns))->field == "namespace");

  json other = prompt;
  other["argument"]["name"] = "colour";
  CHECK_FALSE(std::get<std::optional<completion_plan>>(plan_completion(other)));
  json unknown = prompt;
  unknown["ref"]["name"] = "nope";
  CHECK(std::get<protocol_error>(plan_completion(unknown)).code == rpc_code::invalid_params);
  CHECK(std::holds_alternative<protocol_error>(plan_completion({{"ref", "x"}})));
}
