// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/gitlab/registration.hpp"
#include "common/snapshot.hpp"
#include "daemon/self_metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace runnerfleet::daemon {

/// The GitLab source: polls the runner registrations in the configured scope (every page),
/// re-reads details, managers and running jobs within a request budget, honours 429 /
/// Retry-After / RateLimit-*, and keeps the last good data (marked stale) when GitLab is down.
/// It is also the one place that changes GitLab: pausing and resuming registrations.
class gitlab_source {
 public:
  /// Fails on a malformed URL or CA file, or an unreadable token file.
  static result<std::unique_ptr<gitlab_source>> create(boost::asio::any_io_executor ex, const gitlab_config& cfg,
                                                       self_metrics& metrics);
  ~gitlab_source();

  /// Called (on the io thread) whenever registrations or health changed.
  void on_change(std::function<void()> fn);
  /// Which registrations belong to the fleet; only those are read beyond the list.
  void set_wanted(std::function<bool(const gitlab::runner&)> fn);

  void start();
  void stop();
  /// The fleet's GitLab releases changed: poll again within a second if that leaves registrations
  /// of the fleet unread (at start-up the first list usually finishes before the cluster's), so
  /// details do not wait a whole poll_interval. The per-minute budget still holds.
  void fleet_changed();

  /// The registrations as last read, sorted by id.
  const std::vector<gitlab::registration>& registrations() const;
  /// One complete list has been read (so a missing registration is really missing).
  bool listed() const;
  /// Health for /v1/health and the snapshot.
  source_view health() const;

  /// PUT /runners/:id {"paused": ...}; the registration is updated from GitLab's reply at once.
  boost::asio::awaitable<result<gitlab::registration>> set_paused(std::int64_t id, bool paused);
  /// Re-reads one registration's details, managers and running jobs now.
  boost::asio::awaitable<result<gitlab::registration>> refresh(std::int64_t id);

 private:
  struct impl;
  explicit gitlab_source(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace runnerfleet::daemon
