// SPDX-License-Identifier: Apache-2.0
#include "common/roles.hpp"

namespace runnerfleet {

std::string_view to_string(role r) {
  switch (r) {
    case role::viewer: return "viewer";
    case role::operator_: return "operator";
    case role::admin: return "admin";
  }
  return "viewer";
}

std::optional<role> parse_role(std::string_view name) {
  if (name == "viewer") return role::viewer;
  if (name == "operator") return role::operator_;
  if (name == "admin") return role::admin;
  return std::nullopt;
}

}  // namespace runnerfleet
