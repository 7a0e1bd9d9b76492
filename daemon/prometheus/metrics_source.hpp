// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/fleet_metrics.hpp"
#include "common/snapshot.hpp"
#include "daemon/self_metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

namespace runnerfleet::daemon {

/// The Prometheus source. Every poll_interval one batch of instant queries (the last hour, per
/// namespace and pod) is summarized against the current snapshot into an immutable
/// fleet_metrics the snapshot carries; the windows and series of /v1/metrics/* are read on
/// demand through a small cache keyed by query and step-aligned end, where concurrent
/// identical requests share one upstream query. When Prometheus is down the last good
/// metrics stay, marked stale.
class metrics_source {
 public:
  /// The runners metrics are attributed to (the current snapshot's).
  using runners_fn = std::function<std::shared_ptr<const snapshot>()>;

  /// Fails on a malformed URL or CA file.
  static result<std::unique_ptr<metrics_source>> create(boost::asio::any_io_executor ex, const config& cfg,
                                                        self_metrics& metrics, runners_fn current);
  ~metrics_source();

  /// Called (on the io thread) whenever the polled metrics or the health changed.
  void on_change(std::function<void()> fn);
  void start();
  void stop();

  /// The last good polled metrics (null before the first success).
  std::shared_ptr<const fleet_metrics> current() const;
  /// Health for /v1/health and the snapshot.
  source_view health() const;

  /// /v1/metrics/fleet: the window's figures per forge and runner, SLOs, caches and series.
  boost::asio::awaitable<result<nlohmann::json>> fleet_window(std::string window);
  /// /v1/metrics/runners/{name}: CPU and memory per pod, job series, current figures.
  boost::asio::awaitable<result<nlohmann::json>> runner_window(std::string name, std::string cluster, std::string window);

 private:
  struct impl;
  explicit metrics_source(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace runnerfleet::daemon
