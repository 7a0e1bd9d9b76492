// SPDX-License-Identifier: Apache-2.0
#include "mcp/argument_check.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

namespace runnerfleet::mcp {

using nlohmann::json;

namespace {

/// Characters, not bytes: maxLength counts code points.
std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool has_type(const json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    double d = value.get<double>();  // 5.0 is an integer to JSON Schema
    return std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15;
  }
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  if (type == "null") return value.is_null();
  return false;
}

std::string type_words(const json& type) {
  if (type.is_string()) {
    auto name = type.get<std::string>();
    bool vowel = !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
    return (vowel ? "an " : "a ") + name;  // an integer, an object, an array
  }
  std::string out;
  for (const auto& t : type) out += (out.empty() ? "" : " or ") + type_words(t);
  return out;
}

std::string shown(const json& value) {
  auto text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

std::optional<std::string> check_value(const std::string& name, const json& schema, const json& value) {
  if (auto type = schema.find("type"); type != schema.end()) {
    bool ok = type->is_string() ? has_type(value, *type)
                                : std::any_of(type->begin(), type->end(), [&](const json& t) { return has_type(value, t); });
    if (!ok) return "argument '" + name + "' must be " + type_words(*type) + ", got " + shown(value);
  }
  if (auto allowed = schema.find("enum"); allowed != schema.end() &&
                                          std::find(allowed->begin(), allowed->end(), value) == allowed->end()) {
    std::string list;
    for (const auto& a : *allowed) list += (list.empty() ? "" : ", ") + a.dump();
    return "argument '" + name + "' must be one of " + list + ", got " + shown(value);
  }
  if (value.is_number()) {
    if (auto min = schema.find("minimum"); min != schema.end() && value.get<double>() < min->get<double>())
      return "argument '" + name + "' must be at least " + min->dump() + ", got " + shown(value);
    if (auto max = schema.find("maximum"); max != schema.end() && value.get<double>() > max->get<double>())
      return "argument '" + name + "' must be at most " + max->dump() + ", got " + shown(value);
  }
  if (value.is_string()) {
    auto length = code_points(value.get<std::string>());
    if (auto min = schema.find("minLength"); min != schema.end() && length < min->get<std::size_t>())
      return "argument '" + name + "' must not be shorter than " + min->dump() + " character(s)";
    if (auto max = schema.find("maxLength"); max != schema.end() && length > max->get<std::size_t>())
      return "argument '" + name + "' must not be longer than " + max->dump() + " characters";
  }
  return std::nullopt;
}

}  // namespace

bool is_supported_keyword(const std::string& keyword) {
  static constexpr std::array<std::string_view, 12> known = {
      "type",      "enum",      "minimum",    "maximum",  "minLength",   "maxLength",
      "required",  "properties", "additionalProperties", "default", "description", "title"};
  return std::find(known.begin(), known.end(), keyword) != known.end();
}

std::optional<std::string> check_arguments(const json& input_schema, const json& arguments) {
  if (!arguments.is_object()) return "arguments must be an object, got " + shown(arguments);
  const json& properties = input_schema.contains("properties") ? input_schema["properties"] : json::object();
  for (const auto& required : input_schema.value("required", json::array()))
    if (!arguments.contains(required.get<std::string>()))
      return "argument '" + required.get<std::string>() + "' is required";
  bool closed = input_schema.value("additionalProperties", true) == false;
  for (const auto& [name, value] : arguments.items()) {
    auto schema = properties.find(name);
    if (schema == properties.end()) {
      if (!closed) continue;
      std::string list;
      for (const auto& [known, _] : properties.items()) list += (list.empty() ? "" : ", ") + known;
      return "unknown argument '" + name + "'" + (list.empty() ? " (this tool takes none)" : " (known: " + list + ")");
    }
    if (auto problem = check_value(name, *schema, value)) return problem;
  }
  return std::nullopt;
}

}  // namespace runnerfleet::mcp
