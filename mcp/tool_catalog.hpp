// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "mcp/embedded_files.hpp"

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

namespace runnerfleet::mcp {

/// The tools this server offers: the schema files of the tools this build implements, served
/// verbatim, in a fixed order (stable tools/list, prompt-cache friendly). In read-only mode the
/// tools that are not readOnlyHint are not offered at all.
class tool_catalog {
 public:
  /// Throws std::runtime_error naming the file when a schema is malformed or an implemented
  /// tool has none: a build defect, reported at start, never at call time.
  tool_catalog(const std::vector<embedded_file>& files, const std::vector<std::string_view>& implemented,
               bool read_only);

  /// The tools/list `tools` array.
  const nlohmann::json& list() const { return list_; }
  /// A tool's definition, or nullptr when this server does not offer it.
  const nlohmann::json* find(std::string_view name) const;

 private:
  nlohmann::json list_ = nlohmann::json::array();
};

}  // namespace runnerfleet::mcp
