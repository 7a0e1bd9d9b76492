// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/kube/credentials.hpp"
#include "common/time_format.hpp"

#include <chrono>
#include <string>

namespace runnerfleet::kube {

/// Supplies the Authorization header for one cluster. Sources that rotate stay sources: a token
/// file is re-read every timeouts::token_file_refresh and after a 401; an exec plugin's token is
/// cached until it expires and fetched again after a 401. Over plain http:// no credentials are
/// sent (as client-go does).
class token_provider {
 public:
  explicit token_provider(cluster_endpoint ep);

  /// "Bearer <token>", or empty when the endpoint uses none (or client certificates only).
  result<std::string> authorization();
  /// The server refused the credentials: re-read or re-fetch before the next request.
  void invalidate();

 private:
  cluster_endpoint ep_;
  bool secure_;
  std::string cached_;
  std::chrono::steady_clock::time_point cached_until_{};
};

}  // namespace runnerfleet::kube
