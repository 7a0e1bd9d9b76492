// SPDX-License-Identifier: Apache-2.0
#include "mcp/metrics_tools.hpp"

#include "mcp/tool_support.hpp"

#include "common/api/query.hpp"
#include "daemon/cli/metrics_format.hpp"

namespace runnerfleet::mcp {

namespace {

/// Points per series in an answer: enough for a trend, small enough for a context window.
constexpr std::size_t max_points = 48;

std::string counts_line(const json& counts) {
  std::string out;
  for (const auto& [k, v] : counts.items())
    if (v.is_number() && v.get<long long>() > 0) out += (out.empty() ? "" : ", ") + k + " " + cell(v);
  return out.empty() ? "none" : out;
}

/// Runners, pods, jobs and the attention list, as the landing view says them.
std::string overview_text(const json& d) {
  const json& runners = d["runners"];
  std::string text = "runners: " + cell(runners["total"]) + " (" + counts_line(runners["by_status"]) + ")";
  for (const auto& [forge, f] : runners["by_forge"].items()) text += "; " + forge + " " + cell(f["total"]);
  const json& pods = d["pods"];
  text += "\npods: " + cell(pods["total"]) + " (" + counts_line(pods["by_phase"]) + "); " + cell(pods["with_problems"]) +
          " with problems" + (pods["by_problem"].empty() ? "" : ": " + counts_line(pods["by_problem"]));
  text += "\njobs: " + cell(d["jobs"]["running"]) + " running, " + cell(d["jobs"]["pending"]) + " queued (- = not known)\n";
  if (d["attention"].empty()) return text + "Nothing needs attention.\n";
  text += "needs attention:\n";
  for (const auto& a : d["attention"])
    text += "- " + str(a, "severity") + (str(a, "runner").empty() ? "" : " " + str(a, "runner")) + ": " + str(a, "message") + "\n";
  return text;
}

/// Series with at most max_points points each.
json thinned(const json& series) {
  json out = json::array();
  for (const auto& m : series) {
    json copy = m;
    if (copy.contains("series"))
      for (auto& s : copy["series"]) s["points"] = cli::thin_points(s["points"], max_points);
    out.push_back(std::move(copy));
  }
  return out;
}

void window_query(daemon_request& r, const json& a) {
  api::append_query(r.target, "window", a.contains("window") ? a["window"].get<std::string>() : "1h");
}

}  // namespace

daemon_request plan_fleet_metrics(const json& a) {
  daemon_request r{.target = "/v1/metrics/fleet"};
  window_query(r, a);
  return r;
}

json render_fleet_metrics(json& env, time_point) {
  json& d = env["data"];
  json& meta = env["meta"];
  const json& overview = d["overview"];
  json structured = json::object();
  if (overview.is_object())
    structured = {{"runners", overview["runners"]}, {"pods", overview["pods"]}, {"jobs", overview["jobs"]},
                  {"attention", overview["attention"]}};
  structured.update(snapshot_facts(meta));
  const json& m = d["metrics"];
  structured["window"] = d["window"];
  structured["prometheus"] = d["source"];
  structured["metrics"] = m.is_object() ? json{{"forges", m["forges"]}, {"fleet", m["fleet"]}, {"slo", m["slo"]},
                                               {"caches", m["caches"]}}
                                        : json(nullptr);
  structured["series"] = thinned(d.value("series", json::array()));
  std::string text = overview.is_object() ? overview_text(overview) : "";
  text += cli::fleet_metrics_text(d) + stale_note(meta);
  return tool_result(std::move(structured), std::move(text));
}

daemon_request plan_runner_metrics(const json& a) {
  daemon_request r{.target = "/v1/metrics/runners/" + api::percent_encode(a["name"].get<std::string>())};
  window_query(r, a);
  if (a.contains("cluster")) api::append_query(r.target, "cluster", a["cluster"].get<std::string>());
  return r;
}

json render_runner_metrics(json& env, time_point) {
  json& d = env["data"];
  json structured = {{"runner", d["runner"]},     {"cluster", d["cluster"]}, {"forge", d["forge"]},
                     {"window", d["window"]},     {"prometheus", d["source"]}, {"current", d["current"]},
                     {"slo", d["slo"]},           {"series", thinned(d.value("series", json::array()))}};
  structured.update(snapshot_facts(env["meta"]));
  return tool_result(std::move(structured), cli::runner_metrics_text(d) + stale_note(env["meta"]));
}

}  // namespace runnerfleet::mcp
