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

std::optional<time_point> read_time(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return parse_rfc3339(it->get<std::string>());
}

std::optional<std::string> read_text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

result<std::vector<runner_manager>> parse_manager_list(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_array()) return make_error(error_code::upstream_error, "GitLab answered a runner manager list that is not a JSON array");
  std::vector<runner_manager> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& m = j[i];
    auto id = m.is_object() ? m.find("id") : m.end();
    if (!m.is_object() || id == m.end() || !id->is_number_integer())
      return make_error(error_code::upstream_error,
                        "GitLab answered a runner manager [" + std::to_string(i) + "] without an integer id");
    runner_manager r;
    r.id = id->get<std::int64_t>();
    r.system_id = read_text(m, "system_id").value_or("");
    r.version = read_text(m, "version");
    r.ip_address = read_text(m, "ip_address");
    r.status = read_text(m, "status").value_or("");
    r.contacted_at = read_time(m, "contacted_at");
    r.busy = read_text(m, "job_execution_status").value_or("") == "active";
    out.push_back(std::move(r));
  }
  return out;
}

result<std::vector<std::int64_t>> parse_job_ids(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_array()) return make_error(error_code::upstream_error, "GitLab answered a job list that is not a JSON array");
  std::vector<std::int64_t> out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto id = j[i].is_object() ? j[i].find("id") : j[i].end();
    if (!j[i].is_object() || id == j[i].end() || !id->is_number_integer())
      return make_error(error_code::upstream_error, "GitLab answered a job [" + std::to_string(i) + "] without an integer id");
    out.push_back(id->get<std::int64_t>());
  }
  return out;
}

int compare_versions(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& s) {
    long value = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
      value = value * 10 + (s.front() - '0');
      s.remove_prefix(1);
    }
    while (!s.empty() && s.front() != '.') {
      if (s.front() == '-' || s.front() == '~' || s.front() == '+') {
        s = {};
        break;
      }
      s.remove_prefix(1);
    }
    if (!s.empty()) s.remove_prefix(1);
    return value;
  };
  if (!a.empty() && a.front() == 'v') a.remove_prefix(1);
  if (!b.empty() && b.front() == 'v') b.remove_prefix(1);
  while (!a.empty() || !b.empty()) {
    long x = next(a), y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

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
