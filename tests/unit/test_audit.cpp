// SPDX-License-Identifier: Apache-2.0
#include "common/audit.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;
using nlohmann::json;

namespace {

audit::record intent(const std::string& request_id, const std::string& runner = "docker-runner") {
  audit::record r;
  r.request_id = request_id;
  r.phase = "intent";
  r.time = *parse_rfc3339("2026-11-22T10:00:00.250Z");
  r.uid = 1001;
  r.user = "alice";
  r.role = "operator";
  r.action = "pause";
  r.runner = runner;
  r.forge = "gitlab";
  r.cluster = "prod";
  r.ns = "gitlab-runners";
  r.reason = "upgrade to 17.11";
  return r;
}

audit::record outcome_of(const audit::record& i, const std::string& outcome) {
  auto r = i;
  r.phase = "outcome";
  r.outcome = outcome;
  return r;
}

std::string error_of(const std::string& line) {
  auto r = audit::parse_line(line);
  REQUIRE_FALSE(r);
  CHECK(r.failure().code == error_code::invalid_argument);
  return r.failure().message;
}

}  // namespace

TEST_CASE("an audit record survives a journal line round trip with every field", "[audit]") {
  auto r = intent("rf-0001");
  r.phase = "outcome";
  r.outcome = "failed";
  r.message = "GitLab answered 403 Forbidden for runner 4711";
  r.detail = {{"registrations", {4711, 4712}}, {"client_request_id", "cli-9"}, {"results", {{"4711", "failed"}}}};
  auto line = audit::to_line(r);
  CHECK(line.find('\n') == std::string::npos);
  auto back = audit::parse_line(line);
  REQUIRE(back);
  CHECK(back->request_id == "rf-0001");
  CHECK(back->phase == "outcome");
  CHECK(back->time == r.time);
  CHECK(back->uid == 1001);
  CHECK(back->user == "alice");
  CHECK(back->role == "operator");
  CHECK(back->action == "pause");
  CHECK(back->runner == "docker-runner");
  CHECK(back->forge == "gitlab");
  CHECK(back->cluster == "prod");
  CHECK(back->ns == "gitlab-runners");
  CHECK(back->reason == "upgrade to 17.11");
  CHECK(back->outcome == "failed");
  CHECK(back->message == "GitLab answered 403 Forbidden for runner 4711");
  CHECK(back->detail == r.detail);
}

TEST_CASE("an intent has a null outcome on the line and an empty one after parsing", "[audit]") {
  auto r = intent("rf-0002");
  auto j = json::parse(audit::to_line(r));
  CHECK(j["outcome"].is_null());
  CHECK(j["time"] == "2026-11-22T10:00:00.250Z");
  CHECK(j["who"]["uid"] == 1001);
  CHECK(j["target"]["namespace"] == "gitlab-runners");
  auto back = audit::parse_line(audit::to_line(r));
  REQUIRE(back);
  CHECK(back->outcome.empty());
  CHECK(back->phase == "intent");
  CHECK(back->detail == json::object());
}

TEST_CASE("a minimal audit line fills the missing fields with defaults", "[audit]") {
  auto r = audit::parse_line(R"({"request_id":"rf-9","phase":"intent","time":"2026-11-22T10:00:00Z"})");
  REQUIRE(r);
  CHECK(r->uid == 0);
  CHECK(r->user.empty());
  CHECK(r->runner.empty());
  CHECK(r->detail == json::object());
}

TEST_CASE("audit lines that are not valid records are refused with the reason", "[audit]") {
  CHECK_THAT(error_of("not json at all"), Catch::Contains("not a JSON object"));
  CHECK_THAT(error_of("[1,2]"), Catch::Contains("not a JSON object"));
  CHECK_THAT(error_of(R"({"phase":"intent","time":"2026-11-22T10:00:00Z"})"), Catch::Contains("request_id"));
  CHECK_THAT(error_of(R"({"request_id":"","phase":"intent","time":"2026-11-22T10:00:00Z"})"),
             Catch::Contains("request_id"));
  CHECK_THAT(error_of(R"({"request_id":7,"phase":"intent","time":"2026-11-22T10:00:00Z"})"),
             Catch::Contains("request_id"));
  CHECK_THAT(error_of(R"({"request_id":"rf-1","phase":"started","time":"2026-11-22T10:00:00Z"})"),
             Catch::Contains("phase must be intent or outcome"));
  CHECK_THAT(error_of(R"({"request_id":"rf-1","time":"2026-11-22T10:00:00Z"})"), Catch::Contains("phase"));
  CHECK_THAT(error_of(R"({"request_id":"rf-1","phase":"intent","time":"yesterday"})"),
             Catch::Contains("'yesterday' is not RFC 3339"));
  CHECK_THAT(error_of(R"({"request_id":"rf-1","phase":"intent","time":1700000000})"),
             Catch::Contains("time is not a string"));
  CHECK_THAT(error_of(R"({"request_id":"rf-1","phase":"intent"})"), Catch::Contains("RFC 3339"));
  CHECK_THAT(error_of(R"({"request_id":"rf-1","phase":"intent","time":"2026-11-22T10:00:00Z","reason":5})"),
             Catch::Contains("non-string"));
  CHECK_THAT(error_of(R"({"request_id":"rf-1","phase":"intent","time":"2026-11-22T10:00:00Z","who":{"user":true}})"),
             Catch::Contains("non-string"));
}

TEST_CASE("unfinished returns the intents without an outcome, oldest first", "[audit]") {
  auto a = intent("rf-a", "docker-runner");
  auto b = intent("rf-b", "nix-runner");
  auto c = intent("rf-c", "gh-docker");
  auto d = intent("rf-d", "rocky9-runner");
  std::vector<audit::record> journal = {a, b, outcome_of(b, "succeeded"), c, d, outcome_of(a, "no_change")};
  auto open = audit::unfinished(journal);
  REQUIRE(open.size() == 2);
  CHECK(open[0].request_id == "rf-c");
  CHECK(open[0].runner == "gh-docker");
  CHECK(open[1].request_id == "rf-d");

  CHECK(audit::unfinished({}).empty());
  CHECK(audit::unfinished({outcome_of(a, "unknown")}).empty());
  auto only = audit::unfinished({d, a});
  REQUIRE(only.size() == 2);
  CHECK(only[0].request_id == "rf-d");
  CHECK(only[1].request_id == "rf-a");
}
