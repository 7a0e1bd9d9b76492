// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "daemon/request_router.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

namespace runnerfleet::daemon {

/// HTTP/1.1 over the daemon's Unix socket: one coroutine per connection, peer credentials read
/// at accept, a deadline on every read and write (no slowloris), bounded headers and bodies,
/// SSE for the event stream, and a graceful stop that closes every session.
class http_server {
 public:
  http_server(boost::asio::io_context& ioc, request_router& router, snapshot_store& store, self_metrics& metrics);
  ~http_server();

  /// Binds and listens on `path` (already prepared by socket_guard).
  status listen(const std::string& path);
  /// Also serves GET /metrics (only) on a TCP address "host:port", if configured.
  status listen_metrics(const std::string& host_port);
  /// Starts accepting.
  void start();
  /// Stops accepting and closes every open connection.
  void stop();
  /// True when no connection is open (shutdown can finish).
  bool idle() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace runnerfleet::daemon
