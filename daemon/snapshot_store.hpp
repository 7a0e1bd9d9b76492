// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/fleet_events.hpp"
#include "common/gitlab/runners.hpp"
#include "common/kube/cluster_state.hpp"
#include "common/kube/object_sink.hpp"
#include "common/snapshot.hpp"
#include "daemon/change_signal.hpp"
#include "daemon/self_metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <set>
#include <optional>
#include <memory>
#include <string>
#include <vector>

namespace runnerfleet::daemon {

/// Owns the raw cluster caches and the published snapshot. Informers write through per-cluster
/// feeds; changes are coalesced (timeouts::snapshot_debounce) into one rebuild; the new snapshot
/// is swapped in whole, and what changed becomes fleet events that wake the SSE streams.
/// Everything runs on the one io_context thread: readers never lock.
class snapshot_store {
 public:
  snapshot_store(boost::asio::any_io_executor ex, const config& cfg, self_metrics& metrics);
  ~snapshot_store();

  /// The sink a cluster's informers write into.
  kube::object_sink& feed(const std::string& cluster);

  /// Reads registrations from this GitLab source (null = not configured) and rebuilds on its
  /// changes; registrations of the fleet's GitLab releases are the ones it reads in detail.
  void attach_gitlab(class gitlab_source* source);

  /// Joins the Prometheus source (null: not configured): its polled figures ride along in
  /// every snapshot, and each new batch triggers a rebuild.
  void attach_metrics(class metrics_source* source);

  /// Joins the GitOps source (null: not configured): drift is judged against its tfvars at every
  /// rebuild, and each new read triggers one.
  void attach_gitops(class gitops_source* source);

  /// A GitLab release of this name (or one named in gitlab.mapping) is in the fleet.
  bool wants_registration(const gitlab::runner& r) const;

  /// A cluster's raw cache (null for an unknown cluster): the objects a mutation starts from.
  const kube::cluster_state* cluster_cache(const std::string& cluster) const;

  /// The published snapshot (null until the first build).
  std::shared_ptr<const snapshot> current() const { return current_; }
  const event_log& events() const { return events_; }
  /// Signalled whenever events are appended or the generation changes.
  change_signal& changes() { return changes_; }

  /// Records an event from elsewhere (mutations, later sources) and wakes the streams.
  void publish_event(fleet_event e);

  /// Starts the periodic refresh (time-based states such as "pending too long").
  void start();
  void stop();

  /// Builds now (tests and benchmarks).
  void rebuild_now();

 private:
  class cluster_feed;
  void mark_dirty();
  void schedule_rebuild(std::chrono::milliseconds delay);
  void rebuild();
  source_view cluster_source_view(const cluster_feed& f) const;

  boost::asio::any_io_executor ex_;
  const config& cfg_;
  self_metrics& metrics_;
  std::map<std::string, std::unique_ptr<cluster_feed>> feeds_;
  gitlab_source* gitlab_ = nullptr;
  metrics_source* metrics_source_ = nullptr;
  gitops_source* gitops_ = nullptr;
  std::set<std::string, std::less<>> mapped_;  ///< registration ids and descriptions in gitlab.mapping
  std::size_t gitlab_releases_ = 0;  ///< GitLab runners in the last snapshot: the GitLab source hears of growth
  std::shared_ptr<const snapshot> current_;
  std::uint64_t generation_ = 0;
  event_log events_;
  change_signal changes_;
  boost::asio::steady_timer debounce_;
  boost::asio::steady_timer refresh_;
  bool rebuild_scheduled_ = false;
  /// The published snapshot was built after every cluster had synced: diffs against it are news.
  bool baseline_synced_ = false;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point last_build_{};
  /// When the oldest change not yet in a published snapshot arrived.
  std::optional<std::chrono::steady_clock::time_point> dirty_since_;
};

}  // namespace runnerfleet::daemon
