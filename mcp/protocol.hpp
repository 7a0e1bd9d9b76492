// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

/// JSON-RPC framing and the rules of both MCP eras: the legacy handshake revisions
/// (2024-11-05 … 2025-11-25) and the stateless 2026-07-28 revision. Pure: no I/O.
namespace runnerfleet::mcp {

using nlohmann::json;

/// The error codes this server answers with (JSON-RPC's and MCP's own).
namespace rpc_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int resource_not_found_legacy = -32002;
inline constexpr int unsupported_protocol_version = -32022;
}  // namespace rpc_code

/// Handshake revisions we speak, newest first (an unknown request gets the first).
inline constexpr std::array<std::string_view, 4> legacy_versions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                                    "2024-11-05"};
/// The stateless revision: no handshake, version and capabilities in every request's _meta.
inline constexpr std::string_view modern_version = "2026-07-28";

/// The _meta keys of 2026-07-28.
namespace meta_key {
inline constexpr const char* protocol_version = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* client_capabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char* server_info = "io.modelcontextprotocol/serverInfo";
inline constexpr const char* subscription_id = "io.modelcontextprotocol/subscriptionId";
}  // namespace meta_key

/// One line from the client, classified.
struct incoming {
  enum class kind { request, notification, response, invalid };
  kind type = kind::invalid;
  json id;  ///< request id (string or integer)
  std::string method;
  json params = json::object();  ///< always an object (absent params become {})
  json error_reply;              ///< for `invalid`: the whole error response to send
};

/// Parses and classifies one line: malformed JSON is a -32700 reply, a batch or a
/// non-request a -32600 reply (id null unless the id could be read).
incoming classify(std::string_view line);

/// A JSON-RPC error answer.
json error_response(const json& id, int code, const std::string& message, const json& data = nullptr);
/// A JSON-RPC result answer.
json result_response(const json& id, json result);
/// A JSON-RPC notification.
json notification(const std::string& method, json params);

/// The revision an `initialize` is answered with: the requested one when we speak it,
/// else our newest (never an error, never an echo of an unknown version).
std::string negotiate_legacy_version(const json& requested);

/// A protocol fault to answer with instead of a result.
struct protocol_error {
  int code = rpc_code::invalid_params;
  std::string message;
  json data = nullptr;
};

/// What a request's _meta says about its era.
struct meta_check {
  bool modern = false;                   ///< carries the 2026-07-28 envelope
  std::optional<protocol_error> error;   ///< set when the envelope is present but wrong
};

/// Checks a request's _meta envelope: absent (legacy), complete and supported (modern), or
/// faulty (-32602 naming the missing key, -32022 with the supported versions).
meta_check check_modern_meta(const json& params);

/// Whether a method's result is cacheable under 2026-07-28 (lists and reads carry ttlMs).
bool is_cacheable_method(std::string_view method);

}  // namespace runnerfleet::mcp
