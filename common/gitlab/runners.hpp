// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/time_format.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// GitLab runner registrations as the REST API returns them (wire-facts §2.1), parsed with
/// errors that name the item and field, never a crash on an unexpected reply.
namespace runnerfleet::gitlab {

/// A `Runner` entity from a list endpoint.
struct runner {
  std::int64_t id = 0;
  std::string description;
  bool paused = false;
  bool online = false;
  std::string status;       ///< online, offline, stale, never_contacted, paused
  std::string runner_type;  ///< instance_type, group_type, project_type
  bool operator==(const runner&) const = default;
};

/// `RunnerDetails`: the entity plus what the list leaves out.
struct runner_details {
  runner base;
  std::vector<std::string> tags;
  std::optional<std::string> version;
  std::optional<time_point> contacted_at;
  std::optional<std::string> maintenance_note;
  bool operator==(const runner_details&) const = default;
};

/// A `RunnerManager` (`GET /runners/:id/managers`): one runner process, e.g. one pod.
struct runner_manager {
  std::int64_t id = 0;
  std::string system_id;
  std::optional<std::string> version;
  std::optional<std::string> ip_address;
  std::string status;
  std::optional<time_point> contacted_at;
  bool busy = false;  ///< job_execution_status == "active"
  bool operator==(const runner_manager&) const = default;
};

/// A list page (`GET /runners/all` and friends); upstream_error naming `[i].field` when the
/// body is not a list of runners.
result<std::vector<runner>> parse_runner_list(std::string_view body);

/// `GET /runners/:id` or the answer of `PUT /runners/:id`.
result<runner_details> parse_runner_details(std::string_view body);

/// A page of `GET /runners/:id/managers`.
result<std::vector<runner_manager>> parse_manager_list(std::string_view body);

/// A page of `GET /runners/:id/jobs`: the job ids (only the count and ids are used).
result<std::vector<std::int64_t>> parse_job_ids(std::string_view body);

/// Compares dotted versions numerically ("17.9.0" < "17.11.1"); a suffix after '-' or '~' is
/// ignored. Unparsable parts compare as 0.
int compare_versions(std::string_view a, std::string_view b);

/// The message of a GitLab error body: {"message": "..."} (string, list or object) or
/// {"error": "..."} (Grape validation), else the body's first 200 bytes.
std::string error_message(std::string_view body);

}  // namespace runnerfleet::gitlab
