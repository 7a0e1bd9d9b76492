// SPDX-License-Identifier: Apache-2.0
#include "daemon/http_server.hpp"

#include "common/api/sse.hpp"
#include "common/timeouts.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <set>

namespace runnerfleet::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = net::local::stream_protocol;
using unix_stream = beast::basic_stream<local, net::any_io_executor, beast::unlimited_rate_policy>;
using tcp_stream = beast::basic_stream<net::ip::tcp, net::any_io_executor, beast::unlimited_rate_policy>;
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

namespace {

constexpr std::size_t header_limit = 8 * 1024;
constexpr std::size_t body_limit = 64 * 1024;
constexpr std::size_t max_connections = 512;
constexpr std::size_t sse_batch = 512;

/// The envelope for a request Beast could not parse.
reply malformed(const boost::system::error_code& ec) {
  std::string what = ec == http::error::header_limit ? "request header exceeds 8 KiB"
                     : ec == http::error::body_limit ? "request body exceeds 64 KiB"
                                                     : "malformed HTTP request: " + ec.message();
  return request_router::error_reply(make_error(error_code::invalid_argument, what));
}

/// Writes a complete response with a deadline; false when the connection is gone.
template <class Stream>
net::awaitable<bool> write_reply(Stream& stream, const reply& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "runnerfleetd");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  stream.expires_after(timeouts::socket_write);
  auto [ec, n] = co_await http::async_write(stream, res, use_nothrow);
  co_return !ec;
}

}  // namespace

struct http_server::impl {
  impl(net::io_context& io, request_router& r, snapshot_store& st, self_metrics& m)
      : ioc(io), router(r), store(st), metrics(m) {}

  net::io_context& ioc;
  request_router& router;
  snapshot_store& store;
  self_metrics& metrics;
  std::optional<local::acceptor> acceptor;
  std::optional<net::ip::tcp::acceptor> metrics_acceptor;
  std::set<local::socket*> sessions;
  bool stopping = false;

  /// Keeps the session registry in step with a session's life.
  template <class Socket>
  struct registration {
    std::set<Socket*>& set;
    Socket* socket;
    registration(std::set<Socket*>& s, Socket* p) : set(s), socket(p) { set.insert(p); }
    ~registration() { set.erase(socket); }
  };

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(use_nothrow);
      if (stopping) co_return;
      if (ec) {
        // EMFILE and friends: pause rather than spin.
        spdlog::warn("accept on the API socket failed: {}, retrying", ec.message());
        net::steady_timer pause(ioc, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_nothrow);
        continue;
      }
      auto peer = read_peer_identity(socket.native_handle());
      if (!peer) {
        spdlog::warn("{}, closing connection", peer.failure().message);
        continue;
      }
      net::co_spawn(ioc, session(unix_stream(std::move(socket)), std::move(*peer)), [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("API session ended by an unexpected error: {}", ex.what());
        }
      });
    }
  }

  net::awaitable<void> session(unix_stream stream, peer_identity peer) {
    registration<local::socket> reg(sessions, &stream.socket());
    beast::flat_buffer buffer;
    if (sessions.size() > max_connections) {
      co_await write_reply(stream, request_router::error_reply(make_error(
                                       error_code::unavailable, "too many open connections; retry shortly")),
                           11, false);
      co_return;
    }
    while (!stopping) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(header_limit);
      parser.body_limit(body_limit);
      stream.expires_after(timeouts::socket_request_read);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
      if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
          ec == net::error::operation_aborted || ec == net::error::connection_reset)
        break;
      if (ec) {
        if (co_await write_reply(stream, malformed(ec), 11, false)) co_await linger(stream);
        break;
      }
      auto started = std::chrono::steady_clock::now();
      const auto& req = parser.get();
      incoming in;
      in.method = std::string(req.method_string());
      in.target = std::string(req.target());
      in.role_header = std::string(req["X-Runnerfleet-Role"]);
      in.last_event_id = std::string(req["Last-Event-ID"]);
      in.request_id = std::string(req["X-Request-Id"]);
      in.body = req.body();
      in.peer = &peer;
      reply r = co_await router.handle(in);
      if (r.stream) {
        metrics.observe_request(r.route, 200, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        co_await stream_events(stream, r, req.version());
        break;
      }
      bool keep_alive = req.keep_alive() && !stopping;
      bool written = co_await write_reply(stream, r, req.version(), keep_alive);
      metrics.observe_request(r.route, r.status,
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      if (!written || !keep_alive) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(local::socket::shutdown_both, ignored);
  }

  /// After refusing a request whose input was not fully read, half-close and discard what the
  /// client still sends (briefly, bounded): closing with unread input would reset the
  /// connection and the client might never see the error.
  net::awaitable<void> linger(unix_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(local::socket::shutdown_send, ignored);
    char sink[16384];
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(1));
    while (drained < 4 * 1024 * 1024) {
      auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), use_nothrow);
      if (ec) break;
      drained += n;
    }
  }

  net::awaitable<bool> write_chunk(unix_stream& stream, const std::string& frames) {
    stream.expires_after(timeouts::socket_write);
    auto [ec, n] = co_await net::async_write(stream, http::make_chunk(net::buffer(frames)), use_nothrow);
    co_return !ec;
  }

  /// Streams fleet events as SSE until the client goes away or the daemon stops.
  net::awaitable<void> stream_events(unix_stream& stream, const reply& r, unsigned version) {
    http::response<http::empty_body> res{http::status::ok, version};
    res.set(http::field::server, "runnerfleetd");
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(false);
    res.chunked(true);
    http::response_serializer<http::empty_body> serializer{res};
    stream.expires_after(timeouts::socket_write);
    if (auto [ec, n] = co_await http::async_write_header(stream, serializer, use_nothrow); ec) co_return;
    metrics.count_sse_client(1);
    struct leave {
      self_metrics& m;
      ~leave() { m.count_sse_client(-1); }
    } guard{metrics};

    std::uint64_t last = r.stream_after;
    std::uint64_t generation_sent = 0;
    auto last_write = std::chrono::steady_clock::now();
    std::string frames = api::sse_retry_frame(2000);
    if (auto oldest = store.events().oldest_id(); oldest > 0 && last + 1 < oldest)
      frames += ": events " + std::to_string(last + 1) + ".." + std::to_string(oldest - 1) + " were dropped\n\n";
    while (!stopping) {
      if (auto snap = store.current(); snap && snap->generation != generation_sent) {
        generation_sent = snap->generation;
        frames += api::sse_generation_frame(generation_sent);
      }
      auto batch = store.events().after(last, sse_batch);
      for (const auto& e : batch) {
        last = e.id;
        if (r.stream_kinds.empty() ||
            std::find(r.stream_kinds.begin(), r.stream_kinds.end(), e.kind) != r.stream_kinds.end())
          frames += api::sse_event_frame(e);
      }
      if (frames.empty() && std::chrono::steady_clock::now() - last_write >= timeouts::sse_heartbeat)
        frames = api::sse_heartbeat_frame();
      if (!frames.empty()) {
        if (!co_await write_chunk(stream, frames)) co_return;
        frames.clear();
        last_write = std::chrono::steady_clock::now();
      }
      if (batch.size() == sse_batch) continue;
      co_await store.changes().wait(timeouts::sse_heartbeat);
    }
    stream.expires_after(timeouts::socket_write);
    co_await net::async_write(stream, http::make_chunk_last(), use_nothrow);
  }

  net::awaitable<void> metrics_accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await metrics_acceptor->async_accept(use_nothrow);
      if (stopping) co_return;
      if (ec) {
        net::steady_timer pause(ioc, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_nothrow);
        continue;
      }
      net::co_spawn(ioc, metrics_session(tcp_stream(std::move(socket))), net::detached);
    }
  }

  /// The optional TCP listener serves the daemon's own metrics and nothing else.
  net::awaitable<void> metrics_session(tcp_stream stream) {
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(header_limit);
    stream.expires_after(timeouts::socket_request_read);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    if (ec) co_return;
    const auto& req = parser.get();
    reply r;
    if (req.method() == http::verb::get && req.target() == "/metrics") {
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics.exposition();
    } else {
      r = request_router::error_reply(make_error(error_code::not_found, "this listener serves only GET /metrics"));
    }
    co_await write_reply(stream, r, req.version(), false);
    boost::system::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  }
};

http_server::http_server(net::io_context& ioc, request_router& router, snapshot_store& store, self_metrics& metrics)
    : impl_(std::make_unique<impl>(ioc, router, store, metrics)) {}

http_server::~http_server() = default;

status http_server::listen(const std::string& path) {
  boost::system::error_code ec;
  auto& a = impl_->acceptor.emplace(impl_->ioc);
  a.open(local(), ec);
  if (!ec) a.bind(local::endpoint(path), ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error(error_code::unavailable, "cannot listen on '" + path + "': " + ec.message());
  return ok();
}

status http_server::listen_metrics(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos)
    return make_error(error_code::invalid_argument, "metrics_listen must be host:port, got '" + host_port + "'");
  boost::system::error_code ec;
  auto host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  auto address = net::ip::make_address(host, ec);
  int port = 0;
  try {
    port = std::stoi(host_port.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (ec || port < 0 || port > 65535)
    return make_error(error_code::invalid_argument, "metrics_listen '" + host_port + "' is not an IP address and port");
  auto& a = impl_->metrics_acceptor.emplace(impl_->ioc);
  net::ip::tcp::endpoint ep(address, static_cast<unsigned short>(port));
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error(error_code::unavailable, "cannot listen on " + host_port + ": " + ec.message());
  return ok();
}

void http_server::start() {
  auto on_done = [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::critical("accept loop failed: {}", ex.what());
    }
  };
  if (impl_->acceptor) net::co_spawn(impl_->ioc, impl_->accept_loop(), on_done);
  if (impl_->metrics_acceptor) net::co_spawn(impl_->ioc, impl_->metrics_accept_loop(), on_done);
}

bool http_server::idle() const { return impl_->sessions.empty(); }

void http_server::stop() {
  impl_->stopping = true;
  boost::system::error_code ignored;
  if (impl_->acceptor) impl_->acceptor->close(ignored);
  if (impl_->metrics_acceptor) impl_->metrics_acceptor->close(ignored);
  for (auto* s : impl_->sessions) s->cancel(ignored);
  impl_->store.changes().notify_all();
}

}  // namespace runnerfleet::daemon
