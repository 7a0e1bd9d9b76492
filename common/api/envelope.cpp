// SPDX-License-Identifier: Apache-2.0
#include "common/api/envelope.hpp"

namespace runnerfleet::api {

std::string success_envelope(const body& b, nlohmann::json meta) {
  for (auto it = b.meta.begin(); it != b.meta.end(); ++it) meta[it.key()] = it.value();
  std::string out;
  out.reserve(b.data.size() + 160);
  out += "{\"data\":";
  out += b.data.empty() ? "null" : b.data;
  out += ",\"meta\":";
  out += meta.dump();
  out += "}";
  return out;
}

std::string error_envelope(const error& e) {
  nlohmann::json j = {{"error",
                       {{"code", to_string(e.code)},
                        {"message", e.message},
                        {"details", e.details.is_null() ? nlohmann::json::object() : e.details}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace runnerfleet::api
