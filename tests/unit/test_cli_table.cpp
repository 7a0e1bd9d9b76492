// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/format.hpp"
#include "daemon/cli/gitops_format.hpp"
#include "daemon/cli/table.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;
using namespace runnerfleet::cli;

TEST_CASE("tables align columns", "[cli]") {
  table t({"NAME", "STATUS"});
  t.add({"nix-runner", "online"});
  t.add({"gh-docker", "degraded"});
  CHECK(t.render(0, false) ==
        "NAME        STATUS\n"
        "nix-runner  online\n"
        "gh-docker   degraded\n");
}

TEST_CASE("tables fit the width by truncating the widest column with an ellipsis", "[cli]") {
  table t({"NAME", "REASON"});
  t.add({"docker-runner", "1 pod(s) with problems: docker-runner-5c8b9d7f6-b9xkq: CrashLoopBackOff"});
  auto out = t.render(40, false);
  for (std::size_t start = 0, nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1)
    CHECK(display_width(out.substr(start, nl - start)) <= 40);
  CHECK(out.find("…") != std::string::npos);
  CHECK(out.find("docker-runner  ") != std::string::npos);  // the narrow column stays whole
}

TEST_CASE("colour only on a terminal and never with NO_COLOR", "[cli]") {
  CHECK(use_color(true, false, nullptr));
  CHECK_FALSE(use_color(false, false, nullptr));
  CHECK_FALSE(use_color(true, true, nullptr));
  CHECK_FALSE(use_color(true, false, "1"));
  CHECK(use_color(true, false, ""));  // NO_COLOR set but empty does not count
  CHECK(paint("offline", tone::bad, true) == "\033[31moffline\033[0m");
  CHECK(paint("offline", tone::bad, false) == "offline");
  table t({"S"});
  t.add({"offline"}, {tone::bad});
  CHECK(t.render(0, true).find("\033[31m") != std::string::npos);
  CHECK(t.render(0, false).find('\033') == std::string::npos);
}

TEST_CASE("ages and cells", "[cli]") {
  auto now = *parse_rfc3339("2026-11-22T12:00:00Z");
  CHECK(age("2026-11-22T11:59:15Z", now) == "45s");
  CHECK(age("2026-11-22T11:48:00Z", now) == "12m");
  CHECK(age("2026-11-10T12:00:00Z", now) == "12d");
  CHECK(age(nlohmann::json(), now) == "-");
  CHECK(age("garbage", now) == "-");
  CHECK(text(nlohmann::json()) == "-");
  CHECK(text(3) == "3");
  CHECK(scaling_cell({{"model", "hpa"}, {"current", 3}, {"desired", 4}, {"min", 1}, {"max", 4}, {"at_max", false}}) == "3/4 1-4");
  CHECK(scaling_cell({{"model", "none"}, {"current", 1}, {"desired", 1}}) == "1/1");
  CHECK(cli::truncate("abcdef", 4) == "abc…");
}

TEST_CASE("propose's key=value: JSON when it parses as JSON, else a plain string", "[cli]") {
  using nlohmann::json;
  auto value = [](const char* arg) { return parse_assignment(arg)->second; };
  CHECK(value("docker_hpa_max_replicas=12") == json(12));
  CHECK(value("docker_hpa_max_replicas=12").is_number_integer());
  CHECK(value("x=1.5") == json(1.5));
  CHECK(value("x=true") == json(true));
  CHECK(value("x=false") == json(false));
  CHECK(value(R"(x="12")") == json("12"));
  CHECK(value("x=500m") == json("500m"));
  CHECK(value("x=docker:24") == json("docker:24"));
  CHECK(value(R"(x={"cpu": "2"})") == json{{"cpu", "2"}});
  CHECK(value("x=[1, 2]") == json::array({1, 2}));
  CHECK(value("x=") == json(""));
  auto split = parse_assignment("a=b=c");
  REQUIRE(split);
  CHECK(split->first == "a");
  CHECK(split->second == json("b=c"));
  auto missing = parse_assignment("docker_hpa_max_replicas");
  REQUIRE_FALSE(missing);
  CHECK(missing.failure().code == error_code::invalid_argument);
  CHECK(missing.failure().message == "'docker_hpa_max_replicas' is not key=value (e.g. docker_hpa_max_replicas=12)");
  CHECK_FALSE(parse_assignment("=12"));
}

TEST_CASE("propose's arguments become the changes object; a repeated key is refused", "[cli]") {
  using nlohmann::json;
  auto changes = parse_changes({"docker_hpa_max_replicas=12", "docker_cpu_request=500m"});
  REQUIRE(changes);
  CHECK(*changes == json{{"docker_hpa_max_replicas", 12}, {"docker_cpu_request", "500m"}});
  auto twice = parse_changes({"a=1", "a=2"});
  REQUIRE_FALSE(twice);
  CHECK(twice.failure().message == "key 'a' is given twice");
  auto bad = parse_changes({"a=1", "oops"});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.failure().message, Catch::StartsWith("'oops' is not key=value"));
}

TEST_CASE("GitOps answers as text: counts, source, settings and changes", "[cli]") {
  using nlohmann::json;
  CHECK(drift_counts_text({{"error", 2}, {"warning", 1}, {"info", 0}}) == "2 errors, 1 warning, 0 info");
  CHECK(drift_counts_text(json()) == "0 errors, 0 warnings, 0 info");
  auto now = *parse_rfc3339("2026-11-22T12:00:00Z");
  json desired = {{"source", "gitlab:ci/flywheel"}, {"branch", "main"}, {"commit", "0123456789abcdef"},
                  {"read_at", "2026-11-22T11:59:15Z"}, {"stale", false}};
  CHECK(desired_source_text(desired, now) == "gitlab:ci/flywheel main@0123456789ab, read 45s ago");
  desired["stale"] = true;
  CHECK_THAT(desired_source_text(desired, now), Catch::EndsWith("(STALE: the last read failed; this is the last good copy)"));
  CHECK(setting_value_text({{"value", "500m"}, {"sensitive", false}}) == "\"500m\"");
  CHECK(setting_value_text({{"value", 10}, {"sensitive", false}}) == "10");
  CHECK(setting_value_text({{"value", nullptr}, {"sensitive", true}}) == "(sensitive)");
  CHECK(change_text({{"key", "k"}, {"from", 10}, {"from_default", true}, {"to", 12}}) == "k: 10 (default) → 12");
  CHECK(change_text({{"key", "k"}, {"from", nullptr}, {"from_default", false}, {"to", "x"}}) == "k: unset → \"x\"");
}
