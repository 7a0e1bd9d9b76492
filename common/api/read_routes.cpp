// SPDX-License-Identifier: Apache-2.0
#include "common/api/read_routes.hpp"

#include "common/api/gitops_routes.hpp"
#include "common/api/serialize.hpp"

#include <algorithm>
#include <cctype>

namespace runnerfleet::api {
namespace {

using nlohmann::json;

const std::vector<std::string> forges = {"gitlab", "github"};
const std::vector<std::string> statuses = {"online", "idle",    "degraded", "draining",
                                           "paused", "offline", "unknown"};
const std::vector<std::string> types = {"docker", "dind", "nix", "rocky8", "rocky9", "l40s", "a100", "unknown"};
const std::vector<std::string> phases = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};
constexpr char key_sep = '\x1f';

error not_ready() {
  return make_error(error_code::unavailable,
                    "the daemon has not built its first snapshot yet; retry in a moment (see GET /v1/health)");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string param(const query_params& q, const char* key) {
  auto it = q.find(key);
  return it == q.end() ? std::string{} : it->second;
}

bool in(const std::vector<std::string>& set, const std::string& v) {
  return set.empty() || std::find(set.begin(), set.end(), v) != set.end();
}

/// Shared keyset pagination: items sorted by key, resume after the cursor's key.
template <class Item, class KeyFn, class FilterFn, class ToJson>
result<body> paginate(const std::vector<Item>& items, const query_params& q, std::size_t default_limit,
                      std::size_t max_limit, KeyFn key_of, FilterFn keep, ToJson to_json) {
  auto limit = parse_limit(q, default_limit, max_limit);
  if (!limit) return limit.take_failure();
  std::string after;
  if (auto c = param(q, "cursor"); !c.empty()) {
    auto decoded = decode_cursor(c);
    if (!decoded) return decoded.take_failure();
    after = *decoded;
  }
  json data = json::array();
  std::size_t total = 0;
  std::string last_key;
  bool more = false;
  for (const auto& item : items) {
    if (!keep(item)) continue;
    ++total;
    auto key = key_of(item);
    if (!after.empty() && key <= after) continue;
    if (data.size() >= *limit) {
      more = true;
      continue;
    }
    data.push_back(to_json(item));
    last_key = std::move(key);
  }
  body b;
  b.data = data.dump();
  b.meta = {{"total", total}, {"returned", data.size()},
            {"next_cursor", more ? json(encode_cursor(last_key)) : json(nullptr)}};
  return b;
}

result<body> runners(const query_params& q, const snapshot& s) {
  if (auto st = require_known(q, {"forge", "status", "type", "tag", "q", "cluster", "namespace", "limit", "cursor"}); !st)
    return st.take_failure();
  auto forge = parse_enum(q, "forge", forges, true);
  if (!forge) return forge.take_failure();
  auto status = parse_enum(q, "status", statuses, true);
  if (!status) return status.take_failure();
  auto type = parse_enum(q, "type", types, true);
  if (!type) return type.take_failure();
  std::string tag = param(q, "tag"), needle = lower(param(q, "q")), cluster = param(q, "cluster"),
              ns = param(q, "namespace");
  auto keep = [&](const runner_view& r) {
    if (!in(*forge, r.forge) || !in(*status, r.status) || !in(*type, r.type)) return false;
    if (!tag.empty() && std::find(r.tags.begin(), r.tags.end(), tag) == r.tags.end()) return false;
    if (!needle.empty() && lower(r.name).find(needle) == std::string::npos) return false;
    if (!cluster.empty() && r.cluster != cluster) return false;
    return ns.empty() || r.ns == ns;
  };
  auto key = [](const runner_view& r) { return r.name + key_sep + r.cluster + key_sep + r.ns; };
  return paginate(s.runners, q, 100, 1000, key, keep, runner_summary_json);
}

result<body> runner(const route_match& m, const query_params& q, const snapshot& s) {
  if (auto st = require_known(q, {"cluster", "namespace"}); !st) return st.take_failure();
  const auto& name = m.params.at(0);
  std::string cluster = param(q, "cluster"), ns = param(q, "namespace");
  std::vector<const runner_view*> found;
  for (auto i : s.find_runner(name)) {
    const auto& r = s.runners[i];
    if ((cluster.empty() || r.cluster == cluster) && (ns.empty() || r.ns == ns)) found.push_back(&r);
  }
  if (found.empty())
    return make_error(error_code::not_found, "no runner named '" + name + "' (list them with GET /v1/runners)",
                      {{"runner", name}});
  if (found.size() > 1) {
    json where = json::array();
    for (const auto* r : found) where.push_back({{"cluster", r->cluster}, {"namespace", r->ns}});
    return make_error(error_code::conflict,
                      "runner name '" + name + "' exists in several places; add ?cluster=&namespace=",
                      {{"runner", name}, {"candidates", where}});
  }
  return body{runner_detail_json(*found.front(), s).dump(), json::object()};
}

result<body> pods(const query_params& q, const snapshot& s) {
  if (auto st = require_known(q, {"namespace", "runner", "phase", "problem", "cluster", "limit", "cursor"}); !st)
    return st.take_failure();
  auto phase = parse_enum(q, "phase", phases, true);
  if (!phase) return phase.take_failure();
  std::string problem = param(q, "problem");
  std::optional<bool> has_problem;
  std::string problem_reason;
  if (problem == "true" || problem == "1") has_problem = true;
  else if (problem == "false" || problem == "0") has_problem = false;
  else if (!problem.empty()) problem_reason = problem;  // a reason such as CrashLoopBackOff
  std::string ns = param(q, "namespace"), runner = param(q, "runner"), cluster = param(q, "cluster");
  auto keep = [&](const pod_ptr& ptr) {
    const pod_view& p = *ptr;
    if (!ns.empty() && p.ns != ns) return false;
    if (!runner.empty() && p.runner != runner) return false;
    if (!cluster.empty() && p.cluster != cluster) return false;
    if (!in(*phase, p.phase)) return false;
    if (has_problem && p.problems.empty() == *has_problem) return false;
    if (!problem_reason.empty() &&
        std::none_of(p.problems.begin(), p.problems.end(), [&](const auto& x) { return x.reason == problem_reason; }))
      return false;
    return true;
  };
  auto key = [](const pod_ptr& p) { return p->ns + key_sep + p->name + key_sep + p->cluster; };
  return paginate(s.pods, q, 100, 1000, key, keep, [](const pod_ptr& p) { return pod_json(*p); });
}

result<body> autoscalers(const query_params& q, const snapshot& s) {
  if (auto st = require_known(q, {"forge", "runner"}); !st) return st.take_failure();
  auto forge = parse_enum(q, "forge", forges, true);
  if (!forge) return forge.take_failure();
  std::string runner = param(q, "runner");
  json data = json::array();
  for (const auto& r : s.runners) {
    if (r.scaling.model == "none" || !in(*forge, r.forge)) continue;
    if (!runner.empty() && r.name != runner) continue;
    data.push_back(autoscaler_json(r));
  }
  json meta = {{"total", data.size()}};
  return body{data.dump(), std::move(meta)};
}

result<body> events(const query_params& q, const read_context& ctx) {
  if (auto st = require_known(q, {"since", "kind", "runner", "limit"}); !st) return st.take_failure();
  event_log::query query;
  auto kinds = parse_enum(q, "kind", fleet_event_kinds(), true);
  if (!kinds) return kinds.take_failure();
  query.kinds = *kinds;
  query.runner = param(q, "runner");
  auto limit = parse_limit(q, 100, 1000);
  if (!limit) return limit.take_failure();
  query.limit = *limit;
  if (auto since = param(q, "since"); !since.empty()) {
    if (auto t = parse_rfc3339(since)) query.since = *t;
    else if (auto d = parse_duration(since)) query.since = ctx.now - *d;
    else
      return make_error(error_code::invalid_argument,
                        "since must be an RFC 3339 time or a duration such as 10m, got '" + since + "'",
                        {{"parameter", "since"}});
  }
  auto [found, total] = ctx.events->find(query);
  json data = json::array();
  for (const auto& e : found) data.push_back(event_json(e));
  json meta = {{"total", total}, {"returned", data.size()}, {"last_event_id", ctx.events->last_id()}};
  return body{data.dump(), std::move(meta)};
}

result<body> health(const query_params& q, const read_context& ctx) {
  if (auto st = require_known(q, {}); !st) return st.take_failure();
  json sources = json::array();
  std::string overall = "starting";
  if (ctx.snap) {
    overall = "ok";
    for (const auto& src : ctx.snap->sources) {
      sources.push_back(source_json(src));
      if (src.state == "down" || src.state == "degraded") overall = "degraded";
    }
  }
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(ctx.now - ctx.started).count();
  json data = {{"status", overall},
               {"version", ctx.version},
               {"uptime_s", uptime},
               {"generation", ctx.snap ? json(ctx.snap->generation) : json(nullptr)},
               {"snapshot_built_at", ctx.snap ? time_json(ctx.snap->built_at) : json(nullptr)},
               {"sources", std::move(sources)}};
  return body{data.dump(), json::object()};
}

result<body> whoami(const query_params& q, const read_context& ctx) {
  if (auto st = require_known(q, {}); !st) return st.take_failure();
  const caller& c = *ctx.who;
  auto role_json = [](const std::optional<role>& r) { return r ? json(std::string(to_string(*r))) : json(nullptr); };
  json data = {{"uid", c.peer.uid},   {"gid", c.peer.gid},       {"pid", c.peer.pid},
               {"user", c.peer.user}, {"groups", c.peer.groups}, {"granted_role", role_json(c.granted)},
               {"role", role_json(c.effective)},
               {"lowered", c.granted != c.effective}};
  return body{data.dump(), json::object()};
}

}  // namespace

bool cacheable(route_id id) {
  return id == route_id::fleet || id == route_id::runners || id == route_id::runner || id == route_id::pods ||
         id == route_id::autoscalers || id == route_id::gitops_drift || id == route_id::gitops_config;
}

json snapshot_meta(const snapshot* s, time_point now) {
  if (!s) return {{"generation", nullptr}, {"snapshot_age_ms", nullptr}, {"stale_sources", json::array()}};
  auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - s->built_at).count();
  return {{"generation", s->generation}, {"snapshot_age_ms", std::max<long long>(age, 0)},
          {"stale_sources", s->stale_sources}};
}

result<body> handle_read(const route_match& route, const query_params& query, const read_context& ctx) {
  switch (route.spec->id) {
    case route_id::health: return health(query, ctx);
    case route_id::whoami: return whoami(query, ctx);
    case route_id::settings:
      if (auto st = require_known(query, {}); !st) return st.take_failure();
      return body{ctx.settings ? ctx.settings->dump() : "{}", json::object()};
    case route_id::events: return events(query, ctx);
    default: break;
  }
  if (!ctx.snap) return not_ready();
  const snapshot& s = *ctx.snap;
  switch (route.spec->id) {
    case route_id::fleet:
      if (auto st = require_known(query, {}); !st) return st.take_failure();
      return body{fleet_json(s).dump(), json::object()};
    case route_id::runners: return runners(query, s);
    case route_id::runner: return runner(route, query, s);
    case route_id::pods: return pods(query, s);
    case route_id::autoscalers: return autoscalers(query, s);
    case route_id::gitops_drift: return gitops_drift(query, s);
    case route_id::gitops_config: return gitops_config(route, query, s);
    default:
      return make_error(error_code::internal, "route is not a read route");
  }
}

}  // namespace runnerfleet::api
