// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/gitops_format.hpp"

#include "daemon/cli/format.hpp"

namespace runnerfleet::cli {

using nlohmann::json;

namespace {

std::string counted(const json& counts, const char* key, const char* one, const char* many) {
  long long n = counts.is_object() && counts.value(key, json()).is_number() ? counts[key].get<long long>() : 0;
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

result<std::pair<std::string, json>> parse_assignment(std::string_view argument) {
  auto eq = argument.find('=');
  if (eq == std::string_view::npos)
    return make_error(error_code::invalid_argument,
                      "'" + std::string(argument) + "' is not key=value (e.g. docker_hpa_max_replicas=12)");
  if (eq == 0)
    return make_error(error_code::invalid_argument, "'" + std::string(argument) + "' has no key before '='");
  std::string key(argument.substr(0, eq));
  std::string raw(argument.substr(eq + 1));
  json value = json::parse(raw, nullptr, false);
  if (value.is_discarded()) value = raw;  // 500m, docker:24, an empty value: a plain string
  return std::pair{std::move(key), std::move(value)};
}

result<json> parse_changes(const std::vector<std::string>& arguments) {
  json changes = json::object();
  for (const auto& argument : arguments) {
    auto parsed = parse_assignment(argument);
    if (!parsed) return parsed.take_failure();
    if (changes.contains(parsed->first))
      return make_error(error_code::invalid_argument, "key '" + parsed->first + "' is given twice");
    changes[parsed->first] = std::move(parsed->second);
  }
  return changes;
}

std::string drift_counts_text(const json& counts) {
  return counted(counts, "error", "error", "errors") + ", " + counted(counts, "warning", "warning", "warnings") + ", " +
         counted(counts, "info", "info", "info");
}

std::string desired_source_text(const json& desired, time_point now) {
  if (!desired.is_object()) return "-";
  std::string commit = desired.value("commit", json()).is_string() ? desired["commit"].get<std::string>() : "";
  std::string out = desired.value("source", "") + " " + desired.value("branch", "");
  if (!commit.empty()) out += "@" + commit.substr(0, 12);
  out += ", read " + age(desired.value("read_at", json()), now) + " ago";
  if (desired.value("stale", false)) out += " (STALE: the last read failed; this is the last good copy)";
  return out;
}

std::string setting_value_text(const json& setting) {
  if (setting.value("sensitive", false)) return "(sensitive)";
  return setting.value("value", json()).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string change_text(const json& change) {
  auto shown = [](const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); };
  std::string from = change.value("from", json()).is_null() ? "unset" : shown(change["from"]);
  if (change.value("from_default", false)) from += " (default)";
  return change.value("key", "") + ": " + from + " → " + shown(change.value("to", json()));
}

}  // namespace runnerfleet::cli
