// SPDX-License-Identifier: Apache-2.0
#include "common/api/envelope.hpp"
#include "common/api/query.hpp"
#include "common/api/read_routes.hpp"
#include "common/api/route_table.hpp"
#include "common/api/sse.hpp"

#include "test_cluster_fixture.hpp"

#include <catch2/catch.hpp>

using namespace runnerfleet;
using nlohmann::json;

namespace {

struct fixture {
  kube::cluster_state state = test::load_cluster("cluster_small.json");
  std::shared_ptr<snapshot> snap = test::build_one(state, test::fixture_now());
  event_log events;
  api::caller who;
  json settings = json::object();

  result<json> get(const std::string& target) {
    auto split = api::split_target(target);
    if (!split) return split.take_failure();
    auto m = api::match_route("GET", split->first);
    if (!m) return m.take_failure();
    api::read_context ctx{snap, &events, test::fixture_now(), &who, &settings, "test", test::fixture_now()};
    auto b = api::handle_read(*m, split->second, ctx);
    if (!b) return b.take_failure();
    return json::parse(api::success_envelope(*b, api::snapshot_meta(snap.get(), test::fixture_now())));
  }
};

}  // namespace

TEST_CASE("targets are split and percent-decoded; bad escapes are refused", "[api]") {
  auto t = api::split_target("/v1/runners/gh%2Dnix?q=a+b&tag=x%2Cy");
  REQUIRE(t);
  CHECK(t->first == "/v1/runners/gh-nix");
  CHECK(t->second.at("q") == "a b");
  CHECK(t->second.at("tag") == "x,y");
  CHECK_FALSE(api::split_target("/v1/runners?q=%zz"));
  CHECK_FALSE(api::split_target("/v1/runners?q=%4"));
  CHECK_FALSE(api::split_target("/v1/pods/%00/x/log"));
  CHECK_FALSE(api::split_target("v1/runners"));
  CHECK_FALSE(api::split_target("/" + std::string(5000, 'a')));
}

TEST_CASE("routes match by method and pattern", "[api]") {
  auto m = api::match_route("GET", "/v1/pods/ci/runner-a/log");
  REQUIRE(m);
  CHECK(m->spec->id == api::route_id::pod_log);
  CHECK(m->params == std::vector<std::string>{"ci", "runner-a"});
  CHECK(api::match_route("GET", "/v1/health")->spec->need == std::nullopt);
  CHECK(api::match_route("GET", "/v1/runners")->spec->need == role::viewer);
  auto wrong = api::match_route("POST", "/v1/runners");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.failure().code == error_code::invalid_argument);
  auto unknown = api::match_route("GET", "/v1/nothing");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.failure().code == error_code::not_found);
  CHECK_FALSE(api::match_route("GET", "/v1/runners/"));
}

TEST_CASE("cursors round-trip and foreign cursors are refused", "[api]") {
  auto c = api::encode_cursor("gh-nix\x1ftest\x1f" "arc-runners");
  auto d = api::decode_cursor(c);
  REQUIRE(d);
  CHECK(*d == "gh-nix\x1ftest\x1f" "arc-runners");
  CHECK_FALSE(api::decode_cursor("not a cursor!"));
  CHECK_FALSE(api::decode_cursor("YWJj"));  // base64 of "abc": no prefix
}

TEST_CASE("GET /v1/runners filters and pages with a keyset cursor", "[api]") {
  fixture f;
  auto all = f.get("/v1/runners");
  REQUIRE(all);
  CHECK((*all)["meta"]["total"] == 4);
  CHECK((*all)["meta"]["generation"] == 1);
  auto page1 = f.get("/v1/runners?limit=3");
  REQUIRE(page1);
  CHECK((*page1)["data"].size() == 3);
  auto cursor = (*page1)["meta"]["next_cursor"].get<std::string>();
  auto page2 = f.get("/v1/runners?limit=3&cursor=" + cursor);
  REQUIRE(page2);
  REQUIRE((*page2)["data"].size() == 1);
  CHECK((*page2)["meta"]["next_cursor"].is_null());
  CHECK((*page2)["data"][0]["name"] == "rocky9-runner");

  auto github = f.get("/v1/runners?forge=github&status=online");
  REQUIRE(github);
  REQUIRE((*github)["data"].size() == 1);
  CHECK((*github)["data"][0]["name"] == "gh-nix");
  CHECK((*f.get("/v1/runners?tag=linux"))["meta"]["total"] == 2);
  CHECK((*f.get("/v1/runners?q=DOCK"))["meta"]["total"] == 2);
}

TEST_CASE("bad query values name the parameter", "[api]") {
  fixture f;
  auto bad_status = f.get("/v1/runners?status=sleepy");
  REQUIRE_FALSE(bad_status);
  CHECK(bad_status.failure().code == error_code::invalid_argument);
  CHECK_THAT(bad_status.failure().message, Catch::Contains("status 'sleepy'"));
  auto typo = f.get("/v1/runners?stauts=online");
  REQUIRE_FALSE(typo);
  CHECK_THAT(typo.failure().message, Catch::Contains("unknown query parameter 'stauts'"));
  CHECK_FALSE(f.get("/v1/pods?limit=0"));
  CHECK_FALSE(f.get("/v1/pods?limit=abc"));
  CHECK_FALSE(f.get("/v1/pods?limit=1001"));
  CHECK_FALSE(f.get("/v1/pods?cursor=zzz"));
  CHECK_FALSE(f.get("/v1/events?since=yesterday"));
  CHECK_FALSE(f.get("/v1/fleet?x=1"));
}

TEST_CASE("GET /v1/runners/{name} gives detail or a clear 404", "[api]") {
  fixture f;
  auto r = f.get("/v1/runners/docker-runner");
  REQUIRE(r);
  const auto& d = (*r)["data"];
  CHECK(d["scaling"]["conditions"].size() == 2);
  CHECK(d["pod_list"].size() == 2);
  CHECK(d["events"].size() == 2);
  CHECK(d["deployment"]["replicas"] == 2);
  auto missing = f.get("/v1/runners/nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.failure().code == error_code::not_found);
  CHECK_THAT(missing.failure().message, Catch::Contains("'nope'"));
}

TEST_CASE("GET /v1/pods filters by problem, phase, runner", "[api]") {
  fixture f;
  auto problems = f.get("/v1/pods?problem=true");
  REQUIRE(problems);
  REQUIRE((*problems)["data"].size() == 1);
  CHECK((*problems)["data"][0]["name"] == "docker-runner-7d9f8-fghij");
  CHECK((*problems)["data"][0]["ready"] == "0/1");
  CHECK((*f.get("/v1/pods?problem=CrashLoopBackOff"))["meta"]["total"] == 1);
  CHECK((*f.get("/v1/pods?problem=OOMKilled"))["meta"]["total"] == 0);
  CHECK((*f.get("/v1/pods?problem=false"))["meta"]["total"] == 4);
  CHECK((*f.get("/v1/pods?runner=gh-nix"))["meta"]["total"] == 3);
  CHECK_FALSE(f.get("/v1/pods?phase=Sleeping"));
}

TEST_CASE("fleet, autoscalers and events answer from memory", "[api]") {
  fixture f;
  auto fleet = f.get("/v1/fleet");
  REQUIRE(fleet);
  CHECK((*fleet)["data"]["runners"]["by_forge"]["github"]["total"] == 2);
  CHECK((*fleet)["data"]["pods"]["by_problem"]["CrashLoopBackOff"] == 1);
  auto as = f.get("/v1/autoscalers?forge=gitlab");
  REQUIRE(as);
  REQUIRE((*as)["data"].size() == 1);
  CHECK((*as)["data"][0]["kind"] == "HorizontalPodAutoscaler");
  CHECK((*as)["data"][0]["recent_events"].size() == 1);
  f.events.append({0, test::fixture_now(), "scaling", "info", "docker-runner", "test", "gitlab-runners", "", "Rescaled", "m"});
  auto ev = f.get("/v1/events?kind=scaling&since=1h");
  REQUIRE(ev);
  CHECK((*ev)["data"].size() == 1);
  CHECK((*ev)["meta"]["last_event_id"] == 1);
}

TEST_CASE("error envelopes carry code, message and details", "[api]") {
  auto text = api::error_envelope(make_error(error_code::not_found, "no runner", {{"runner", "x"}}));
  auto j = json::parse(text);
  CHECK(j["error"]["code"] == "not_found");
  CHECK(j["error"]["message"] == "no runner");
  CHECK(j["error"]["details"]["runner"] == "x");
  CHECK(http_status(error_code::rate_limited) == 429);
  CHECK(http_status(error_code::timeout) == 504);
}

TEST_CASE("SSE frames", "[api]") {
  fleet_event e{7, test::fixture_now(), "pod_problem", "warning", "r", "c", "ns", "Pod/p", "OOMKilled", "line"};
  auto frame = api::sse_event_frame(e);
  CHECK(frame.rfind("id: 7\nevent: pod_problem\ndata: {", 0) == 0);
  CHECK(frame.substr(frame.size() - 2) == "\n\n");
  CHECK(std::count(frame.begin(), frame.end(), '\n') == 4);
  CHECK(api::sse_generation_frame(12) == "event: snapshot\ndata: {\"generation\":12}\n\n");
}
