// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/api/read_routes.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "daemon/audit_journal.hpp"
#include "daemon/gitops/proposals.hpp"
#include "daemon/peer_identity.hpp"
#include "daemon/prometheus/metrics_source.hpp"
#include "daemon/runner_mutations.hpp"
#include "daemon/self_metrics.hpp"
#include "daemon/snapshot_store.hpp"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace runnerfleet::daemon {

/// A parsed HTTP request, transport-free.
struct incoming {
  std::string method;
  std::string target;
  std::string role_header;       ///< X-Runnerfleet-Role
  std::string last_event_id;     ///< Last-Event-ID (SSE resume)
  std::string request_id;        ///< X-Request-Id (mutations; generated when absent)
  std::string body;              ///< bounded by the transport
  const peer_identity* peer = nullptr;
};

/// What to send back. `stream` means: the caller runs the SSE loop with `stream_after`.
struct reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string route = "unmatched";  ///< route pattern, the metrics label
  bool stream = false;
  std::uint64_t stream_after = 0;          ///< resume after this event id
  std::vector<std::string> stream_kinds;   ///< kind filter, empty = all
};

/// Reads a runner pod's log: (cluster, namespace, pod, container, tail lines, byte limit).
using pod_log_fn = std::function<boost::asio::awaitable<result<std::string>>(
    const std::string&, const std::string&, const std::string&, const std::string&, int, int)>;

/// Turns requests into replies: identity → role (config + X-Runnerfleet-Role lowering) →
/// route table → role check → answer from memory (cached per snapshot generation) or from
/// the one async route (pod logs). Every failure is an envelope with a clear message.
class request_router {
 public:
  request_router(const config& cfg, snapshot_store& store, self_metrics& metrics, nlohmann::json settings,
                 std::string version, pod_log_fn pod_log, audit_journal& journal, runner_mutations& mutations,
                 proposals& config_proposals, metrics_source* prometheus);

  boost::asio::awaitable<reply> handle(const incoming& in);

  /// An error reply (used by the transport for malformed HTTP, too).
  static reply error_reply(const error& e, std::string route = "unmatched");

 private:
  reply read_route(const api::route_match& m, const std::string& target, const api::query_params& q,
                   const api::caller& who);
  boost::asio::awaitable<reply> pod_log_route(const api::route_match& m, const api::query_params& q);
  reply stream_route(const api::query_params& q, const std::string& last_event_id);
  boost::asio::awaitable<reply> mutation_route(const api::route_match& m, const api::query_params& q,
                                               const incoming& in, const api::caller& who);
  boost::asio::awaitable<reply> proposal_route(const api::query_params& q, const incoming& in, const api::caller& who);
  reply audit_route(const api::query_params& q);
  boost::asio::awaitable<reply> metrics_route(const api::route_match& m, const api::query_params& q);
  /// The metrics answers when Prometheus is not configured: the same shapes, no figures.
  result<nlohmann::json> unconfigured_metrics(bool fleet, const std::string& window, const std::string& runner,
                                              const std::string& cluster) const;

  const config& cfg_;
  snapshot_store& store_;
  self_metrics& metrics_;
  nlohmann::json settings_;
  std::string version_;
  pod_log_fn pod_log_;
  audit_journal& journal_;
  runner_mutations& mutations_;
  proposals& proposals_;
  metrics_source* prometheus_;  ///< null: not configured
  time_point started_;
  /// Serialized answers of cacheable routes for the current generation.
  std::uint64_t cache_generation_ = 0;
  std::unordered_map<std::string, api::body> cache_;
};

}  // namespace runnerfleet::daemon
