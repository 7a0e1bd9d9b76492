// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/error.hpp"

#include <string>

namespace runnerfleet::daemon {

/// How the daemon was started, beyond the config file.
struct launch_options {
  std::string socket_path;  ///< resolved socket path
};

/// Runs runnerfleetd until SIGTERM/SIGINT: resolves cluster credentials, takes the socket,
/// starts the informers, the snapshot store and the API server on one io_context thread,
/// then shuts down gracefully. Returns the process exit code.
int run_daemon(const config& cfg, const launch_options& options);

}  // namespace runnerfleet::daemon
