// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>

namespace runnerfleet {

/// Ordered roles: a higher role may do everything a lower one may.
enum class role { viewer = 1, operator_ = 2, admin = 3 };

/// "viewer", "operator", "admin".
std::string_view to_string(role r);

/// Parses a role name; nullopt when it is not one.
std::optional<role> parse_role(std::string_view name);

/// True when `have` is at least `need`.
inline bool allows(role have, role need) { return static_cast<int>(have) >= static_cast<int>(need); }

}  // namespace runnerfleet
