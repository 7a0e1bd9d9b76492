// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/secret.hpp"

#include <string>

namespace runnerfleet {

/// Reads a credential from a file (trailing whitespace removed): secrets come from files, never
/// from argv or the config text. A missing or empty file is `unavailable`, naming the path only.
result<secret> read_secret_file(const std::string& path);

}  // namespace runnerfleet
