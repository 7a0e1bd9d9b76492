// SPDX-License-Identifier: Apache-2.0
#include "common/gitlab/runners.hpp"

#include <nlohmann/json.hpp>

namespace runnerfleet::gitlab {

using nlohmann::json;

namespace {

error bad(const std::string& where, const std::string& what) {
  return make_error(error_code::upstream_error, "GitLab answered a runner with " + where + " " + what);
}

/// Reads the Runner entity fields; the error names `where` (e.g. "[3]").
result<runner> read_runner(const json& j, const std::string& where) {
  if (!j.is_object()) return bad(where, "that is not an object");
  runner r;
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_integer() || id->get<std::int64_t>() <= 0)
    return bad(where + ".id", "missing or not a positive integer");
  r.id = id->get<std::int64_t>();
  auto text = [&](const char* key, std::string& out) -> status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return ok();
    if (!it->is_string()) return bad(where + "." + key, "that is not a string");
    out = it->get<std::string>();
    return ok();
  };
  auto flag = [&](const char* key, bool& out) -> status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return ok();
    if (!it->is_boolean()) return bad(where + "." + key, "that is not a boolean");
    out = it->get<bool>();
    return ok();
  };
  for (auto st : {text("description", r.description), text("status", r.status), text("runner_type", r.runner_type),
                  flag("paused", r.paused), flag("online", r.online)})
    if (!st) return st.take_failure();
  // Old instances send only the deprecated `active`.
  if (!j.contains("paused") && j.contains("active") && j["active"].is_boolean()) r.paused = !j["active"].get<bool>();
  return r;
}

}  // namespace

result<std::vector<runner>> parse_runner_list(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_array()) return make_error(error_code::upstream_error, "GitLab answered a runner list that is not a JSON array");
  std::vector<runner> out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto r = read_runner(j[i], "[" + std::to_string(i) + "]");
    if (!r) return r.take_failure();
    out.push_back(std::move(*r));
  }
  return out;
}

result<runner_details> parse_runner_details(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  auto base = read_runner(j, "details");
  if (!base) return base.take_failure();
  runner_details d;
  d.base = std::move(*base);
  if (auto tags = j.find("tag_list"); tags != j.end() && !tags->is_null()) {
    if (!tags->is_array()) return bad("details.tag_list", "that is not a list");
    for (const auto& t : *tags) {
      if (!t.is_string()) return bad("details.tag_list", "holding a non-string");
      d.tags.push_back(t.get<std::string>());
    }
  }
  if (auto v = j.find("version"); v != j.end() && v->is_string()) d.version = v->get<std::string>();
  if (auto note = j.find("maintenance_note"); note != j.end() && note->is_string()) d.maintenance_note = note->get<std::string>();
  if (auto c = j.find("contacted_at"); c != j.end() && !c->is_null()) {
    auto t = c->is_string() ? parse_rfc3339(c->get<std::string>()) : std::nullopt;
    if (!t) return bad("details.contacted_at", "that is not an RFC 3339 time");
    d.contacted_at = *t;
  }
  return d;
}

std::string error_message(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"message", "error"}) {
      auto it = j.find(key);
      if (it == j.end()) continue;
      if (it->is_string()) return it->get<std::string>();
      if (it->is_array() && !it->empty() && it->front().is_string()) return it->front().get<std::string>();
      return it->dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  std::string text(body.substr(0, 200));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text.empty() ? "(empty body)" : text;
}

}  // namespace runnerfleet::gitlab
