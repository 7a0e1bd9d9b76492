// SPDX-License-Identifier: Apache-2.0
#include "daemon/gitops/gitlab_repository.hpp"

#include "common/api/query.hpp"
#include "common/gitlab/runners.hpp"
#include "common/kube/kubeconfig.hpp"
#include "common/secret_file.hpp"
#include "daemon/upstream/http_client.hpp"

#include <nlohmann/json.hpp>

namespace runnerfleet::daemon {

namespace net = boost::asio;
using nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

merge_request parse_mr(const json& j) {
  merge_request mr;
  if (auto it = j.find("iid"); it != j.end() && it->is_number_integer()) mr.iid = it->get<std::int64_t>();
  mr.web_url = text(j, "web_url");
  mr.state = text(j, "state");
  mr.title = text(j, "title");
  mr.source_branch = text(j, "source_branch");
  mr.target_branch = text(j, "target_branch");
  mr.description = text(j, "description");
  return mr;
}

/// A JSON body GitLab sent, or an upstream_error saying it was not one.
result<json> parse_body(const std::string& body, const std::string& what) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return make_error(error_code::upstream_error, "GitLab answered " + what + " with a body that is not JSON");
  return j;
}

/// A GET or DELETE sends no body (a named value: GCC 12 mishandles braced temporaries in co_await).
const std::string no_body;

}  // namespace

struct gitlab_repository::impl {
  const gitlab_config& gitlab;
  const gitops_config& gitops;
  self_metrics& metrics;
  std::unique_ptr<upstream::http_client> client;
  std::string base_path;
  std::string project;  ///< percent-encoded id or path

  impl(const gitlab_config& g, const gitops_config& o, self_metrics& m) : gitlab(g), gitops(o), metrics(m) {}

  const std::string& token_file() const { return gitops.token_file ? *gitops.token_file : gitlab.token_file; }

  error status_error(const upstream::http_response& r, const std::string& what) const {
    auto message = gitlab::error_message(r.body);
    switch (r.status) {
      case 401:
        return make_error(error_code::upstream_error,
                          "GitLab rejected the token from " + token_file() + " for " + what + " (401 " + message + ")");
      case 403:
        return make_error(error_code::upstream_error, "GitLab refused " + what + " (403 " + message +
                                                          "); the token needs the api scope and Developer access to " +
                                                          *gitops.project);
      case 404: return make_error(error_code::not_found, "GitLab: " + what + ": " + message);
      case 409: return make_error(error_code::conflict, "GitLab: " + what + ": " + message);
      case 429:
        return make_error(error_code::rate_limited,
                          "GitLab is rate limiting " + what +
                              (r.retry_after_s ? "; retry in " + std::to_string(*r.retry_after_s) + " s" : "; retry later"));
      default:
        return make_error(error_code::upstream_error,
                          "GitLab answered HTTP " + std::to_string(r.status) + " for " + what + ": " + message);
    }
  }

  net::awaitable<result<upstream::http_response>> call(std::string method, std::string target, std::string body,
                                                       std::string endpoint) {
    auto token = read_secret_file(token_file());
    if (!token) co_return token.take_failure();
    upstream::http_request req;
    req.method = std::move(method);
    req.target = base_path + "/api/v4/projects/" + project + target;
    req.headers.emplace_back("PRIVATE-TOKEN", token->reveal());
    if (!body.empty()) {
      req.body = std::move(body);
      req.content_type = "application/json";
    }
    auto r = co_await client->request(std::move(req), gitops.request_timeout);
    metrics.count_upstream_request("gitops", endpoint, r ? r->status : 0);
    co_return r;
  }
};

result<std::unique_ptr<gitlab_repository>> gitlab_repository::create(net::any_io_executor ex, const gitlab_config& gitlab,
                                                                     const gitops_config& gitops, self_metrics& metrics) {
  auto p = std::make_unique<impl>(gitlab, gitops, metrics);
  if (auto token = read_secret_file(p->token_file()); !token)
    return make_error(token.failure().code, (gitops.token_file ? "gitops.token_file: " : "gitlab.token_file: ") +
                                                token.failure().message);
  auto ca = read_ca_file(gitlab.ca_file, "gitlab.ca_file");
  if (!ca) return ca.take_failure();
  upstream::endpoint ep;
  p->base_path = upstream::url_path(gitlab.url);
  ep.server = gitlab.url.substr(0, gitlab.url.size() - p->base_path.size());
  ep.ca_pem = std::move(*ca);
  ep.insecure_skip_tls_verify = gitlab.insecure_skip_tls_verify;
  auto client = upstream::http_client::create(ex, ep);
  if (!client) return make_error(client.failure().code, "gitlab.url: " + client.failure().message);
  p->client = std::move(*client);
  p->project = api::percent_encode(*gitops.project);
  return std::unique_ptr<gitlab_repository>(new gitlab_repository(std::move(p)));
}

gitlab_repository::gitlab_repository(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
gitlab_repository::~gitlab_repository() = default;

std::string gitlab_repository::describe() const { return "GitLab project " + *impl_->gitops.project; }

void gitlab_repository::close() { impl_->client->close_all(); }

net::awaitable<result<std::string>> gitlab_repository::branch_head(std::string branch) {
  auto what = "branch " + branch;
  auto r = co_await impl_->call("GET", "/repository/branches/" + api::percent_encode(branch), no_body, "branch");
  if (!r) co_return r.take_failure();
  if (r->status != 200) co_return impl_->status_error(*r, what);
  auto j = parse_body(r->body, what);
  if (!j) co_return j.take_failure();
  auto id = j->contains("commit") && (*j)["commit"].is_object() ? text((*j)["commit"], "id") : std::string{};
  if (id.empty()) co_return make_error(error_code::upstream_error, "GitLab's answer for " + what + " has no commit.id");
  co_return id;
}

net::awaitable<result<repository_file>> gitlab_repository::read_file(std::string path, std::string ref) {
  auto what = "file " + path + " at " + ref;
  auto r = co_await impl_->call("GET", "/repository/files/" + api::percent_encode(path) + "?ref=" + api::percent_encode(ref),
                                no_body, "file");
  if (!r) co_return r.take_failure();
  if (r->status != 200) co_return impl_->status_error(*r, what);
  auto j = parse_body(r->body, what);
  if (!j) co_return j.take_failure();
  repository_file f;
  f.blob_id = text(*j, "blob_id");
  f.commit_id = text(*j, "commit_id");
  f.last_commit_id = text(*j, "last_commit_id");
  auto encoding = text(*j, "encoding");
  auto content = text(*j, "content");
  if (encoding == "base64") {
    std::string compact;
    for (char c : content)
      if (c != '\n' && c != '\r') compact.push_back(c);
    auto decoded = kube::decode_base64(compact);
    if (!decoded) co_return make_error(error_code::upstream_error, "GitLab's content for " + what + " is not valid base64");
    f.content = std::move(*decoded);
  } else if (encoding == "text" || encoding.empty()) {
    f.content = std::move(content);
  } else {
    co_return make_error(error_code::upstream_error, "GitLab sent " + what + " in an unknown encoding '" + encoding + "'");
  }
  if (f.last_commit_id.empty())
    co_return make_error(error_code::upstream_error, "GitLab's answer for " + what + " has no last_commit_id");
  co_return f;
}

net::awaitable<result<std::string>> gitlab_repository::commit_file(std::string branch, std::string start_branch,
                                                                   std::string path, std::string content,
                                                                   std::string last_commit_id, std::string message) {
  json action = {{"action", "update"}, {"file_path", path}, {"content", content}};
  if (!last_commit_id.empty()) action["last_commit_id"] = last_commit_id;
  json body = {{"branch", branch}, {"start_branch", start_branch}, {"commit_message", message},
               {"actions", json::array({action})}};
  auto what = "a commit to " + path + " on new branch " + branch;
  auto r = co_await impl_->call("POST", "/repository/commits", body.dump(-1, ' ', false, json::error_handler_t::replace), "commit");
  if (!r) co_return r.take_failure();
  if (r->status == 400) {
    auto said = gitlab::error_message(r->body);
    if (said.find("has changed since") != std::string::npos)
      co_return make_error(error_code::conflict,
                           path + " changed in " + start_branch + " after " + last_commit_id.substr(0, 12) +
                               " (GitLab: " + said + "); re-read the config and propose again",
                           {{"file", path}, {"base_commit", last_commit_id}});
    if (said.find("already exists") != std::string::npos)
      co_return make_error(error_code::conflict, "branch " + branch + " already exists (GitLab: " + said + ")",
                           {{"branch", branch}, {"branch_exists", true}});
  }
  if (r->status != 201 && r->status != 200) co_return impl_->status_error(*r, what);
  auto j = parse_body(r->body, what);
  if (!j) co_return j.take_failure();
  co_return text(*j, "id");
}

net::awaitable<result<merge_request>> gitlab_repository::open_merge_request(std::string source_branch,
                                                                            std::string target_branch, std::string title,
                                                                            std::string description) {
  json body = {{"source_branch", source_branch}, {"target_branch", target_branch}, {"title", title},
               {"description", description}, {"remove_source_branch", true}};
  auto what = "a merge request from " + source_branch;
  auto r = co_await impl_->call("POST", "/merge_requests", body.dump(-1, ' ', false, json::error_handler_t::replace), "merge_request");
  if (!r) co_return r.take_failure();
  if (r->status != 201 && r->status != 200) co_return impl_->status_error(*r, what);
  auto j = parse_body(r->body, what);
  if (!j) co_return j.take_failure();
  co_return parse_mr(*j);
}

net::awaitable<result<std::optional<merge_request>>> gitlab_repository::find_merge_request(std::string source_branch) {
  auto what = "merge requests from " + source_branch;
  auto r = co_await impl_->call("GET", "/merge_requests?state=all&order_by=created_at&sort=desc&source_branch=" +
                                           api::percent_encode(source_branch), no_body, "merge_requests");
  if (!r) co_return r.take_failure();
  if (r->status != 200) co_return impl_->status_error(*r, what);
  auto j = parse_body(r->body, what);
  if (!j) co_return j.take_failure();
  if (!j->is_array()) co_return make_error(error_code::upstream_error, "GitLab's answer for " + what + " is not a list");
  std::optional<merge_request> best;
  for (const auto& item : *j) {
    if (!item.is_object()) continue;
    auto mr = parse_mr(item);
    if (mr.source_branch != source_branch) continue;  // never trust a filter blindly
    if (!best || (mr.state == "opened" && best->state != "opened")) best = mr;
  }
  co_return best;
}

net::awaitable<status> gitlab_repository::delete_branch(std::string branch) {
  auto r = co_await impl_->call("DELETE", "/repository/branches/" + api::percent_encode(branch), no_body, "delete_branch");
  if (!r) co_return r.take_failure();
  if (r->status != 204 && r->status != 200 && r->status != 404) co_return impl_->status_error(*r, "deleting branch " + branch);
  co_return ok();
}

}  // namespace runnerfleet::daemon
