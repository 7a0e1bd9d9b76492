// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

/// Typed reads of config fields shared by the config's section parsers: each failure names the
/// key and the line, so a bad config says exactly what to fix.
namespace runnerfleet::config_fields {

/// Thrown by the parsers only, turned into a result at parse_config's boundary.
struct config_error {
  std::string message;
};

/// Throws config_error "key (line N): what".
[[noreturn]] void fail(const std::string& key, const YAML::Node& node, const std::string& what);
/// A mapping whose keys are all in `allowed`; an unknown key is named with the known ones.
void check_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed);
/// A scalar as text.
std::string get_string(const YAML::Node& node, const std::string& key);
/// true or false.
bool get_bool(const YAML::Node& node, const std::string& key);
/// An integer in [min, max].
int get_int(const YAML::Node& node, const std::string& key, int min, int max);
/// A number in [min, max].
double get_number(const YAML::Node& node, const std::string& key, double min, double max);
/// A duration such as 30s, 5m or 1h.
std::chrono::seconds get_duration(const YAML::Node& node, const std::string& key);
/// A duration within [min, max] (the bounds are said in the message as written in `range`).
std::chrono::seconds get_duration(const YAML::Node& node, const std::string& key, std::chrono::seconds min,
                                  std::chrono::seconds max, const std::string& range);
/// A list of strings.
std::vector<std::string> get_string_list(const YAML::Node& node, const std::string& key);
/// An http:// or https:// URL without credentials in it (it is shown in settings and messages).
std::string get_url(const YAML::Node& node, const std::string& key, const std::string& example);

}  // namespace runnerfleet::config_fields
