// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace runnerfleet::client {

/// Extra request headers, e.g. {"X-Runnerfleet-Role", "viewer"}.
using headers = std::vector<std::pair<std::string, std::string>>;

/// A daemon answer, undecoded.
struct response {
  int status = 0;
  std::string content_type;
  std::string body;
};

/// One Server-Sent Event as it arrived.
struct sse_event {
  std::string id;
  std::string event;
  std::string data;
};

/// HTTP/1.1 to runnerfleetd over its Unix socket, one connection per call, so calls can run
/// concurrently on one io_context and be cancelled one by one. Transport failures are values:
/// a missing socket or refused connection is `unavailable` ("is runnerfleetd running?"), a
/// socket we may not open is `permission_denied`, a deadline is `timeout`.
class socket_client {
 public:
  socket_client(boost::asio::any_io_executor ex, std::string socket_path);

  /// One request; the whole exchange must finish within `deadline`.
  boost::asio::awaitable<result<response>> request(std::string method, std::string target, headers extra,
                                                   std::string body, std::chrono::milliseconds deadline);

  /// GET /v1/events/stream (or another SSE target): calls on_event per event until the stream
  /// ends (ok), nothing (not even a heartbeat) arrives for `idle`, or the operation is cancelled.
  boost::asio::awaitable<status> stream_events(std::string target, headers extra, std::chrono::milliseconds idle,
                                               std::function<void(const sse_event&)> on_event);

  const std::string& socket_path() const { return path_; }

 private:
  boost::asio::any_io_executor ex_;
  std::string path_;
};

/// Decodes an envelope: the whole {"data", "meta"} object on success, the daemon's error
/// (code and message) on failure, a clear error when the body is not an envelope.
result<nlohmann::json> decode_envelope(const response& r);

/// Blocking convenience for command-line tools: runs one request on a private io_context.
result<response> request_blocking(const std::string& socket_path, const std::string& method,
                                  const std::string& target, const headers& extra,
                                  std::chrono::milliseconds deadline, const std::string& body = "");

}  // namespace runnerfleet::client
