// SPDX-License-Identifier: Apache-2.0
#include "daemon/snapshot_store.hpp"

#include "common/snapshot_builder.hpp"
#include "common/timeouts.hpp"
#include "daemon/gitlab/gitlab_source.hpp"
#include "daemon/gitops/gitops_source.hpp"
#include "daemon/prometheus/metrics_source.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace runnerfleet::daemon {

namespace net = boost::asio;
using kube::informer_phase;

/// One cluster's informers write here: data into the cache, health into the status map.
class snapshot_store::cluster_feed final : public kube::object_sink {
 public:
  cluster_feed(snapshot_store& store, std::string cluster) : store_(store), cluster_(std::move(cluster)) {}

  void begin_relist(kube::resource_kind kind, std::string_view ns) override { state_.begin_relist(kind, ns); }
  void relist_item(kube::resource_kind kind, const nlohmann::json& object) override {
    state_.relist_item(kind, object);
  }
  void end_relist(kube::resource_kind kind, std::string_view ns) override {
    state_.end_relist(kind, ns);
    store_.mark_dirty();
  }
  void abort_relist(kube::resource_kind kind, std::string_view ns) override { state_.abort_relist(kind, ns); }
  void apply_event(kube::resource_kind kind, kube::watch_event_type type, const nlohmann::json& object) override {
    auto before = state_.version();
    state_.apply_event(kind, type, object);
    if (state_.version() != before) store_.mark_dirty();
  }
  void informer_changed(kube::resource_kind kind, std::string_view ns, const kube::informer_status& s) override {
    informers_[{kind, std::string(ns)}] = s;
    store_.metrics_.set_informer(cluster_, ns, kind, s);
    store_.mark_dirty();
  }

  const std::string& name() const { return cluster_; }
  const kube::cluster_state& state() const { return state_; }
  const std::map<std::pair<kube::resource_kind, std::string>, kube::informer_status>& informers() const {
    return informers_;
  }

  /// Listed at least once (or known absent/forbidden) for every informer.
  bool synced() const {
    if (informers_.empty()) return false;
    for (const auto& [_, s] : informers_)
      if (!s.synced && s.phase != informer_phase::absent && s.phase != informer_phase::forbidden) return false;
    return true;
  }

  /// Still in its very first list: rebuilding now would only waste CPU.
  bool initial_sync_running() const {
    for (const auto& [_, s] : informers_)
      if (!s.synced && (s.phase == informer_phase::listing || s.phase == informer_phase::starting)) return true;
    return false;
  }

  bool listeners_visible() const {
    for (const auto& [key, s] : informers_)
      if (key.first == kube::resource_kind::autoscaling_listeners && s.synced && s.phase != informer_phase::absent)
        return true;
    return false;
  }

 private:
  snapshot_store& store_;
  std::string cluster_;
  kube::cluster_state state_;
  std::map<std::pair<kube::resource_kind, std::string>, kube::informer_status> informers_;
};

snapshot_store::snapshot_store(net::any_io_executor ex, const config& cfg, self_metrics& metrics)
    : ex_(ex), cfg_(cfg), metrics_(metrics), debounce_(ex), refresh_(ex) {
  for (const auto& c : cfg.clusters) feeds_.emplace(c.name, std::make_unique<cluster_feed>(*this, c.name));
}

snapshot_store::~snapshot_store() = default;

kube::object_sink& snapshot_store::feed(const std::string& cluster) { return *feeds_.at(cluster); }

const kube::cluster_state* snapshot_store::cluster_cache(const std::string& cluster) const {
  auto it = feeds_.find(cluster);
  return it == feeds_.end() ? nullptr : &it->second->state();
}

void snapshot_store::attach_gitlab(gitlab_source* source) {
  gitlab_ = source;
  mapped_.clear();
  if (!source || !cfg_.gitlab) return;
  for (const auto& [release, entries] : cfg_.gitlab->mapping) mapped_.insert(entries.begin(), entries.end());
  source->on_change([this] { mark_dirty(); });
  source->set_wanted([this](const gitlab::runner& r) { return wants_registration(r); });
}

void snapshot_store::attach_metrics(metrics_source* source) {
  metrics_source_ = source;
  if (source) source->on_change([this] { mark_dirty(); });
}

void snapshot_store::attach_gitops(gitops_source* source) {
  gitops_ = source;
  if (source) source->on_change([this] { mark_dirty(); });
}

bool snapshot_store::wants_registration(const gitlab::runner& r) const {
  if (mapped_.contains(r.description) || mapped_.contains(std::to_string(r.id))) return true;
  if (!current_) return true;  // before the first build everything is a candidate
  for (auto i : current_->find_runner(r.description))
    if (current_->runners[i].forge == "gitlab") return true;
  return false;
}

void snapshot_store::publish_event(fleet_event e) {
  if (e.time == time_point{}) e.time = clock::now();
  events_.append(std::move(e));
  changes_.notify_all();
}

void snapshot_store::start() {
  rebuild();
  refresh_.expires_after(timeouts::snapshot_refresh);
  refresh_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    start();
  });
}

void snapshot_store::stop() {
  stopped_ = true;
  debounce_.cancel();
  refresh_.cancel();
  changes_.notify_all();
}

void snapshot_store::mark_dirty() {
  if (stopped_) return;
  if (!dirty_since_) dirty_since_ = std::chrono::steady_clock::now();
  schedule_rebuild(std::chrono::duration_cast<std::chrono::milliseconds>(timeouts::snapshot_debounce));
}

void snapshot_store::schedule_rebuild(std::chrono::milliseconds delay) {
  if (rebuild_scheduled_) return;
  rebuild_scheduled_ = true;
  debounce_.expires_after(delay);
  debounce_.async_wait([this](const boost::system::error_code& ec) {
    rebuild_scheduled_ = false;
    if (ec || stopped_) return;
    bool syncing = false;
    for (const auto& [_, f] : feeds_) syncing |= f->initial_sync_running();
    // During the first list of a large fleet, build at most once a second.
    if (syncing && current_ && std::chrono::steady_clock::now() - last_build_ < std::chrono::seconds(1)) {
      schedule_rebuild(std::chrono::milliseconds(200));
      return;
    }
    rebuild();
  });
}

source_view snapshot_store::cluster_source_view(const cluster_feed& f) const {
  source_view v;
  v.name = "kubernetes/" + f.name();
  v.kind = "kubernetes";
  int total = 0, watching = 0, failing = 0, absent = 0, forbidden = 0, synced = 0;
  for (const auto& [key, s] : f.informers()) {
    ++total;
    if (s.synced) ++synced;
    if (s.last_success > v.last_success.value_or(time_point{})) v.last_success = s.last_success;
    if (!s.last_error.empty() && s.last_error_time >= v.last_error_time.value_or(time_point{}) &&
        s.phase != informer_phase::watching && s.phase != informer_phase::absent) {
      v.last_error_time = s.last_error_time;
      v.last_error = s.last_error;
    }
    switch (s.phase) {
      case informer_phase::watching: ++watching; break;
      case informer_phase::absent:
        ++absent;
        v.conditions.push_back(std::string(kube::to_string(key.first)) + " absent in " + key.second +
                               " (CRD not installed)");
        break;
      case informer_phase::forbidden:
        ++forbidden;
        v.conditions.push_back(std::string(kube::to_string(key.first)) + " forbidden in " + key.second);
        break;
      case informer_phase::backing_off: ++failing; break;
      default: break;
    }
  }
  int needed = total - absent;
  if (total == 0) {
    v.state = "down";
    v.detail = "no informers started";
  } else if (needed > 0 && failing + forbidden >= needed) {
    v.state = "down";
  } else if (failing + forbidden > 0 || synced + absent < total) {
    v.state = "degraded";
  } else {
    v.state = "ok";
  }
  v.detail = std::to_string(watching) + "/" + std::to_string(total) + " informers watching, " +
             std::to_string(synced) + " synced";
  if (absent) v.detail += ", " + std::to_string(absent) + " absent";
  if (failing) v.detail += ", " + std::to_string(failing) + " retrying";
  if (synced + absent < total && failing == 0) v.detail += " (initial sync in progress)";
  return v;
}

void snapshot_store::rebuild_now() { rebuild(); }

void snapshot_store::rebuild() {
  auto started = std::chrono::steady_clock::now();
  auto dirty_since = std::exchange(dirty_since_, std::nullopt);
  build_input in;
  in.thresholds = cfg_.thresholds;
  in.now = clock::now();
  in.generation = generation_ + 1;
  in.previous = current_.get();
  for (const auto& [name, f] : feeds_) {
    auto src = cluster_source_view(*f);
    metrics_.set_source_up(src.name, src.state == "ok");
    in.clusters.push_back({name, &f->state(), f->synced(), src.state != "ok", f->listeners_visible()});
    in.sources.push_back(std::move(src));
  }
  gitlab_input gitlab;
  if (gitlab_ && cfg_.gitlab) {
    auto src = gitlab_->health();
    metrics_.set_source_up(src.name, src.state == "ok");
    gitlab.registrations = &gitlab_->registrations();
    gitlab.listed = gitlab_->listed();
    gitlab.stale = src.state == "down";
    gitlab.config = &*cfg_.gitlab;
    in.gitlab = &gitlab;
    in.sources.push_back(std::move(src));
  } else {
    in.sources.push_back({.name = "gitlab", .kind = "gitlab", .state = "not_configured",
                          .detail = "no gitlab section in the config: registrations, pause and resume are off"});
  }
  if (metrics_source_) {
    auto src = metrics_source_->health();
    metrics_.set_source_up(src.name, src.state == "ok");
    in.metrics = metrics_source_->current();
    in.metrics_stale = src.state == "down";
    in.sources.push_back(std::move(src));
  } else {
    in.sources.push_back({.name = "prometheus", .kind = "prometheus", .state = "not_configured",
                          .detail = "no prometheus section in the config: fleet and runner metrics and SLOs are off"});
  }
  gitops_input gitops;
  if (gitops_ && cfg_.gitops) {
    auto src = gitops_->health();
    metrics_.set_source_up(src.name, src.state == "ok");
    gitops.desired = gitops_->current();
    gitops.stale = src.state == "down";
    gitops.config = &*cfg_.gitops;
    in.gitops = &gitops;
    in.sources.push_back(std::move(src));
  } else {
    in.sources.push_back({.name = "gitops", .kind = "gitops", .state = "not_configured",
                          .detail = "no gitops section in the config: drift, runner config and proposals are off"});
  }
  bool all_synced = true;
  for (const auto& c : in.clusters) all_synced = all_synced && c.synced;
  auto next = build_snapshot(in);
  last_build_ = std::chrono::steady_clock::now();
  auto releases = static_cast<std::size_t>(
      std::count_if(next->runners.begin(), next->runners.end(), [](const auto& r) { return r.forge == "gitlab"; }));
  metrics_.observe_snapshot_build(std::chrono::duration<double>(last_build_ - started).count(),
                                  next->runners.size(), next->pods.size());
  if (current_ && current_->same_content(*next)) {
    baseline_synced_ = all_synced;
    next->generation = current_->generation;  // nothing changed: same generation, fresher time
    current_ = std::move(next);
    return;
  }
  // Until every cluster has been listed once, differences are the initial sync, not news.
  std::vector<fleet_event> changes;
  if (current_ && baseline_synced_) changes = diff_snapshots(*current_, *next);
  else if (all_synced) changes = slo_breaches(*next);
  baseline_synced_ = all_synced;
  generation_ = next->generation;
  current_ = std::move(next);
  if (dirty_since && baseline_synced_)
    metrics_.observe_change_latency(std::chrono::duration<double>(std::chrono::steady_clock::now() - *dirty_since).count());
  metrics_.set_generation(generation_);
  for (auto& e : changes) events_.append(std::move(e));
  changes_.notify_all();
  // After publishing: the source asks wants_registration(), which reads current_.
  if (gitlab_ && releases != std::exchange(gitlab_releases_, releases)) gitlab_->fleet_changed();
}

}  // namespace runnerfleet::daemon
