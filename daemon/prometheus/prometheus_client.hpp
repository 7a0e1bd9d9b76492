// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/prometheus/result.hpp"
#include "common/time_format.hpp"
#include "daemon/self_metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace runnerfleet::daemon {

/// Prometheus's HTTP API: instant and range queries (POSTed as forms, so long queries fit),
/// with a deadline each, optional bearer token or basic auth read from files per request, and
/// TLS verified. Replies are decoded and their errors mapped by common/prometheus/result.
class prometheus_client {
 public:
  /// Fails on a malformed URL or an unreadable CA file.
  static result<std::unique_ptr<prometheus_client>> create(boost::asio::any_io_executor ex, const prometheus_config& cfg,
                                                           self_metrics& metrics);
  ~prometheus_client();

  /// /api/v1/query at `at`.
  boost::asio::awaitable<result<promql::query_result>> query(std::string expr, time_point at);
  /// /api/v1/query_range over [start, end] every `step`.
  boost::asio::awaitable<result<promql::query_result>> query_range(std::string expr, time_point start, time_point end,
                                                                   std::chrono::seconds step);
  /// Closes connections (shutdown).
  void close_all();

 private:
  struct impl;
  explicit prometheus_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace runnerfleet::daemon
