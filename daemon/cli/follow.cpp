// SPDX-License-Identifier: Apache-2.0
// `runnerfleet events --follow`: the SSE stream with reconnection, ended by SIGINT/SIGTERM.
#include "daemon/cli/commands.hpp"

#include "common/api/query.hpp"
#include "daemon/cli/table.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>

namespace runnerfleet::cli {

namespace net = boost::asio;
using nlohmann::json;

namespace {

/// One line per event: time, severity, kind, runner, message (or the event's JSON).
void print_event(const json& e, const options& o) {
  if (o.json) {
    std::cout << e.dump() << std::endl;
    return;
  }
  std::string runner = e["runner"].is_string() ? e["runner"].get<std::string>() : "-";
  std::cout << e.value("time", "") << "  " << paint(e.value("severity", ""), tone_of(e.value("severity", "")), o.color)
            << "  " << e.value("kind", "") << "  " << runner << "  " << e.value("message", "") << std::endl;
}

}  // namespace

int cmd_follow(const session& s, const std::string& kind, const std::string& runner) {
  std::string target = "/v1/events?limit=20";
  api::append_query(target, "kind", kind);
  api::append_query(target, "runner", runner);
  auto recent = s.get(target);
  if (!recent) return s.fail(recent.failure());
  std::uint64_t last_id = (*recent)["meta"].value("last_event_id", std::uint64_t{0});
  auto& events = (*recent)["data"];
  for (auto it = events.rbegin(); it != events.rend(); ++it) print_event(*it, s.opts());

  net::io_context ioc{1};
  client::socket_client client(ioc.get_executor(), s.opts().socket);
  net::cancellation_signal cancel;
  int exit_code = exit_ok;
  bool stopping = false;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    stopping = true;
    cancel.emit(net::cancellation_type::terminal);
  });

  auto follow = [&]() -> net::awaitable<void> {
    int failures = 0;
    while (!stopping) {
      auto headers = s.extra_headers();
      headers.emplace_back("Last-Event-ID", std::to_string(last_id));
      std::string stream_target = "/v1/events/stream";
      api::append_query(stream_target, "kind", kind);
      auto st = co_await client.stream_events(stream_target, headers, std::chrono::seconds(45), [&](const client::sse_event& e) {
        if (e.id.empty()) return;  // snapshot notices
        last_id = std::stoull(e.id);
        auto event = json::parse(e.data, nullptr, false);
        if (!event.is_object()) return;
        if (!runner.empty() && event.value("runner", json()).is_string() && event["runner"] != runner) return;
        print_event(event, s.opts());
        failures = 0;
      });
      if (stopping) break;
      if (!st) {
        if (st.failure().code == error_code::permission_denied || st.failure().code == error_code::invalid_argument) {
          exit_code = s.fail(st.failure());
          break;
        }
        if (++failures == 1) std::cerr << "runnerfleet: " << st.failure().message << "; reconnecting\n";
      }
      net::steady_timer pause(co_await net::this_coro::executor, std::chrono::milliseconds(std::min(5000, 250 * (1 << std::min(failures, 5)))));
      co_await pause.async_wait(net::as_tuple(net::use_awaitable));
    }
    signals.cancel();
  };
  net::co_spawn(ioc, follow(), net::bind_cancellation_slot(cancel.slot(), [](std::exception_ptr) {}));
  ioc.run();
  return exit_code;
}

}  // namespace runnerfleet::cli
