// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/value_rules.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace runnerfleet::gitops {

using tfvars::value;

std::optional<long double> parse_quantity(std::string_view q) {
  std::size_t i = 0;
  long double mantissa = 0;
  bool digits = false;
  while (i < q.size() && q[i] >= '0' && q[i] <= '9') {
    mantissa = mantissa * 10 + (q[i++] - '0');
    digits = true;
  }
  if (i < q.size() && q[i] == '.') {
    ++i;
    long double scale = 0.1L;
    while (i < q.size() && q[i] >= '0' && q[i] <= '9') {
      mantissa += (q[i++] - '0') * scale;
      scale /= 10;
      digits = true;
    }
  }
  if (!digits) return std::nullopt;
  std::string_view suffix = q.substr(i);
  if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::size_t j = 1;
    bool negative = false;
    if (suffix[j] == '+' || suffix[j] == '-') negative = suffix[j++] == '-';
    if (j == suffix.size() || suffix.size() - j > 3) return std::nullopt;
    int exponent = 0;
    for (; j < suffix.size(); ++j) {
      if (suffix[j] < '0' || suffix[j] > '9') return std::nullopt;
      exponent = exponent * 10 + (suffix[j] - '0');
    }
    return mantissa * std::pow(10.0L, negative ? -exponent : exponent);
  }
  static const std::pair<std::string_view, long double> units[] = {
      {"", 1},         {"n", 1e-9L},    {"u", 1e-6L},    {"m", 1e-3L},
      {"k", 1e3L},     {"M", 1e6L},     {"G", 1e9L},     {"T", 1e12L},
      {"P", 1e15L},    {"E", 1e18L},    {"Ki", 0x1p10L}, {"Mi", 0x1p20L},
      {"Gi", 0x1p30L}, {"Ti", 0x1p40L}, {"Pi", 0x1p50L}, {"Ei", 0x1p60L}};
  for (const auto& [unit, factor] : units)
    if (suffix == unit) return mantissa * factor;
  return std::nullopt;
}

error refuse(std::string_view key, const std::string& why) {
  return make_error(error_code::invalid_argument, std::string(key) + ": " + why,
                    {{"key", std::string(key)}});
}

bool is_dns_label(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    if (!is_dns_label(s.substr(start, dot == std::string_view::npos ? dot : dot - start), 63))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string or_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
  return out;
}

result<value> normalize_value(std::string_view where, const value_rule& rule, const value& v) {
  const auto type = rule.type;
  if (v.type() == tfvars::kind::null)
    return refuse(where,
                  "null would override the default with null; remove the key to use the default");
  if (v.templated()) return refuse(where, "a ${...} template cannot be written as a value");
  auto wrong = [&] {
    return refuse(where, "expected " + std::string(to_string(type)) + ", got " +
                             std::string(tfvars::to_string(v.type())));
  };
  switch (type) {
    case var_type::boolean:
      if (v.type() == tfvars::kind::boolean) return v;
      if (v.type() == tfvars::kind::string && (v.text() == "true" || v.text() == "false"))
        return value::boolean(v.text() == "true");
      return wrong();
    case var_type::integer: {
      std::optional<std::int64_t> n;
      if (v.type() == tfvars::kind::number) {
        n = v.as_int();
        if (!n) return refuse(where, "must be a whole number, got " + v.text());
      } else if (v.type() == tfvars::kind::string && tfvars::is_number_literal(v.text())) {
        n = value::number(v.text()).as_int();
        if (!n) return refuse(where, "must be a whole number, got " + v.text());
      } else {
        return wrong();
      }
      if (rule.min && *n < *rule.min)
        return refuse(where,
                      "must be at least " + std::to_string(*rule.min) + ", got " + std::to_string(*n));
      if (rule.max && *n > *rule.max)
        return refuse(where,
                      "must be at most " + std::to_string(*rule.max) + ", got " + std::to_string(*n));
      return value::integer(*n);
    }
    case var_type::string: {
      std::string text;
      if (v.type() == tfvars::kind::string)
        text = v.text();
      else if (v.type() == tfvars::kind::number)
        text = v.text();  // OpenTofu converts 4 to "4"
      else
        return wrong();
      switch (rule.check) {
        case value_check::none:
          break;
        case value_check::quantity:
          if (!parse_quantity(text))
            return refuse(
                where,
                "\"" + text + "\" is not a Kubernetes quantity (e.g. 500m, 2, 1.5Gi, 512Mi)");
          break;
        case value_check::release_name:
          if (!is_dns_label(text, 53))
            return refuse(where,
                          "\"" + text +
                              "\" is not a Helm release name (lowercase letters, digits and '-', "
                              "starting and ending alphanumeric, at most 53 characters)");
          break;
        case value_check::dns_label:
          if (!is_dns_label(text, 63))
            return refuse(where,
                          "\"" + text +
                              "\" is not a Kubernetes namespace name (lowercase letters, digits "
                              "and '-', starting and ending alphanumeric, at most 63 characters)");
          break;
        case value_check::dns_subdomain_or_empty:
          if (!text.empty() && !is_dns_subdomain(text))
            return refuse(where,
                          "\"" + text + "\" is not a PriorityClass name (or empty for none)");
          break;
        case value_check::non_empty:
          if (text.empty()) return refuse(where, "must not be empty");
          break;
        case value_check::github_url: {
          constexpr std::string_view github = "https://github.com/";
          if (text.size() <= github.size() || text.compare(0, github.size(), github) != 0)
            return refuse(
                where,
                "\"" + text + "\" must start with https://github.com/ and name an org or repo");
          break;
        }
        case value_check::one_of:
          if (std::find(rule.allowed.begin(), rule.allowed.end(), text) == rule.allowed.end())
            return refuse(where, "\"" + text + "\" is not one of " + or_list(rule.allowed));
          break;
      }
      return value::string(std::move(text));
    }
    case var_type::runner_set_map:
      break;  // handled by normalize_sets
  }
  return wrong();
}

}  // namespace runnerfleet::gitops
