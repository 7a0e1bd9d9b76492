// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/secret.hpp"
#include "common/time_format.hpp"

#include <optional>
#include <string>

namespace runnerfleet::kube {

/// What a client-go exec credential plugin returned.
struct exec_credential {
  secret token;
  std::optional<time_point> expires;  ///< nullopt = does not expire
};

/// The KUBERNETES_EXEC_INFO value kubectl passes to a plugin (non-interactive).
std::string exec_info_json(const std::string& api_version);

/// Parses a plugin's stdout (an ExecCredential); errors say what is missing, never the token.
result<exec_credential> parse_exec_credential(const std::string& output);

}  // namespace runnerfleet::kube
