// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/gitops/desired_state.hpp"
#include "common/snapshot.hpp"
#include "daemon/self_metrics.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>

namespace runnerfleet::daemon {

class gitlab_repository;

/// The desired-state source: the configured tfvars files from a GitLab project's branch (the
/// branch head is checked every poll_interval and the files re-read only when it moved) or
/// from a local checkout (re-read every poll_interval). Unchanged files keep their parsed
/// document; an unreadable file is reported in the state, never guessed; when the repository is
/// unreachable the last good state stays, marked stale.
class gitops_source {
 public:
  /// Fails on a malformed URL or CA file, or an unreadable token file.
  static result<std::unique_ptr<gitops_source>> create(boost::asio::any_io_executor ex, const config& cfg,
                                                       self_metrics& metrics);
  ~gitops_source();

  /// Called (on the io thread) whenever the state or the health changed.
  void on_change(std::function<void()> fn);
  void start();
  void stop();
  /// Re-reads now (a proposal found the file changed, or one was just opened).
  void refresh_soon();

  /// The state as last read; null until the first read succeeded.
  std::shared_ptr<const gitops::desired_state> current() const;
  /// Health for /v1/health and the snapshot.
  source_view health() const;
  /// The GitLab project (null for a local checkout, where proposals are not possible).
  gitlab_repository* repository();

 private:
  struct impl;
  explicit gitops_source(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace runnerfleet::daemon
