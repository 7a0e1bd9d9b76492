// SPDX-License-Identifier: Apache-2.0
#include "mcp/tool_catalog.hpp"

#include <stdexcept>
#include <string>

namespace runnerfleet::mcp {

using nlohmann::json;

tool_catalog::tool_catalog(const std::vector<embedded_file>& files, const std::vector<std::string_view>& implemented,
                           bool read_only) {
  for (auto name : implemented) {
    const embedded_file* file = nullptr;
    for (const auto& f : files)
      if (f.name == std::string(name) + ".json") file = &f;
    if (!file) throw std::runtime_error("tool " + std::string(name) + " has no schemas/tools/" + std::string(name) + ".json");
    json tool = json::parse(file->text, nullptr, false);
    if (!tool.is_object() || tool.value("name", "") != name || !tool.contains("inputSchema") ||
        !tool.contains("outputSchema") || !tool.contains("annotations"))
      throw std::runtime_error("schemas/tools/" + std::string(file->name) +
                               " must be an object with name, inputSchema, outputSchema and annotations");
    if (read_only && tool["annotations"].value("readOnlyHint", false) != true) continue;
    list_.push_back(std::move(tool));
  }
}

const json* tool_catalog::find(std::string_view name) const {
  for (const auto& tool : list_)
    if (tool["name"] == name) return &tool;
  return nullptr;
}

}  // namespace runnerfleet::mcp
