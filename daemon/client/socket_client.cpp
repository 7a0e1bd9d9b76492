// SPDX-License-Identifier: Apache-2.0
#include "daemon/client/socket_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace runnerfleet::client {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = net::local::stream_protocol;
using unix_stream = beast::basic_stream<local, net::any_io_executor, beast::unlimited_rate_policy>;
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

namespace {

constexpr std::size_t max_body = 64 * 1024 * 1024;

error connect_error(const std::string& path, const boost::system::error_code& ec) {
  if (ec == net::error::access_denied || ec == boost::system::errc::permission_denied)
    return make_error(error_code::permission_denied,
                      "cannot open the daemon socket " + path + ": permission denied (it is mode 0660; ask for the socket's group)");
  if (ec == beast::error::timeout) return make_error(error_code::timeout, "connecting to " + path + " timed out");
  return make_error(error_code::unavailable, "daemon not reachable at " + path + ": is runnerfleetd running? (" + ec.message() + ")");
}

error io_error(const std::string& path, const std::string& what, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return make_error(error_code::timeout, "runnerfleetd at " + path + " did not answer in time");
  return make_error(error_code::unavailable, what + " " + path + " failed: " + ec.message());
}

http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              const headers& extra, std::string body) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "localhost");
  req.set(http::field::user_agent, "runnerfleet-client");
  for (const auto& [k, v] : extra) req.set(k, v);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.prepare_payload();
  return req;
}

/// Feeds SSE text and emits complete events ("\n\n"-terminated frames); comments are skipped.
class sse_parser {
 public:
  template <class OnEvent>
  void feed(std::string_view data, OnEvent&& on_event) {
    buffer_.append(data);
    std::size_t end;
    while ((end = buffer_.find("\n\n")) != std::string::npos) {
      sse_event e;
      std::string_view frame(buffer_.data(), end);
      while (!frame.empty()) {
        auto nl = frame.find('\n');
        auto line = frame.substr(0, nl);
        frame = nl == std::string_view::npos ? std::string_view{} : frame.substr(nl + 1);
        if (line.empty() || line.front() == ':') continue;
        auto colon = line.find(':');
        auto key = line.substr(0, colon);
        auto value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (key == "id") e.id = value;
        else if (key == "event") e.event = value;
        else if (key == "data") e.data += (e.data.empty() ? "" : "\n") + std::string(value);
      }
      if (!e.data.empty() || !e.event.empty()) on_event(e);
      buffer_.erase(0, end + 2);
    }
  }

 private:
  std::string buffer_;
};

}  // namespace

socket_client::socket_client(net::any_io_executor ex, std::string socket_path)
    : ex_(std::move(ex)), path_(std::move(socket_path)) {}

net::awaitable<result<response>> socket_client::request(std::string method, std::string target, headers extra,
                                                        std::string body, std::chrono::milliseconds deadline) {
  unix_stream stream(ex_);
  stream.expires_after(deadline);
  auto [cec] = co_await stream.async_connect(local::endpoint(path_), use_nothrow);
  if (cec) co_return connect_error(path_, cec);
  auto req = make_request(method, target, extra, std::move(body));
  auto [wec, wn] = co_await http::async_write(stream, req, use_nothrow);
  if (wec) co_return io_error(path_, "writing to", wec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_nothrow);
  if (rec) co_return io_error(path_, "reading from", rec);
  response r;
  r.status = parser.get().result_int();
  r.content_type = std::string(parser.get()[http::field::content_type]);
  r.body = std::move(parser.get().body());
  co_return r;
}

net::awaitable<status> socket_client::stream_events(std::string target, headers extra, std::chrono::milliseconds idle,
                                                    std::function<void(const sse_event&)> on_event) {
  unix_stream stream(ex_);
  stream.expires_after(idle);
  auto [cec] = co_await stream.async_connect(local::endpoint(path_), use_nothrow);
  if (cec) co_return connect_error(path_, cec);
  auto req = make_request("GET", target, extra, {});
  auto [wec, wn] = co_await http::async_write(stream, req, use_nothrow);
  if (wec) co_return io_error(path_, "writing to", wec);
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
  if (hec) co_return io_error(path_, "reading from", hec);
  sse_parser sse;
  char chunk[16384];
  std::string error_body;
  bool ok = parser.get().result_int() == 200;
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    stream.expires_after(idle);
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, use_nothrow);
    if (ec && ec != http::error::need_buffer) {
      if (ec == net::error::operation_aborted) co_return runnerfleet::ok();
      co_return io_error(path_, "event stream from", ec);
    }
    std::string_view data(chunk, sizeof chunk - parser.get().body().size);
    if (ok) sse.feed(data, on_event);
    else if (error_body.size() < 65536) error_body.append(data);
  }
  if (!ok) {
    response r{static_cast<int>(parser.get().result_int()), "application/json", error_body};
    auto decoded = decode_envelope(r);
    if (!decoded) co_return decoded.take_failure();
    co_return make_error(error_code::internal, "event stream answered HTTP " + std::to_string(r.status));
  }
  co_return runnerfleet::ok();
}

result<nlohmann::json> decode_envelope(const response& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object())
    return make_error(error_code::internal, "runnerfleetd answered HTTP " + std::to_string(r.status) + " without a JSON envelope");
  if (auto e = j.find("error"); e != j.end() && e->is_object()) {
    auto code = error_code_from_string(e->value("code", "internal")).value_or(error_code::internal);
    return make_error(code, e->value("message", "unknown error"), e->value("details", nlohmann::json::object()));
  }
  if (!j.contains("data"))
    return make_error(error_code::internal, "runnerfleetd answered HTTP " + std::to_string(r.status) + " without data");
  return j;
}

result<response> request_blocking(const std::string& socket_path, const std::string& method, const std::string& target,
                                  const headers& extra, std::chrono::milliseconds deadline, const std::string& body) {
  net::io_context ioc{1};
  socket_client client(ioc.get_executor(), socket_path);
  std::optional<result<response>> out;
  auto run = [&]() -> net::awaitable<void> {
    out.emplace(co_await client.request(method, target, extra, body, deadline));
  };
  net::co_spawn(ioc, run(), [&](std::exception_ptr e) {
    if (e) out.emplace(make_error(error_code::internal, "request to " + socket_path + " failed unexpectedly"));
  });
  ioc.run();
  return std::move(*out);
}

}  // namespace runnerfleet::client
