// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/secret.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// The one HTTP/1.1 client every upstream (Kubernetes API servers, GitLab) goes through.
namespace runnerfleet::upstream {

/// Where a server is and how its TLS is checked.
struct endpoint {
  std::string server;           ///< https://host:port[/base] (or http:// for a local simulator)
  std::string tls_server_name;  ///< SNI / verification name override, empty = host of server
  std::string ca_pem;           ///< CA bundle; empty = the system store
  bool insecure_skip_tls_verify = false;
  secret client_cert_pem;  ///< mTLS client certificate, PEM
  secret client_key_pem;   ///< mTLS client key, PEM
};

/// One request. Header values may be credentials: they go on the wire and nowhere else.
struct http_request {
  std::string method = "GET";
  std::string target;  ///< path and query, appended to the server's base path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;  ///< set with a body
};

/// An upstream answer: status, body (bounded), and the response headers.
struct http_response {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
  std::optional<int> retry_after_s;

  /// A header's value ("" when absent); `name` in lower case.
  std::string_view header(std::string_view name) const;
};

/// HTTP/1.1 to one server over TCP or TLS. TLS verifies the peer against the endpoint's CA and
/// host name unless insecure_skip_tls_verify was set explicitly; client certificates from
/// memory. Every operation has a deadline. Transport failures are `unavailable` or `timeout`
/// errors whose messages never contain credentials.
class http_client {
 public:
  /// Builds the TLS context; fails on a malformed server URL, CA or client key.
  static result<std::unique_ptr<http_client>> create(boost::asio::any_io_executor ex, const endpoint& ep);
  ~http_client();

  /// One request; the whole exchange must finish within `deadline`.
  boost::asio::awaitable<result<http_response>> request(http_request req, std::chrono::steady_clock::duration deadline);

  /// A streaming GET (a watch): on 200, each body line goes to on_line until the server ends the
  /// stream (status 200 returned) or no byte arrives for `idle` (timeout error). A non-200
  /// answer is returned with its body and on_line is never called. on_open runs once the
  /// 200 header has arrived.
  boost::asio::awaitable<result<http_response>> stream_lines(http_request req, std::chrono::steady_clock::duration idle,
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

/// The path part of a server URL ("/gitlab" of https://host/gitlab, "" without one): an
/// instance's base path, which request targets and followed links carry.
std::string url_path(const std::string& url);

/// A request with one Authorization header (empty = none): the Kubernetes shape.
http_request authorized_get(std::string target, std::string authorization);

}  // namespace runnerfleet::upstream
