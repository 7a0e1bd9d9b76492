// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/kube/credentials.hpp"
#include "common/kube/object_sink.hpp"
#include "common/kube/resource_kind.hpp"

#include <nlohmann/json_fwd.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <vector>

namespace runnerfleet::kube {

/// One cluster's Kubernetes source: the HTTP client, its credentials, and an informer for every
/// (namespace, watched kind). Upstream load is one list plus one watch per informer, whatever
/// the number of API requests the daemon serves.
class cluster_source {
 public:
  /// Fails when the endpoint cannot be used (malformed server URL, CA or client key).
  static result<std::unique_ptr<cluster_source>> create(boost::asio::any_io_executor ex, std::string cluster,
                                                        cluster_endpoint endpoint, std::vector<std::string> namespaces,
                                                        object_sink& sink);
  ~cluster_source();

  /// Starts every informer.
  void start();
  /// Stops every informer and closes every upstream connection (graceful shutdown).
  void stop();

  /// The tail of a pod's log: GET /api/v1/namespaces/{ns}/pods/{pod}/log, with a deadline.
  boost::asio::awaitable<result<std::string>> pod_log(std::string ns, std::string pod, std::string container,
                                                      int tail_lines, int limit_bytes);

  /// A JSON merge patch (RFC 7386) of one object, with a deadline; the object as the server
  /// returns it. The only write the daemon makes to a cluster (ARC scale-to-zero pause).
  boost::asio::awaitable<result<nlohmann::json>> merge_patch(resource_kind kind, std::string ns, std::string name,
                                                             std::string patch);

 private:
  struct impl;
  explicit cluster_source(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace runnerfleet::kube
