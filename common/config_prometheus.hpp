// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"

#include <yaml-cpp/yaml.h>

namespace runnerfleet {

/// The `prometheus:` section, validated (throws config_fields::config_error naming key and line).
prometheus_config parse_prometheus(const YAML::Node& node);

}  // namespace runnerfleet
