// SPDX-License-Identifier: Apache-2.0
// The CLI's write commands (pause, resume) and the journal reader (audit).
#include "common/api/query.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/format.hpp"
#include "daemon/cli/table.hpp"

#include <iostream>

namespace runnerfleet::cli {

using nlohmann::json;

int cmd_pause_resume(const session& s, bool pause, const std::string& name, const std::string& reason,
                     const std::string& cluster) {
  std::string target = "/v1/runners/" + api::percent_encode(name) + (pause ? "/pause" : "/resume");
  if (!cluster.empty()) target += "?cluster=" + api::percent_encode(cluster);
  json body = json::object();
  if (!reason.empty()) body["reason"] = reason;
  auto r = s.post(target, body);
  if (!r) return s.fail(r.failure());
  if (s.opts().json) {
    s.print_json(*r);
    return exit_ok;
  }
  const auto& d = (*r)["data"];
  bool c = s.opts().color;
  auto status = d.value("status", "");
  std::cout << d.value("runner", name) << ": " << d.value("message", "") << "\n"
            << "  now " << paint(status, tone_of(status), c) << "  " << d.value("status_reason", "") << "\n"
            << "  journalled as " << d.value("request_id", "") << "\n";
  return exit_ok;
}

int cmd_audit(const session& s, const std::string& runner, std::optional<int> limit) {
  std::string target = "/v1/audit";
  if (!runner.empty()) api::append_query(target, "runner", runner);
  if (limit) api::append_query(target, "limit", std::to_string(*limit));
  auto r = s.get(target);
  if (!r) return s.fail(r.failure());
  if (s.opts().json) {
    s.print_json(*r);
    return exit_ok;
  }
  table t({"TIME", "REQUEST", "PHASE", "WHO", "ACTION", "RUNNER", "OUTCOME", "REASON / MESSAGE"});
  for (const auto& rec : (*r)["data"]) {
    auto outcome = text(rec["outcome"]);
    auto note = rec.value("phase", "") == "intent" ? rec.value("reason", "") : rec.value("message", "");
    t.add({rec.value("time", ""), rec.value("request_id", ""), rec.value("phase", ""),
           rec["who"].value("user", "") + " (" + rec["who"].value("role", "") + ")", rec.value("action", ""),
           rec["target"].value("runner", ""), outcome, note},
          {tone::plain, tone::plain, tone::plain, tone::plain, tone::plain, tone::plain,
           outcome == "failed" || outcome == "unknown" ? tone::bad : outcome == "succeeded" ? tone::good : tone::plain});
  }
  std::cout << t.render(s.opts().width, s.opts().color);
  std::cout << "showing " << (*r)["data"].size() << " of " << (*r)["meta"].value("total", 0) << " record(s)\n";
  return exit_ok;
}

}  // namespace runnerfleet::cli
