// SPDX-License-Identifier: Apache-2.0
#include "common/config_fields.hpp"

#include "common/time_format.hpp"

namespace runnerfleet::config_fields {

void fail(const std::string& key, const YAML::Node& node, const std::string& what) {
  std::string where = node.Mark().is_null() ? "" : " (line " + std::to_string(node.Mark().line + 1) + ")";
  throw config_error{key + where + ": " + what};
}

void check_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed) {
  if (!map.IsMap()) fail(path.empty() ? "config" : path, map, "expected a mapping");
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    if (!allowed.contains(key)) {
      std::string known;
      for (const auto& k : allowed) known += (known.empty() ? "" : ", ") + k;
      fail(path.empty() ? key : path + "." + key, kv.first, "unknown key (known: " + known + ")");
    }
  }
}

std::string get_string(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) fail(key, node, "expected a string");
  return node.as<std::string>();
}

bool get_bool(const YAML::Node& node, const std::string& key) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) fail(key, node, "expected true or false");
  return value;
}

int get_int(const YAML::Node& node, const std::string& key, int min, int max) {
  int value = 0;
  if (!node.IsScalar() || !YAML::convert<int>::decode(node, value)) fail(key, node, "expected an integer");
  if (value < min || value > max)
    fail(key, node, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return value;
}

double get_number(const YAML::Node& node, const std::string& key, double min, double max) {
  double value = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, value)) fail(key, node, "expected a number");
  if (!(value >= min && value <= max)) {
    auto text = [](double v) {
      auto s = std::to_string(v);
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
      return s;
    };
    fail(key, node, "must be between " + text(min) + " and " + text(max));
  }
  return value;
}

std::chrono::seconds get_duration(const YAML::Node& node, const std::string& key) {
  auto d = node.IsScalar() ? parse_duration(node.as<std::string>()) : std::nullopt;
  if (!d) fail(key, node, "expected a duration such as 30s, 5m or 1h");
  return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

std::chrono::seconds get_duration(const YAML::Node& node, const std::string& key, std::chrono::seconds min,
                                  std::chrono::seconds max, const std::string& range) {
  auto d = get_duration(node, key);
  if (d < min || d > max) fail(key, node, "must be " + range);
  return d;
}

std::vector<std::string> get_string_list(const YAML::Node& node, const std::string& key) {
  if (!node.IsSequence()) fail(key, node, "expected a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(get_string(node[i], key + "[" + std::to_string(i) + "]"));
  return out;
}

std::string get_url(const YAML::Node& node, const std::string& key, const std::string& example) {
  auto url = get_string(node, key);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    fail(key, node, "expected an http(s) URL such as " + example);
  // The URL is shown in /v1/settings, health and messages: credentials never belong in it.
  auto authority = url.substr(url.find("://") + 3);
  if (authority.substr(0, authority.find('/')).find('@') != std::string::npos)
    fail(key, node, "must not carry credentials (user:password@); use the credential files instead");
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace runnerfleet::config_fields
