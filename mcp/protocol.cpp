// SPDX-License-Identifier: Apache-2.0
#include "mcp/protocol.hpp"

#include <algorithm>

namespace runnerfleet::mcp {

namespace {

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer(); }

}  // namespace

incoming classify(std::string_view line) {
  incoming in;
  json message = json::parse(line, nullptr, false);
  if (message.is_discarded()) {
    in.error_reply = error_response(nullptr, rpc_code::parse_error, "parse error: the line is not valid JSON");
    return in;
  }
  if (message.is_array()) {
    in.error_reply = error_response(nullptr, rpc_code::invalid_request,
                                    "JSON-RPC batches are not supported (removed in MCP 2025-06-18); send one message per line");
    return in;
  }
  if (!message.is_object() || message.value("jsonrpc", json()) != "2.0") {
    json id = message.is_object() && message.contains("id") && valid_id(message["id"]) ? message["id"] : json();
    in.error_reply = error_response(id, rpc_code::invalid_request, "not a JSON-RPC 2.0 message (\"jsonrpc\": \"2.0\" missing)");
    return in;
  }
  bool has_id = message.contains("id");
  if (has_id && !valid_id(message["id"])) {
    in.error_reply = error_response(nullptr, rpc_code::invalid_request, "id must be a string or an integer");
    return in;
  }
  auto method = message.find("method");
  if (method == message.end()) {
    if (has_id && (message.contains("result") || message.contains("error"))) {
      in.type = incoming::kind::response;  // we send no requests, so nothing waits for it
      in.id = message["id"];
      return in;
    }
    in.error_reply = error_response(has_id ? message["id"] : json(), rpc_code::invalid_request, "method missing");
    return in;
  }
  if (!method->is_string()) {
    in.error_reply = error_response(has_id ? message["id"] : json(), rpc_code::invalid_request, "method must be a string");
    return in;
  }
  if (auto params = message.find("params"); params != message.end() && !params->is_null()) {
    if (!params->is_object()) {
      in.error_reply = error_response(has_id ? message["id"] : json(), rpc_code::invalid_params,
                                      "params must be an object");
      if (!has_id) in.error_reply = nullptr;  // a notification is never answered
      return in;
    }
    in.params = std::move(*params);
  }
  in.method = method->get<std::string>();
  if (has_id) {
    in.type = incoming::kind::request;
    in.id = message["id"];
  } else {
    in.type = incoming::kind::notification;
  }
  return in;
}

json error_response(const json& id, int code, const std::string& message, const json& data) {
  json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

json result_response(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json notification(const std::string& method, json params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

std::string negotiate_legacy_version(const json& requested) {
  if (requested.is_string()) {
    auto v = requested.get<std::string>();
    if (std::find(legacy_versions.begin(), legacy_versions.end(), v) != legacy_versions.end()) return v;
  }
  return std::string(legacy_versions.front());
}

meta_check check_modern_meta(const json& params) {
  meta_check check;
  auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object() || !meta->contains(meta_key::protocol_version)) {
    if (meta != params.end() && meta->is_object() && meta->contains(meta_key::client_capabilities)) {
      check.modern = true;
      check.error = protocol_error{rpc_code::invalid_params,
                                   std::string("_meta is missing \"") + meta_key::protocol_version + "\""};
    }
    return check;
  }
  check.modern = true;
  const json& version = (*meta)[meta_key::protocol_version];
  if (!version.is_string()) {
    check.error = protocol_error{rpc_code::invalid_params,
                                 std::string("_meta \"") + meta_key::protocol_version + "\" must be a string"};
    return check;
  }
  if (version.get<std::string>() != modern_version) {
    check.error = protocol_error{
        rpc_code::unsupported_protocol_version,
        "unsupported protocol version \"" + version.get<std::string>() + "\" in _meta; this server speaks " +
            std::string(modern_version) + " per request, or " + std::string(legacy_versions.front()) +
            " and older through initialize",
        {{"supported", {std::string(modern_version)}}, {"requested", version}}};
    return check;
  }
  auto caps = meta->find(meta_key::client_capabilities);
  if (caps == meta->end() || !caps->is_object()) {
    check.error = protocol_error{rpc_code::invalid_params, std::string("_meta is missing \"") +
                                                               meta_key::client_capabilities + "\" (an object)"};
  }
  return check;
}

bool is_cacheable_method(std::string_view method) {
  return method == "tools/list" || method == "prompts/list" || method == "resources/list" ||
         method == "resources/templates/list" || method == "resources/read" || method == "server/discover";
}

}  // namespace runnerfleet::mcp
