// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/kube/credentials.hpp"
#include "common/kube/exec_credential.hpp"

#include <chrono>

namespace runnerfleet::kube {

/// Runs a kubeconfig exec credential plugin (no shell; KUBERNETES_EXEC_INFO set; stdout
/// captured; killed after `timeout`) and parses its ExecCredential. It blocks the calling
/// thread for at most `timeout`: plugins run rarely (on expiry or after a 401).
result<exec_credential> run_exec_plugin(const exec_plugin& plugin, std::chrono::milliseconds timeout);

}  // namespace runnerfleet::kube
