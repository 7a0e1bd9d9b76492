// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/kube/credentials.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace runnerfleet::kube {

/// An upstream answer: status, body (bounded), Retry-After if sent.
struct http_response {
  int status = 0;
  std::string body;
  std::optional<int> retry_after_s;
};

/// HTTP/1.1 to one API server over TCP or TLS. TLS verifies the peer against the endpoint's CA
/// and host name unless insecure_skip_tls_verify was set explicitly; client certificates from
/// memory. Every operation has a deadline. Transport failures are `unavailable` or `timeout`
/// errors whose messages never contain credentials.
class http_client {
 public:
  /// Builds the TLS context; fails on a malformed server URL, CA or client key.
  static result<std::unique_ptr<http_client>> create(boost::asio::any_io_executor ex, const cluster_endpoint& ep);
  ~http_client();

  /// One request; the whole exchange must finish within `deadline`.
  boost::asio::awaitable<result<http_response>> request(std::string method, std::string target,
                                                        std::string authorization,
                                                        std::chrono::steady_clock::duration deadline);

  /// A streaming GET (a watch): on 200, each body line goes to on_line until the server ends the
  /// stream (status 200 returned) or no byte arrives for `idle` (timeout error). A non-200
  /// answer is returned with its body and on_line is never called. on_open runs once the
  /// 200 header has arrived.
  boost::asio::awaitable<result<http_response>> stream_lines(std::string target, std::string authorization,
                                                             std::chrono::steady_clock::duration idle,
                                                             std::function<void()> on_open,
                                                             std::function<void(std::string_view)> on_line);

  /// Closes every open connection now (shutdown); pending operations fail promptly.
  void close_all();

  /// "https://host:port", for messages.
  const std::string& server() const;

 private:
  struct impl;
  explicit http_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace runnerfleet::kube
