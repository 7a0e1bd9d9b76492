// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/roles.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace runnerfleet {

/// The role config grants a peer: the highest of its user entry (by name or uid) and its group
/// entries (by name or gid); the default role when nothing matches (which may be none).
std::optional<role> granted_role(const access_config& access, const std::string& user, std::uint32_t uid,
                                 const std::vector<std::string>& groups,
                                 const std::vector<std::uint32_t>& gids);

/// Applies an X-Runnerfleet-Role header: a client may lower its role, never raise it. An
/// unknown role name is invalid_argument; asking for more than granted is permission_denied.
result<std::optional<role>> effective_role(const std::optional<role>& granted, const std::string& header);

/// The 403 for a route that needs `need`, naming the role the caller has and the one needed.
error role_denied(const std::optional<role>& have, role need, const std::string& user, const std::string& what);

}  // namespace runnerfleet
