// SPDX-License-Identifier: Apache-2.0
#include "common/config.hpp"

#include "common/config_fields.hpp"
#include "common/config_gitops.hpp"
#include "common/config_prometheus.hpp"
#include "common/time_format.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace runnerfleet {
namespace {

using namespace config_fields;


role get_role(const YAML::Node& node, const std::string& key) {
  auto r = node.IsScalar() ? parse_role(node.as<std::string>()) : std::nullopt;
  if (!r) fail(key, node, "expected viewer, operator or admin");
  return *r;
}

bool valid_dns_label(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return s.front() != '-' && s.back() != '-';
}

access_config parse_access(const YAML::Node& node) {
  check_keys(node, "access", {"default_role", "users", "groups"});
  access_config access;
  if (auto d = node["default_role"]) {
    if (d.IsScalar() && d.as<std::string>() == "none") access.default_role = std::nullopt;
    else access.default_role = get_role(d, "access.default_role");
  }
  for (const char* section : {"users", "groups"}) {
    auto map = node[section];
    if (!map) continue;
    if (!map.IsMap()) fail(std::string("access.") + section, map, "expected a mapping of name to role");
    for (const auto& kv : map) {
      auto name = kv.first.as<std::string>();
      auto r = get_role(kv.second, std::string("access.") + section + "." + name);
      (std::string(section) == "users" ? access.users : access.groups)[name] = r;
    }
  }
  return access;
}

cluster_config parse_cluster(const YAML::Node& node, const std::string& path) {
  check_keys(node, path, {"name", "kubeconfig", "context", "in_cluster", "namespaces", "insecure_skip_tls_verify"});
  cluster_config c;
  c.line = node.Mark().line + 1;
  if (!node["name"]) fail(path + ".name", node, "is required");
  c.name = get_string(node["name"], path + ".name");
  if (!valid_dns_label(c.name)) fail(path + ".name", node["name"], "must be a DNS label (a-z, 0-9, -)");
  if (auto n = node["kubeconfig"]) c.kubeconfig = get_string(n, path + ".kubeconfig");
  if (auto n = node["context"]) c.context = get_string(n, path + ".context");
  if (auto n = node["in_cluster"]) c.in_cluster = get_bool(n, path + ".in_cluster");
  if (auto n = node["insecure_skip_tls_verify"]) c.insecure_skip_tls_verify = get_bool(n, path + ".insecure_skip_tls_verify");
  if (c.in_cluster == c.kubeconfig.has_value())
    fail(path, node, "set exactly one of kubeconfig or in_cluster: true");
  if (c.in_cluster && c.context) fail(path + ".context", node["context"], "only applies with kubeconfig");
  if (!node["namespaces"]) fail(path + ".namespaces", node, "is required (the runner and ARC controller namespaces)");
  c.namespaces = get_string_list(node["namespaces"], path + ".namespaces");
  if (c.namespaces.empty()) fail(path + ".namespaces", node["namespaces"], "must name at least one namespace");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < c.namespaces.size(); ++i) {
    auto key = path + ".namespaces[" + std::to_string(i) + "]";
    if (!valid_dns_label(c.namespaces[i])) fail(key, node["namespaces"][i], "'" + c.namespaces[i] + "' is not a valid namespace name");
    if (!seen.insert(c.namespaces[i]).second) fail(key, node["namespaces"][i], "'" + c.namespaces[i] + "' is listed twice");
  }
  return c;
}

bool valid_version(const std::string& v) {
  int dots = 0;
  bool digit = false;
  for (char c : v) {
    if (c == '.') {
      if (!digit) return false;
      ++dots;
      digit = false;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  return digit && dots >= 1 && dots <= 2;
}

gitlab_config parse_gitlab(const YAML::Node& node) {
  check_keys(node, "gitlab", {"url", "token_file", "ca_file", "insecure_skip_tls_verify", "scope", "group", "project",
                              "poll_interval", "request_timeout", "max_requests_per_minute", "details_refresh", "offline_after",
                              "version_target", "mapping"});
  gitlab_config g;
  g.line = node.Mark().line + 1;
  if (!node["url"]) fail("gitlab.url", node, "is required (https://gitlab.example.com)");
  // Shown in settings and messages: get_url refuses user:password@ as for prometheus.url.
  g.url = get_url(node["url"], "gitlab.url", "https://gitlab.example.com");
  if (g.url.size() >= 7 && g.url.ends_with("/api/v4"))
    fail("gitlab.url", node["url"], "give the instance URL without /api/v4");
  if (!node["token_file"]) fail("gitlab.token_file", node, "is required (a file holding an access token with api scope)");
  g.token_file = get_string(node["token_file"], "gitlab.token_file");
  if (auto n = node["ca_file"]) g.ca_file = get_string(n, "gitlab.ca_file");
  if (auto n = node["insecure_skip_tls_verify"]) g.insecure_skip_tls_verify = get_bool(n, "gitlab.insecure_skip_tls_verify");
  if (auto n = node["scope"]) {
    auto s = get_string(n, "gitlab.scope");
    if (s == "instance") g.scope = gitlab_scope::instance;
    else if (s == "group") g.scope = gitlab_scope::group;
    else if (s == "project") g.scope = gitlab_scope::project;
    else fail("gitlab.scope", n, "expected instance, group or project");
  }
  for (auto [key, scope] : {std::pair{"group", gitlab_scope::group}, std::pair{"project", gitlab_scope::project}}) {
    auto n = node[key];
    std::string path = std::string("gitlab.") + key;
    if (n && g.scope != scope) fail(path, n, "only applies with scope: " + std::string(key));
    if (!n && g.scope == scope) fail(path, node, "is required with scope: " + std::string(key) + " (id or full path)");
    if (n) {
      g.scope_id = get_string(n, path);
      if (g.scope_id.empty()) fail(path, n, "must not be empty");
    }
  }
  if (auto n = node["poll_interval"])
    g.poll_interval = get_duration(n, "gitlab.poll_interval", std::chrono::seconds(5), std::chrono::hours(24), "at least 5s");
  if (auto n = node["request_timeout"])
    g.request_timeout = get_duration(n, "gitlab.request_timeout", std::chrono::seconds(1), std::chrono::minutes(5),
                                     "between 1s and 5m");
  if (auto n = node["max_requests_per_minute"]) g.max_requests_per_minute = get_int(n, "gitlab.max_requests_per_minute", 10, 100000);
  if (auto n = node["details_refresh"]) g.details_refresh = get_duration(n, "gitlab.details_refresh");
  if (auto n = node["offline_after"])
    g.offline_after = get_duration(n, "gitlab.offline_after", std::chrono::minutes(1), std::chrono::hours(24 * 365),
                                   "at least 1m");
  if (auto n = node["version_target"]) {
    g.version_target = get_string(n, "gitlab.version_target");
    if (!valid_version(*g.version_target)) fail("gitlab.version_target", n, "expected a version such as 17.11.1");
  }
  if (auto m = node["mapping"]) {
    if (!m.IsMap()) fail("gitlab.mapping", m, "expected a mapping of release name to a list of registration ids or descriptions");
    for (const auto& kv : m) {
      auto release = kv.first.as<std::string>();
      auto path = "gitlab.mapping." + release;
      auto entries = kv.second.IsScalar() ? std::vector<std::string>{get_string(kv.second, path)}
                                          : get_string_list(kv.second, path);
      if (entries.empty()) fail(path, kv.second, "must name at least one registration");
      g.mapping[release] = std::move(entries);
    }
  }
  return g;
}

arc_config parse_arc(const YAML::Node& node) {
  check_keys(node, "arc", {"pause_mode"});
  arc_config a;
  if (auto n = node["pause_mode"]) {
    auto mode = get_string(n, "arc.pause_mode");
    if (mode == "refuse") a.pause_mode = arc_pause_mode::refuse;
    else if (mode == "scale_to_zero") a.pause_mode = arc_pause_mode::scale_to_zero;
    else fail("arc.pause_mode", n, "expected refuse or scale_to_zero");
  }
  return a;
}

config parse_root(const YAML::Node& root) {
  check_keys(root, "", {"socket", "state_dir", "metrics_listen", "log", "access", "thresholds", "clusters", "gitlab", "arc",
                        "prometheus", "gitops"});
  config cfg;
  if (auto n = root["socket"]) cfg.socket = get_string(n, "socket");
  if (!root["state_dir"]) fail("state_dir", root, "is required (the audit journal is written there)");
  cfg.state_dir = get_string(root["state_dir"], "state_dir");
  if (auto n = root["metrics_listen"]) cfg.metrics_listen = get_string(n, "metrics_listen");
  if (auto log = root["log"]) {
    check_keys(log, "log", {"level", "format"});
    if (auto n = log["level"]) {
      cfg.log.level = get_string(n, "log.level");
      static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
      if (!levels.contains(cfg.log.level)) fail("log.level", n, "expected trace, debug, info, warn, error, critical or off");
    }
    if (auto n = log["format"]) {
      auto format = get_string(n, "log.format");
      if (format != "text" && format != "json") fail("log.format", n, "expected text or json");
      cfg.log.json = format == "json";
    }
  }
  if (auto n = root["access"]) cfg.access = parse_access(n);
  if (auto t = root["thresholds"]) {
    check_keys(t, "thresholds", {"pending_after", "restart_warning"});
    if (auto n = t["pending_after"]) cfg.thresholds.pending_after = get_duration(n, "thresholds.pending_after");
    if (auto n = t["restart_warning"]) cfg.thresholds.restart_warning = get_int(n, "thresholds.restart_warning", 1, 100000);
  }
  if (auto clusters = root["clusters"]) {
    if (!clusters.IsSequence()) fail("clusters", clusters, "expected a list of clusters");
    std::set<std::string> names;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      auto path = "clusters[" + std::to_string(i) + "]";
      auto c = parse_cluster(clusters[i], path);
      if (!names.insert(c.name).second) fail(path + ".name", clusters[i]["name"], "cluster '" + c.name + "' is defined twice");
      cfg.clusters.push_back(std::move(c));
    }
  }
  if (auto n = root["gitlab"]) cfg.gitlab = parse_gitlab(n);
  if (auto n = root["arc"]) cfg.arc = parse_arc(n);
  if (auto n = root["prometheus"]) cfg.prometheus = parse_prometheus(n);
  if (auto n = root["gitops"]) cfg.gitops = parse_gitops(n, cfg);
  return cfg;
}

}  // namespace

std::string_view to_string(gitlab_scope s) {
  switch (s) {
    case gitlab_scope::instance: return "instance";
    case gitlab_scope::group: return "group";
    case gitlab_scope::project: return "project";
  }
  return "instance";
}

result<config> parse_config(const std::string& yaml_text, const std::string& source_name) {
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (root.IsNull()) return make_error(error_code::invalid_argument, source_name + ": the config is empty");
    config cfg = parse_root(root);
    cfg.source_path = source_name;
    return cfg;
  } catch (const config_fields::config_error& e) {
    return make_error(error_code::invalid_argument, source_name + ": " + e.message);
  } catch (const YAML::Exception& e) {
    return make_error(error_code::invalid_argument,
                      source_name + ": YAML syntax error at line " + std::to_string(e.mark.line + 1) +
                          ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

result<config> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(error_code::invalid_argument, "cannot read config file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace runnerfleet
