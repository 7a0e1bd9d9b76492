// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>

namespace runnerfleet::mcp {

/// How runnerfleet-mcp was started.
struct server_options {
  std::string socket_path;                           ///< runnerfleetd's socket
  bool read_only = false;                            ///< no mutating tools; daemon calls as viewer
  std::chrono::milliseconds call_timeout{15'000};    ///< deadline of one daemon call
  std::string version;                               ///< serverInfo.version
};

/// Serves MCP on stdin/stdout until stdin closes or SIGTERM/SIGINT arrives; returns the exit
/// code. stdout carries protocol lines only; logs go to stderr.
int run_server(const server_options& options);

}  // namespace runnerfleet::mcp
