// SPDX-License-Identifier: Apache-2.0
#include "common/gitlab/pagination.hpp"
#include "common/gitlab/runners.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;
using namespace runnerfleet::gitlab;
using namespace std::chrono_literals;

TEST_CASE("the next page comes from Link rel=next, else x-next-page, never from x-total", "[gitlab]") {
  const char* link = R"(<https://gl.example/api/v4/runners/all?page=1&per_page=3>; rel="prev", )"
                     R"(<https://gl.example/api/v4/runners/all?page=3&per_page=3>; rel="next", )"
                     R"(<https://gl.example/api/v4/runners/all?page=1&per_page=3>; rel="first")";
  CHECK(next_page_target("/api/v4/runners/all?page=2&per_page=3", link, "3") == "/api/v4/runners/all?page=3&per_page=3");
  CHECK(next_page_target("/api/v4/runners/all?per_page=100&page=4&type=group_type", "", "5") ==
        "/api/v4/runners/all?per_page=100&type=group_type&page=5");
  CHECK(next_page_target("/api/v4/runners/all", "", "2") == "/api/v4/runners/all?page=2");
  CHECK_FALSE(next_page_target("/api/v4/runners/all?page=3", R"(<https://gl/x?page=1>; rel="first")", ""));
  CHECK_FALSE(next_page_target("/api/v4/runners/all?page=3", "", "junk"));
  CHECK_FALSE(next_page_target("/api/v4/runners/all?page=3", "<unterminated", ""));
}

TEST_CASE("429s wait for Retry-After, else RateLimit-Reset, within bounds", "[gitlab]") {
  auto now = time_point(std::chrono::seconds(1'700'000'000));
  CHECK(retry_delay("7", "", now, 5s, 60s) == 7s);
  CHECK(retry_delay("", "1700000012", now, 5s, 60s) == 12s);
  CHECK(retry_delay("", "1699999990", now, 5s, 60s) == 0s);  // reset already passed
  CHECK(retry_delay("", "", now, 5s, 60s) == 5s);
  CHECK(retry_delay("86400", "", now, 5s, 60s) == 60s);
  CHECK(retry_delay("soon", "", now, 5s, 60s) == 5s);
}

TEST_CASE("runner lists parse GitLab's entity, and bad replies name the field", "[gitlab]") {
  auto list = parse_runner_list(R"([{"id":101,"description":"nix-runner","ip_address":null,"active":true,"paused":false,
    "is_shared":false,"runner_type":"group_type","name":"gitlab-runner","online":true,"status":"online"},
    {"id":102,"description":null,"active":false,"runner_type":"project_type","online":false,"status":"paused"}])");
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0] == runner{101, "nix-runner", false, true, "online", "group_type"});
  CHECK((*list)[1].paused);  // only the deprecated `active`
  CHECK((*list)[1].description.empty());
  auto bad_id = parse_runner_list(R"([{"id":1},{"id":"2"}])");
  REQUIRE_FALSE(bad_id);
  CHECK(bad_id.failure().code == error_code::upstream_error);
  CHECK(bad_id.failure().message == "GitLab answered a runner with [1].id missing or not a positive integer");
  CHECK(parse_runner_list(R"({"message":"401 Unauthorized"})").failure().message ==
        "GitLab answered a runner list that is not a JSON array");
  CHECK(parse_runner_list(R"([{"id":3,"paused":"yes"}])").failure().message ==
        "GitLab answered a runner with [0].paused that is not a boolean");
}

TEST_CASE("runner details carry tags, version and contact time", "[gitlab]") {
  auto d = parse_runner_details(R"({"id":7,"description":"dind-runner","paused":true,"status":"paused",
    "tag_list":["dind","linux"],"version":"17.11.1","contacted_at":"2026-11-22T10:00:00.123Z","maintenance_note":null})");
  REQUIRE(d);
  CHECK(d->tags == std::vector<std::string>{"dind", "linux"});
  CHECK(d->version == "17.11.1");
  CHECK(d->contacted_at == parse_rfc3339("2026-11-22T10:00:00.123Z"));
  CHECK_FALSE(d->maintenance_note);
  CHECK(parse_runner_details(R"({"id":7,"contacted_at":"yesterday"})").failure().message ==
        "GitLab answered a runner with details.contacted_at that is not an RFC 3339 time");
  CHECK_FALSE(parse_runner_details("<html>"));
}

TEST_CASE("GitLab error bodies become one line", "[gitlab]") {
  CHECK(error_message(R"({"message":"404 Runner Not Found"})") == "404 Runner Not Found");
  CHECK(error_message(R"({"error":"paused is invalid"})") == "paused is invalid");
  CHECK(error_message(R"({"message":["Another open merge request already exists for this source branch: !12"]})") ==
        "Another open merge request already exists for this source branch: !12");
  CHECK(error_message(R"({"message":{"maintenance_note":["is too long"]}})") == R"({"maintenance_note":["is too long"]})");
  CHECK(error_message("Retry later\n") == "Retry later");
  CHECK(error_message("") == "(empty body)");
}
