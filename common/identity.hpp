// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace runnerfleet {

/// Who is on the other end of the socket, as the kernel says (SO_PEERCRED), never as the
/// client claims; names resolved from the passwd and group databases.
struct peer_identity {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t pid = 0;
  std::string user;  ///< passwd name, or the uid as text when it has none
  std::vector<std::string> groups;
  std::vector<std::uint32_t> gids;
};

}  // namespace runnerfleet
