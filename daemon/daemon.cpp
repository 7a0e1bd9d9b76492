// SPDX-License-Identifier: Apache-2.0
#include "daemon/daemon.hpp"

#include "build_config.hpp"
#include "common/gitops/stack_schema.hpp"
#include "common/kube/kubeconfig.hpp"
#include "common/timeouts.hpp"
#include "daemon/audit_journal.hpp"
#include "daemon/gitlab/gitlab_source.hpp"
#include "daemon/gitops/gitops_source.hpp"
#include "daemon/gitops/proposals.hpp"
#include "daemon/prometheus/metrics_source.hpp"
#include "daemon/http_server.hpp"
#include "daemon/kube/cluster_source.hpp"
#include "daemon/request_router.hpp"
#include "daemon/runner_mutations.hpp"
#include "daemon/self_metrics.hpp"
#include "daemon/snapshot_store.hpp"
#include "daemon/socket_guard.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <map>
#include <memory>

namespace runnerfleet::daemon {

namespace net = boost::asio;
using nlohmann::json;

namespace {

/// Resolves every cluster's credentials before anything starts: a broken kubeconfig is a
/// start-up error naming the cluster, not a silent retry loop.
result<std::map<std::string, kube::cluster_endpoint>> resolve_clusters(const config& cfg) {
  std::map<std::string, kube::cluster_endpoint> out;
  for (const auto& c : cfg.clusters) {
    auto endpoint = c.in_cluster ? kube::load_in_cluster() : kube::load_kubeconfig(*c.kubeconfig, c.context);
    if (!endpoint) {
      auto e = endpoint.take_failure();
      e.message = "cluster '" + c.name + "' (" + cfg.source_path + " line " + std::to_string(c.line) + "): " + e.message;
      return e;
    }
    if (c.insecure_skip_tls_verify) endpoint->insecure_skip_tls_verify = true;
    out.emplace(c.name, std::move(*endpoint));
  }
  return out;
}

/// What the GitLab source reads and how (never the token: only the file it comes from).
json gitlab_settings(const config& cfg) {
  if (!cfg.gitlab) return nullptr;
  const auto& g = *cfg.gitlab;
  json mapping = json::object();
  for (const auto& [release, entries] : g.mapping) mapping[release] = entries;
  return {{"url", g.url},
          {"scope", std::string(to_string(g.scope))},
          {"scope_id", g.scope_id.empty() ? json(nullptr) : json(g.scope_id)},
          {"token_file", g.token_file},
          {"tls_verify", !g.insecure_skip_tls_verify && g.url.rfind("https://", 0) == 0},
          {"poll_interval_s", g.poll_interval.count()},
          {"max_requests_per_minute", g.max_requests_per_minute},
          {"details_refresh_s", g.details_refresh.count()},
          {"offline_after_s", g.offline_after.count()},
          {"version_target", g.version_target ? json(*g.version_target) : json(nullptr)},
          {"mapping", std::move(mapping)}};
}

/// Where the desired state comes from and where proposals go (token file named, never read out).
json gitops_settings(const config& cfg) {
  if (!cfg.gitops) return nullptr;
  const auto& g = *cfg.gitops;
  json files = json::array();
  for (const auto& f : g.files) {
    json runners = json::object();
    for (const auto& [live, target] : f.runners) runners[live] = target;
    files.push_back({{"path", f.path}, {"stack", f.stack}, {"cluster", f.cluster}, {"runners", std::move(runners)}});
  }
  json stacks = json::array();
  for (const auto& s : g.stacks)
    stacks.push_back({{"name", s->name},
                      {"source", s->builtin ? "builtin" : "config"},
                      {"forge", s->layout.forge},
                      {"runners", s->layout.runners},
                      {"runner_sets", s->layout.sets.key.empty() ? json(nullptr) : json(s->layout.sets.key)},
                      {"variables", s->variables.size()}});
  return {{"source", g.project ? "gitlab" : "local"},
          {"project", g.project ? json(*g.project) : json(nullptr)},
          {"local_path", g.local_path ? json(*g.local_path) : json(nullptr)},
          {"branch", g.branch},
          {"token_file", g.project ? json(g.token_file ? *g.token_file : cfg.gitlab->token_file) : json(nullptr)},
          {"poll_interval_s", g.poll_interval.count()},
          {"branch_prefix", g.branch_prefix},
          {"proposals", g.project ? "merge requests into " + g.branch + " (never applied directly)"
                                  : std::string("unavailable: a local checkout cannot take merge requests")},
          {"files", std::move(files)},
          {"stacks", std::move(stacks)},
          {"unmanaged", g.unmanaged}};
}

/// What the Prometheus source reads and judges (credential files named, never read out).
json prometheus_settings(const config& cfg) {
  if (!cfg.prometheus) return nullptr;
  const auto& p = *cfg.prometheus;
  json caches = json::array();
  for (const auto& c : p.caches) caches.push_back({{"name", c.name}, {"hits", c.hits}, {"misses", c.misses}});
  return {{"url", p.url},
          {"auth", p.bearer_token_file ? "bearer token from " + *p.bearer_token_file
                   : p.basic_auth_password_file ? "basic auth as " + *p.basic_auth_username + ", password from " + *p.basic_auth_password_file
                                                : std::string("none")},
          {"tls_verify", !p.insecure_skip_tls_verify && p.url.rfind("https://", 0) == 0},
          {"poll_interval_s", p.poll_interval.count()},
          {"labels", {{"namespace", p.namespace_label}, {"pod", p.pod_label}}},
          {"caches", std::move(caches)},
          {"slo",
           {{"queue_time_p95_s", p.slo.queue_time_p95_seconds},
            {"failure_rate", p.slo.failure_rate},
            {"cpu_utilization", {p.slo.cpu_utilization_min, p.slo.cpu_utilization_max}},
            {"min_jobs", p.slo.min_jobs}}}};
}

/// The authority summary served at GET /v1/settings: what is read, what may be changed, by whom.
json settings_json(const config& cfg, const std::map<std::string, kube::cluster_endpoint>& endpoints) {
  json clusters = json::array();
  for (const auto& c : cfg.clusters) {
    const auto& ep = endpoints.at(c.name);
    clusters.push_back({{"name", c.name},
                        {"origin", ep.origin},
                        {"server", ep.server},
                        {"namespaces", c.namespaces},
                        {"tls_verify", !ep.insecure_skip_tls_verify && ep.server.rfind("https://", 0) == 0}});
  }
  json users = json::object(), groups = json::object();
  for (const auto& [k, r] : cfg.access.users) users[k] = std::string(to_string(r));
  for (const auto& [k, r] : cfg.access.groups) groups[k] = std::string(to_string(r));
  return {{"clusters", std::move(clusters)},
          {"prometheus", prometheus_settings(cfg)},
          {"gitlab", gitlab_settings(cfg)},
          {"gitops", gitops_settings(cfg)},
          {"mutations",
           {{"enabled", true},
            {"role", "operator"},
            {"routes", {"POST /v1/runners/{name}/pause", "POST /v1/runners/{name}/resume", "POST /v1/gitops/proposals"}},
            {"gitlab_runners", cfg.gitlab ? "pause/resume the matched registrations (PUT /runners/:id paused)"
                                          : "unavailable: GitLab is not configured"},
            {"arc_runners", cfg.arc.pause_mode == arc_pause_mode::scale_to_zero
                                ? "pause scales the AutoscalingRunnerSet to maxRunners 0; resume restores it"
                                : "refused: GitHub has no pause (arc.pause_mode: refuse)"},
            {"journal", cfg.state_dir + "/audit.jsonl"}}},
          {"access",
           {{"default_role",
             cfg.access.default_role ? json(std::string(to_string(*cfg.access.default_role))) : json(nullptr)},
            {"users", std::move(users)},
            {"groups", std::move(groups)}}}};
}

status prepare_state_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(error_code::unavailable, "cannot create state_dir '" + dir + "': " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return ok();
}

}  // namespace

int run_daemon(const config& cfg, const launch_options& options) {
  auto endpoints = resolve_clusters(cfg);
  if (!endpoints) {
    spdlog::critical("{}", endpoints.failure().message);
    return 2;
  }
  if (auto st = prepare_state_dir(cfg.state_dir); !st) {
    spdlog::critical("{}", st.failure().message);
    return 1;
  }
  auto guard = socket_guard::acquire(options.socket_path);
  if (!guard) {
    spdlog::critical("{}", guard.failure().message);
    return 1;
  }

  net::io_context ioc{1};
  self_metrics metrics;
  snapshot_store store(ioc.get_executor(), cfg, metrics);

  std::map<std::string, std::unique_ptr<kube::cluster_source>> sources;
  for (const auto& c : cfg.clusters) {
    auto source = kube::cluster_source::create(ioc.get_executor(), c.name, endpoints->at(c.name), c.namespaces,
                                               store.feed(c.name));
    if (!source) {
      spdlog::critical("cluster '{}': {}", c.name, source.failure().message);
      return 2;
    }
    sources.emplace(c.name, std::move(*source));
  }

  pod_log_fn pod_log = [&sources](const std::string& cluster, const std::string& ns, const std::string& pod,
                                  const std::string& container, int tail, int limit)
      -> net::awaitable<result<std::string>> {
    auto it = sources.find(cluster);
    if (it == sources.end()) co_return make_error(error_code::not_found, "unknown cluster '" + cluster + "'");
    co_return co_await it->second->pod_log(ns, pod, container, tail, limit);
  };
  auto journal = audit_journal::open(cfg.state_dir);
  if (!journal) {
    spdlog::critical("{}", journal.failure().message);
    return 1;
  }
  if ((*journal)->skipped_lines())
    spdlog::warn("audit journal {}: {} line(s) are not records and were skipped", (*journal)->path(),
                 (*journal)->skipped_lines());
  std::unique_ptr<gitlab_source> gitlab;
  if (cfg.gitlab) {
    auto created = gitlab_source::create(ioc.get_executor(), *cfg.gitlab, metrics);
    if (!created) {
      spdlog::critical("gitlab ({} line {}): {}", cfg.source_path, cfg.gitlab->line, created.failure().message);
      return 2;
    }
    gitlab = std::move(*created);
    store.attach_gitlab(gitlab.get());
  }
  std::unique_ptr<metrics_source> prometheus;
  if (cfg.prometheus) {
    auto created = metrics_source::create(ioc.get_executor(), cfg, metrics, [&store] { return store.current(); });
    if (!created) {
      spdlog::critical("prometheus ({} line {}): {}", cfg.source_path, cfg.prometheus->line, created.failure().message);
      return 2;
    }
    prometheus = std::move(*created);
    store.attach_metrics(prometheus.get());
  }
  std::unique_ptr<gitops_source> gitops;
  if (cfg.gitops) {
    auto created = gitops_source::create(ioc.get_executor(), cfg, metrics);
    if (!created) {
      spdlog::critical("gitops ({} line {}): {}", cfg.source_path, cfg.gitops->line, created.failure().message);
      return 2;
    }
    gitops = std::move(*created);
    store.attach_gitops(gitops.get());
  }
  proposals config_proposals(cfg, store, **journal, gitops.get());
  runner_mutations mutations(cfg, store, **journal, gitlab.get(), [&sources](const std::string& cluster) {
    auto it = sources.find(cluster);
    return it == sources.end() ? nullptr : it->second.get();
  });
  request_router router(cfg, store, metrics, settings_json(cfg, *endpoints), RUNNERFLEET_VERSION, pod_log, **journal,
                        mutations, config_proposals, prometheus.get());
  http_server server(ioc, router, store, metrics);

  if (auto st = server.listen(options.socket_path); !st) {
    spdlog::critical("{}", st.failure().message);
    return 1;
  }
  if (auto st = guard->restrict_mode(); !st) spdlog::warn("{}", st.failure().message);
  if (cfg.metrics_listen) {
    if (auto st = server.listen_metrics(*cfg.metrics_listen); !st) {
      spdlog::critical("{}", st.failure().message);
      return 1;
    }
  }

  for (auto& [_, s] : sources) s->start();
  if (gitlab) gitlab->start();
  if (prometheus) prometheus->start();
  if (gitops) gitops->start();
  store.start();
  if (!(*journal)->unfinished_at_open().empty()) {
    spdlog::warn("audit journal: {} mutation(s) have an intent but no outcome; re-reading their state",
                 (*journal)->unfinished_at_open().size());
    net::co_spawn(ioc, mutations.recover_unfinished(), net::detached);
  }
  server.start();
  spdlog::info("runnerfleetd {} serving {} ({} cluster(s))", RUNNERFLEET_VERSION, options.socket_path,
               cfg.clusters.size());

  // Shutdown cancels everything and lets every coroutine finish, so run() returns by itself and
  // nothing outlives the objects it uses. A watchdog cuts a stuck shutdown short.
  std::mutex shutdown_mutex;
  std::condition_variable shutdown_done;
  bool finished = false;
  std::thread watchdog;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {} received, shutting down", signo);
    server.stop();
    for (auto& [_, s] : sources) s->stop();
    if (gitlab) gitlab->stop();
    if (prometheus) prometheus->stop();
    if (gitops) gitops->stop();
    store.stop();
    watchdog = std::thread([&] {
      std::unique_lock lock(shutdown_mutex);
      if (!shutdown_done.wait_for(lock, timeouts::shutdown_grace, [&] { return finished; })) {
        spdlog::warn("shutdown took longer than {}s, exiting now",
                     std::chrono::duration_cast<std::chrono::seconds>(timeouts::shutdown_grace).count());
        spdlog::default_logger()->flush();
        std::_Exit(1);
      }
    });
  });
  ioc.run();
  {
    std::lock_guard lock(shutdown_mutex);
    finished = true;
  }
  shutdown_done.notify_all();
  if (watchdog.joinable()) watchdog.join();
  spdlog::info("runnerfleetd stopped");
  return 0;
}

}  // namespace runnerfleet::daemon
