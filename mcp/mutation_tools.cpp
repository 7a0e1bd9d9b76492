// SPDX-License-Identifier: Apache-2.0
#include "mcp/mutation_tools.hpp"

#include "common/api/query.hpp"
#include "mcp/tool_support.hpp"

namespace runnerfleet::mcp {

namespace {

daemon_request plan_mutation(const json& a, const char* action) {
  daemon_request r{.method = "POST", .target = "/v1/runners/" + api::percent_encode(a["name"].get<std::string>()) + "/" + action};
  if (a.contains("cluster")) api::append_query(r.target, "cluster", a["cluster"].get<std::string>());
  json body = json::object();
  if (a.contains("reason")) body["reason"] = a["reason"];
  r.body = body.dump();
  return r;
}

}  // namespace

daemon_request plan_pause_runner(const json& a) { return plan_mutation(a, "pause"); }
daemon_request plan_resume_runner(const json& a) { return plan_mutation(a, "resume"); }

json render_mutation(json& env, time_point) {
  json& d = env["data"];
  json structured = {{"request_id", str(d, "request_id")}, {"runner", str(d, "runner")},
                     {"action", str(d, "action")},         {"outcome", str(d, "outcome")},
                     {"status", str(d, "status")},         {"status_reason", str(d, "status_reason")},
                     {"message", str(d, "message")}};
  std::string text = str(d, "runner") + ": " + str(d, "message") + ".\nStatus now: " + str(d, "status") + " - " +
                     str(d, "status_reason") + "\nJournalled as " + str(d, "request_id") + ".";
  if (str(d, "status") == "draining")
    text += " Running jobs are finishing; get_runner shows when it reaches paused.";
  return tool_result(std::move(structured), std::move(text));
}

}  // namespace runnerfleet::mcp
