// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/metrics_format.hpp"

#include "daemon/cli/table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

namespace runnerfleet::cli {

using nlohmann::json;

namespace {

std::string fixed(double v, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

const json& member(const json& j, const char* key) {
  static const json null;
  auto it = j.find(key);
  return it == j.end() ? null : *it;
}

/// The figures of one usage object as table cells.
std::vector<std::string> usage_cells(const std::string& who, const json& u) {
  const auto& q = member(u, "queue_seconds");
  auto runners = member(u, "registered_runners").is_null()
                     ? std::string("-")
                     : measure_text(member(u, "busy_runners"), "") + "/" + measure_text(member(u, "registered_runners"), "");
  return {who,
          measure_text(member(u, "jobs"), ""),
          measure_text(member(u, "failure_rate"), "ratio"),
          measure_text(member(q, "p50"), "seconds") + " / " + measure_text(member(q, "p95"), "seconds") + " / " +
              measure_text(member(q, "p99"), "seconds"),
          measure_text(member(u, "running_jobs"), ""),
          runners,
          measure_text(member(u, "cpu_cores"), "cores") + " (" + measure_text(member(u, "cpu_utilization"), "ratio") + ")",
          measure_text(member(u, "memory_bytes"), "bytes")};
}

const std::vector<std::string> usage_headers = {"", "JOBS", "FAILED", "QUEUE p50/p95/p99", "RUNNING", "BUSY/REG",
                                                "CPU (of requests)", "MEMORY"};

/// One line per verdict; with `fleet_view` only the forges' and the runners' breaches (a fleet
/// of hundreds of runners would otherwise print three lines each).
std::string slo_lines(const json& slo, bool fleet_view) {
  std::string out;
  for (const auto& r : slo) {
    auto state = str(r, "state");
    if (fleet_view && state != "breached" && str(r, "scope") != "forge") continue;
    out += "  " + std::string(state == "breached" ? "BREACHED " : state == "met" ? "met      " : "no data  ") +
           str(r, "message") + "\n";
  }
  return out;
}

std::string series_lines(const json& series) {
  std::string out;
  for (const auto& m : series) {
    auto name = str(m, "measure") + (str(m, "forge").empty() ? "" : " (" + str(m, "forge") + ")");
    if (m.contains("error")) {
      out += "  " + name + ": unavailable: " + str(m, "error") + "\n";
      continue;
    }
    const auto& list = member(m, "series");
    if (!list.is_array() || list.empty()) {
      out += "  " + name + ": no data\n";
      continue;
    }
    for (const auto& s : list) {
      std::string label;
      for (const auto& [k, v] : member(s, "labels").items()) label += (label.empty() ? "" : ",") + v.get<std::string>();
      const auto& points = member(s, "points");
      json last = points.empty() ? json() : points.back()[1];
      out += "  " + name + (label.empty() ? "" : " " + label) + "  " + sparkline(points) + "  last " +
             measure_text(last, str(m, "unit")) + "\n";
    }
  }
  return out;
}

std::string source_line(const json& data) {
  const auto& src = member(data, "source");
  auto state = str(src, "state");
  std::string out = "Prometheus: " + state;
  if (member(src, "stale").is_boolean() && src["stale"].get<bool>()) out += " (figures are the last good ones)";
  if (!str(src, "error").empty()) out += ": " + str(src, "error");
  return out + "\n";
}

}  // namespace

std::string sparkline(const json& points, std::size_t width) {
  static const char* bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (!points.is_array() || points.empty() || width == 0) return {};
  std::size_t n = points.size(), columns = std::min(width, n);
  std::vector<std::optional<double>> cols(columns);
  for (std::size_t c = 0; c < columns; ++c) {
    double sum = 0;
    int count = 0;
    for (std::size_t i = c * n / columns; i < (c + 1) * n / columns; ++i) {
      const auto& p = points[i];
      if (p.is_array() && p.size() == 2 && p[1].is_number()) {
        sum += p[1].get<double>();
        ++count;
      }
    }
    if (count) cols[c] = sum / count;
  }
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& v : cols)
    if (v) lo = std::min(lo, *v), hi = std::max(hi, *v);
  std::string out;
  for (const auto& v : cols) {
    if (!v) {
      out += " ";
      continue;
    }
    auto level = hi > lo ? static_cast<int>(std::lround((*v - lo) / (hi - lo) * 7)) : 3;
    out += bars[std::clamp(level, 0, 7)];
  }
  return out;
}

std::string measure_text(const json& value, const std::string& unit) {
  if (!value.is_number()) return "-";
  double v = value.get<double>();
  if (unit == "ratio") return fixed(v * 100, v * 100 >= 10 ? 0 : 1) + " %";
  if (unit == "seconds") return fixed(v, v >= 10 ? 0 : 1) + " s";
  if (unit == "bytes") {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (std::fabs(v) >= 1024 && i < 4) v /= 1024, ++i;
    return fixed(v, i == 0 ? 0 : 1) + " " + units[i];
  }
  if (unit == "cores") return fixed(v, v >= 10 ? 1 : 3);
  if (unit == "jobs/h") return fixed(v, v >= 10 ? 0 : 1) + "/h";
  return v == std::floor(v) ? fixed(v, 0) : fixed(v, 2);
}

std::string fleet_metrics_text(const json& data) {
  std::string out = source_line(data);
  const auto& m = member(data, "metrics");
  out += "window " + str(data, "window") + " (" + str(data, "start") + " to " + str(data, "end") + ")\n";
  if (m.is_object()) {
    table t(usage_headers);
    for (const auto& [forge, u] : member(m, "forges").items()) t.add(usage_cells(forge, u));
    t.add(usage_cells("fleet", member(m, "fleet")));
    out += t.render(0, false);
    auto verdicts = slo_lines(member(m, "slo"), true);
    if (!verdicts.empty()) out += "SLOs (forges, and runners in breach):\n" + verdicts;
    for (const auto& c : member(m, "caches"))
      out += "cache " + str(c, "name") + ": hit rate " + measure_text(member(c, "hit_rate"), "ratio") +
             (str(c, "error").empty() ? "" : " (" + str(c, "error") + ")") + "\n";
  } else {
    out += "No figures for this window.\n";
  }
  auto series = series_lines(member(data, "series"));
  if (!series.empty()) out += "series (oldest → newest):\n" + series;
  return out;
}

std::string runner_metrics_text(const json& data) {
  std::string out = source_line(data);
  out += str(data, "runner") + " (" + str(data, "forge") + ", " + str(data, "cluster") + "/" + str(data, "namespace") +
         "), window " + str(data, "window") + "\n";
  const auto& current = member(data, "current");
  if (current.is_object()) {
    table t(usage_headers);
    t.add(usage_cells("last " + str(data, "current_window"), current));
    out += t.render(0, false);
  } else {
    out += "No current figures (no series from its pods in the last hour).\n";
  }
  auto slo = slo_lines(member(data, "slo"), false);
  if (!slo.empty()) out += "SLOs:\n" + slo;
  auto series = series_lines(member(data, "series"));
  if (!series.empty()) out += "series (oldest → newest):\n" + series;
  return out;
}

json thin_points(const json& points, std::size_t max_points) {
  if (!points.is_array() || points.size() <= max_points || max_points == 0) return points;
  json out = json::array();
  std::size_t every = (points.size() + max_points - 1) / max_points;
  for (std::size_t i = 0; i < points.size(); i += every) out.push_back(points[i]);
  if (out.back() != points.back()) out.push_back(points.back());
  return out;
}

}  // namespace runnerfleet::cli
