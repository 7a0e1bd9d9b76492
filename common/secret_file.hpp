// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/secret.hpp"

#include <optional>
#include <string>

namespace runnerfleet {

/// Reads a credential from a file (trailing whitespace removed): secrets come from files, never
/// from argv or the config text. A missing or empty file is `unavailable`, naming the path only.
result<secret> read_secret_file(const std::string& path);

/// A CA bundle named by the config key `key` (e.g. "gitlab.ca_file"): "" when no path is set
/// (the system store), invalid_argument naming the key and path when it cannot be read.
result<std::string> read_ca_file(const std::optional<std::string>& path, const std::string& key);

}  // namespace runnerfleet
