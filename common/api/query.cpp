// SPDX-License-Identifier: Apache-2.0
#include "common/api/query.hpp"

#include <cctype>

#include <algorithm>
#include <charconv>

namespace runnerfleet::api {
namespace {

constexpr std::size_t max_target_length = 4096;
constexpr std::string_view cursor_prefix = "c1:";
constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

void append_query(std::string& target, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  target += target.find('?') == std::string::npos ? '?' : '&';
  target.append(key).append("=").append(percent_encode(value));
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '\0') {
      return std::nullopt;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

result<std::pair<std::string, query_params>> split_target(std::string_view target) {
  if (target.size() > max_target_length)
    return make_error(error_code::invalid_argument, "request target is longer than 4096 bytes");
  if (target.empty() || target.front() != '/')
    return make_error(error_code::invalid_argument, "request target must be an absolute path");
  auto qpos = target.find('?');
  auto path = percent_decode(target.substr(0, qpos), false);
  if (!path) return make_error(error_code::invalid_argument, "request path has a malformed %-escape");
  query_params q;
  if (qpos != std::string_view::npos) {
    std::string_view rest = target.substr(qpos + 1);
    while (!rest.empty()) {
      auto amp = rest.find('&');
      auto pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
      if (pair.empty()) continue;
      auto eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq), true);
      auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
      if (!key || !value)
        return make_error(error_code::invalid_argument, "query string has a malformed %-escape");
      q[*key] = *value;
    }
  }
  return std::pair{std::move(*path), std::move(q)};
}

status require_known(const query_params& q, std::initializer_list<std::string_view> known) {
  for (const auto& [key, _] : q) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return make_error(error_code::invalid_argument,
                      "unknown query parameter '" + key + "'" +
                          (list.empty() ? " (this route takes none)" : " (known: " + list + ")"),
                      {{"parameter", key}});
  }
  return ok();
}

result<std::size_t> parse_limit(const query_params& q, std::size_t default_limit, std::size_t max_limit) {
  auto it = q.find("limit");
  if (it == q.end()) return default_limit;
  std::size_t value = 0;
  const auto& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size() || value < 1 || value > max_limit)
    return make_error(error_code::invalid_argument,
                      "limit must be an integer from 1 to " + std::to_string(max_limit) + ", got '" + s + "'",
                      {{"parameter", "limit"}});
  return value;
}

result<std::vector<std::string>> parse_enum(const query_params& q, std::string_view key,
                                            const std::vector<std::string>& allowed, bool multi) {
  std::vector<std::string> values;
  auto it = q.find(std::string(key));
  if (it == q.end() || it->second.empty()) return values;
  std::string_view rest = it->second;
  while (true) {
    auto comma = multi ? rest.find(',') : std::string_view::npos;
    std::string value(rest.substr(0, comma));
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
      return make_error(error_code::invalid_argument,
                        std::string(key) + " '" + value + "' is not one of: " + join(allowed),
                        {{"parameter", std::string(key)}});
    values.push_back(std::move(value));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return values;
}

result<std::optional<bool>> parse_bool(const query_params& q, std::string_view key) {
  auto it = q.find(std::string(key));
  if (it == q.end() || it->second.empty()) return std::optional<bool>{};
  const auto& v = it->second;
  if (v == "true" || v == "1" || v == "yes") return std::optional<bool>{true};
  if (v == "false" || v == "0" || v == "no") return std::optional<bool>{false};
  return make_error(error_code::invalid_argument, std::string(key) + " must be true or false, got '" + v + "'",
                    {{"parameter", std::string(key)}});
}

std::string encode_cursor(std::string_view key) {
  std::string in = std::string(cursor_prefix) + std::string(key);
  std::string out;
  unsigned val = 0;
  int bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(b64[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(b64[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

result<std::string> decode_cursor(std::string_view cursor) {
  auto invalid = [] {
    return make_error(error_code::invalid_argument,
                      "cursor is not valid (pass the next_cursor of a previous page, or omit it to start over)",
                      {{"parameter", "cursor"}});
  };
  if (cursor.size() > 2048) return invalid();
  std::string out;
  unsigned val = 0;
  int bits = -8;
  for (char c : cursor) {
    const char* p = std::find(b64, b64 + 64, c);
    if (p == b64 + 64) return invalid();
    val = (val << 6) + static_cast<unsigned>(p - b64);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  if (out.rfind(cursor_prefix, 0) != 0) return invalid();
  return out.substr(cursor_prefix.size());
}

}  // namespace runnerfleet::api
