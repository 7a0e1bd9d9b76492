// SPDX-License-Identifier: Apache-2.0
#include "common/gitlab/registration.hpp"

namespace runnerfleet::gitlab {

std::optional<time_point> registration::last_contact() const {
  std::optional<time_point> newest = details ? details->contacted_at : std::nullopt;
  for (const auto& m : managers)
    if (m.contacted_at && (!newest || *m.contacted_at > *newest)) newest = m.contacted_at;
  return newest;
}

std::optional<std::string> registration::version() const {
  std::optional<std::string> lowest;
  for (const auto& m : managers)
    if (m.version && !m.version->empty() && (!lowest || compare_versions(*m.version, *lowest) < 0)) lowest = m.version;
  if (!lowest && details && details->version && !details->version->empty()) lowest = details->version;
  return lowest;
}

}  // namespace runnerfleet::gitlab
