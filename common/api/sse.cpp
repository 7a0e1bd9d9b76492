// SPDX-License-Identifier: Apache-2.0
#include "common/api/sse.hpp"

#include "common/api/serialize.hpp"

namespace runnerfleet::api {

std::string sse_event_frame(const fleet_event& e) {
  // JSON text never contains a raw newline, so one data: line suffices.
  return "id: " + std::to_string(e.id) + "\nevent: " + e.kind + "\ndata: " +
         event_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

std::string sse_generation_frame(std::uint64_t generation) {
  return "event: snapshot\ndata: {\"generation\":" + std::to_string(generation) + "}\n\n";
}

std::string sse_retry_frame(int milliseconds) { return "retry: " + std::to_string(milliseconds) + "\n\n"; }

std::string sse_heartbeat_frame() { return ": heartbeat\n\n"; }

}  // namespace runnerfleet::api
