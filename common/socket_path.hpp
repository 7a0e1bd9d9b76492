// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"

#include <optional>
#include <string>

namespace runnerfleet {

/// The system-mode socket (runnerfleetd --system, systemd units).
inline constexpr const char* system_socket_path = "/run/runnerfleet/runnerfleet.sock";

/// Where the socket is, in the order every program resolves it: an explicit path (flag or
/// config), $RUNNERFLEET_SOCKET, system mode, $XDG_RUNTIME_DIR/runnerfleet.sock. Fails with a
/// message saying which to set when none applies.
result<std::string> resolve_socket_path(const std::optional<std::string>& explicit_path,
                                        bool system_mode, const char* env_socket,
                                        const char* env_runtime_dir);

}  // namespace runnerfleet
