// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <chrono>

namespace runnerfleet::kube {

/// Capped exponential backoff with jitter: attempt n waits between half and all of
/// min(cap, initial * 2^n), so a fleet of informers never reconnects in lockstep and never spins.
/// `random01` is a uniform value in [0, 1).
inline std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds initial,
                                               std::chrono::milliseconds cap, double random01) {
  auto d = initial;
  for (int i = 0; i < attempt && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  auto half = d / 2;
  return half + std::chrono::milliseconds(static_cast<long long>(static_cast<double>(half.count()) * random01));
}

}  // namespace runnerfleet::kube
