// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/time_format.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// The audit journal's records (JSON lines): an intent before every upstream mutation, an
/// outcome after it. Pure format and recovery logic; the file I/O is the daemon's.
namespace runnerfleet::audit {

/// One line of the journal.
struct record {
  std::string request_id;
  std::string phase;  ///< intent, outcome
  time_point time{};
  std::uint32_t uid = 0;
  std::string user;
  std::string role;
  std::string action;  ///< pause, resume
  std::string runner, forge, cluster, ns;
  std::string reason;
  std::string outcome;  ///< outcome records: succeeded, no_change, failed, unknown
  std::string message;
  nlohmann::json detail = nlohmann::json::object();  ///< targets (registration ids, object), results, errors
};

/// The journal line (no trailing newline).
std::string to_line(const record& r);
/// A record from a journal line; invalid_argument naming what is wrong.
result<record> parse_line(std::string_view line);
/// The record as the API shows it.
nlohmann::json to_json(const record& r);

/// Intents that have no outcome record (the daemon stopped in between), oldest first.
std::vector<record> unfinished(const std::vector<record>& records);

}  // namespace runnerfleet::audit
