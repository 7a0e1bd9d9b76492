// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <set>

namespace runnerfleet::daemon {

/// Wakes every coroutine waiting on it (a condition variable for one io_context thread):
/// SSE sessions wait here for new events instead of polling.
class change_signal {
 public:
  /// Waits until notify_all() or the timeout, whichever comes first.
  boost::asio::awaitable<void> wait(std::chrono::steady_clock::duration timeout);
  /// Wakes all current waiters.
  void notify_all();

 private:
  std::set<boost::asio::steady_timer*> waiters_;
};

}  // namespace runnerfleet::daemon
