// SPDX-License-Identifier: Apache-2.0
#include "daemon/runner_mutations.hpp"

#include "common/arc_pause.hpp"
#include "daemon/gitlab/gitlab_source.hpp"
#include "daemon/kube/cluster_source.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <random>

namespace runnerfleet::daemon {

namespace net = boost::asio;
using nlohmann::json;

namespace {

std::string actor_of(const api::caller& who) {
  return who.peer.user + " (uid " + std::to_string(who.peer.uid) + ")";
}

/// The runner the call names, copied out of the snapshot (the snapshot may be replaced while
/// the upstream call runs).
result<runner_view> locate(const snapshot* snap, const mutation_call& call) {
  if (!snap) return make_error(error_code::unavailable, "the fleet has not been read yet; retry in a moment");
  std::vector<const runner_view*> found;
  for (auto i : snap->find_runner(call.runner))
    if (call.cluster.empty() || snap->runners[i].cluster == call.cluster) found.push_back(&snap->runners[i]);
  if (found.empty())
    return make_error(error_code::not_found, "no runner named '" + call.runner + "'" +
                                                 (call.cluster.empty() ? "" : " in cluster '" + call.cluster + "'"),
                      {{"runner", call.runner}});
  if (found.size() > 1) {
    std::string clusters;
    for (const auto* r : found) clusters += (clusters.empty() ? "" : ", ") + r->cluster;
    return make_error(error_code::invalid_argument,
                      "runner '" + call.runner + "' exists in clusters " + clusters + "; add ?cluster=NAME",
                      {{"parameter", "cluster"}});
  }
  return *found.front();
}

}  // namespace

std::string new_request_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id = "rf-";
  auto v = rng();
  for (int i = 0; i < 16; ++i, v >>= 4) id.push_back(hex[v & 15]);
  return id;
}

std::string client_request_id(const std::string& header) {
  bool usable = !header.empty() && header.size() <= 64;
  for (char c : header)
    usable = usable && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  return usable ? header : std::string{};
}

runner_mutations::runner_mutations(const config& cfg, snapshot_store& store, audit_journal& journal,
                                   gitlab_source* gitlab, cluster_lookup clusters)
    : cfg_(cfg), store_(store), journal_(journal), gitlab_(gitlab), clusters_(std::move(clusters)) {}

audit::record intent_record(const std::string& request_id, const api::caller& who, std::string action,
                            const std::string& runner, const std::string& forge, const std::string& cluster,
                            const std::string& ns, const std::string& reason) {
  audit::record r;
  r.request_id = request_id;
  r.phase = "intent";
  r.time = clock::now();
  r.uid = who.peer.uid;
  r.user = who.peer.user;
  r.role = who.effective ? std::string(to_string(*who.effective)) : "";
  r.action = std::move(action);
  r.runner = runner;
  r.forge = forge;
  r.cluster = cluster;
  r.ns = ns;
  r.reason = reason;
  return r;
}

audit::record runner_mutations::record_for(const mutation_call& call, const runner_view& runner) const {
  auto r = intent_record(call.request_id, call.who, call.action, runner.name, runner.forge, runner.cluster, runner.ns,
                         call.reason);
  if (!call.client_request_id.empty()) r.detail["client_request_id"] = call.client_request_id;
  return r;
}

net::awaitable<result<json>> runner_mutations::run(mutation_call call) {
  auto runner = locate(store_.current().get(), call);
  if (!runner) co_return runner.take_failure();
  auto key = runner->cluster + "/" + runner->ns + "/" + runner->name;
  if (in_flight_.contains(key))
    co_return make_error(error_code::conflict, "another pause or resume of '" + runner->name + "' is under way; retry when it ends");
  in_flight_.insert(key);
  // No co_await inside ?: — GCC 12 miscompiles it.
  result<json> out = make_error(error_code::internal, "unreachable");
  if (runner->forge == "github") out = co_await change_arc(call, *runner);
  else out = co_await change_gitlab(call, *runner);
  in_flight_.erase(key);
  co_return out;
}

result<json> runner_mutations::finish(audit::record outcome, const std::optional<error>& failure) {
  outcome.phase = "outcome";
  outcome.time = clock::now();
  store_.rebuild_now();  // the reply, the next read and the event all see the new state
  auto journalled = journal_.append(outcome);
  std::string status, status_reason;
  if (auto snap = store_.current())
    for (auto i : snap->find_runner(outcome.runner))
      if (snap->runners[i].cluster == outcome.cluster) {
        status = snap->runners[i].status;
        status_reason = snap->runners[i].status_reason;
      }
  fleet_event e;
  e.kind = "mutation";
  e.severity = failure ? "warning" : "info";
  e.runner = outcome.runner;
  e.cluster = outcome.cluster;
  e.ns = outcome.ns;
  e.reason = outcome.action + "_" + outcome.outcome;
  e.message = outcome.user + ": " + outcome.message + (outcome.reason.empty() ? "" : " (reason: " + outcome.reason + ")");
  store_.publish_event(std::move(e));
  if (failure) {
    auto f = *failure;
    f.details["request_id"] = outcome.request_id;
    f.details["outcome"] = outcome.outcome;
    return f;
  }
  if (!journalled)
    return make_error(error_code::internal, "the change was made but its outcome could not be journalled: " +
                                                journalled.failure().message,
                      {{"request_id", outcome.request_id}});
  return json{{"request_id", outcome.request_id},
              {"action", outcome.action},
              {"runner", outcome.runner},
              {"cluster", outcome.cluster},
              {"namespace", outcome.ns},
              {"outcome", outcome.outcome},
              {"message", outcome.message},
              {"status", status},
              {"status_reason", status_reason},
              {"detail", outcome.detail}};
}

net::awaitable<result<json>> runner_mutations::change_gitlab(mutation_call call, runner_view runner) {
  bool pause = call.action == "pause";
  if (!gitlab_)
    co_return make_error(error_code::conflict,
                         "GitLab is not configured (no gitlab section in the daemon's config), so GitLab runners "
                         "cannot be paused or resumed");
  if (runner.registrations.empty())
    co_return make_error(error_code::conflict,
                         "no GitLab registration matches runner '" + runner.name +
                             "' (by description or gitlab.mapping), so there is nothing to " + call.action);
  std::vector<std::int64_t> all, targets;
  for (const auto& r : runner.registrations) {
    all.push_back(r.id);
    if (r.paused != pause) targets.push_back(r.id);
  }
  auto record = record_for(call, runner);
  record.detail["registrations"] = all;
  record.detail["to_change"] = targets;
  if (auto st = journal_.append(record); !st)
    co_return make_error(error_code::internal, "nothing was changed: the intent could not be journalled: " + st.failure().message);
  if (targets.empty()) {
    record.outcome = "no_change";
    record.message = std::string("already ") + (pause ? "paused" : "running") + ": " + std::to_string(all.size()) +
                     " registration(s) " + (pause ? "paused" : "active") + " in GitLab";
    co_return finish(std::move(record), std::nullopt);
  }
  json results = json::array();
  std::optional<error> first_failure;
  std::size_t changed = 0;
  for (auto id : targets) {
    auto r = co_await gitlab_->set_paused(id, pause);
    if (r) {
      ++changed;
      results.push_back({{"id", id}, {"paused", r->entry.paused}, {"running_jobs", r->running_jobs ? json(*r->running_jobs) : json(nullptr)}});
    } else {
      results.push_back({{"id", id}, {"error", r.failure().message}, {"code", std::string(to_string(r.failure().code))}});
      if (!first_failure) first_failure = r.take_failure();
    }
  }
  record.detail["results"] = std::move(results);
  record.outcome = first_failure ? "failed" : "succeeded";
  record.message = std::string(pause ? "paused " : "resumed ") + std::to_string(changed) + " of " +
                   std::to_string(targets.size()) + " registration(s) of " + runner.name + " in GitLab";
  if (first_failure) record.message += "; " + first_failure->message;
  co_return finish(std::move(record), first_failure);
}

net::awaitable<result<json>> runner_mutations::change_arc(mutation_call call, runner_view runner) {
  bool pause = call.action == "pause";
  if (cfg_.arc.pause_mode == arc_pause_mode::refuse)
    co_return make_error(error_code::conflict,
                         "GitHub has no pause for runner scale sets, and this daemon runs with arc.pause_mode: refuse. "
                         "An admin can set arc.pause_mode: scale_to_zero to pause '" + runner.name +
                             "' by setting maxRunners to 0 (restored on resume)");
  const auto* cache = store_.cluster_cache(runner.cluster);
  auto* cluster = clusters_(runner.cluster);
  if (!cache || !cluster) co_return make_error(error_code::not_found, "unknown cluster '" + runner.cluster + "'");
  auto it = cache->runner_sets.find(kube::object_key(runner.ns, runner.name));
  if (it == cache->runner_sets.end())
    co_return make_error(error_code::not_found, "AutoscalingRunnerSet " + runner.ns + "/" + runner.name + " is gone");
  auto ars = it->second;  // a copy: the cache changes while the patch is in flight
  auto record = record_for(call, runner);
  record.detail["object"] = "AutoscalingRunnerSet/" + runner.ns + "/" + runner.name;
  record.detail["max_runners_before"] = ars.max_runners ? json(*ars.max_runners) : json(nullptr);
  if (arc_pause::is_paused(ars) == pause) {
    if (auto st = journal_.append(record); !st)
      co_return make_error(error_code::internal, "the intent could not be journalled: " + st.failure().message);
    record.outcome = "no_change";
    record.message = pause ? "already paused (maxRunners 0, previous value kept in " + std::string(arc_pause::previous_max_annotation) + ")"
                           : "not paused by runnerfleet; nothing to resume";
    co_return finish(std::move(record), std::nullopt);
  }
  std::string patch;
  if (pause) {
    patch = arc_pause::pause_patch(ars, actor_of(call.who));
  } else {
    auto p = arc_pause::resume_patch(ars);
    if (!p) co_return p.take_failure();
    patch = std::move(*p);
  }
  record.detail["patch"] = json::parse(patch);
  if (auto st = journal_.append(record); !st)
    co_return make_error(error_code::internal, "nothing was changed: the intent could not be journalled: " + st.failure().message);
  auto object = co_await cluster->merge_patch(kube::resource_kind::autoscaling_runner_sets, runner.ns, runner.name, patch);
  std::optional<error> failure;
  if (object) {
    store_.feed(runner.cluster).apply_event(kube::resource_kind::autoscaling_runner_sets,
                                            kube::watch_event_type::modified, *object);
    record.outcome = "succeeded";
    record.message = pause ? "paused " + runner.name + " by setting maxRunners to 0"
                           : "resumed " + runner.name + ": maxRunners restored";
  } else {
    failure = object.take_failure();
    record.outcome = "failed";
    record.message = std::string(pause ? "pausing " : "resuming ") + runner.name + " failed: " + failure->message;
  }
  co_return finish(std::move(record), failure);
}

net::awaitable<void> runner_mutations::recover_unfinished() {
  for (auto record : journal_.unfinished_at_open()) {
    record.outcome = "unknown";
    std::string observed;
    if (record.forge == "gitlab" && gitlab_ && record.detail.contains("to_change") && record.detail["to_change"].is_array()) {
      json seen = json::array();
      for (const auto& id : record.detail["to_change"]) {
        if (!id.is_number_integer()) continue;
        auto r = co_await gitlab_->refresh(id.get<std::int64_t>());
        if (r) {
          seen.push_back({{"id", id}, {"paused", r->entry.paused}});
          observed += (observed.empty() ? "" : ", ") + ("registration " + std::to_string(id.get<std::int64_t>()) +
                                                        (r->entry.paused ? " is paused" : " is active"));
        } else {
          seen.push_back({{"id", id}, {"error", r.failure().message}});
          observed += (observed.empty() ? "" : ", ") + ("registration " + std::to_string(id.get<std::int64_t>()) +
                                                        " could not be read: " + r.failure().message);
        }
      }
      record.detail["observed"] = std::move(seen);
    } else if (record.action == "propose") {
      auto branch = record.detail.value("branch", std::string("?"));
      observed = "branch " + branch + " may hold the commit and its merge request may be open; proposing the same "
                 "change again (same idempotency key) returns it or completes it";
    } else {
      observed = "the cluster watch shows the runner's real state";
    }
    record.message = "outcome unknown: the daemon stopped between the intent (" + format_rfc3339(record.time) +
                     ") and the result; now " + observed;
    static_cast<void>(finish(std::move(record), std::nullopt));  // recorded and announced; no caller to answer
  }
}

}  // namespace runnerfleet::daemon
