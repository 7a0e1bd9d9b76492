// SPDX-License-Identifier: Apache-2.0
#include "mcp/tool_support.hpp"

#include "daemon/cli/format.hpp"

namespace runnerfleet::mcp {

using nlohmann::json;

std::string str(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string cell(const json& value) { return cli::text(value); }

json as_string(const json& number) { return number.is_null() ? json(nullptr) : json(cell(number)); }

json snapshot_facts(const json& meta) {
  return {{"generation", as_string(meta.value("generation", json()))},
          {"stale_sources", meta.value("stale_sources", json::array())}};
}

std::string stale_note(const json& meta) {
  const json& stale = meta.value("stale_sources", json::array());
  if (stale.empty()) return "";
  std::string names;
  for (const auto& s : stale) names += (names.empty() ? "" : ", ") + cell(s);
  return "\nStale: " + names + " down; this is the last good data (get_health says more).";
}

json tool_result(json structured, std::string text) {
  return {{"content", json::array({{{"type", "text"}, {"text", std::move(text)}}})},
          {"structuredContent", std::move(structured)}};
}

}  // namespace runnerfleet::mcp
