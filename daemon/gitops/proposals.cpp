// SPDX-License-Identifier: Apache-2.0
#include "daemon/gitops/proposals.hpp"

#include "common/api/gitops_json.hpp"
#include "daemon/gitops/gitlab_repository.hpp"
#include "daemon/gitops/gitops_source.hpp"
#include "daemon/runner_mutations.hpp"

namespace runnerfleet::daemon {

namespace net = boost::asio;
using nlohmann::json;

namespace {

json changes_json(const gitops::proposal_plan& p) {
  json out = json::array();
  for (const auto& c : p.changes)
    out.push_back({{"key", c.key},
                   {"from", c.from ? api::tfvars_to_json(*c.from) : json(nullptr)},
                   {"from_default", c.from_default},
                   {"to", api::tfvars_to_json(c.to)}});
  return out;
}

json mr_json(const merge_request& mr) {
  return {{"iid", mr.iid},       {"web_url", mr.web_url},
          {"state", mr.state},   {"title", mr.title},
          {"source_branch", mr.source_branch}, {"target_branch", mr.target_branch}};
}

/// The reply: the plan, and the merge request when there is one.
json reply(const gitops::proposal_plan& p, bool dry_run, const std::optional<merge_request>& mr, bool existing,
           const std::string& request_id) {
  return {{"dry_run", dry_run},
          {"runner", p.runner},
          {"cluster", p.cluster},
          {"stack", p.stack},
          {"stack_runner", p.stack_runner},
          {"file", p.file},
          {"base_commit", p.base_commit.empty() ? json(nullptr) : json(p.base_commit)},
          {"changes", changes_json(p)},
          {"diff", p.diff},
          {"branch", p.branch},
          {"idempotency_key", p.idempotency_key},
          {"title", p.title},
          {"merge_request", mr ? mr_json(*mr) : json(nullptr)},
          {"existing", existing},
          {"request_id", request_id.empty() ? json(nullptr) : json(request_id)}};
}

}  // namespace

proposals::proposals(const config& cfg, snapshot_store& store, audit_journal& journal, gitops_source* source)
    : cfg_(cfg), store_(store), journal_(journal), source_(source) {}

net::awaitable<result<json>> proposals::run(proposal_call call) {
  if (!source_)
    co_return make_error(error_code::unavailable,
                         "GitOps is not configured: add a gitops section (project, files) to the config");
  auto desired = source_->current();
  if (!desired)
    co_return make_error(error_code::unavailable,
                         "the tfvars have not been read yet; retry in a moment (GET /v1/health shows the gitops source)");
  gitops::proposal_author author{call.who.peer.user + " (uid " + std::to_string(call.who.peer.uid) + ")",
                                 call.who.effective ? std::string(to_string(*call.who.effective)) : ""};
  auto plan = gitops::plan_proposal(*desired, call.body.request, author, cfg_.gitops->branch_prefix);
  if (!plan) co_return plan.take_failure();
  // A caller may give the id abbreviated (at least 7 hex digits, as git shows it).
  const auto& base = call.body.base_commit;
  if (!base.empty() && (base.size() < 7 || plan->base_commit.rfind(base, 0) != 0)) {
    source_->refresh_soon();
    co_return make_error(error_code::conflict,
                         plan->file + " is at " + plan->base_commit.substr(0, 12) + " in the daemon's copy, but the change "
                         "was based on " + call.body.base_commit.substr(0, 12) +
                             "; the daemon re-reads it now: read the config again and propose against what it shows",
                         {{"file", plan->file}, {"base_commit", plan->base_commit}});
  }
  if (call.body.dry_run) co_return reply(*plan, true, std::nullopt, false, {});
  if (!source_->repository())
    co_return make_error(error_code::invalid_argument,
                         "proposals need a GitLab project (gitops.project); this daemon reads a local checkout");
  if (in_flight_.contains(plan->branch))
    co_return make_error(error_code::conflict, "the same proposal is already under way; retry when it ends",
                         {{"branch", plan->branch}});
  // Erased however propose() ends, an exception included: a branch is never locked for good.
  struct in_flight_guard {
    std::set<std::string>& set;
    std::string branch;
    ~in_flight_guard() { set.erase(branch); }
  } guard{in_flight_, plan->branch};
  in_flight_.insert(plan->branch);
  co_return co_await propose(call, *plan);
}

net::awaitable<result<json>> proposals::propose(const proposal_call& call, const gitops::proposal_plan& plan) {
  auto& repo = *source_->repository();
  const auto& target = cfg_.gitops->branch;
  auto record = intent_record(call.request_id, call.who, "propose", plan.runner, plan.forge, plan.cluster, plan.ns,
                              call.body.request.reason);
  record.detail = {{"file", plan.file},       {"branch", plan.branch},   {"target_branch", target},
                   {"base_commit", plan.base_commit}, {"changes", changes_json(plan)},
                   {"idempotency_key", plan.idempotency_key}};
  if (!call.client_request_id.empty()) record.detail["client_request_id"] = call.client_request_id;
  if (auto st = journal_.append(record); !st)
    co_return make_error(error_code::internal, "nothing was proposed: the intent could not be journalled: " +
                                                   st.failure().message);

  auto finish = [&](std::string outcome, std::string message, const std::optional<merge_request>& mr,
                    std::optional<error> failure) -> result<json> {
    record.phase = "outcome";
    record.time = clock::now();
    record.outcome = std::move(outcome);
    record.message = std::move(message);
    if (mr) record.detail["merge_request"] = mr_json(*mr);
    if (failure) record.detail["error"] = failure->message;
    auto journalled = journal_.append(record);
    fleet_event e;
    e.kind = "mutation";
    e.severity = failure ? "warning" : "info";
    e.runner = record.runner;
    e.cluster = record.cluster;
    e.ns = record.ns;
    e.object = plan.file;
    e.reason = "propose_" + record.outcome;
    e.message = record.user + ": " + record.message;
    store_.publish_event(std::move(e));
    if (failure) {
      failure->details["request_id"] = record.request_id;
      return *failure;
    }
    if (!journalled)
      return make_error(error_code::internal, "the merge request was opened but its outcome could not be journalled: " +
                                                  journalled.failure().message,
                        {{"request_id", record.request_id}});
    return reply(plan, false, mr, record.outcome == "no_change", record.request_id);
  };

  // A retry: the branch's open merge request is the answer, unless the key was used for another
  // change; a merged or closed one means the key is spent.
  auto found = co_await repo.find_merge_request(plan.branch);
  if (!found) co_return finish("failed", "could not look for an earlier proposal: " + found.failure().message, std::nullopt, found.failure());
  if (*found) {
    const auto& mr = **found;
    bool same_change = mr.description.find(gitops::change_marker(plan.change_digest)) != std::string::npos ||
                       mr.description.find("runnerfleet-change:") == std::string::npos;
    std::optional<error> refused;
    if (!same_change)
      refused = make_error(error_code::conflict,
                           "idempotency_key '" + plan.idempotency_key + "' was used for a different change (merge request !" +
                               std::to_string(mr.iid) + "); give a new key for this one",
                           {{"merge_request", mr_json(mr)}});
    else if (mr.state != "opened")
      refused = make_error(error_code::conflict,
                           "this change was proposed before as merge request !" + std::to_string(mr.iid) + ", now " +
                               mr.state + "; give a new idempotency_key to propose it again",
                           {{"merge_request", mr_json(mr)}});
    if (refused) co_return finish("failed", refused->message, mr, refused);
    co_return finish("no_change", "merge request !" + std::to_string(mr.iid) + " already proposes this change", mr,
                     std::nullopt);
  }
  // A branch without a merge request is left from an attempt that stopped half way: reuse it only
  // if it holds exactly this change on the current base, else start it again.
  auto head = co_await repo.branch_head(plan.branch);
  if (!head && head.failure().code != error_code::not_found)
    co_return finish("failed", "could not check branch " + plan.branch + ": " + head.failure().message, std::nullopt,
                     head.failure());
  bool reuse = false;
  if (head) {
    auto left = co_await repo.read_file(plan.file, plan.branch);
    reuse = left && left->content == plan.new_text;
    if (!reuse) {
      auto removed = co_await repo.delete_branch(plan.branch);
      if (!removed)
        co_return finish("failed", "branch " + plan.branch + " is left from an earlier attempt and could not be removed: " +
                                       removed.failure().message, std::nullopt, removed.failure());
    }
  }
  bool created = false;
  if (!reuse) {
    auto commit = co_await repo.commit_file(plan.branch, target, plan.file, plan.new_text, plan.base_commit,
                                            plan.commit_message);
    if (!commit) {
      auto e = commit.take_failure();
      if (e.code == error_code::conflict) source_->refresh_soon();
      // No definite answer (timeout, lost connection, a 5xx from a proxy): the commit may have
      // landed, and the branch is ours alone, so remove it.
      bool maybe_created = e.code == error_code::timeout || e.code == error_code::unavailable ||
                           e.code == error_code::upstream_error;
      if (maybe_created) {
        auto removed = co_await repo.delete_branch(plan.branch);
        e.message += removed ? "; branch " + plan.branch + " removed (if it was created)"
                             : "; branch " + plan.branch + " may remain: " + removed.failure().message;
      }
      co_return finish("failed", "commit refused: " + e.message, std::nullopt, e);
    }
    created = true;
  }
  auto mr = co_await repo.open_merge_request(plan.branch, target, plan.title, plan.description);
  if (mr) co_return finish("succeeded", "opened merge request !" + std::to_string(mr->iid) + " (" + plan.title + ")", *mr,
                           std::nullopt);
  // The request may have been created even so (409: opened meanwhile; a timeout or a 5xx: the
  // answer was lost). Look before removing the branch: deleting it would close that request.
  auto e = mr.take_failure();
  auto again = co_await repo.find_merge_request(plan.branch);
  if (again && *again && (*again)->state == "opened")
    co_return finish("no_change", "merge request !" + std::to_string((*again)->iid) + " already proposes this change",
                     **again, std::nullopt);
  std::string cleanup;
  if (!again) {
    cleanup = "; whether it was opened is unknown (" + again.failure().message + "): retry with the same idempotency_key";
  } else if (created || reuse) {
    auto removed = co_await repo.delete_branch(plan.branch);
    cleanup = removed ? "; branch " + plan.branch + " removed"
                      : "; branch " + plan.branch + " could not be removed: " + removed.failure().message;
  }
  e.message = "merge request not opened: " + e.message + cleanup;
  co_return finish("failed", e.message, std::nullopt, e);
}

}  // namespace runnerfleet::daemon
