// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/roles.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runnerfleet {

/// One Kubernetes cluster to watch.
struct cluster_config {
  std::string name;                       ///< label used in the API ("cluster" field)
  std::optional<std::string> kubeconfig;  ///< path; absent with in_cluster
  std::optional<std::string> context;     ///< kubeconfig context; default current-context
  bool in_cluster = false;                ///< use the pod's service account
  std::vector<std::string> namespaces;    ///< runner and ARC controller namespaces
  bool insecure_skip_tls_verify = false;  ///< explicit opt-out of TLS verification
  int line = 0;                           ///< where it was declared, for messages
};

/// Who gets which role. Keys are user names or numeric uids / group names or gids.
struct access_config {
  std::optional<role> default_role;  ///< nullopt = unknown users get no access
  std::map<std::string, role> users;
  std::map<std::string, role> groups;
};

/// Thresholds that turn raw state into status and problems.
struct threshold_config {
  std::chrono::seconds pending_after{300};  ///< a pod Pending longer than this is a problem
  int restart_warning = 5;                  ///< restarts (any container) that make a problem
};

/// Logging at the edges: spdlog to stderr.
struct log_config {
  std::string level = "info";
  bool json = false;
};

/// The daemon's whole configuration, validated at load.
struct config {
  std::optional<std::string> socket;  ///< socket path override
  std::string state_dir;              ///< audit journal lives here
  std::optional<std::string> metrics_listen;  ///< optional TCP host:port for /metrics
  log_config log;
  access_config access;
  threshold_config thresholds;
  std::vector<cluster_config> clusters;
  std::string source_path;  ///< the file it was read from
};

/// Parses and validates YAML text; errors name the key and the line ("clusters[0].namespaces
/// (line 7): expected a list of strings").
result<config> parse_config(const std::string& yaml_text, const std::string& source_name);

/// Reads and parses a config file.
result<config> load_config(const std::string& path);

}  // namespace runnerfleet
