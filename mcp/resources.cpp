// SPDX-License-Identifier: Apache-2.0
#include "mcp/resources.hpp"

#include "common/api/query.hpp"

#include <algorithm>

namespace runnerfleet::mcp {

using nlohmann::json;

namespace {

constexpr std::string_view scheme = "runnerfleet://";
constexpr int log_tail_lines = 200;

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/// Kubernetes object names: DNS-1123 subdomains (lower-case alphanumerics, '-', '.', starting
/// and ending alphanumeric), so ".." can never reach a daemon path.
bool is_object_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-' || c == '.'; });
}

/// Namespaces: DNS-1123 labels (no dots, at most 63 characters).
bool is_namespace(std::string_view s) {
  return s.size() <= 63 && is_object_name(s) && s.find('.') == std::string_view::npos;
}

error bad_uri(std::string_view uri, const std::string& why) {
  return make_error(error_code::invalid_argument, "resource URI '" + std::string(uri) + "' " + why +
                                                      "; known: runnerfleet://fleet, runnerfleet://runners/{name}, "
                                                      "runnerfleet://pods/{namespace}/{name}/log");
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  while (true) {
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return parts;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

result<resource_ref> parse_resource_uri(std::string_view uri) {
  if (uri.substr(0, scheme.size()) != scheme) return bad_uri(uri, "is not a runnerfleet:// URI");
  auto parts = split(uri.substr(scheme.size()));
  if (parts.size() == 1 && parts[0] == "fleet") return resource_ref{resource_ref::kind::fleet, {}, {}};
  if (parts.size() == 2 && parts[0] == "runners") {
    if (!is_object_name(parts[1])) return bad_uri(uri, "has an invalid runner name");
    return resource_ref{resource_ref::kind::runner, std::string(parts[1]), {}};
  }
  if (parts.size() == 4 && parts[0] == "pods" && parts[3] == "log") {
    if (!is_namespace(parts[1])) return bad_uri(uri, "has an invalid namespace");
    if (!is_object_name(parts[2])) return bad_uri(uri, "has an invalid pod name");
    return resource_ref{resource_ref::kind::pod_log, std::string(parts[2]), std::string(parts[1])};
  }
  return bad_uri(uri, "names nothing");
}

daemon_request resource_request(const resource_ref& ref) {
  switch (ref.type) {
    case resource_ref::kind::runner: return {.target = "/v1/runners/" + api::percent_encode(ref.name)};
    case resource_ref::kind::pod_log:
      return {.target = "/v1/pods/" + api::percent_encode(ref.ns) + "/" + api::percent_encode(ref.name) +
                        "/log?tail=" + std::to_string(log_tail_lines)};
    case resource_ref::kind::fleet: break;
  }
  return {.target = "/v1/fleet"};
}

json resource_contents(const resource_ref& ref, std::string_view uri, const json& envelope) {
  const json& data = envelope.contains("data") ? envelope["data"] : json();
  if (ref.type == resource_ref::kind::pod_log) {
    std::string text;
    for (const auto& line : data.value("lines", json::array()))
      if (line.is_string()) text += line.get<std::string>() + "\n";
    return json::array({{{"uri", uri}, {"mimeType", "text/plain"}, {"text", std::move(text)}}});
  }
  return json::array({{{"uri", uri},
                       {"mimeType", "application/json"},
                       {"text", data.dump(-1, ' ', false, json::error_handler_t::replace)}}});
}

std::string runner_uri(std::string_view name) { return std::string(scheme) + "runners/" + std::string(name); }

json resource_list(const json* runners_envelope) {
  json list = json::array({{{"uri", fleet_uri},
                            {"name", "fleet"},
                            {"title", "Fleet overview"},
                            {"description", "Runners by forge and status, pods by phase and problem, what needs attention"},
                            {"mimeType", "application/json"}}});
  if (runners_envelope && runners_envelope->contains("data"))
    for (const auto& r : (*runners_envelope)["data"]) {
      auto name = r.value("name", "");
      if (!is_object_name(name)) continue;
      list.push_back({{"uri", runner_uri(name)},
                      {"name", name},
                      {"title", "Runner " + name},
                      {"description", r.value("forge", "") + " runner, " + r.value("status", "")},
                      {"mimeType", "application/json"}});
    }
  return list;
}

json resource_templates() {
  return json::array({{{"uriTemplate", "runnerfleet://runners/{name}"},
                       {"name", "runner"},
                       {"title", "Runner detail"},
                       {"description", "One runner: status, scaling, pods, ephemeral runners, recent events"},
                       {"mimeType", "application/json"}},
                      {{"uriTemplate", "runnerfleet://pods/{namespace}/{name}/log"},
                       {"name", "pod-log"},
                       {"title", "Pod log tail"},
                       {"description", "The last 200 lines of a runner pod's log"},
                       {"mimeType", "text/plain"}}});
}

}  // namespace runnerfleet::mcp
