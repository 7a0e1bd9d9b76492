// SPDX-License-Identifier: Apache-2.0
#include "daemon/kube/cluster_source.hpp"

#include "common/timeouts.hpp"
#include "daemon/kube/http_client.hpp"
#include "daemon/kube/informer.hpp"
#include "daemon/kube/token_provider.hpp"

#include <boost/asio/co_spawn.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace runnerfleet::kube {

namespace net = boost::asio;

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
  auto client = http_client::create(ex, endpoint);
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
  if (!container.empty()) target += "&container=" + container;
  auto r = co_await impl_->client->request("GET", target, *auth, timeouts::upstream_request);
  if (!r) co_return r.take_failure();
  if (r->status == 200) co_return std::move(r->body);
  auto status = nlohmann::json::parse(r->body, nullptr, false);
  std::string message = status.is_object() ? status.value("message", r->body.substr(0, 200)) : r->body.substr(0, 200);
  std::string where = "pod log " + ns + "/" + pod + " (cluster " + impl_->cluster + "): ";
  switch (r->status) {
    case 400: co_return make_error(error_code::invalid_argument, where + message);
    case 404: co_return make_error(error_code::not_found, where + message);
    case 401:
    case 403:
      if (r->status == 401) impl_->tokens->invalidate();
      co_return make_error(error_code::upstream_error, where + "Kubernetes refused the daemon's credentials: " + message);
    case 429: co_return make_error(error_code::rate_limited, where + "Kubernetes is rate limiting; retry later");
    default: co_return make_error(error_code::upstream_error, where + "HTTP " + std::to_string(r->status) + " " + message);
  }
}

}  // namespace runnerfleet::kube
