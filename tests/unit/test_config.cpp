// SPDX-License-Identifier: Apache-2.0
#include "common/access.hpp"
#include "common/config.hpp"
#include "common/socket_path.hpp"
#include "common/time_format.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;

namespace {

const char* valid = R"(state_dir: /var/lib/runnerfleet
log:
  level: debug
  format: json
access:
  default_role: viewer
  users:
    alice: operator
    "1001": admin
  groups:
    ci-admins: admin
thresholds:
  pending_after: 10m
  restart_warning: 3
clusters:
  - name: prod
    kubeconfig: /etc/runnerfleet/kubeconfig
    context: prod-admin
    namespaces: [gitlab-runners, arc-runners, arc-systems]
  - name: edge
    in_cluster: true
    namespaces: [runners]
)";

std::string error_of(const std::string& yaml) {
  auto cfg = parse_config(yaml, "cfg.yaml");
  REQUIRE_FALSE(cfg);
  return cfg.failure().message;
}

}  // namespace

TEST_CASE("a complete config parses", "[config]") {
  auto cfg = parse_config(valid, "cfg.yaml");
  REQUIRE(cfg);
  CHECK(cfg->state_dir == "/var/lib/runnerfleet");
  CHECK(cfg->log.json);
  CHECK(cfg->access.default_role == role::viewer);
  CHECK(cfg->access.users.at("alice") == role::operator_);
  CHECK(cfg->thresholds.pending_after == std::chrono::minutes(10));
  REQUIRE(cfg->clusters.size() == 2);
  CHECK(cfg->clusters[0].context == "prod-admin");
  CHECK(cfg->clusters[0].line == 16);
  CHECK(cfg->clusters[1].in_cluster);
}

TEST_CASE("config errors name the key and the line", "[config]") {
  CHECK(error_of("state_dir: /x\nclusters:\n  - name: a\n    kubeconfig: /k\n    namespaces: ci\n") ==
        "cfg.yaml: clusters[0].namespaces (line 5): expected a list of strings");
  CHECK(error_of("state_dir: /x\nlog:\n  levle: info\n") ==
        "cfg.yaml: log.levle (line 3): unknown key (known: format, level)");
  CHECK_THAT(error_of("state_dir: /x\naccess:\n  users:\n    bob: root\n"),
             Catch::Contains("access.users.bob (line 4): expected viewer, operator or admin"));
  CHECK_THAT(error_of("clusters: []\n"), Catch::Contains("state_dir"));
  CHECK_THAT(error_of("state_dir: /x\nclusters:\n  - name: a\n    namespaces: [x]\n"),
             Catch::Contains("exactly one of kubeconfig or in_cluster"));
  CHECK_THAT(error_of("state_dir: /x\nclusters:\n  - name: Bad_Name\n    in_cluster: true\n    namespaces: [x]\n"),
             Catch::Contains("DNS label"));
  CHECK_THAT(error_of("state_dir: /x\nthresholds:\n  pending_after: soon\n"), Catch::Contains("line 3"));
  CHECK_THAT(error_of("state_dir: [unclosed\n"), Catch::Contains("YAML syntax error at line"));
  CHECK_THAT(error_of(""), Catch::Contains("empty"));
  // The GitLab URL is shown in settings and messages: no credentials in it, no API path.
  CHECK(error_of("state_dir: /x\ngitlab:\n  url: https://bot:glpat-secret@gitlab.example\n  token_file: /t\n") ==
        "cfg.yaml: gitlab.url (line 3): must not carry credentials (user:password@); use the credential files "
        "instead");
  CHECK_THAT(error_of("state_dir: /x\ngitlab:\n  url: gitlab.example\n  token_file: /t\n"),
             Catch::Contains("gitlab.url (line 3): expected an http(s) URL such as https://gitlab.example.com"));
  CHECK_THAT(error_of("state_dir: /x\ngitlab:\n  url: https://gitlab.example/api/v4/\n  token_file: /t\n"),
             Catch::Contains("without /api/v4"));
}

TEST_CASE("roles come from user, uid, group or gid; the highest wins", "[access]") {
  auto cfg = parse_config(valid, "cfg.yaml");
  REQUIRE(cfg);
  const auto& a = cfg->access;
  CHECK(granted_role(a, "alice", 1000, {"staff"}, {1000}) == role::operator_);
  CHECK(granted_role(a, "bob", 1001, {}, {}) == role::admin);
  CHECK(granted_role(a, "carol", 1002, {"ci-admins"}, {}) == role::admin);
  CHECK(granted_role(a, "dave", 1003, {}, {}) == role::viewer);  // default
  access_config none;
  CHECK(granted_role(none, "dave", 1003, {}, {}) == std::nullopt);
}

TEST_CASE("X-Runnerfleet-Role lowers, never raises", "[access]") {
  CHECK(*effective_role(role::operator_, "") == role::operator_);
  CHECK(*effective_role(role::operator_, "viewer") == role::viewer);
  auto raise = effective_role(role::viewer, "admin");
  REQUIRE_FALSE(raise);
  CHECK(raise.failure().code == error_code::permission_denied);
  auto none = effective_role(std::nullopt, "viewer");
  REQUIRE_FALSE(none);
  auto bogus = effective_role(role::admin, "root");
  REQUIRE_FALSE(bogus);
  CHECK(bogus.failure().code == error_code::invalid_argument);
  auto denied = role_denied(role::viewer, role::operator_, "dave", "POST /v1/runners/{name}/pause");
  CHECK(denied.message ==
        "POST /v1/runners/{name}/pause needs the operator role; user 'dave' has role viewer "
        "(an admin grants roles in the daemon config's access section)");
}

TEST_CASE("socket path resolution order", "[config]") {
  CHECK(*resolve_socket_path(std::string("/a.sock"), true, "/env.sock", "/run/user/1") == "/a.sock");
  CHECK(*resolve_socket_path(std::nullopt, true, "/env.sock", "/run/user/1") == "/env.sock");
  CHECK(*resolve_socket_path(std::nullopt, true, nullptr, "/run/user/1") == system_socket_path);
  CHECK(*resolve_socket_path(std::nullopt, false, nullptr, "/run/user/1") == "/run/user/1/runnerfleet.sock");
  CHECK_FALSE(resolve_socket_path(std::nullopt, false, nullptr, nullptr));
}

TEST_CASE("RFC 3339 and durations", "[time]") {
  auto t = parse_rfc3339("2025-01-01T00:05:00Z");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2025-01-01T00:05:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("2025-01-01T02:05:00.5+02:00")) == "2025-01-01T00:05:00Z");
  CHECK(format_rfc3339_ms(*parse_rfc3339("2025-01-01T00:00:00.250Z")) == "2025-01-01T00:00:00.250Z");
  CHECK_FALSE(parse_rfc3339("2025-13-01T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339("2025-02-30T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339("yesterday"));
  CHECK_FALSE(parse_rfc3339("2025-01-01T00:00:00"));
  CHECK(parse_duration("5m") == std::chrono::minutes(5));
  CHECK(parse_duration("250ms") == std::chrono::milliseconds(250));
  CHECK(parse_duration("7d") == std::chrono::hours(168));
  CHECK_FALSE(parse_duration("5 minutes"));
  CHECK_FALSE(parse_duration("-1s"));
  CHECK(format_age(std::chrono::seconds(45)) == "45s");
  CHECK(format_age(std::chrono::seconds(3 * 86400)) == "3d");
}
