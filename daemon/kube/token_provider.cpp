// SPDX-License-Identifier: Apache-2.0
#include "daemon/kube/token_provider.hpp"

#include "common/secret_file.hpp"
#include "common/timeouts.hpp"
#include "daemon/kube/exec_credential_runner.hpp"


namespace runnerfleet::kube {

token_provider::token_provider(cluster_endpoint ep)
    : ep_(std::move(ep)), secure_(ep_.server.rfind("https://", 0) == 0) {}

void token_provider::invalidate() { cached_until_ = {}; }

result<std::string> token_provider::authorization() {
  if (!secure_) return std::string{};
  auto now = std::chrono::steady_clock::now();
  if (!cached_.empty() && now < cached_until_) return cached_;
  if (ep_.exec) {
    auto cred = run_exec_plugin(*ep_.exec, std::chrono::duration_cast<std::chrono::milliseconds>(timeouts::exec_plugin));
    if (!cred) return cred.take_failure();
    cached_ = "Bearer " + cred->token.reveal();
    cached_until_ = now + std::chrono::hours(1);
    if (cred->expires) {
      auto left = *cred->expires - clock::now() - std::chrono::seconds(10);
      cached_until_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
    }
    return cached_;
  }
  if (!ep_.token_file.empty()) {
    auto token = read_secret_file(ep_.token_file);
    if (!token) return token.take_failure();
    cached_ = "Bearer " + token->reveal();
    cached_until_ = now + timeouts::token_file_refresh;
    return cached_;
  }
  if (!ep_.token.empty()) {
    cached_ = "Bearer " + ep_.token.reveal();
    cached_until_ = std::chrono::steady_clock::time_point::max();
    return cached_;
  }
  return std::string{};
}

}  // namespace runnerfleet::kube
