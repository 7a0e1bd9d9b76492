// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/gitops/stack_schema.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace runnerfleet {

/// One `gitops.stacks[]` entry: a runner stack the config defines (or a built-in it replaces), in
/// the shape of the built-in schemas. Checked as a whole so that a proposal or drift never meets
/// a layout key the stack does not declare; throws config_fields::config_error naming key and line.
gitops::stack_schema parse_stack(const YAML::Node& node, const std::string& path);

}  // namespace runnerfleet
