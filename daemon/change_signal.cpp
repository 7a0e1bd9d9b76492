// SPDX-License-Identifier: Apache-2.0
#include "daemon/change_signal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace runnerfleet::daemon {

namespace net = boost::asio;

net::awaitable<void> change_signal::wait(std::chrono::steady_clock::duration timeout) {
  net::steady_timer timer(co_await net::this_coro::executor, timeout);
  waiters_.insert(&timer);
  struct unregister {
    std::set<net::steady_timer*>& set;
    net::steady_timer* t;
    ~unregister() { set.erase(t); }
  } guard{waiters_, &timer};
  co_await timer.async_wait(net::as_tuple(net::use_awaitable));
}

void change_signal::notify_all() {
  for (auto* t : waiters_) t->cancel();
}

}  // namespace runnerfleet::daemon
