// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/kube/credentials.hpp"

#include <optional>
#include <string>

namespace runnerfleet::kube {

/// Resolves a kubeconfig context into an endpoint: server, CA, TLS options and credentials
/// (token, tokenFile, client certificate, exec plugin). File paths are relative to the
/// kubeconfig's directory, as kubectl reads them. Errors name the file, context and key.
result<cluster_endpoint> load_kubeconfig(const std::string& path, const std::optional<std::string>& context);

/// The pod's own service account: KUBERNETES_SERVICE_HOST/PORT, the CA and the rotating
/// token file in `sa_dir`.
result<cluster_endpoint> load_in_cluster(const std::string& sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

/// Decodes standard base64 (the *-data fields); nullopt when malformed.
std::optional<std::string> decode_base64(const std::string& text);

}  // namespace runnerfleet::kube
