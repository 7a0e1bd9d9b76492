// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/identity.hpp"

namespace runnerfleet::daemon {

/// Reads the peer credentials of a connected Unix socket and resolves names and groups.
result<peer_identity> read_peer_identity(int fd);

}  // namespace runnerfleet::daemon
