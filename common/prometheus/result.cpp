// SPDX-License-Identifier: Apache-2.0
#include "common/prometheus/result.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>

namespace runnerfleet::promql {

namespace {

using nlohmann::json;

error failed_reply(int http_status, const json& doc) {
  std::string kind = doc.contains("errorType") && doc["errorType"].is_string() ? doc["errorType"].get<std::string>() : "";
  std::string text = doc.contains("error") && doc["error"].is_string() ? doc["error"].get<std::string>() : "no message";
  std::string message = "Prometheus " + (kind.empty() ? "error" : kind) + " (HTTP " + std::to_string(http_status) + "): " + text;
  if (kind == "bad_data" || http_status == 400) return make_error(error_code::invalid_argument, message);
  if (kind == "timeout" || http_status == 503) return make_error(error_code::timeout, message);
  return make_error(error_code::upstream_error, message);
}

std::optional<point> parse_point(const json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_string()) return std::nullopt;
  return point{pair[0].get<double>(), parse_sample_value(pair[1].get_ref<const std::string&>())};
}

result<series> parse_series(const json& item, std::string_view type) {
  if (!item.is_object()) return make_error(error_code::upstream_error, "Prometheus: a result item is not an object");
  series s;
  if (auto m = item.find("metric"); m != item.end() && m->is_object())
    for (const auto& [k, v] : m->items())
      if (v.is_string()) s.labels.emplace(k, v.get<std::string>());
  if (type == "vector") {
    auto p = item.contains("value") ? parse_point(item["value"]) : std::nullopt;
    if (!p) return make_error(error_code::upstream_error, "Prometheus: a vector sample has no [time, \"value\"] pair");
    s.points.push_back(*p);
  } else {
    auto values = item.find("values");
    if (values == item.end() || !values->is_array())
      return make_error(error_code::upstream_error, "Prometheus: a matrix series has no values array");
    s.points.reserve(values->size());
    for (const auto& pair : *values) {
      auto p = parse_point(pair);
      if (!p) return make_error(error_code::upstream_error, "Prometheus: a matrix value is not a [time, \"value\"] pair");
      s.points.push_back(*p);
    }
  }
  return s;
}

}  // namespace

std::string_view series::label(std::string_view name) const {
  auto it = labels.find(name);
  return it == labels.end() ? std::string_view{} : std::string_view(it->second);
}

std::optional<double> parse_sample_value(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

result<query_result> parse_reply(int http_status, std::string_view body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    auto excerpt = std::string(body.substr(0, 120));
    return make_error(http_status == 404 ? error_code::not_found : error_code::upstream_error,
                      "Prometheus answered HTTP " + std::to_string(http_status) + " with a body that is not its API's JSON: " +
                          excerpt + " (is prometheus.url the server's base URL?)");
  }
  auto status = doc.find("status");
  if (status != doc.end() && status->is_string() && *status == "error") return failed_reply(http_status, doc);
  if (status == doc.end() || !status->is_string() || *status != "success")
    return make_error(error_code::upstream_error, "Prometheus answered HTTP " + std::to_string(http_status) +
                                                      " without a status of success or error");
  const auto& data = doc.contains("data") ? doc["data"] : json();
  if (!data.is_object() || !data.contains("resultType") || !data["resultType"].is_string())
    return make_error(error_code::upstream_error, "Prometheus: the reply has no data.resultType");
  query_result out;
  out.type = data["resultType"].get<std::string>();
  if (auto w = doc.find("warnings"); w != doc.end() && w->is_array())
    for (const auto& text : *w)
      if (text.is_string()) out.warnings.push_back(text.get<std::string>());
  const auto& res = data.contains("result") ? data["result"] : json();
  if (out.type == "scalar" || out.type == "string") {
    auto p = parse_point(res);
    if (!p) return make_error(error_code::upstream_error, "Prometheus: a " + out.type + " result is not a [time, value] pair");
    out.data.push_back({{}, {*p}});
    return out;
  }
  if (out.type != "vector" && out.type != "matrix")
    return make_error(error_code::upstream_error, "Prometheus: unknown resultType '" + out.type + "'");
  if (!res.is_array()) return make_error(error_code::upstream_error, "Prometheus: data.result is not an array");
  out.data.reserve(res.size());
  for (const auto& item : res) {
    auto s = parse_series(item, out.type);
    if (!s) return s.take_failure();
    out.data.push_back(std::move(*s));
  }
  return out;
}

}  // namespace runnerfleet::promql
