// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/time_format.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

/// GitLab's offset pagination and rate-limit headers (wire-facts §2.2), as pure functions the
/// GitLab client applies to every answer.
namespace runnerfleet::gitlab {

/// The target (path and query) of the next page: Link rel="next" when present, else the page
/// named by x-next-page applied to `current`; nullopt on the last page. x-total is never
/// trusted (gitlab.com and large instances omit it).
std::optional<std::string> next_page_target(std::string_view current_target, std::string_view link_header,
                                            std::string_view x_next_page);

/// How long to wait before retrying a 429: Retry-After seconds, else until RateLimit-Reset
/// (unix seconds), else `fallback`; never negative, at most `cap`.
std::chrono::seconds retry_delay(std::string_view retry_after, std::string_view ratelimit_reset, time_point now,
                                 std::chrono::seconds fallback, std::chrono::seconds cap);

}  // namespace runnerfleet::gitlab
