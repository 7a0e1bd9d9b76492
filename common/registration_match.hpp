// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/config.hpp"
#include "common/gitlab/registration.hpp"
#include "common/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace runnerfleet {

/// The GitLab side of a snapshot build.
struct gitlab_input {
  const std::vector<gitlab::registration>* registrations = nullptr;  ///< sorted by id
  bool listed = false;  ///< one complete list has been read: a missing registration is real
  bool stale = false;   ///< the source is down; registrations are the last good data
  const gitlab_config* config = nullptr;
};

/// What matching decided beyond the runners themselves.
struct match_outcome {
  std::vector<registration_view> unmatched;  ///< by id
  std::optional<std::string> version_target;
};

/// Attaches registrations to GitLab runners (the explicit gitlab.mapping first, else
/// description == release name), then derives from them: tags and type, running jobs, version
/// and `outdated` against the target (configured, else the newest matched version), and the
/// statuses only GitLab knows — `paused`, `draining` (paused, jobs still running), `offline`
/// (no heartbeat within offline_after, judged at the time the heartbeat was read).
match_outcome attach_registrations(std::vector<runner_view>& runners, const gitlab_input& in);

/// A registration as the API shows it.
registration_view make_registration_view(const gitlab::registration& r, std::string matched_by);

}  // namespace runnerfleet
