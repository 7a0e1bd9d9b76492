// SPDX-License-Identifier: Apache-2.0
#include "common/kube/exec_credential.hpp"

#include <nlohmann/json.hpp>

namespace runnerfleet::kube {

std::string exec_info_json(const std::string& api_version) {
  return nlohmann::json{{"kind", "ExecCredential"}, {"apiVersion", api_version}, {"spec", {{"interactive", false}}}}.dump();
}

result<exec_credential> parse_exec_credential(const std::string& output) {
  auto j = nlohmann::json::parse(output, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(error_code::upstream_error, "exec credential plugin did not print an ExecCredential JSON object");
  if (j.value("kind", "") != "ExecCredential")
    return make_error(error_code::upstream_error, "exec credential plugin output has kind '" + j.value("kind", "") +
                                                      "', expected ExecCredential");
  auto status = j.find("status");
  if (status == j.end() || !status->is_object())
    return make_error(error_code::upstream_error, "exec credential plugin output has no status");
  auto token = status->find("token");
  if (token == status->end() || !token->is_string() || token->get_ref<const std::string&>().empty()) {
    if (status->contains("clientCertificateData"))
      return make_error(error_code::upstream_error, "exec credential plugins returning client certificates are not supported yet");
    return make_error(error_code::upstream_error, "exec credential plugin output has no status.token");
  }
  exec_credential c;
  c.token = secret(token->get<std::string>());
  if (auto exp = status->find("expirationTimestamp"); exp != status->end() && exp->is_string()) {
    c.expires = parse_rfc3339(exp->get_ref<const std::string&>());
    if (!c.expires)
      return make_error(error_code::upstream_error, "exec credential expirationTimestamp is not RFC 3339");
  }
  return c;
}

}  // namespace runnerfleet::kube
