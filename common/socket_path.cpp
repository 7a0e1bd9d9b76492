// SPDX-License-Identifier: Apache-2.0
#include "common/socket_path.hpp"

namespace runnerfleet {

result<std::string> resolve_socket_path(const std::optional<std::string>& explicit_path,
                                        bool system_mode, const char* env_socket,
                                        const char* env_runtime_dir) {
  if (explicit_path && !explicit_path->empty()) return *explicit_path;
  if (env_socket && *env_socket) return std::string(env_socket);
  if (system_mode) return std::string(system_socket_path);
  if (env_runtime_dir && *env_runtime_dir) return std::string(env_runtime_dir) + "/runnerfleet.sock";
  return make_error(error_code::invalid_argument,
                    "no socket path: pass --socket PATH, set RUNNERFLEET_SOCKET or XDG_RUNTIME_DIR, "
                    "or use --system for " + std::string(system_socket_path));
}

}  // namespace runnerfleet
