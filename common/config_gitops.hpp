// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"

#include <yaml-cpp/yaml.h>

namespace runnerfleet {

/// The `gitops:` section, validated against the rest of the config (its clusters, the gitlab
/// section it borrows the URL from); throws config_fields::config_error naming key and line.
gitops_config parse_gitops(const YAML::Node& node, const config& cfg);

}  // namespace runnerfleet
