// SPDX-License-Identifier: Apache-2.0
// GitLab registrations: matching them to runner releases, the refresh plan, the manager/job
// parsers, ARC scale-to-zero pauses, pause/resume bodies and the gitlab:/arc: config sections.
#include "common/api/mutation_body.hpp"
#include "common/arc_pause.hpp"
#include "common/config.hpp"
#include "common/gitlab/refresh_plan.hpp"
#include "common/gitlab/registration.hpp"
#include "common/gitlab/runners.hpp"
#include "common/registration_match.hpp"
#include "common/snapshot_builder.hpp"

#include "test_cluster_fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

using namespace runnerfleet;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

time_point t0() { return *parse_rfc3339("2026-11-22T10:00:00Z"); }

runner_view gl_runner(const std::string& name, const std::string& status = "online") {
  runner_view r;
  r.name = name;
  r.forge = "gitlab";
  r.cluster = "prod";
  r.ns = "gitlab-runners";
  r.type = "docker";
  r.status = status;
  return r;
}

/// A registration as the list shows it, read at t0 with details and managers read at t0 too.
gitlab::registration reg(std::int64_t id, const std::string& description, bool paused = false,
                         const std::string& status = "online") {
  gitlab::registration g;
  g.entry = gitlab::runner{id, description, paused, !paused, status, "instance_type"};
  g.listed_at = t0();
  gitlab::runner_details d;
  d.base = g.entry;
  d.contacted_at = t0() - 30s;
  g.details = d;
  g.details_at = t0();
  g.managers_at = t0();
  return g;
}

gitlab::runner_manager manager(const std::string& system_id, const std::string& version) {
  gitlab::runner_manager m;
  m.id = static_cast<std::int64_t>(system_id.size());
  m.system_id = system_id;
  m.version = version;
  m.status = "online";
  m.contacted_at = t0() - 10s;
  return m;
}

gitlab_input input_of(const std::vector<gitlab::registration>& regs, const gitlab_config& cfg) {
  gitlab_input in;
  in.registrations = &regs;
  in.listed = true;
  in.config = &cfg;
  return in;
}

std::vector<std::int64_t> ids_of(const std::vector<registration_view>& views) {
  std::vector<std::int64_t> out;
  for (const auto& v : views) out.push_back(v.id);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// attach_registrations
// ---------------------------------------------------------------------------------------------

TEST_CASE("a GitLab runner claims the registrations whose description is its release name", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(3, "docker-runner"), reg(7, "nix-runner"), reg(9, "docker-runner")};
  gitlab_config cfg;
  std::vector<runner_view> runners = {gl_runner("docker-runner"), gl_runner("nix-runner")};
  auto out = attach_registrations(runners, input_of(regs, cfg));
  CHECK(ids_of(runners[0].registrations) == std::vector<std::int64_t>{3, 9});
  CHECK(ids_of(runners[1].registrations) == std::vector<std::int64_t>{7});
  CHECK(runners[0].registrations[0].matched_by == "description");
  CHECK(runners[0].registrations[0].description == "docker-runner");
  CHECK(out.unmatched.empty());
}

TEST_CASE("registrations never attach to GitHub runners, even with a matching description", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(3, "gh-nix")};
  gitlab_config cfg;
  auto gh = gl_runner("gh-nix");
  gh.forge = "github";
  std::vector<runner_view> runners = {gh};
  auto out = attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].registrations.empty());
  CHECK(ids_of(out.unmatched) == std::vector<std::int64_t>{3});
}

TEST_CASE("gitlab.mapping by id or description overrides description matching", "[registration]") {
  // 5 is described as runner-b but mapped to runner-a by id; 6 is described as runner-a but
  // runner-a has a mapping, so description matching does not apply to it.
  std::vector<gitlab::registration> regs = {reg(5, "runner-b"), reg(6, "runner-a"), reg(8, "legacy-name"),
                                            reg(11, "runner-b")};
  gitlab_config cfg;
  cfg.mapping["runner-a"] = {"5"};
  cfg.mapping["runner-c"] = {"legacy-name"};
  std::vector<runner_view> runners = {gl_runner("runner-a"), gl_runner("runner-b"), gl_runner("runner-c")};
  auto out = attach_registrations(runners, input_of(regs, cfg));

  CHECK(ids_of(runners[0].registrations) == std::vector<std::int64_t>{5});
  CHECK(runners[0].registrations[0].matched_by == "mapping");
  // Claimed by mapping: not also matched to runner-b by its description.
  CHECK(ids_of(runners[1].registrations) == std::vector<std::int64_t>{11});
  CHECK(runners[1].registrations[0].matched_by == "description");
  CHECK(ids_of(runners[2].registrations) == std::vector<std::int64_t>{8});
  CHECK(runners[2].registrations[0].matched_by == "mapping");
  REQUIRE(ids_of(out.unmatched) == std::vector<std::int64_t>{6});
  CHECK(out.unmatched[0].matched_by.empty());
}

TEST_CASE("a mapping entry naming an unknown id claims nothing", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(5, "runner-a")};
  gitlab_config cfg;
  cfg.mapping["runner-a"] = {"404"};
  std::vector<runner_view> runners = {gl_runner("runner-a")};
  auto out = attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].registrations.empty());
  CHECK(ids_of(out.unmatched) == std::vector<std::int64_t>{5});
}

TEST_CASE("unmatched registrations are returned sorted by id", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(2, "zeta"), reg(4, "docker-runner"), reg(17, "alpha"),
                                            reg(230, "beta")};
  gitlab_config cfg;
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  auto out = attach_registrations(runners, input_of(regs, cfg));
  REQUIRE(ids_of(out.unmatched) == std::vector<std::int64_t>{2, 17, 230});
  CHECK(out.unmatched[0].description == "zeta");
  CHECK(out.unmatched[2].status == "online");
}

TEST_CASE("a GitLab runner without a registration gets none and keeps its cluster status", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "other")};
  gitlab_config cfg;
  auto r = gl_runner("lonely-runner");
  r.status_reason = "2/2 pods ready";
  std::vector<runner_view> runners = {r};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].registrations.empty());
  CHECK(runners[0].status == "online");
  CHECK(runners[0].status_reason == "2/2 pods ready");
  CHECK_FALSE(runners[0].version);
  CHECK_FALSE(runners[0].outdated);
  CHECK_FALSE(runners[0].jobs.running);
}

TEST_CASE("nothing is attached without registrations or config", "[registration]") {
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  gitlab_input in;
  auto out = attach_registrations(runners, in);
  CHECK(out.unmatched.empty());
  CHECK_FALSE(out.version_target);
  CHECK(runners[0].registrations.empty());
}

TEST_CASE("all registrations paused with jobs running is draining", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner", true, "paused"),
                                            reg(2, "docker-runner", true, "paused")};
  regs[0].running_jobs = 2;
  regs[1].running_jobs = 1;
  gitlab_config cfg;
  auto r = gl_runner("docker-runner", "degraded");
  r.status_reason = "1 pod CrashLoopBackOff";
  std::vector<runner_view> runners = {r};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "draining");
  CHECK_THAT(runners[0].status_reason, Catch::Contains("3 job(s) still running"));
  CHECK_THAT(runners[0].status_reason, Catch::Contains("(cluster: 1 pod CrashLoopBackOff)"));
  CHECK(runners[0].jobs.running == 3);

  std::vector<gitlab::registration> one = {reg(1, "docker-runner", true, "paused")};
  one[0].running_jobs = 1;
  std::vector<runner_view> last_job = {gl_runner("docker-runner")};
  attach_registrations(last_job, input_of(one, cfg));
  CHECK(last_job[0].status == "draining");
  CHECK_THAT(last_job[0].status_reason, Catch::Contains("1 job(s) still running"));
}

TEST_CASE("all registrations paused with no jobs running is paused", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner", true, "paused")};
  regs[0].running_jobs = 0;
  gitlab_config cfg;
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "paused");
  CHECK_THAT(runners[0].status_reason, Catch::Contains("no jobs running"));
  CHECK(runners[0].jobs.running == 0);
}

TEST_CASE("paused registrations whose jobs were not read yet are paused, saying so", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner", true, "paused")};
  gitlab_config cfg;
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "paused");
  CHECK_THAT(runners[0].status_reason, Catch::Contains("not read yet"));
  CHECK_FALSE(runners[0].jobs.running);
}

TEST_CASE("some but not all registrations paused degrades an online runner", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner", true, "paused"), reg(2, "docker-runner")};
  gitlab_config cfg;
  SECTION("online") {
    std::vector<runner_view> runners = {gl_runner("docker-runner", "online")};
    attach_registrations(runners, input_of(regs, cfg));
    CHECK(runners[0].status == "degraded");
    CHECK(runners[0].status_reason == "1 of 2 registrations paused in GitLab");
  }
  SECTION("a cluster reason follows") {
    std::vector<runner_view> runners = {gl_runner("docker-runner", "degraded")};
    runners[0].status_reason = "1 of 3 pods crash-looping";
    attach_registrations(runners, input_of(regs, cfg));
    CHECK(runners[0].status_reason == "1 of 2 registrations paused in GitLab; 1 of 3 pods crash-looping");
  }
  SECTION("offline in the cluster stays offline") {
    std::vector<runner_view> runners = {gl_runner("docker-runner", "offline")};
    attach_registrations(runners, input_of(regs, cfg));
    CHECK(runners[0].status == "offline");
  }
}

TEST_CASE("a heartbeat older than offline_after when it was read makes a runner offline", "[registration]") {
  gitlab_config cfg;
  cfg.offline_after = 900s;
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner")};
  regs[0].details->contacted_at = t0() - 2h;  // read at t0: silent for two hours then
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "offline");
  CHECK_THAT(runners[0].status_reason, Catch::Contains("no GitLab heartbeat for 2h"));
}

TEST_CASE("an offline reason quotes the registration silent the longest", "[registration]") {
  gitlab_config cfg;
  cfg.offline_after = 900s;
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner"), reg(2, "docker-runner")};
  regs[0].details->contacted_at = t0() - 2h;
  regs[1].details->contacted_at = t0() - 5h;
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "offline");
  CHECK_THAT(runners[0].status_reason, Catch::Contains("no GitLab heartbeat for 5h"));
}

TEST_CASE("registered runners are marked stale while GitLab is down", "[registration]") {
  gitlab_config cfg;
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner")};
  std::vector<runner_view> runners = {gl_runner("docker-runner"), gl_runner("nix-runner")};
  auto in = input_of(regs, cfg);
  SECTION("up") {
    attach_registrations(runners, in);
    CHECK_FALSE(runners[0].stale);
  }
  SECTION("down") {
    in.stale = true;
    attach_registrations(runners, in);
    CHECK(runners[0].stale);
    CHECK_FALSE(runners[1].stale);  // nothing of GitLab's in it
  }
}

TEST_CASE("a recent heartbeat read long ago does not make a runner offline", "[registration]") {
  // contacted 1 minute before the read; the read itself may be hours old: only the gap counts.
  gitlab_config cfg;
  cfg.offline_after = 900s;
  auto old = t0() - 24h;
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner")};
  regs[0].listed_at = t0();
  regs[0].details->contacted_at = old - 60s;
  regs[0].details_at = old;
  regs[0].managers_at = old;
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "online");
}

TEST_CASE("a heartbeat just within offline_after keeps the runner online", "[registration]") {
  gitlab_config cfg;
  cfg.offline_after = 900s;
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner")};
  regs[0].details->contacted_at = t0() - 900s;
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "online");
}

TEST_CASE("a registration GitLab calls never_contacted makes an online runner offline", "[registration]") {
  gitlab_config cfg;
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner", false, "never_contacted")};
  regs[0].details->contacted_at.reset();
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "offline");
  CHECK_THAT(runners[0].status_reason, Catch::Contains("never been contacted"));
}

TEST_CASE("a runner stays online while one of its registrations still has a heartbeat", "[registration]") {
  gitlab_config cfg;
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner", false, "offline"), reg(2, "docker-runner")};
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].status == "online");
}

TEST_CASE("idle and unknown runners are not turned offline by a lost heartbeat", "[registration]") {
  gitlab_config cfg;
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner", false, "offline")};
  for (const char* status : {"idle", "unknown"}) {
    std::vector<runner_view> runners = {gl_runner("docker-runner", status)};
    attach_registrations(runners, input_of(regs, cfg));
    CHECK(runners[0].status == status);
  }
}

TEST_CASE("a runner's version is its lowest manager version and is compared to the target", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner"), reg(2, "nix-runner"), reg(3, "unrelated")};
  regs[0].managers = {manager("s_a", "17.11.1"), manager("s_b", "17.9.0")};
  regs[1].managers = {manager("s_c", "17.11.1")};
  regs[2].managers = {manager("s_d", "18.0.0")};  // unmatched: not a candidate target
  std::vector<runner_view> runners = {gl_runner("docker-runner"), gl_runner("nix-runner")};

  SECTION("no configured target: the newest matched version") {
    gitlab_config cfg;
    auto out = attach_registrations(runners, input_of(regs, cfg));
    CHECK(out.version_target == "17.11.1");
    CHECK(runners[0].version == "17.9.0");
    CHECK(runners[0].outdated == true);
    CHECK(runners[1].version == "17.11.1");
    CHECK(runners[1].outdated == false);
    CHECK(runners[0].registrations[0].managers.size() == 2);
  }
  SECTION("the configured target wins") {
    gitlab_config cfg;
    cfg.version_target = "17.5.0";
    auto out = attach_registrations(runners, input_of(regs, cfg));
    CHECK(out.version_target == "17.5.0");
    CHECK(runners[0].outdated == false);
    CHECK(runners[1].outdated == false);
  }
  SECTION("a configured target above every runner makes all outdated") {
    gitlab_config cfg;
    cfg.version_target = "18.1";
    attach_registrations(runners, input_of(regs, cfg));
    CHECK(runners[0].outdated == true);
    CHECK(runners[1].outdated == true);
  }
}

TEST_CASE("the lowest version is taken across a runner's registrations, details as fallback", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner"), reg(2, "docker-runner")};
  regs[0].managers = {manager("s_a", "17.11.1")};
  regs[1].details->version = "17.10.0";  // no managers: the details' version
  gitlab_config cfg;
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  auto out = attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].version == "17.10.0");
  CHECK(out.version_target == "17.11.1");
  CHECK(runners[0].outdated == true);
}

TEST_CASE("a runner without any known version has no outdated verdict", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner")};
  gitlab_config cfg;
  cfg.version_target = "17.11.1";
  std::vector<runner_view> runners = {gl_runner("docker-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK_FALSE(runners[0].version);
  CHECK_FALSE(runners[0].outdated);
}

TEST_CASE("registration tags are merged into the runner's without duplicates", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner"), reg(2, "docker-runner")};
  regs[0].details->tags = {"linux", "docker"};
  regs[1].details->tags = {"docker", "gpu"};
  gitlab_config cfg;
  auto r = gl_runner("docker-runner");
  r.tags = {"linux"};
  std::vector<runner_view> runners = {r};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].tags == std::vector<std::string>{"linux", "docker", "gpu"});
  CHECK(runners[0].registrations[1].tags == std::vector<std::string>{"docker", "gpu"});
}

TEST_CASE("an unknown runner type is detected from registration tags", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "gpu-runner")};
  regs[0].details->tags = {"l40s", "cuda"};
  gitlab_config cfg;
  auto r = gl_runner("gpu-runner");
  r.type = "unknown";
  std::vector<runner_view> runners = {r};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].type == "l40s");
}

TEST_CASE("running jobs are summed over registrations, unknown when any is unknown", "[registration]") {
  std::vector<gitlab::registration> regs = {reg(1, "docker-runner"), reg(2, "docker-runner"), reg(3, "nix-runner"),
                                            reg(4, "nix-runner")};
  regs[0].running_jobs = 2;
  regs[1].running_jobs = 5;
  regs[2].running_jobs = 1;
  gitlab_config cfg;
  std::vector<runner_view> runners = {gl_runner("docker-runner"), gl_runner("nix-runner")};
  attach_registrations(runners, input_of(regs, cfg));
  CHECK(runners[0].jobs.running == 7);
  CHECK_FALSE(runners[1].jobs.running);
  CHECK(runners[0].registrations[1].running_jobs == 5);
}

// ---------------------------------------------------------------------------------------------
// build_snapshot with the GitLab source
// ---------------------------------------------------------------------------------------------

namespace {

std::shared_ptr<snapshot> build_with_gitlab(const kube::cluster_state& state, const gitlab_input& gl) {
  build_input in;
  in.now = test::fixture_now();
  in.generation = 1;
  in.clusters.push_back({"test", &state, true, false, true});
  in.sources.push_back({"kubernetes/test", "kubernetes", "ok", in.now, std::nullopt, "", "", {}});
  in.gitlab = &gl;
  return build_snapshot(in);
}

std::vector<const attention_item*> attention_with(const snapshot& s, const std::string& reason) {
  std::vector<const attention_item*> out;
  for (const auto& a : s.fleet.attention)
    if (a.reason == reason) out.push_back(&a);
  return out;
}

}  // namespace

TEST_CASE("the fleet summary reports outdated, unregistered and unmatched registrations", "[registration][snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  std::vector<gitlab::registration> regs = {reg(4, "docker-runner"), reg(50, "retired-runner"), reg(51, "laptop")};
  regs[0].managers = {manager("s_a", "17.9.0")};
  gitlab_config cfg;
  cfg.version_target = "17.11.1";
  auto gl = input_of(regs, cfg);
  auto s = build_with_gitlab(state, gl);

  auto outdated = attention_with(*s, "outdated");
  REQUIRE(outdated.size() == 1);
  CHECK(outdated[0]->runner == "docker-runner");
  CHECK_THAT(outdated[0]->message, Catch::Contains("17.9.0") && Catch::Contains("17.11.1"));
  CHECK(s->fleet.outdated == std::vector<std::string>{"docker-runner"});
  CHECK(s->fleet.version_target == "17.11.1");

  auto unregistered = attention_with(*s, "unregistered");
  REQUIRE(unregistered.size() == 1);
  CHECK(unregistered[0]->runner == "rocky9-runner");

  auto unmatched = attention_with(*s, "unmatched_registrations");
  REQUIRE(unmatched.size() == 1);
  CHECK(unmatched[0]->runner.empty());
  CHECK_THAT(unmatched[0]->message, Catch::StartsWith("2 GitLab registration(s)") && Catch::Contains("#50 'retired-runner'") &&
                                        Catch::Contains("#51 'laptop'"));

  CHECK(s->fleet.registrations_matched == 1);
  CHECK(s->fleet.registrations_unmatched == 2);
  CHECK(s->fleet.runners_unregistered == 1);
  CHECK(ids_of(s->unmatched_registrations) == std::vector<std::int64_t>{50, 51});
}

TEST_CASE("many unmatched registrations are one attention item naming five", "[registration][snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  std::vector<gitlab::registration> regs;
  for (int i = 1; i <= 8; ++i) regs.push_back(reg(100 + i, "foreign-" + std::to_string(i)));
  gitlab_config cfg;
  auto gl = input_of(regs, cfg);
  auto s = build_with_gitlab(state, gl);
  auto unmatched = attention_with(*s, "unmatched_registrations");
  REQUIRE(unmatched.size() == 1);
  CHECK_THAT(unmatched[0]->message, Catch::Contains("#105") && Catch::Contains("and 3 more"));
  CHECK_THAT(unmatched[0]->message, !Catch::Contains("#106"));
  CHECK(s->fleet.registrations_unmatched == 8);
  CHECK(s->fleet.runners_unregistered == 2);
}

TEST_CASE("before the first complete list nothing is called unregistered", "[registration][snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  std::vector<gitlab::registration> regs = {reg(51, "laptop")};
  gitlab_config cfg;
  auto gl = input_of(regs, cfg);
  gl.listed = false;
  auto s = build_with_gitlab(state, gl);
  CHECK(attention_with(*s, "unregistered").empty());
  CHECK(attention_with(*s, "unmatched_registrations").empty());
  CHECK_FALSE(s->fleet.registrations_matched);
  CHECK_FALSE(s->fleet.registrations_unmatched);
  CHECK_FALSE(s->fleet.runners_unregistered);
}

TEST_CASE("without the GitLab source the registration counts are absent", "[registration][snapshot]") {
  auto state = test::load_cluster("cluster_small.json");
  auto s = test::build_one(state, test::fixture_now());
  CHECK_FALSE(s->fleet.registrations_matched);
  CHECK_FALSE(s->fleet.runners_unregistered);
  CHECK(attention_with(*s, "unregistered").empty());
}

// ---------------------------------------------------------------------------------------------
// plan_refresh
// ---------------------------------------------------------------------------------------------

namespace {

using gitlab::refresh_item;
constexpr auto details = refresh_item::what::details;
constexpr auto jobs = refresh_item::what::jobs;

/// A registration whose details were read `details_age` ago and jobs `jobs_age` ago.
gitlab::registration fresh(std::int64_t id, time_point now, std::chrono::seconds details_age = 10s,
                           std::optional<std::chrono::seconds> jobs_age = 10s) {
  auto g = reg(id, "runner-" + std::to_string(id));
  g.details_at = now - details_age;
  g.managers_at = now - details_age;
  if (jobs_age) {
    g.jobs_at = now - *jobs_age;
    g.running_jobs = 0;
  }
  return g;
}

int total_cost(const std::vector<refresh_item>& plan) {
  int sum = 0;
  for (const auto& item : plan) sum += gitlab::cost(item);
  return sum;
}

}  // namespace

TEST_CASE("refresh costs two requests for details, one for jobs", "[gitlab][refresh]") {
  CHECK(gitlab::cost({1, details}) == 2);
  CHECK(gitlab::cost({1, jobs}) == 1);
}

TEST_CASE("changed and never-read registrations get their details first", "[gitlab][refresh]") {
  auto now = t0();
  std::vector<gitlab::registration> regs = {fresh(1, now, 10s, 1h), fresh(2, now), fresh(3, now)};
  regs[2].details_at.reset();
  gitlab::refresh_inputs in;
  in.registrations = &regs;
  in.changed = {2};
  in.now = now;
  in.budget = 4;
  auto plan = gitlab::plan_refresh(in);
  CHECK(plan == std::vector<refresh_item>{{2, details}, {3, details}});
}

TEST_CASE("paused registrations running or not yet read get jobs before due details", "[gitlab][refresh]") {
  auto now = t0();
  std::vector<gitlab::registration> regs = {fresh(1, now), fresh(2, now), fresh(3, now), fresh(4, now, 2h)};
  regs[0].entry.paused = true;
  regs[0].running_jobs = 2;
  regs[1].entry.paused = true;
  regs[1].running_jobs.reset();
  regs[1].jobs_at.reset();
  regs[2].entry.paused = true;
  regs[2].running_jobs = 0;  // drained: no urgency
  gitlab::refresh_inputs in;
  in.registrations = &regs;
  in.now = now;
  in.details_refresh = 600s;
  in.budget = 4;
  auto plan = gitlab::plan_refresh(in);
  CHECK(plan == std::vector<refresh_item>{{1, jobs}, {2, jobs}, {4, details}});
}

TEST_CASE("details older than details_refresh are re-read oldest first", "[gitlab][refresh]") {
  auto now = t0();
  std::vector<gitlab::registration> regs = {fresh(1, now, 700s), fresh(2, now, 2000s), fresh(3, now, 100s),
                                            fresh(4, now, 600s)};
  gitlab::refresh_inputs in;
  in.registrations = &regs;
  in.now = now;
  in.details_refresh = 600s;
  in.budget = 6;
  auto plan = gitlab::plan_refresh(in);
  CHECK(plan == std::vector<refresh_item>{{2, details}, {1, details}, {4, details}});
}

TEST_CASE("jobs are read least recently read first, never-read before all", "[gitlab][refresh]") {
  auto now = t0();
  std::vector<gitlab::registration> regs = {fresh(1, now, 10s, 10s), fresh(2, now, 10s, std::nullopt),
                                            fresh(3, now, 10s, 100s), fresh(4, now, 10s, 50s)};
  gitlab::refresh_inputs in;
  in.registrations = &regs;
  in.now = now;
  in.budget = 3;
  auto plan = gitlab::plan_refresh(in);
  CHECK(plan == std::vector<refresh_item>{{2, jobs}, {3, jobs}, {4, jobs}});
}

TEST_CASE("the refresh plan never exceeds its budget nor repeats an item", "[gitlab][refresh]") {
  auto now = t0();
  std::vector<gitlab::registration> regs = {fresh(1, now, 2h), fresh(2, now, 10s, std::nullopt), fresh(3, now),
                                            fresh(4, now, 900s), fresh(5, now)};
  regs[2].entry.paused = true;
  regs[2].running_jobs = 3;
  regs[4].details_at.reset();
  for (int budget = 0; budget <= 20; ++budget) {
    gitlab::refresh_inputs in;
    in.registrations = &regs;
    in.changed = {1};
    in.now = now;
    in.budget = budget;
    auto plan = gitlab::plan_refresh(in);
    INFO("budget " << budget);
    CHECK(total_cost(plan) <= budget);
    std::set<std::pair<std::int64_t, refresh_item::what>> seen;
    for (const auto& item : plan) CHECK(seen.insert({item.id, item.kind}).second);
    // All the work is 3 details (1 changed, 5 never read, 4 due) + jobs of all 5 = 11 requests;
    // below that the budget is used up to within one request, since jobs cost one.
    if (budget < 11) CHECK(total_cost(plan) >= budget - 1);
    else CHECK(total_cost(plan) == 11);
  }
  gitlab::refresh_inputs odd;
  odd.registrations = &regs;
  odd.changed = {1};
  odd.now = now;
  odd.budget = 3;
  // Details of 1 (2), then 5's details do not fit; 3's jobs (paused, running) do.
  CHECK(gitlab::plan_refresh(odd) == std::vector<refresh_item>{{1, details}, {3, jobs}});
}

TEST_CASE("registrations outside the fleet are never read beyond the list", "[gitlab][refresh]") {
  auto now = t0();
  std::vector<gitlab::registration> regs = {fresh(1, now), fresh(2, now, 2h, std::nullopt)};
  regs[1].entry.description = "someone-elses-laptop";
  regs[1].entry.paused = true;
  regs[1].running_jobs = 4;
  gitlab::refresh_inputs in;
  in.registrations = &regs;
  in.changed = {2};
  in.wanted = [](const gitlab::runner& r) { return r.description != "someone-elses-laptop"; };
  in.now = now;
  in.budget = 100;
  auto plan = gitlab::plan_refresh(in);
  CHECK(plan == std::vector<refresh_item>{{1, jobs}});
}

TEST_CASE("no registrations means no plan", "[gitlab][refresh]") {
  gitlab::refresh_inputs in;
  in.budget = 100;
  CHECK(gitlab::plan_refresh(in).empty());
}

// ---------------------------------------------------------------------------------------------
// managers, jobs, versions
// ---------------------------------------------------------------------------------------------

TEST_CASE("runner managers parse version, address, heartbeat and busy state", "[gitlab]") {
  auto list = gitlab::parse_manager_list(R"([
    {"id":11,"system_id":"r_abc","created_at":"2026-11-01T00:00:00Z","contacted_at":"2026-11-22T09:59:50Z",
     "ip_address":"10.1.2.3","status":"online","version":"17.11.1","revision":"abcd","platform":"linux",
     "architecture":"amd64","job_execution_status":"active"},
    {"id":12,"system_id":"s_def","contacted_at":null,"ip_address":null,"status":"never_contacted","version":null,
     "job_execution_status":"idle"}])");
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  const auto& a = (*list)[0];
  CHECK(a.id == 11);
  CHECK(a.system_id == "r_abc");
  CHECK(a.version == "17.11.1");
  CHECK(a.ip_address == "10.1.2.3");
  CHECK(a.status == "online");
  CHECK(a.contacted_at == parse_rfc3339("2026-11-22T09:59:50Z"));
  CHECK(a.busy);
  const auto& b = (*list)[1];
  CHECK_FALSE(b.version);
  CHECK_FALSE(b.ip_address);
  CHECK_FALSE(b.contacted_at);
  CHECK_FALSE(b.busy);
  CHECK(b.status == "never_contacted");
  auto empty = gitlab::parse_manager_list("[]");
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("bad runner manager lists are upstream errors naming the item", "[gitlab]") {
  auto not_list = gitlab::parse_manager_list(R"({"message":"403 Forbidden"})");
  REQUIRE_FALSE(not_list);
  CHECK(not_list.failure().code == error_code::upstream_error);
  CHECK_THAT(not_list.failure().message, Catch::Contains("not a JSON array"));
  auto bad_id = gitlab::parse_manager_list(R"([{"id":1},{"id":"2"}])");
  REQUIRE_FALSE(bad_id);
  CHECK(bad_id.failure().code == error_code::upstream_error);
  CHECK_THAT(bad_id.failure().message, Catch::Contains("[1]") && Catch::Contains("integer id"));
  auto not_object = gitlab::parse_manager_list(R"([7])");
  REQUIRE_FALSE(not_object);
  CHECK_THAT(not_object.failure().message, Catch::Contains("[0]"));
  CHECK_FALSE(gitlab::parse_manager_list("<html>502</html>"));
}

TEST_CASE("job lists yield their ids, and bad ones name the item", "[gitlab]") {
  auto ids = gitlab::parse_job_ids(R"([{"id":901,"status":"running"},{"id":902,"status":"running"}])");
  REQUIRE(ids);
  CHECK(*ids == std::vector<std::int64_t>{901, 902});
  auto none = gitlab::parse_job_ids("[]");
  REQUIRE(none);
  CHECK(none->empty());
  auto bad = gitlab::parse_job_ids(R"([{"id":1},{"id":2},{"status":"running"}])");
  REQUIRE_FALSE(bad);
  CHECK(bad.failure().code == error_code::upstream_error);
  CHECK_THAT(bad.failure().message, Catch::Contains("job [2]"));
  auto not_list = gitlab::parse_job_ids(R"({"id":1})");
  REQUIRE_FALSE(not_list);
  CHECK_THAT(not_list.failure().message, Catch::Contains("not a JSON array"));
  CHECK_FALSE(gitlab::parse_job_ids("not json"));
}

TEST_CASE("versions compare numerically, ignoring a v prefix and pre-release suffixes", "[gitlab]") {
  CHECK(gitlab::compare_versions("17.9.0", "17.11.1") < 0);
  CHECK(gitlab::compare_versions("17.11.1", "17.9.0") > 0);
  CHECK(gitlab::compare_versions("v17.1", "17.1.0") == 0);
  CHECK(gitlab::compare_versions("17.11.1-rc1", "17.11.1") == 0);
  CHECK(gitlab::compare_versions("17.11.1-rc.2", "17.11.1") == 0);  // dots inside the suffix too
  CHECK(gitlab::compare_versions("17.11.1~beta.5", "17.11.1") == 0);
  CHECK(gitlab::compare_versions("16.11.0", "17.0.0") < 0);
  CHECK(gitlab::compare_versions("17.0.0", "16.11.0") > 0);
  CHECK(gitlab::compare_versions("17.11.1", "17.11.2") < 0);
  CHECK(gitlab::compare_versions("17.11", "17.11.0") == 0);
}

TEST_CASE("a registration's version is its lowest manager's, its heartbeat the newest", "[gitlab]") {
  auto g = reg(1, "docker-runner");
  g.details->version = "18.0.0";
  g.details->contacted_at = t0() - 5min;
  g.managers = {manager("s_a", "17.11.1"), manager("s_b", "17.9.0"), manager("s_c", "")};
  g.managers[1].contacted_at = t0() - 2s;
  CHECK(g.version() == "17.9.0");
  CHECK(g.last_contact() == t0() - 2s);
  g.managers.clear();
  CHECK(g.version() == "18.0.0");
  CHECK(g.last_contact() == t0() - 5min);
}

// ---------------------------------------------------------------------------------------------
// ARC scale-to-zero pause
// ---------------------------------------------------------------------------------------------

namespace {

kube::autoscaling_runner_set scale_set(std::optional<int> max) {
  kube::autoscaling_runner_set ars;
  ars.meta.name = "gh-docker";
  ars.meta.ns = "arc-runners";
  ars.max_runners = max;
  return ars;
}

const std::string previous_key(arc_pause::previous_max_annotation);
const std::string by_key(arc_pause::paused_by_annotation);

}  // namespace

TEST_CASE("pausing a scale set patches maxRunners to 0 and records the previous value", "[arc]") {
  auto patch = json::parse(arc_pause::pause_patch(scale_set(7), "alice: maintenance"));
  CHECK(patch["spec"]["maxRunners"] == 0);
  CHECK(patch["metadata"]["annotations"][previous_key] == "7");
  CHECK(patch["metadata"]["annotations"][by_key] == "alice: maintenance");

  auto unlimited = json::parse(arc_pause::pause_patch(scale_set(std::nullopt), "bob"));
  CHECK(unlimited["spec"]["maxRunners"] == 0);
  CHECK(unlimited["metadata"]["annotations"][previous_key] == "");
}

TEST_CASE("a scale set is paused when the previous-max annotation is present", "[arc]") {
  auto ars = scale_set(5);
  CHECK_FALSE(arc_pause::is_paused(ars));
  ars.meta.annotations[previous_key] = "";
  CHECK(arc_pause::is_paused(ars));
  ars.meta.annotations.erase(previous_key);
  ars.meta.annotations[by_key] = "alice";
  CHECK_FALSE(arc_pause::is_paused(ars));
}

TEST_CASE("resuming restores the recorded maxRunners and removes the annotations", "[arc]") {
  auto ars = scale_set(0);
  ars.meta.annotations[previous_key] = "12";
  ars.meta.annotations[by_key] = "alice";
  auto patch = arc_pause::resume_patch(ars);
  REQUIRE(patch);
  auto j = json::parse(*patch);
  CHECK(j["spec"]["maxRunners"] == 12);
  REQUIRE(j["metadata"]["annotations"].contains(previous_key));
  CHECK(j["metadata"]["annotations"][previous_key].is_null());
  CHECK(j["metadata"]["annotations"][by_key].is_null());

  ars.meta.annotations[previous_key] = "0";
  auto zero = arc_pause::resume_patch(ars);
  REQUIRE(zero);
  CHECK(json::parse(*zero)["spec"]["maxRunners"] == 0);
}

TEST_CASE("resuming a scale set that had no maxRunners removes the limit", "[arc]") {
  auto ars = scale_set(0);
  ars.meta.annotations[previous_key] = "";
  auto patch = arc_pause::resume_patch(ars);
  REQUIRE(patch);
  auto j = json::parse(*patch);
  REQUIRE(j["spec"].contains("maxRunners"));
  CHECK(j["spec"]["maxRunners"].is_null());
}

TEST_CASE("resume refuses a non-number annotation and a scale set runnerfleet did not pause", "[arc]") {
  auto ars = scale_set(0);
  for (const char* bad : {"ten", "5x", "-3", " 5"}) {
    ars.meta.annotations[previous_key] = bad;
    auto r = arc_pause::resume_patch(ars);
    INFO("annotation " << bad);
    REQUIRE_FALSE(r);
    CHECK(r.failure().code == error_code::invalid_argument);
    CHECK_THAT(r.failure().message, Catch::Contains("arc-runners/gh-docker") && Catch::Contains(std::string("'") + bad + "'"));
  }
  auto never = arc_pause::resume_patch(scale_set(4));
  REQUIRE_FALSE(never);
  CHECK(never.failure().code == error_code::invalid_argument);
  CHECK_THAT(never.failure().message, Catch::Contains("not paused by runnerfleet"));
}

// ---------------------------------------------------------------------------------------------
// pause/resume request bodies
// ---------------------------------------------------------------------------------------------

TEST_CASE("an empty body is accepted when no reason is required", "[api][mutation]") {
  for (const char* body : {"", "  \n", "{}", R"({"reason":null})"}) {
    INFO("body " << body);
    auto r = api::parse_reason_body(body, false);
    REQUIRE(r);
    CHECK(r->empty());
  }
}

TEST_CASE("a required reason that is missing is refused naming reason", "[api][mutation]") {
  for (const char* body : {"", "{}", R"({"reason":null})"}) {
    INFO("body " << body);
    auto r = api::parse_reason_body(body, true);
    REQUIRE_FALSE(r);
    CHECK(r.failure().code == error_code::invalid_argument);
    CHECK_THAT(r.failure().message, Catch::Contains("reason"));
    CHECK(r.failure().details["field"] == "reason");
  }
}

TEST_CASE("a reason body with an unknown field names the field", "[api][mutation]") {
  auto r = api::parse_reason_body(R"({"reason":"upgrade","force":true})", false);
  REQUIRE_FALSE(r);
  CHECK(r.failure().code == error_code::invalid_argument);
  CHECK_THAT(r.failure().message, Catch::Contains("'force'"));
  CHECK(r.failure().details["field"] == "force");
}

TEST_CASE("a reason body that is not an object with a string reason is refused", "[api][mutation]") {
  for (const char* body : {R"({"reason":42})", R"({"reason":["a"]})", R"(["reason"])", "{reason: x}", R"("text")"}) {
    INFO("body " << body);
    auto r = api::parse_reason_body(body, false);
    REQUIRE_FALSE(r);
    CHECK(r.failure().code == error_code::invalid_argument);
  }
  CHECK_THAT(api::parse_reason_body(R"({"reason":42})", false).failure().message, Catch::Contains("must be a string"));
}

TEST_CASE("a blank reason is refused when required, empty otherwise", "[api][mutation]") {
  auto required = api::parse_reason_body(R"({"reason":"  \t "})", true);
  REQUIRE_FALSE(required);
  CHECK_THAT(required.failure().message, Catch::Contains("blank"));
  auto optional = api::parse_reason_body(R"({"reason":"   "})", false);
  REQUIRE(optional);
  CHECK(optional->empty());
}

TEST_CASE("a reason longer than 500 bytes is refused", "[api][mutation]") {
  auto at_limit = api::parse_reason_body(json{{"reason", std::string(500, 'x')}}.dump(), true);
  REQUIRE(at_limit);
  CHECK(at_limit->size() == 500);
  auto over = api::parse_reason_body(json{{"reason", std::string(501, 'x')}}.dump(), true);
  REQUIRE_FALSE(over);
  CHECK(over.failure().code == error_code::invalid_argument);
  CHECK_THAT(over.failure().message, Catch::Contains("500"));
  // Surrounding blanks do not count towards the limit.
  auto padded = api::parse_reason_body(json{{"reason", "  " + std::string(500, 'x') + "  "}}.dump(), true);
  CHECK(padded);
}

TEST_CASE("a reason with a newline or control character is refused", "[api][mutation]") {
  for (const char* reason : {"line one\nline two", "bell\a", "tab\tinside", "del\x7f", "trailing\n"}) {
    INFO("reason " << reason);
    auto r = api::parse_reason_body(json{{"reason", reason}}.dump(), true);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.failure().message, Catch::Contains("control characters"));
  }
}

TEST_CASE("a reason's surrounding spaces are trimmed", "[api][mutation]") {
  auto r = api::parse_reason_body(R"({"reason":"  upgrade to 17.11 \t"})", true);
  REQUIRE(r);
  CHECK(*r == "upgrade to 17.11");
  auto utf8 = api::parse_reason_body(R"({"reason":"Wartung für GPU-Knoten"})", true);
  REQUIRE(utf8);
  CHECK(*utf8 == "Wartung für GPU-Knoten");
}

// ---------------------------------------------------------------------------------------------
// config: gitlab: and arc:
// ---------------------------------------------------------------------------------------------

namespace {

std::string config_error_of(const std::string& yaml) {
  auto cfg = parse_config(yaml, "cfg.yaml");
  REQUIRE_FALSE(cfg);
  CHECK(cfg.failure().code == error_code::invalid_argument);
  return cfg.failure().message;
}

/// state_dir, then a gitlab: section from line 2 with `body` after a url and token_file.
std::string gitlab_yaml(const std::string& body) {
  return "state_dir: /x\ngitlab:\n  url: https://gitlab.example.com\n  token_file: /etc/rf/token\n" + body;
}

}  // namespace

TEST_CASE("a complete gitlab and arc config parses into its fields", "[config][gitlab]") {
  const char* yaml = R"(state_dir: /var/lib/runnerfleet
gitlab:
  url: https://gitlab.example.com/
  token_file: /etc/runnerfleet/gitlab-token
  ca_file: /etc/ssl/private-ca.pem
  insecure_skip_tls_verify: false
  scope: group
  group: platform/ci
  poll_interval: 45s
  request_timeout: 30s
  max_requests_per_minute: 90
  details_refresh: 15m
  offline_after: 20m
  version_target: 17.11.1
  mapping:
    docker-runner: [4711, legacy-docker]
    nix-runner: nix-on-k8s
arc:
  pause_mode: scale_to_zero
)";
  auto cfg = parse_config(yaml, "cfg.yaml");
  REQUIRE(cfg);
  REQUIRE(cfg->gitlab);
  const auto& g = *cfg->gitlab;
  CHECK(g.url == "https://gitlab.example.com");  // trailing slash dropped
  CHECK(g.token_file == "/etc/runnerfleet/gitlab-token");
  CHECK(g.ca_file == "/etc/ssl/private-ca.pem");
  CHECK_FALSE(g.insecure_skip_tls_verify);
  CHECK(g.scope == gitlab_scope::group);
  CHECK(to_string(g.scope) == "group");
  CHECK(g.scope_id == "platform/ci");
  CHECK(g.poll_interval == 45s);
  CHECK(g.request_timeout == 30s);
  CHECK(g.max_requests_per_minute == 90);
  CHECK(g.details_refresh == 15min);
  CHECK(g.offline_after == 20min);
  CHECK(g.version_target == "17.11.1");
  CHECK(g.mapping.at("docker-runner") == std::vector<std::string>{"4711", "legacy-docker"});
  CHECK(g.mapping.at("nix-runner") == std::vector<std::string>{"nix-on-k8s"});
  CHECK(g.line == 3);
  CHECK(cfg->arc.pause_mode == arc_pause_mode::scale_to_zero);
}

TEST_CASE("gitlab and arc defaults apply when only the required keys are set", "[config][gitlab]") {
  auto cfg = parse_config(gitlab_yaml(""), "cfg.yaml");
  REQUIRE(cfg);
  REQUIRE(cfg->gitlab);
  CHECK(cfg->gitlab->scope == gitlab_scope::instance);
  CHECK(cfg->gitlab->scope_id.empty());
  CHECK(cfg->gitlab->poll_interval == 30s);
  CHECK(cfg->gitlab->request_timeout == 20s);
  CHECK(cfg->gitlab->max_requests_per_minute == 60);
  CHECK(cfg->gitlab->offline_after == 900s);
  CHECK_FALSE(cfg->gitlab->version_target);
  CHECK(cfg->gitlab->mapping.empty());
  CHECK(cfg->arc.pause_mode == arc_pause_mode::refuse);

  auto none = parse_config("state_dir: /x\n", "cfg.yaml");
  REQUIRE(none);
  CHECK_FALSE(none->gitlab);
  CHECK(none->arc.pause_mode == arc_pause_mode::refuse);

  auto project = parse_config(gitlab_yaml("  scope: project\n  project: \"1234\"\n"), "cfg.yaml");
  REQUIRE(project);
  CHECK(project->gitlab->scope == gitlab_scope::project);
  CHECK(project->gitlab->scope_id == "1234");
}

TEST_CASE("gitlab config errors name the key and the line", "[config][gitlab]") {
  CHECK(config_error_of("state_dir: /x\ngitlab:\n  token_file: /t\n") ==
        "cfg.yaml: gitlab.url (line 3): is required (https://gitlab.example.com)");
  CHECK(config_error_of("state_dir: /x\ngitlab:\n  url: https://gitlab.example.com/api/v4/\n  token_file: /t\n") ==
        "cfg.yaml: gitlab.url (line 3): give the instance URL without /api/v4");
  CHECK_THAT(config_error_of("state_dir: /x\ngitlab:\n  url: gitlab.example.com\n  token_file: /t\n"),
             Catch::Contains("gitlab.url (line 3)") && Catch::Contains("http(s) URL"));
  CHECK_THAT(config_error_of("state_dir: /x\ngitlab:\n  url: https://gitlab.example.com\n"),
             Catch::Contains("gitlab.token_file (line 3): is required"));
  CHECK_THAT(config_error_of(gitlab_yaml("  scope: group\n")),
             Catch::Contains("gitlab.group (line 3): is required with scope: group"));
  CHECK(config_error_of(gitlab_yaml("  scope: instance\n  group: platform\n")) ==
        "cfg.yaml: gitlab.group (line 6): only applies with scope: group");
  CHECK_THAT(config_error_of(gitlab_yaml("  group: platform\n")),
             Catch::Contains("gitlab.group (line 5): only applies with scope: group"));
  CHECK_THAT(config_error_of(gitlab_yaml("  scope: group\n  project: x\n  group: g\n")),
             Catch::Contains("gitlab.project (line 6): only applies with scope: project"));
  CHECK_THAT(config_error_of(gitlab_yaml("  scope: everything\n")),
             Catch::Contains("gitlab.scope (line 5): expected instance, group or project"));
  CHECK(config_error_of(gitlab_yaml("  version_target: latest\n")) ==
        "cfg.yaml: gitlab.version_target (line 5): expected a version such as 17.11.1");
  CHECK_THAT(config_error_of(gitlab_yaml("  version_target: 17.11.1.4\n")),
             Catch::Contains("gitlab.version_target (line 5)"));
  CHECK_THAT(config_error_of(gitlab_yaml("  version_target: v17.11\n")),
             Catch::Contains("gitlab.version_target (line 5)"));
  CHECK(config_error_of(gitlab_yaml("  poll_interval: 4s\n")) ==
        "cfg.yaml: gitlab.poll_interval (line 5): must be at least 5s");
  CHECK_THAT(config_error_of(gitlab_yaml("  poll_interval: often\n")),
             Catch::Contains("gitlab.poll_interval (line 5): expected a duration"));
  CHECK(config_error_of(gitlab_yaml("  request_timeout: 6m\n")) ==
        "cfg.yaml: gitlab.request_timeout (line 5): must be between 1s and 5m");
  CHECK_THAT(config_error_of(gitlab_yaml("  request_timeout: 500ms\n")),
             Catch::Contains("gitlab.request_timeout (line 5): must be between 1s and 5m"));
  CHECK_THAT(config_error_of(gitlab_yaml("  max_requests_per_minute: 5\n")),
             Catch::Contains("gitlab.max_requests_per_minute (line 5)"));
  CHECK_THAT(config_error_of(gitlab_yaml("  offline_after: 30s\n")),
             Catch::Contains("gitlab.offline_after (line 5): must be at least 1m"));
  CHECK_THAT(config_error_of(gitlab_yaml("  mapping:\n    docker-runner: []\n")),
             Catch::Contains("gitlab.mapping.docker-runner (line 6): must name at least one registration"));
  CHECK_THAT(config_error_of(gitlab_yaml("  mapping: [a, b]\n")), Catch::Contains("gitlab.mapping (line 5)"));
  CHECK_THAT(config_error_of(gitlab_yaml("  token: abc\n")),
             Catch::Contains("gitlab.token (line 5): unknown key"));
}

TEST_CASE("arc.pause_mode accepts refuse or scale_to_zero only", "[config][arc]") {
  auto refuse = parse_config("state_dir: /x\narc:\n  pause_mode: refuse\n", "cfg.yaml");
  REQUIRE(refuse);
  CHECK(refuse->arc.pause_mode == arc_pause_mode::refuse);
  CHECK(config_error_of("state_dir: /x\narc:\n  pause_mode: delete\n") ==
        "cfg.yaml: arc.pause_mode (line 3): expected refuse or scale_to_zero");
  CHECK_THAT(config_error_of("state_dir: /x\narc:\n  mode: refuse\n"), Catch::Contains("arc.mode (line 3): unknown key"));
}
