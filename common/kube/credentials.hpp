// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/secret.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace runnerfleet::kube {

/// A client-go exec credential plugin (aws eks get-token, gke-gcloud-auth-plugin, kubelogin).
struct exec_plugin {
  std::string api_version = "client.authentication.k8s.io/v1";
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  bool provide_cluster_info = false;
};

/// Everything needed to reach one API server, resolved from a kubeconfig or in-cluster files.
/// Sources of truth that rotate (token files, exec plugins) are kept as sources, not values.
struct cluster_endpoint {
  std::string server;           ///< https://host:port (or http:// for a local simulator)
  std::string tls_server_name;  ///< SNI / verification name override, empty = host of server
  std::string ca_pem;           ///< CA bundle (from certificate-authority-data or the file)
  bool insecure_skip_tls_verify = false;
  secret token;                 ///< static bearer token
  std::string token_file;       ///< re-read periodically (in-cluster, tokenFile)
  secret client_cert_pem;       ///< client certificate (mTLS), PEM
  secret client_key_pem;        ///< client key, PEM
  std::optional<exec_plugin> exec;
  std::string default_namespace;  ///< the context's namespace, if any
  /// Where this came from, for /v1/settings: "kubeconfig:<path>#<context>" or "in-cluster".
  std::string origin;
};

}  // namespace runnerfleet::kube
