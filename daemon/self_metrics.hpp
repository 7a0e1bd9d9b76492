// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/kube/object_sink.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace runnerfleet::daemon {

/// A fixed-bucket Prometheus histogram.
class histogram {
 public:
  explicit histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}
  void observe(double value);
  /// Appends the exposition lines for `name{labels}`.
  void write(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

/// The daemon's own metrics (sync state, watch restarts, relists, snapshot build time,
/// request latency), exposed at GET /metrics. Labels are bounded: route patterns, not paths.
class self_metrics {
 public:
  self_metrics();

  void observe_request(std::string_view route, int status, double seconds);
  void observe_snapshot_build(double seconds, std::size_t runners, std::size_t pods);
  /// From the first upstream change to the snapshot that shows it being published.
  void observe_change_latency(double seconds) { change_latency_.observe(seconds); }
  void set_generation(std::uint64_t generation) { generation_ = generation; }
  void set_informer(const std::string& cluster, std::string_view ns, kube::resource_kind kind,
                    const kube::informer_status& status);
  void set_source_up(const std::string& source, bool up) { sources_up_[source] = up; }
  void count_sse_client(int delta) { sse_clients_ += delta; }
  /// One request to an upstream API that is polled (GitLab), by endpoint class and status.
  void count_upstream_request(std::string_view source, std::string_view endpoint, int status) {
    ++upstream_requests_[{std::string(source), std::string(endpoint), status}];
  }

  /// Prometheus text exposition format 0.0.4.
  std::string exposition() const;

 private:
  std::map<std::string, histogram> request_latency_;  ///< by route pattern
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  histogram build_seconds_;
  histogram change_latency_;
  std::uint64_t generation_ = 0;
  std::size_t runners_ = 0, pods_ = 0;
  long sse_clients_ = 0;
  std::map<std::tuple<std::string, std::string, std::string>, kube::informer_status> informers_;
  std::map<std::string, bool> sources_up_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> upstream_requests_;
};

}  // namespace runnerfleet::daemon
