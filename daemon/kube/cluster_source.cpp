// SPDX-License-Identifier: Apache-2.0
#include "daemon/kube/cluster_source.hpp"

#include "common/timeouts.hpp"
#include "common/api/query.hpp"
#include "daemon/upstream/http_client.hpp"
#include "daemon/kube/informer.hpp"
#include "daemon/kube/token_provider.hpp"

#include <boost/asio/co_spawn.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace runnerfleet::kube {

namespace net = boost::asio;
using upstream::http_client;

namespace {

upstream::endpoint tls_endpoint(const cluster_endpoint& ep) {
  return {ep.server, ep.tls_server_name, ep.ca_pem, ep.insecure_skip_tls_verify, ep.client_cert_pem, ep.client_key_pem};
}

/// A Kubernetes Status answer as an envelope error; `where` names the object.
error status_error(int http_status, const std::string& body, const std::string& where) {
  auto status = nlohmann::json::parse(body, nullptr, false);
  std::string message = status.is_object() && status.contains("message") && status["message"].is_string()
                            ? status["message"].get<std::string>()
                            : body.substr(0, 200);
  switch (http_status) {
    case 400:
    case 422: return make_error(error_code::invalid_argument, where + message);
    case 404: return make_error(error_code::not_found, where + message);
    case 409: return make_error(error_code::conflict, where + message);
    case 401:
    case 403: return make_error(error_code::upstream_error, where + "Kubernetes refused the daemon's credentials: " + message);
    case 429: return make_error(error_code::rate_limited, where + "Kubernetes is rate limiting; retry later");
    default: return make_error(error_code::upstream_error, where + "HTTP " + std::to_string(http_status) + " " + message);
  }
}

}  // namespace

struct cluster_source::impl {
  net::any_io_executor ex;
  std::string cluster;
  std::unique_ptr<http_client> client;
  std::unique_ptr<token_provider> tokens;
  std::vector<std::unique_ptr<informer>> informers;
};

result<std::unique_ptr<cluster_source>> cluster_source::create(net::any_io_executor ex, std::string cluster,
                                                               cluster_endpoint endpoint,
                                                               std::vector<std::string> namespaces, object_sink& sink) {
  auto client = http_client::create(ex, tls_endpoint(endpoint));
  if (!client) return client.take_failure();
  auto p = std::make_unique<impl>();
  p->ex = ex;
  p->cluster = std::move(cluster);
  p->client = std::move(*client);
  p->tokens = std::make_unique<token_provider>(std::move(endpoint));
  for (const auto& ns : namespaces)
    for (auto kind : all_resource_kinds)
      p->informers.push_back(std::make_unique<informer>(ex, *p->client, *p->tokens, sink, kind, ns));
  return std::unique_ptr<cluster_source>(new cluster_source(std::move(p)));
}

cluster_source::cluster_source(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
cluster_source::~cluster_source() = default;

void cluster_source::start() {
  for (auto& i : impl_->informers)
    net::co_spawn(impl_->ex, i->run(), [cluster = impl_->cluster](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("informer of cluster '{}' ended by an unexpected error: {}", cluster, ex.what());
      }
    });
}

void cluster_source::stop() {
  for (auto& i : impl_->informers) i->stop();
  impl_->client->close_all();
}

net::awaitable<result<std::string>> cluster_source::pod_log(std::string ns, std::string pod, std::string container,
                                                            int tail_lines, int limit_bytes) {
  auto auth = impl_->tokens->authorization();
  if (!auth) co_return auth.take_failure();
  std::string target = "/api/v1/namespaces/" + ns + "/pods/" + pod + "/log?tailLines=" + std::to_string(tail_lines) +
                       "&limitBytes=" + std::to_string(limit_bytes);
  if (!container.empty()) target += "&container=" + api::percent_encode(container);
  auto r = co_await impl_->client->request(upstream::authorized_get(target, *auth), timeouts::upstream_request);
  if (!r) co_return r.take_failure();
  if (r->status == 200) co_return std::move(r->body);
  if (r->status == 401) impl_->tokens->invalidate();
  co_return status_error(r->status, r->body, "pod log " + ns + "/" + pod + " (cluster " + impl_->cluster + "): ");
}

net::awaitable<result<nlohmann::json>> cluster_source::merge_patch(resource_kind kind, std::string ns,
                                                                   std::string name, std::string patch) {
  auto auth = impl_->tokens->authorization();
  if (!auth) co_return auth.take_failure();
  upstream::http_request req = upstream::authorized_get(collection_path(kind, ns) + "/" + api::percent_encode(name), *auth);
  req.method = "PATCH";
  req.content_type = "application/merge-patch+json";
  req.body = std::move(patch);
  auto r = co_await impl_->client->request(std::move(req), timeouts::upstream_request);
  if (!r) co_return r.take_failure();
  if (r->status == 401) impl_->tokens->invalidate();
  std::string where = std::string(kube::to_string(kind)) + " " + ns + "/" + name + " (cluster " + impl_->cluster + "): ";
  if (r->status != 200) co_return status_error(r->status, r->body, where);
  auto object = nlohmann::json::parse(r->body, nullptr, false);
  if (!object.is_object()) co_return make_error(error_code::upstream_error, where + "the patch reply is not a JSON object");
  co_return object;
}

}  // namespace runnerfleet::kube
