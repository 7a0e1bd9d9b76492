// SPDX-License-Identifier: Apache-2.0
#include "common/config_prometheus.hpp"

#include "common/config_fields.hpp"

#include <cctype>

namespace runnerfleet {

using namespace config_fields;

namespace {

/// [a-zA-Z_][a-zA-Z0-9_]*, as Prometheus names labels.
bool valid_label_name(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string label_name(const YAML::Node& node, const std::string& key) {
  auto v = get_string(node, key);
  if (!valid_label_name(v)) fail(key, node, "expected a Prometheus label name such as namespace");
  return v;
}

void parse_slo(const YAML::Node& node, slo_config& slo) {
  check_keys(node, "prometheus.slo", {"queue_time_p95", "failure_rate", "cpu_utilization", "min_jobs"});
  if (auto n = node["queue_time_p95"])
    slo.queue_time_p95_seconds = static_cast<double>(
        get_duration(n, "prometheus.slo.queue_time_p95", std::chrono::seconds(1), std::chrono::hours(24), "between 1s and 24h")
            .count());
  if (auto n = node["failure_rate"]) slo.failure_rate = get_number(n, "prometheus.slo.failure_rate", 0, 1);
  if (auto n = node["cpu_utilization"]) {
    if (!n.IsSequence() || n.size() != 2)
      fail("prometheus.slo.cpu_utilization", n, "expected [min, max] as fractions of the CPU requested, e.g. [0.4, 0.7]");
    slo.cpu_utilization_min = get_number(n[0], "prometheus.slo.cpu_utilization[0]", 0, 10);
    slo.cpu_utilization_max = get_number(n[1], "prometheus.slo.cpu_utilization[1]", 0, 10);
    if (slo.cpu_utilization_min > slo.cpu_utilization_max)
      fail("prometheus.slo.cpu_utilization", n, "min must not be above max");
  }
  if (auto n = node["min_jobs"]) slo.min_jobs = get_int(n, "prometheus.slo.min_jobs", 1, 1000000);
}

cache_config parse_cache(const YAML::Node& node, const std::string& path) {
  check_keys(node, path, {"name", "hits", "misses"});
  cache_config c;
  for (auto [key, field] : {std::pair{"name", &c.name}, std::pair{"hits", &c.hits}, std::pair{"misses", &c.misses}}) {
    if (!node[key]) fail(path + "." + key, node, "is required");
    *field = get_string(node[key], path + "." + key);
    if (field->empty()) fail(path + "." + key, node[key], "must not be empty");
  }
  return c;
}

}  // namespace

prometheus_config parse_prometheus(const YAML::Node& node) {
  check_keys(node, "prometheus", {"url", "bearer_token_file", "basic_auth", "ca_file", "insecure_skip_tls_verify",
                                  "poll_interval", "request_timeout", "labels", "caches", "slo"});
  prometheus_config p;
  p.line = node.Mark().line + 1;
  if (!node["url"]) fail("prometheus.url", node, "is required (http://prometheus:9090)");
  p.url = get_url(node["url"], "prometheus.url", "http://prometheus:9090");
  if (auto n = node["bearer_token_file"]) p.bearer_token_file = get_string(n, "prometheus.bearer_token_file");
  if (auto n = node["basic_auth"]) {
    check_keys(n, "prometheus.basic_auth", {"username", "password_file"});
    if (!n["username"] || !n["password_file"])
      fail("prometheus.basic_auth", n, "needs both username and password_file");
    p.basic_auth_username = get_string(n["username"], "prometheus.basic_auth.username");
    p.basic_auth_password_file = get_string(n["password_file"], "prometheus.basic_auth.password_file");
    if (p.bearer_token_file) fail("prometheus.basic_auth", n, "give either bearer_token_file or basic_auth, not both");
  }
  if (auto n = node["ca_file"]) p.ca_file = get_string(n, "prometheus.ca_file");
  if (auto n = node["insecure_skip_tls_verify"]) p.insecure_skip_tls_verify = get_bool(n, "prometheus.insecure_skip_tls_verify");
  if (auto n = node["poll_interval"])
    p.poll_interval = get_duration(n, "prometheus.poll_interval", std::chrono::seconds(5), std::chrono::hours(1),
                                   "between 5s and 1h");
  if (auto n = node["request_timeout"])
    p.request_timeout = get_duration(n, "prometheus.request_timeout", std::chrono::seconds(1), std::chrono::minutes(2),
                                     "between 1s and 2m");
  if (auto n = node["labels"]) {
    check_keys(n, "prometheus.labels", {"namespace", "pod"});
    if (auto l = n["namespace"]) p.namespace_label = label_name(l, "prometheus.labels.namespace");
    if (auto l = n["pod"]) p.pod_label = label_name(l, "prometheus.labels.pod");
  }
  if (auto n = node["caches"]) {
    if (!n.IsSequence()) fail("prometheus.caches", n, "expected a list of {name, hits, misses}");
    for (std::size_t i = 0; i < n.size(); ++i) p.caches.push_back(parse_cache(n[i], "prometheus.caches[" + std::to_string(i) + "]"));
  }
  if (auto n = node["slo"]) parse_slo(n, p.slo);
  return p;
}

}  // namespace runnerfleet
