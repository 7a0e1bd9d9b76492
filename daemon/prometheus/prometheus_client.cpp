// SPDX-License-Identifier: Apache-2.0
#include "daemon/prometheus/prometheus_client.hpp"

#include "common/api/query.hpp"
#include "common/secret_file.hpp"
#include "daemon/upstream/http_client.hpp"

#include <openssl/evp.h>

#include <cstdio>

namespace runnerfleet::daemon {

namespace net = boost::asio;

namespace {

std::string unix_seconds(time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
  return text;
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                           static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

struct prometheus_client::impl {
  const prometheus_config& cfg;
  self_metrics& metrics;
  std::unique_ptr<upstream::http_client> client;

  /// The Authorization header value, read from its file now ("" without auth).
  result<std::string> authorization() const {
    if (cfg.bearer_token_file) {
      auto token = read_secret_file(*cfg.bearer_token_file);
      if (!token) return make_error(token.failure().code, "prometheus.bearer_token_file: " + token.failure().message);
      return "Bearer " + token->reveal();
    }
    if (cfg.basic_auth_password_file) {
      auto password = read_secret_file(*cfg.basic_auth_password_file);
      if (!password)
        return make_error(password.failure().code, "prometheus.basic_auth.password_file: " + password.failure().message);
      return "Basic " + base64(*cfg.basic_auth_username + ":" + password->reveal());
    }
    return std::string{};
  }

  net::awaitable<result<promql::query_result>> post(std::string endpoint, std::string form) {
    auto auth = authorization();
    if (!auth) co_return auth.take_failure();
    upstream::http_request req;
    req.method = "POST";
    req.target = "/api/v1/" + endpoint;
    req.body = std::move(form);
    req.content_type = "application/x-www-form-urlencoded";
    if (!auth->empty()) req.headers.emplace_back("Authorization", std::move(*auth));
    auto r = co_await client->request(std::move(req), cfg.request_timeout);
    metrics.count_upstream_request("prometheus", endpoint, r ? r->status : 0);
    if (!r) {
      auto e = r.take_failure();
      e.message = "Prometheus at " + client->server() + ": " + e.message;
      co_return e;
    }
    if (r->status == 401 || r->status == 403)
      co_return make_error(error_code::upstream_error,
                           "Prometheus refused the query (HTTP " + std::to_string(r->status) + "); check prometheus." +
                               (cfg.bearer_token_file ? "bearer_token_file" : cfg.basic_auth_username ? "basic_auth" : "url"));
    co_return promql::parse_reply(r->status, r->body);
  }
};

result<std::unique_ptr<prometheus_client>> prometheus_client::create(net::any_io_executor ex, const prometheus_config& cfg,
                                                                     self_metrics& metrics) {
  auto ca = read_ca_file(cfg.ca_file, "prometheus.ca_file");
  if (!ca) return ca.take_failure();
  upstream::endpoint ep;
  ep.server = cfg.url;
  ep.ca_pem = std::move(*ca);
  ep.insecure_skip_tls_verify = cfg.insecure_skip_tls_verify;
  auto client = upstream::http_client::create(ex, ep);
  if (!client) return make_error(client.failure().code, "prometheus.url: " + client.failure().message);
  auto p = std::make_unique<impl>(impl{cfg, metrics, std::move(*client)});
  return std::unique_ptr<prometheus_client>(new prometheus_client(std::move(p)));
}

prometheus_client::prometheus_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
prometheus_client::~prometheus_client() = default;

net::awaitable<result<promql::query_result>> prometheus_client::query(std::string expr, time_point at) {
  auto form = "query=" + api::percent_encode(expr) + "&time=" + unix_seconds(at);
  co_return co_await impl_->post("query", std::move(form));
}

net::awaitable<result<promql::query_result>> prometheus_client::query_range(std::string expr, time_point start,
                                                                             time_point end, std::chrono::seconds step) {
  auto form = "query=" + api::percent_encode(expr) + "&start=" + unix_seconds(start) + "&end=" + unix_seconds(end) +
              "&step=" + std::to_string(step.count());
  co_return co_await impl_->post("query_range", std::move(form));
}

void prometheus_client::close_all() { impl_->client->close_all(); }

}  // namespace runnerfleet::daemon
