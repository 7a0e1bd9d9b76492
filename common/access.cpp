// SPDX-License-Identifier: Apache-2.0
#include "common/access.hpp"

namespace runnerfleet {
namespace {

void raise(std::optional<role>& best, role r) {
  if (!best || !allows(*best, r)) best = r;
}

}  // namespace

std::optional<role> granted_role(const access_config& access, const std::string& user, std::uint32_t uid,
                                 const std::vector<std::string>& groups,
                                 const std::vector<std::uint32_t>& gids) {
  std::optional<role> best;
  if (auto it = access.users.find(user); it != access.users.end()) raise(best, it->second);
  if (auto it = access.users.find(std::to_string(uid)); it != access.users.end()) raise(best, it->second);
  for (const auto& g : groups)
    if (auto it = access.groups.find(g); it != access.groups.end()) raise(best, it->second);
  for (auto gid : gids)
    if (auto it = access.groups.find(std::to_string(gid)); it != access.groups.end()) raise(best, it->second);
  if (!best) return access.default_role;
  return best;
}

result<std::optional<role>> effective_role(const std::optional<role>& granted, const std::string& header) {
  if (header.empty()) return granted;
  auto wanted = parse_role(header);
  if (!wanted)
    return make_error(error_code::invalid_argument,
                      "X-Runnerfleet-Role '" + header + "' is not a role (viewer, operator, admin)",
                      {{"header", "X-Runnerfleet-Role"}});
  if (!granted || !allows(*granted, *wanted))
    return make_error(error_code::permission_denied,
                      "X-Runnerfleet-Role can only lower a role: you have " +
                          std::string(granted ? to_string(*granted) : "no role") + ", asked for " +
                          std::string(to_string(*wanted)),
                      {{"granted_role", granted ? nlohmann::json(std::string(to_string(*granted))) : nlohmann::json(nullptr)}});
  return std::optional<role>{*wanted};
}

error role_denied(const std::optional<role>& have, role need, const std::string& user, const std::string& what) {
  std::string has = have ? "role " + std::string(to_string(*have)) : "no role";
  return make_error(error_code::permission_denied,
                    what + " needs the " + std::string(to_string(need)) + " role; user '" + user + "' has " + has +
                        " (an admin grants roles in the daemon config's access section)",
                    {{"required_role", std::string(to_string(need))},
                     {"role", have ? nlohmann::json(std::string(to_string(*have))) : nlohmann::json(nullptr)}});
}

}  // namespace runnerfleet
