// SPDX-License-Identifier: Apache-2.0
#include "common/prometheus/promql.hpp"

#include <cstdio>

namespace runnerfleet::promql {

std::string quote(std::string_view value) {
  std::string out = "\"";
  out.reserve(value.size() + 2);
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += hex;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string regex_escape(std::string_view value) {
  static constexpr std::string_view meta = R"(\.+*?()|[]{}^$)";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (meta.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string equals(std::string_view label, std::string_view value) { return std::string(label) + "=" + quote(value); }

std::string matches(std::string_view label, std::string_view pattern) {
  return std::string(label) + "=~" + quote(pattern);
}

std::string one_of(std::string_view label, const std::vector<std::string>& values) {
  std::string pattern = "(?:";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) pattern += '|';
    pattern += regex_escape(values[i]);
  }
  pattern += ')';
  return matches(label, pattern);
}

const std::vector<window>& windows() {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  static const std::vector<window> all = {
      {"1h", hours(1), seconds(30), minutes(2)},
      {"6h", hours(6), minutes(2), minutes(5)},
      {"24h", hours(24), minutes(5), minutes(10)},
      {"7d", hours(24 * 7), minutes(30), hours(1)},
  };
  return all;
}

std::optional<window> find_window(std::string_view name) {
  for (const auto& w : windows())
    if (w.name == name) return w;
  return std::nullopt;
}

std::string duration(std::chrono::seconds d) {
  auto s = d.count();
  if (s > 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace runnerfleet::promql
