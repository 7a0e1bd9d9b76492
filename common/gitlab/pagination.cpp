// SPDX-License-Identifier: Apache-2.0
#include "common/gitlab/pagination.hpp"

#include <algorithm>
#include <charconv>

namespace runnerfleet::gitlab {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<long long> integer(std::string_view s) {
  s = trim(s);
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

/// The path and query of a URL ("https://host/api/v4/x?y" → "/api/v4/x?y").
std::string target_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto path = url.find('/', scheme + 3);
  return path == std::string_view::npos ? "/" : std::string(url.substr(path));
}

/// `current` with its page parameter set to `page`.
std::string with_page(std::string_view current, std::string_view page) {
  auto q = current.find('?');
  std::string out(current.substr(0, q));
  std::string query;
  if (q != std::string_view::npos) {
    std::string_view rest = current.substr(q + 1);
    while (!rest.empty()) {
      auto amp = rest.find('&');
      auto pair = rest.substr(0, amp);
      if (pair.substr(0, 5) != "page=" && !pair.empty()) query.append(query.empty() ? "" : "&").append(pair);
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    }
  }
  query.append(query.empty() ? "" : "&").append("page=").append(page);
  return out + "?" + query;
}

}  // namespace

std::optional<std::string> next_page_target(std::string_view current_target, std::string_view link_header,
                                            std::string_view x_next_page) {
  // Link: <url>; rel="prev", <url>; rel="next", ...
  std::string_view rest = link_header;
  while (!rest.empty()) {
    auto open = rest.find('<');
    auto close = rest.find('>', open == std::string_view::npos ? 0 : open);
    if (open == std::string_view::npos || close == std::string_view::npos) break;
    auto url = rest.substr(open + 1, close - open - 1);
    auto end = rest.find(',', close);
    auto params = rest.substr(close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos || params.find("rel=next") != std::string_view::npos)
      return target_of(url);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  auto next = trim(x_next_page);
  if (auto n = integer(next); n && *n > 0) return with_page(current_target, next);
  return std::nullopt;
}

std::chrono::seconds retry_delay(std::string_view retry_after, std::string_view ratelimit_reset, time_point now,
                                 std::chrono::seconds fallback, std::chrono::seconds cap) {
  std::chrono::seconds delay = fallback;
  if (auto s = integer(retry_after)) {
    delay = std::chrono::seconds(*s);
  } else if (auto reset = integer(ratelimit_reset)) {
    auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    delay = std::chrono::seconds(*reset - now_s);
  }
  return std::clamp(delay, std::chrono::seconds(0), cap);
}

}  // namespace runnerfleet::gitlab
