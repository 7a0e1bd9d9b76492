// SPDX-License-Identifier: Apache-2.0
#include "common/audit.hpp"

#include <set>

namespace runnerfleet::audit {

using nlohmann::json;

json to_json(const record& r) {
  json j = {{"request_id", r.request_id},
            {"phase", r.phase},
            {"time", format_rfc3339_ms(r.time)},
            {"who", {{"uid", r.uid}, {"user", r.user}, {"role", r.role}}},
            {"action", r.action},
            {"target", {{"runner", r.runner}, {"forge", r.forge}, {"cluster", r.cluster}, {"namespace", r.ns}}},
            {"reason", r.reason},
            {"detail", r.detail}};
  j["outcome"] = r.outcome.empty() ? json(nullptr) : json(r.outcome);
  j["message"] = r.message;
  return j;
}

std::string to_line(const record& r) { return to_json(r).dump(-1, ' ', false, json::error_handler_t::replace); }

result<record> parse_line(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  auto bad = [](const std::string& what) { return make_error(error_code::invalid_argument, "audit record: " + what); };
  if (!j.is_object()) return bad("not a JSON object");
  auto text = [&](const json& obj, const char* key, std::string& out) -> bool {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  record r;
  std::string time;
  if (!text(j, "request_id", r.request_id) || r.request_id.empty()) return bad("request_id missing");
  if (!text(j, "phase", r.phase) || (r.phase != "intent" && r.phase != "outcome")) return bad("phase must be intent or outcome");
  if (!text(j, "time", time)) return bad("time is not a string");
  auto t = parse_rfc3339(time);
  if (!t) return bad("time '" + time + "' is not RFC 3339");
  r.time = *t;
  const json empty = json::object();
  const json& who = j.contains("who") && j["who"].is_object() ? j["who"] : empty;
  if (auto it = who.find("uid"); it != who.end() && it->is_number_unsigned()) r.uid = it->get<std::uint32_t>();
  const json& target = j.contains("target") && j["target"].is_object() ? j["target"] : empty;
  if (!text(who, "user", r.user) || !text(who, "role", r.role) || !text(j, "action", r.action) ||
      !text(target, "runner", r.runner) || !text(target, "forge", r.forge) || !text(target, "cluster", r.cluster) ||
      !text(target, "namespace", r.ns) || !text(j, "reason", r.reason) || !text(j, "outcome", r.outcome) ||
      !text(j, "message", r.message))
    return bad("a text field holds a non-string");
  if (auto it = j.find("detail"); it != j.end() && it->is_object()) r.detail = *it;
  return r;
}

std::vector<record> unfinished(const std::vector<record>& records) {
  std::set<std::string> finished;
  for (const auto& r : records)
    if (r.phase == "outcome") finished.insert(r.request_id);
  std::vector<record> out;
  for (const auto& r : records)
    if (r.phase == "intent" && !finished.contains(r.request_id)) out.push_back(r);
  return out;
}

}  // namespace runnerfleet::audit
