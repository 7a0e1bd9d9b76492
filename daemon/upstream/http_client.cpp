// SPDX-License-Identifier: Apache-2.0
#include "daemon/upstream/http_client.hpp"

#include "common/kube/line_splitter.hpp"
#include "common/timeouts.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cctype>
#include <set>
#include <variant>

namespace runnerfleet::upstream {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

namespace {

constexpr std::size_t max_body = 64 * 1024 * 1024;
constexpr std::size_t max_line = 16 * 1024 * 1024;
constexpr std::size_t max_error_body = 64 * 1024;

struct parsed_url {
  bool tls = true;
  std::string host;
  std::string port;
  std::string base_path;
};

std::optional<parsed_url> parse_server(const std::string& server) {
  parsed_url u;
  std::string rest;
  if (server.rfind("https://", 0) == 0) {
    rest = server.substr(8);
  } else if (server.rfind("http://", 0) == 0) {
    u.tls = false;
    rest = server.substr(7);
  } else {
    return std::nullopt;
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.base_path = rest.substr(slash);
  while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  if (u.host.empty()) return std::nullopt;
  return u;
}

std::optional<int> retry_after(const http::fields& h) {
  auto it = h.find(http::field::retry_after);
  if (it == h.end()) return std::nullopt;
  try {
    return std::stoi(std::string(it->value()));
  } catch (...) {
    return std::nullopt;
  }
}

/// Keeps the headers a caller may read (all of them, lower-cased), bounded.
std::vector<std::pair<std::string, std::string>> copy_headers(const http::fields& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : h) {
    if (out.size() >= 64) break;
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.emplace_back(std::move(name), std::string(f.value()));
  }
  return out;
}

error transport_error(const std::string& server, const std::string& what, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout)
    return make_error(error_code::timeout, server + ": " + what + " timed out");
  return make_error(error_code::unavailable, server + ": " + what + " failed: " + ec.message());
}

}  // namespace

struct http_client::impl {
  net::any_io_executor ex;
  parsed_url url;
  std::string server;
  std::string sni;
  bool verify = true;
  ssl::context ctx{ssl::context::tls_client};
  std::set<beast::tcp_stream*> open;
  bool closed = false;

  /// A connection: plain TCP or TLS over TCP.
  using tls_stream = beast::ssl_stream<beast::tcp_stream>;
  using any_stream = std::variant<std::unique_ptr<beast::tcp_stream>, std::unique_ptr<tls_stream>>;

  struct tracked {
    impl& owner;
    beast::tcp_stream* s;
    ~tracked() { owner.open.erase(s); }
  };

  net::awaitable<result<any_stream>> connect(steady::duration deadline) {
    if (closed) co_return make_error(error_code::unavailable, server + ": client is shut down");
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, use_nothrow);
    if (rec) co_return transport_error(server, "resolving " + url.host, rec);
    auto tcp_stream = std::make_unique<beast::tcp_stream>(ex);
    open.insert(tcp_stream.get());  // so close_all() also interrupts a connect or handshake
    tracked connecting{*this, tcp_stream.get()};
    tcp_stream->expires_after(std::min<steady::duration>(deadline, timeouts::upstream_connect));
    auto [cec, ep] = co_await tcp_stream->async_connect(endpoints, use_nothrow);
    if (cec) co_return transport_error(server, "connecting", cec);
    if (closed) co_return make_error(error_code::unavailable, server + ": client is shut down");
    if (!url.tls) co_return any_stream{std::move(tcp_stream)};
    auto tls = std::make_unique<tls_stream>(std::move(*tcp_stream), ctx);
    open.insert(&beast::get_lowest_layer(*tls));
    tracked handshaking{*this, &beast::get_lowest_layer(*tls)};
    if (verify) tls->set_verify_callback(ssl::host_name_verification(sni));
    boost::system::error_code addr_ec;
    net::ip::make_address(sni, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(tls->native_handle(), sni.c_str());
    beast::get_lowest_layer(*tls).expires_after(std::min<steady::duration>(deadline, timeouts::upstream_connect));
    auto [hec] = co_await tls->async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) co_return transport_error(server, "TLS handshake", hec);
    if (closed) co_return make_error(error_code::unavailable, server + ": client is shut down");
    co_return any_stream{std::move(tls)};
  }

  http::request<http::string_body> make_request(http_request& in) const {
    http::request<http::string_body> req{http::string_to_verb(in.method), url.base_path + in.target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "runnerfleetd/0.1");
    req.set(http::field::accept, "application/json");
    for (auto& [name, value] : in.headers) req.set(name, value);
    if (!in.body.empty() || in.method == "PUT" || in.method == "POST" || in.method == "PATCH") {
      if (!in.content_type.empty()) req.set(http::field::content_type, in.content_type);
      req.body() = std::move(in.body);
      req.prepare_payload();
    }
    return req;
  }

  /// Sends `req` and reads the answer; body bytes go to on_data (after on_header approves).
  template <class Stream, class OnHeader, class OnData>
  net::awaitable<result<http_response>> exchange(Stream& stream, http::request<http::string_body>& req,
                                                 steady::duration first_deadline, steady::duration read_deadline,
                                                 OnHeader on_header, OnData on_data) {
    auto& lowest = beast::get_lowest_layer(stream);
    open.insert(&lowest);
    tracked guard{*this, &lowest};
    lowest.expires_after(first_deadline);
    auto [wec, wn] = co_await http::async_write(stream, req, use_nothrow);
    if (wec) co_return transport_error(server, "sending request", wec);
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
    if (hec) co_return transport_error(server, "reading response header", hec);
    http_response resp;
    resp.status = parser.get().result_int();
    resp.retry_after_s = retry_after(parser.get().base());
    resp.headers = copy_headers(parser.get().base());
    bool deliver = on_header(resp.status);
    std::size_t received = 0;
    char chunk[65536];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      lowest.expires_after(read_deadline);
      auto [rec, rn] = co_await http::async_read_some(stream, buffer, parser, use_nothrow);
      if (rec && rec != http::error::need_buffer) co_return transport_error(server, "reading response body", rec);
      std::size_t n = sizeof chunk - parser.get().body().size;
      received += n;
      if (deliver) {
        if (!on_data(std::string_view(chunk, n)))
          co_return make_error(error_code::upstream_error, server + ": response line or body too large");
      } else if (resp.body.size() < max_error_body) {
        resp.body.append(chunk, std::min(n, max_error_body - resp.body.size()));
      }
    }
    co_return resp;
  }

  template <class Fn>
  net::awaitable<result<http_response>> with_stream(steady::duration connect_deadline, Fn fn) {
    auto conn = co_await connect(connect_deadline);
    if (!conn) co_return conn.take_failure();
    if (auto* plain = std::get_if<0>(&*conn)) co_return co_await fn(**plain);
    co_return co_await fn(*std::get<1>(*conn));
  }
};

std::string_view http_response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

std::string url_path(const std::string& url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? std::string{} : url.substr(slash);
}

http_request authorized_get(std::string target, std::string authorization) {
  http_request r;
  r.target = std::move(target);
  if (!authorization.empty()) r.headers.emplace_back("Authorization", std::move(authorization));
  return r;
}

result<std::unique_ptr<http_client>> http_client::create(net::any_io_executor ex, const endpoint& ep) {
  auto url = parse_server(ep.server);
  if (!url) return make_error(error_code::invalid_argument, "server '" + ep.server + "' is not an http(s) URL");
  auto p = std::make_unique<impl>();
  p->ex = ex;
  p->url = *url;
  p->server = ep.server;
  p->sni = ep.tls_server_name.empty() ? url->host : ep.tls_server_name;
  p->verify = !ep.insecure_skip_tls_verify;
  boost::system::error_code ec;
  if (url->tls) {
    p->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (p->verify) {
      p->ctx.set_verify_mode(ssl::verify_peer);
      if (!ep.ca_pem.empty()) {
        p->ctx.add_certificate_authority(net::buffer(ep.ca_pem), ec);
        if (ec) return make_error(error_code::invalid_argument, "certificate authority for " + ep.server + " is not valid PEM");
      } else {
        p->ctx.set_default_verify_paths(ec);
      }
    } else {
      p->ctx.set_verify_mode(ssl::verify_none);
    }
    if (!ep.client_cert_pem.empty()) {
      p->ctx.use_certificate_chain(net::buffer(ep.client_cert_pem.reveal()), ec);
      if (!ec) p->ctx.use_private_key(net::buffer(ep.client_key_pem.reveal()), ssl::context::pem, ec);
      if (ec) return make_error(error_code::invalid_argument, "client certificate or key for " + ep.server + " is not valid PEM");
    }
  }
  return std::unique_ptr<http_client>(new http_client(std::move(p)));
}

http_client::http_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
http_client::~http_client() = default;

const std::string& http_client::server() const { return impl_->server; }

void http_client::close_all() {
  impl_->closed = true;
  for (auto* s : impl_->open) s->close();
}

net::awaitable<result<http_response>> http_client::request(http_request in, steady::duration deadline) {
  auto& p = *impl_;
  if (http::string_to_verb(in.method) == http::verb::unknown)
    co_return make_error(error_code::internal, "unknown HTTP method '" + in.method + "'");
  auto started = steady::now();
  co_return co_await p.with_stream(deadline, [&](auto& stream) -> net::awaitable<result<http_response>> {
    auto req = p.make_request(in);
    std::string body;
    auto remaining = [&] { return std::max<steady::duration>(deadline - (steady::now() - started), std::chrono::milliseconds(1)); };
    auto r = co_await p.exchange(
        stream, req, remaining(), remaining(), [](int) { return true; },
        [&](std::string_view data) {
          if (body.size() + data.size() > max_body) return false;
          body.append(data);
          return true;
        });
    if (r) r->body = std::move(body);
    co_return r;
  });
}

net::awaitable<result<http_response>> http_client::stream_lines(http_request in, steady::duration idle,
                                                                std::function<void()> on_open,
                                                                std::function<void(std::string_view)> on_line) {
  auto& p = *impl_;
  co_return co_await p.with_stream(timeouts::upstream_connect, [&](auto& stream) -> net::awaitable<result<http_response>> {
    auto req = p.make_request(in);
    kube::line_splitter lines(max_line);
    co_return co_await p.exchange(
        stream, req, timeouts::upstream_request, idle,
        [&](int status) {
          if (status != 200) return false;
          on_open();
          return true;
        },
        [&](std::string_view data) { return lines.feed(data, on_line); });
  });
}

}  // namespace runnerfleet::upstream
