// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/format.hpp"

namespace runnerfleet::cli {

std::string age(const nlohmann::json& rfc3339, time_point now) {
  if (!rfc3339.is_string()) return "-";
  auto t = parse_rfc3339(rfc3339.get<std::string>());
  if (!t) return "-";
  return format_age(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

std::string text(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  return value.dump();
}

std::string scaling_cell(const nlohmann::json& s) {
  std::string out = text(s.value("current", nlohmann::json())) + "/" + text(s.value("desired", nlohmann::json()));
  if (s.value("model", "none") != "none")
    out += " " + text(s.value("min", nlohmann::json())) + "-" + text(s.value("max", nlohmann::json()));
  if (s.value("at_max", false)) out += " (max)";
  return out;
}

}  // namespace runnerfleet::cli
