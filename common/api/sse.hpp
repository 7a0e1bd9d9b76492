// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/fleet_events.hpp"

#include <cstdint>
#include <string>

/// Server-Sent Events framing for GET /v1/events/stream.
namespace runnerfleet::api {

/// "id: N\nevent: <kind>\ndata: <event json>\n\n" — the id lets clients resume (Last-Event-ID).
std::string sse_event_frame(const fleet_event& e);

/// "event: snapshot\ndata: {"generation":N}\n\n" — no id: it is a state notice, not an event.
std::string sse_generation_frame(std::uint64_t generation);

/// "retry: <ms>\n\n" — how soon a client should reconnect.
std::string sse_retry_frame(int milliseconds);

/// ": heartbeat\n\n" — keeps proxies and idle timers from closing a quiet stream.
std::string sse_heartbeat_frame();

}  // namespace runnerfleet::api
