// SPDX-License-Identifier: Apache-2.0
#include "daemon/request_router.hpp"

#include "common/access.hpp"
#include "common/api/envelope.hpp"
#include "common/api/mutation_body.hpp"
#include "common/api/serialize.hpp"
#include "common/fleet_metrics.hpp"
#include "common/prometheus/promql.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <charconv>

namespace runnerfleet::daemon {

namespace net = boost::asio;
using nlohmann::json;

namespace {

constexpr std::size_t max_cache_entries = 2048;
constexpr int default_log_tail = 200;
constexpr int max_log_tail = 5000;
constexpr int max_log_bytes = 256 * 1024;

std::string param(const api::query_params& q, const char* key) {
  auto it = q.find(key);
  return it == q.end() ? std::string{} : it->second;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

request_router::request_router(const config& cfg, snapshot_store& store, self_metrics& metrics, json settings,
                               std::string version, pod_log_fn pod_log, audit_journal& journal,
                               runner_mutations& mutations, proposals& config_proposals, metrics_source* prometheus)
    : cfg_(cfg), store_(store), metrics_(metrics), settings_(std::move(settings)), version_(std::move(version)),
      pod_log_(std::move(pod_log)), journal_(journal), mutations_(mutations), proposals_(config_proposals), prometheus_(prometheus),
      started_(clock::now()) {}

reply request_router::error_reply(const error& e, std::string route) {
  reply r;
  r.status = http_status(e.code);
  r.body = api::error_envelope(e);
  r.route = std::move(route);
  return r;
}

net::awaitable<reply> request_router::handle(const incoming& in) {
  auto split = api::split_target(in.target);
  if (!split) co_return error_reply(split.failure());
  const auto& [path, query] = *split;
  auto match = api::match_route(in.method, path);
  if (!match) co_return error_reply(match.failure());
  const auto& spec = *match->spec;
  std::string route(spec.pattern);

  api::caller who;
  who.peer = *in.peer;
  who.granted = granted_role(cfg_.access, in.peer->user, in.peer->uid, in.peer->groups, in.peer->gids);
  auto effective = effective_role(who.granted, in.role_header);
  if (!effective) co_return error_reply(effective.failure(), route);
  who.effective = *effective;
  if (spec.need && (!who.effective || !allows(*who.effective, *spec.need)))
    co_return error_reply(role_denied(who.effective, *spec.need, who.peer.user, in.method + " " + route), route);

  switch (spec.id) {
    case api::route_id::pod_log: {
      auto r = co_await pod_log_route(*match, query);
      r.route = route;
      co_return r;
    }
    case api::route_id::events_stream: {
      auto r = stream_route(query, in.last_event_id);
      r.route = route;
      co_return r;
    }
    case api::route_id::runner_pause:
    case api::route_id::runner_resume: {
      auto r = co_await mutation_route(*match, query, in, who);
      r.route = route;
      co_return r;
    }
    case api::route_id::gitops_proposals: {
      auto r = co_await proposal_route(query, in, who);
      r.route = route;
      co_return r;
    }
    case api::route_id::audit: {
      auto r = audit_route(query);
      r.route = route;
      co_return r;
    }
    case api::route_id::metrics_fleet:
    case api::route_id::metrics_runner: {
      auto r = co_await metrics_route(*match, query);
      r.route = route;
      co_return r;
    }
    case api::route_id::metrics: {
      reply r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics_.exposition();
      r.route = route;
      co_return r;
    }
    default: {
      auto r = read_route(*match, in.target, query, who);
      r.route = route;
      co_return r;
    }
  }
}

reply request_router::read_route(const api::route_match& m, const std::string& target, const api::query_params& q,
                                 const api::caller& who) {
  auto snap = store_.current();
  auto now = clock::now();
  reply r;
  bool use_cache = snap && api::cacheable(m.spec->id);
  if (use_cache && cache_generation_ != snap->generation) {
    cache_.clear();
    cache_generation_ = snap->generation;
  }
  if (use_cache) {
    if (auto it = cache_.find(target); it != cache_.end()) {
      r.body = api::success_envelope(it->second, api::snapshot_meta(snap.get(), now));
      return r;
    }
  }
  api::read_context ctx{snap, &store_.events(), now, &who, &settings_, version_, started_};
  auto answer = api::handle_read(m, q, ctx);
  if (!answer) return error_reply(answer.failure());
  r.body = api::success_envelope(*answer, api::snapshot_meta(snap.get(), now));
  if (use_cache) {
    if (cache_.size() >= max_cache_entries) cache_.clear();
    cache_.emplace(target, std::move(*answer));
  }
  return r;
}

net::awaitable<reply> request_router::pod_log_route(const api::route_match& m, const api::query_params& q) {
  if (auto st = api::require_known(q, {"container", "tail"}); !st) co_return error_reply(st.failure());
  const auto& ns = m.params.at(0);
  const auto& pod = m.params.at(1);
  int tail = default_log_tail;
  if (auto t = param(q, "tail"); !t.empty()) {
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), tail);
    if (ec != std::errc{} || ptr != t.data() + t.size() || tail < 1 || tail > max_log_tail)
      co_return error_reply(make_error(error_code::invalid_argument,
                                       "tail must be an integer from 1 to " + std::to_string(max_log_tail),
                                       {{"parameter", "tail"}}));
  }
  auto snap = store_.current();
  std::optional<std::size_t> index = snap ? snap->find_pod(ns, pod) : std::nullopt;
  if (!index)
    co_return error_reply(make_error(error_code::not_found,
                                     "no pod " + ns + "/" + pod + " in the watched runner namespaces",
                                     {{"namespace", ns}, {"pod", pod}}));
  const auto& view = *snap->pods[*index];
  std::string container = param(q, "container");
  auto text = co_await pod_log_(view.cluster, ns, pod, container, tail, max_log_bytes);
  if (!text) co_return error_reply(text.failure());
  bool truncated = text->size() >= static_cast<std::size_t>(max_log_bytes);
  json data = {{"namespace", ns},
               {"pod", pod},
               {"container", container.empty() ? json(nullptr) : json(container)},
               {"tail_lines", tail},
               {"truncated", truncated},
               {"lines", split_lines(*text)}};
  reply r;
  r.body = api::success_envelope({data.dump(-1, ' ', false, json::error_handler_t::replace), json::object()},
                                 api::snapshot_meta(snap.get(), clock::now()));
  co_return r;
}

net::awaitable<reply> request_router::mutation_route(const api::route_match& m, const api::query_params& q,
                                                     const incoming& in, const api::caller& who) {
  if (auto st = api::require_known(q, {"cluster"}); !st) co_return error_reply(st.failure());
  bool pause = m.spec->id == api::route_id::runner_pause;
  auto reason = api::parse_reason_body(in.body, pause);
  if (!reason) co_return error_reply(reason.failure());
  mutation_call call;
  call.action = pause ? "pause" : "resume";
  call.runner = m.params.at(0);
  call.cluster = param(q, "cluster");
  call.reason = std::move(*reason);
  call.request_id = new_request_id();
  call.client_request_id = client_request_id(in.request_id);
  call.who = who;
  auto data = co_await mutations_.run(std::move(call));
  if (!data) co_return error_reply(data.failure());
  reply r;
  r.body = api::success_envelope({data->dump(-1, ' ', false, json::error_handler_t::replace), json::object()},
                                 api::snapshot_meta(store_.current().get(), clock::now()));
  co_return r;
}

net::awaitable<reply> request_router::proposal_route(const api::query_params& q, const incoming& in,
                                                     const api::caller& who) {
  if (auto st = api::require_known(q, {}); !st) co_return error_reply(st.failure());
  auto body = api::parse_proposal_body(in.body);
  if (!body) co_return error_reply(body.failure());
  proposal_call call;
  call.body = std::move(*body);
  call.request_id = new_request_id();
  call.client_request_id = client_request_id(in.request_id);
  call.who = who;
  auto data = co_await proposals_.run(std::move(call));
  if (!data) co_return error_reply(data.failure());
  reply r;
  r.body = api::success_envelope({data->dump(-1, ' ', false, json::error_handler_t::replace), json::object()},
                                 api::snapshot_meta(store_.current().get(), clock::now()));
  co_return r;
}

result<json> request_router::unconfigured_metrics(bool fleet, const std::string& window, const std::string& runner,
                                                  const std::string& cluster) const {
  if (!promql::find_window(window))
    return make_error(error_code::invalid_argument, "window must be one of 1h, 6h, 24h, 7d", {{"parameter", "window"}});
  json out = {{"window", window},
              {"source", {{"state", "not_configured"}, {"stale", false}, {"last_success", nullptr},
                          {"error", "no prometheus section in the daemon's config"}}},
              {"series", json::array()}};
  if (fleet) {
    out["metrics"] = nullptr;
    return out;
  }
  auto snap = store_.current();
  const runner_view* found = nullptr;
  if (snap)
    for (auto i : snap->find_runner(runner))
      if (cluster.empty() || snap->runners[i].cluster == cluster) found = &snap->runners[i];
  auto pods = found ? runner_pods_of(*found) : std::nullopt;
  if (!pods) return make_error(error_code::not_found, "no runner named '" + runner + "'", {{"runner", runner}});
  out.update({{"runner", found->name}, {"cluster", found->cluster}, {"namespace", found->ns}, {"forge", found->forge},
              {"current", nullptr}, {"current_window", "1h"}, {"slo", json::array()},
              {"pod_pattern", promql::pod_pattern(*pods)}});
  return out;
}

net::awaitable<reply> request_router::metrics_route(const api::route_match& m, const api::query_params& q) {
  bool fleet = m.spec->id == api::route_id::metrics_fleet;
  if (auto st = fleet ? api::require_known(q, {"window"}) : api::require_known(q, {"window", "cluster"}); !st)
    co_return error_reply(st.failure());
  auto window = param(q, "window");
  if (window.empty()) window = "1h";
  result<json> data = make_error(error_code::internal, "not run");
  if (!prometheus_) {
    data = unconfigured_metrics(fleet, window, fleet ? std::string{} : m.params.at(0), param(q, "cluster"));
  } else if (fleet) {
    data = co_await prometheus_->fleet_window(window);
  } else {
    data = co_await prometheus_->runner_window(m.params.at(0), param(q, "cluster"), window);
  }
  if (!data) co_return error_reply(data.failure());
  auto snap = store_.current();
  // The landing view rides along, so one call answers "how is the fleet" (get_fleet_metrics).
  if (fleet) (*data)["overview"] = snap ? api::fleet_json(*snap) : json(nullptr);
  reply r;
  r.body = api::success_envelope({data->dump(-1, ' ', false, json::error_handler_t::replace), json::object()},
                                 api::snapshot_meta(snap.get(), clock::now()));
  co_return r;
}

reply request_router::audit_route(const api::query_params& q) {
  if (auto st = api::require_known(q, {"limit", "runner"}); !st) return error_reply(st.failure());
  auto limit = api::parse_limit(q, 100, 1000);
  if (!limit) return error_reply(limit.failure());
  auto runner = param(q, "runner");
  json records = json::array();
  std::size_t total = 0;
  const auto& recent = journal_.recent();
  for (auto it = recent.rbegin(); it != recent.rend(); ++it) {
    if (!runner.empty() && it->runner != runner) continue;
    ++total;
    if (records.size() < *limit) records.push_back(audit::to_json(*it));
  }
  reply r;
  json meta = {{"total", total}, {"journal", journal_.path()}};
  if (journal_.skipped_lines()) meta["skipped_lines"] = journal_.skipped_lines();
  r.body = api::success_envelope({records.dump(-1, ' ', false, json::error_handler_t::replace), std::move(meta)},
                                 api::snapshot_meta(store_.current().get(), clock::now()));
  return r;
}

reply request_router::stream_route(const api::query_params& q, const std::string& last_event_id) {
  if (auto st = api::require_known(q, {"kind"}); !st) return error_reply(st.failure());
  auto kinds = api::parse_enum(q, "kind", fleet_event_kinds(), true);
  if (!kinds) return error_reply(kinds.failure());
  reply r;
  r.stream = true;
  r.stream_kinds = *kinds;
  r.stream_after = store_.events().last_id();
  if (!last_event_id.empty()) {
    std::uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(last_event_id.data(), last_event_id.data() + last_event_id.size(), id);
    if (ec != std::errc{} || ptr != last_event_id.data() + last_event_id.size())
      return error_reply(make_error(error_code::invalid_argument,
                                    "Last-Event-ID must be an event id (a number), got '" + last_event_id + "'"));
    r.stream_after = std::min(id, store_.events().last_id());
  }
  return r;
}

}  // namespace runnerfleet::daemon
