// SPDX-License-Identifier: Apache-2.0
#include "daemon/prometheus/metrics_source.hpp"

#include "common/api/metrics_json.hpp"
#include "common/api/serialize.hpp"
#include "common/prometheus/queries.hpp"
#include "daemon/prometheus/prometheus_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <set>

namespace runnerfleet::daemon {

namespace net = boost::asio;
using nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_cached_queries = 512;
constexpr auto cache_lifetime = std::chrono::minutes(30);
const std::string snapshot_window = "1h";

/// One query to send: instant at `end`, or a range [start, end] by step.
struct query_key {
  std::string expr;
  bool instant = true;
  time_point start{}, end{};
  std::chrono::seconds step{0};

  std::string id() const {
    auto s = [](time_point t) { return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count()); };
    return (instant ? "i|" : "r|") + s(start) + "|" + s(end) + "|" + std::to_string(step.count()) + "|" + expr;
  }
};

/// A query in flight: later askers wait for the first one's answer.
struct flight {
  explicit flight(net::any_io_executor ex) : wake(ex, steady::time_point::max()) {}
  std::optional<result<promql::query_result>> value;
  net::steady_timer wake;
};

/// `t` rounded down to a multiple of `step` (so the same window asked twice within a step
/// is the same query, and the cache can answer it).
time_point align(time_point t, std::chrono::seconds step) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
  return time_point(std::chrono::duration_cast<time_point::duration>(s - s % step));
}

promql::scope scope_of(const config& cfg) {
  promql::scope s;
  s.namespace_label = cfg.prometheus->namespace_label;
  s.pod_label = cfg.prometheus->pod_label;
  std::set<std::string> namespaces;
  for (const auto& c : cfg.clusters) {
    if (c.namespaces.empty()) return s;  // a cluster watched whole: no namespace filter
    namespaces.insert(c.namespaces.begin(), c.namespaces.end());
  }
  s.namespaces.assign(namespaces.begin(), namespaces.end());
  return s;
}

bool transport_failure(const error& e) { return e.code == error_code::unavailable || e.code == error_code::timeout; }

}  // namespace

struct metrics_source::impl {
  net::any_io_executor ex;
  const config& cfg;
  const prometheus_config& pcfg;
  runners_fn snapshot_now;
  std::unique_ptr<prometheus_client> client;
  promql::scope scope;
  std::function<void()> changed = [] {};

  std::shared_ptr<const fleet_metrics> last;
  bool stopped = false;
  net::steady_timer next_poll{ex};

  // Health.
  bool failing = false;
  std::size_t failed_in_last_batch = 0;
  std::optional<time_point> last_success, last_error_time;
  std::string last_error;
  std::chrono::milliseconds last_batch_took{0};

  std::map<std::string, std::pair<promql::query_result, steady::time_point>> cache;
  std::map<std::string, std::shared_ptr<flight>> flights;

  std::size_t batch_size = 0;  ///< queries per poll, for health()

  impl(net::any_io_executor e, const config& c, runners_fn fn)
      : ex(e), cfg(c), pcfg(*c.prometheus), snapshot_now(std::move(fn)), scope(scope_of(c)),
        batch_size(promql::fleet_batch(scope, std::chrono::hours(1)).size() + 2 * pcfg.caches.size()) {}

  void remember(const std::string& id, const promql::query_result& r) {
    auto now = steady::now();
    if (cache.size() >= max_cached_queries)
      std::erase_if(cache, [&](const auto& kv) { return now - kv.second.second > cache_lifetime; });
    if (cache.size() >= max_cached_queries) cache.erase(cache.begin());
    cache[id] = {r, now};
  }

  /// One query, from the cache or shared with an identical one in flight when `shared`.
  net::awaitable<result<promql::query_result>> fetch(query_key k, bool shared) {
    auto id = k.id();
    if (shared) {
      if (auto it = cache.find(id); it != cache.end() && steady::now() - it->second.second < cache_lifetime)
        co_return it->second.first;
      if (auto it = flights.find(id); it != flights.end()) {
        auto f = it->second;
        co_await f->wake.async_wait(use_nothrow);
        if (f->value) co_return *f->value;
        co_return make_error(error_code::unavailable, "the daemon is shutting down");
      }
    }
    auto f = std::make_shared<flight>(ex);
    if (shared) flights[id] = f;
    result<promql::query_result> r = make_error(error_code::internal, "not run");
    if (k.instant) r = co_await client->query(k.expr, k.end);
    else r = co_await client->query_range(k.expr, k.start, k.end, k.step);
    if (shared) {
      if (r) remember(id, *r);
      flights.erase(id);
    }
    f->value = r;
    f->wake.cancel();
    co_return r;
  }

  /// The batch over `window` at `at`; cache and flight sharing when `shared`.
  net::awaitable<batch_results> run_batch(std::chrono::seconds window, time_point at, bool shared) {
    batch_results out;
    out.evaluated_at = at;
    std::optional<error> down;
    for (auto& q : promql::fleet_batch(scope, window)) {
      if (down) {
        out.errors[q.id] = down->message;
        continue;
      }
      query_key key{q.text, true, at, at, {}};
      auto r = co_await fetch(std::move(key), shared);
      if (r) {
        out.results[q.id] = std::move(*r);
        continue;
      }
      out.errors[q.id] = r.failure().message;
      if (transport_failure(r.failure())) down = r.failure();
    }
    for (const auto& c : pcfg.caches) {
      cache_metrics m;
      m.name = c.name;
      for (auto [selector, field] : {std::pair{&c.hits, &m.hits}, std::pair{&c.misses, &m.misses}}) {
        if (down) {
          m.error = down->message;
          break;
        }
        query_key key{promql::counter_total(*selector, window), true, at, at, {}};
        auto r = co_await fetch(std::move(key), shared);
        if (!r) {
          m.error = r.failure().message;
          break;
        }
        if (!r->data.empty() && !r->data.front().points.empty()) *field = r->data.front().points.front().value;
      }
      if (m.hits && m.misses && *m.hits + *m.misses > 0) m.hit_rate = *m.hits / (*m.hits + *m.misses);
      out.caches.push_back(std::move(m));
    }
    co_return out;
  }

  fleet_metrics summarize(const batch_results& b, const std::string& window) {
    auto snap = snapshot_now();
    static const std::vector<runner_view> none;
    return summarize_metrics(b, snap ? snap->runners : none, pcfg, window);
  }

  net::awaitable<void> poll_once() {
    auto started = steady::now();
    auto batch = co_await run_batch(std::chrono::hours(1), clock::now(), false);
    last_batch_took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started);
    failed_in_last_batch = batch.errors.size();
    if (batch.results.empty()) {
      failing = true;
      last_error = batch.errors.empty() ? "no queries" : batch.errors.begin()->second;
      last_error_time = clock::now();
    } else {
      failing = false;
      last_success = clock::now();
      if (!batch.errors.empty()) {
        last_error = batch.errors.begin()->second;
        last_error_time = clock::now();
      }
      last = std::make_shared<const fleet_metrics>(summarize(batch, snapshot_window));
    }
    changed();
  }

  net::awaitable<void> poll_loop() {
    while (!stopped) {
      auto started = steady::now();
      co_await poll_once();
      if (stopped) break;  // stop() came while the poll ran: no timer was waiting to cancel
      next_poll.expires_after(std::max<steady::duration>(pcfg.poll_interval - (steady::now() - started), std::chrono::seconds(1)));
      co_await next_poll.async_wait(use_nothrow);
    }
  }

  json source_json(bool stale) const {
    return {{"state", health_state()}, {"stale", stale}, {"last_success", api::time_json(last_success)},
            {"error", failing || failed_in_last_batch ? json(last_error) : json(nullptr)}};
  }

  std::string health_state() const {
    if (failing) return "down";
    if (!last_success) return "degraded";
    return failed_in_last_batch ? "degraded" : "ok";
  }

  /// The window's range series, in order; after a transport failure the rest are not sent.
  net::awaitable<json> series(const std::vector<promql::range_query>& queries, const promql::window& w, time_point end) {
    json out = json::array();
    std::optional<error> down;
    for (const auto& q : queries) {
      result<promql::query_result> r = down ? result<promql::query_result>(*down) : make_error(error_code::internal, "");
      if (!down) {
        query_key key{q.text, false, end - w.span, end, w.step};
        r = co_await fetch(std::move(key), true);
        if (!r && transport_failure(r.failure())) down = r.failure();
      }
      out.push_back(api::range_json(q, r));
    }
    co_return out;
  }

  json window_frame(const promql::window& w, time_point end) const {
    return {{"window", w.name},
            {"step_seconds", w.step.count()},
            {"start", api::time_json(end - w.span)},
            {"end", api::time_json(end)}};
  }
};

result<std::unique_ptr<metrics_source>> metrics_source::create(net::any_io_executor ex, const config& cfg, self_metrics& metrics,
                                                               runners_fn current) {
  auto client = prometheus_client::create(ex, *cfg.prometheus, metrics);
  if (!client) return client.take_failure();
  auto p = std::make_unique<impl>(ex, cfg, std::move(current));
  p->client = std::move(*client);
  return std::unique_ptr<metrics_source>(new metrics_source(std::move(p)));
}

metrics_source::metrics_source(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
metrics_source::~metrics_source() = default;

void metrics_source::on_change(std::function<void()> fn) { impl_->changed = std::move(fn); }
void metrics_source::start() { net::co_spawn(impl_->ex, impl_->poll_loop(), net::detached); }

void metrics_source::stop() {
  impl_->stopped = true;
  impl_->next_poll.cancel();
  for (auto& [id, f] : impl_->flights) f->wake.cancel();
  impl_->client->close_all();
}

std::shared_ptr<const fleet_metrics> metrics_source::current() const { return impl_->last; }

source_view metrics_source::health() const {
  const auto& p = *impl_;
  source_view v;
  v.name = "prometheus";
  v.kind = "prometheus";
  v.state = p.health_state();
  v.last_success = p.last_success;
  v.last_error_time = p.last_error_time;
  if (v.state != "ok") v.last_error = p.last_error.empty() ? "first poll in progress" : p.last_error;
  v.detail = p.pcfg.url + ": " +
             (p.last ? std::to_string(p.last->runners.size()) + " runners with metrics, batch of " +
                           std::to_string(p.batch_size) +
                           " queries every " + std::to_string(p.pcfg.poll_interval.count()) + "s took " +
                           std::to_string(p.last_batch_took.count()) + " ms"
                     : std::string("first poll in progress"));
  if (p.failing && p.last) v.conditions.push_back("serving the metrics of " + format_rfc3339(p.last->as_of) + " (stale)");
  if (p.last && p.last->unattributed_series > 0)
    v.conditions.push_back(std::to_string(p.last->unattributed_series) + " series from pods no runner claims");
  return v;
}

net::awaitable<result<json>> metrics_source::fleet_window(std::string window) {
  auto& p = *impl_;
  auto w = promql::find_window(window);
  if (!w) co_return make_error(error_code::invalid_argument, "window must be one of 1h, 6h, 24h, 7d", {{"parameter", "window"}});
  auto end = align(clock::now(), w->step);
  json out = p.window_frame(*w, end);
  std::optional<fleet_metrics> computed;
  const fleet_metrics* figures = nullptr;
  bool stale = false;
  if (w->name == snapshot_window) {
    figures = p.last.get();
    stale = p.failing;
  } else {
    auto batch = co_await p.run_batch(w->span, end, true);
    if (!batch.results.empty()) {
      computed = p.summarize(batch, w->name);
      figures = &*computed;
    } else {
      out["error"] = batch.errors.empty() ? "no queries" : batch.errors.begin()->second;
    }
  }
  out["source"] = p.source_json(stale);
  out["metrics"] = figures ? api::fleet_metrics_json(*figures) : json(nullptr);
  json runners = json::array();
  if (figures)
    for (const auto& r : figures->runners)
      runners.push_back({{"name", r.name}, {"cluster", r.cluster}, {"namespace", r.ns}, {"forge", r.forge},
                         {"usage", api::usage_json(r.usage)}});
  out["runners"] = std::move(runners);
  out["series"] = co_await p.series(promql::fleet_series(p.scope, *w), *w, end);
  co_return out;
}

net::awaitable<result<json>> metrics_source::runner_window(std::string name, std::string cluster, std::string window) {
  auto& p = *impl_;
  auto w = promql::find_window(window);
  if (!w) co_return make_error(error_code::invalid_argument, "window must be one of 1h, 6h, 24h, 7d", {{"parameter", "window"}});
  auto snap = p.snapshot_now();
  const runner_view* runner = nullptr;
  if (snap)
    for (auto i : snap->find_runner(name))
      if (cluster.empty() || snap->runners[i].cluster == cluster) {
        if (runner) co_return make_error(error_code::invalid_argument, "runner '" + name + "' exists in several clusters; add cluster=",
                                         {{"parameter", "cluster"}});
        runner = &snap->runners[i];
      }
  if (!runner) co_return make_error(error_code::not_found, "no runner named '" + name + "'", {{"runner", name}});
  auto pods = runner_pods_of(*runner);
  if (!pods) co_return make_error(error_code::not_found, "runner '" + name + "' has no forge metrics", {{"runner", name}});
  auto end = align(clock::now(), w->step);
  json out = p.window_frame(*w, end);
  out["runner"] = runner->name;
  out["cluster"] = runner->cluster;
  out["namespace"] = runner->ns;
  out["forge"] = runner->forge;
  out["source"] = p.source_json(p.failing);
  json current = nullptr, slo = json::array();
  if (p.last) {
    for (const auto& r : p.last->runners)
      if (r.name == runner->name && r.cluster == runner->cluster) current = api::usage_json(r.usage);
    for (const auto& r : p.last->slo)
      if (r.runner == runner->name && r.cluster == runner->cluster) slo.push_back(api::slo_json(r));
  }
  out["current"] = std::move(current);
  out["current_window"] = snapshot_window;
  out["slo"] = std::move(slo);
  out["pod_pattern"] = promql::pod_pattern(*pods);
  out["series"] = co_await p.series(promql::runner_series(p.scope, *pods, *w), *w, end);
  co_return out;
}

}  // namespace runnerfleet::daemon
