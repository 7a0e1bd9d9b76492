// SPDX-License-Identifier: Apache-2.0
#include "daemon/self_metrics.hpp"

#include <fmt/format.h>

namespace runnerfleet::daemon {
namespace {

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') { out += "\\n"; continue; }
    out.push_back(c);
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void histogram::write(std::string& out, std::string_view name, std::string_view labels) const {
  std::uint64_t cumulative = 0;
  std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, bounds_[i], cumulative);
  }
  cumulative += counts_.back();
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, sum_, name, braces, count_);
}

self_metrics::self_metrics()
    : build_seconds_({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}),
      change_latency_({0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 1}) {}

void self_metrics::observe_request(std::string_view route, int status, double seconds) {
  auto [it, _] = request_latency_.try_emplace(
      std::string(route), std::vector<double>{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1});
  it->second.observe(seconds);
  ++requests_[{std::string(route), status}];
}

void self_metrics::observe_snapshot_build(double seconds, std::size_t runners, std::size_t pods) {
  build_seconds_.observe(seconds);
  runners_ = runners;
  pods_ = pods;
}

void self_metrics::set_informer(const std::string& cluster, std::string_view ns, kube::resource_kind kind,
                                const kube::informer_status& status) {
  informers_[{cluster, std::string(ns), std::string(kube::to_string(kind))}] = status;
}

std::string self_metrics::exposition() const {
  std::string out;
  header(out, "runnerfleet_snapshot_generation", "gauge", "Generation of the current fleet snapshot.");
  out += fmt::format("runnerfleet_snapshot_generation {}\n", generation_);
  header(out, "runnerfleet_snapshot_runners", "gauge", "Runners in the current snapshot.");
  out += fmt::format("runnerfleet_snapshot_runners {}\n", runners_);
  header(out, "runnerfleet_snapshot_pods", "gauge", "Pods in the current snapshot.");
  out += fmt::format("runnerfleet_snapshot_pods {}\n", pods_);
  header(out, "runnerfleet_snapshot_build_seconds", "histogram", "Time to build one snapshot.");
  build_seconds_.write(out, "runnerfleet_snapshot_build_seconds", "");
  header(out, "runnerfleet_change_to_snapshot_seconds", "histogram",
         "From an upstream change (watch event) to the published snapshot showing it.");
  change_latency_.write(out, "runnerfleet_change_to_snapshot_seconds", "");
  header(out, "runnerfleet_upstream_requests_total", "counter",
         "Requests to polled upstream APIs by source, endpoint class and HTTP status (0 = no answer).");
  for (const auto& [key, n] : upstream_requests_)
    out += fmt::format("runnerfleet_upstream_requests_total{{source=\"{}\",endpoint=\"{}\",status=\"{}\"}} {}\n",
                       label_value(std::get<0>(key)), label_value(std::get<1>(key)), std::get<2>(key), n);
  header(out, "runnerfleet_source_up", "gauge", "1 when the source is ok.");
  for (const auto& [name, up] : sources_up_)
    out += fmt::format("runnerfleet_source_up{{source=\"{}\"}} {}\n", label_value(name), up ? 1 : 0);

  header(out, "runnerfleet_informer_synced", "gauge", "1 once the informer has listed its resource.");
  for (const auto& [k, s] : informers_)
    out += fmt::format("runnerfleet_informer_synced{{cluster=\"{}\",namespace=\"{}\",resource=\"{}\",phase=\"{}\"}} {}\n",
                       label_value(std::get<0>(k)), label_value(std::get<1>(k)), std::get<2>(k),
                       kube::to_string(s.phase), s.synced ? 1 : 0);
  const std::pair<const char*, std::uint64_t kube::informer_status::*> counters[] = {
      {"runnerfleet_informer_relists_total", &kube::informer_status::relists},
      {"runnerfleet_watch_restarts_total", &kube::informer_status::watch_restarts},
      {"runnerfleet_watch_events_total", &kube::informer_status::events}};
  for (const auto& [name, member] : counters) {
    header(out, name, "counter", "Per informer; see the README's /metrics section.");
    for (const auto& [k, s] : informers_)
      out += fmt::format("{}{{cluster=\"{}\",namespace=\"{}\",resource=\"{}\"}} {}\n", name,
                         label_value(std::get<0>(k)), label_value(std::get<1>(k)), std::get<2>(k), s.*member);
  }
  header(out, "runnerfleet_http_requests_total", "counter", "Socket API requests by route pattern and status.");
  for (const auto& [k, n] : requests_)
    out += fmt::format("runnerfleet_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", label_value(k.first), k.second, n);
  header(out, "runnerfleet_http_request_duration_seconds", "histogram", "Socket API request latency.");
  for (const auto& [route, h] : request_latency_)
    h.write(out, "runnerfleet_http_request_duration_seconds", "route=\"" + label_value(route) + "\"");
  header(out, "runnerfleet_sse_clients", "gauge", "Connected event-stream clients.");
  out += fmt::format("runnerfleet_sse_clients {}\n", sse_clients_);
  return out;
}

}  // namespace runnerfleet::daemon
