// SPDX-License-Identifier: Apache-2.0
#include "common/kube/kubeconfig.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace runnerfleet;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    char tmpl[] = "/tmp/rf-kc-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

// "-----BEGIN CERTIFICATE-----\nTEST\n" in base64
const char* ca_b64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClRFU1QK";

std::string kubeconfig(const std::string& user) {
  return std::string(R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )") + ca_b64 + R"(
- name: prod-cluster
  cluster:
    server: https://prod.example:6443
    certificate-authority: certs/ca.pem
    tls-server-name: api.prod.example
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: ci}
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
users:
- name: dev-user
  user:
    token: static-token-abc
- name: prod-user
  user:
)" + user;
}

}  // namespace

TEST_CASE("current-context with a static token and CA data", "[kubeconfig]") {
  temp_dir d;
  auto path = d.write("config", kubeconfig("    tokenFile: token\n"));
  auto ep = kube::load_kubeconfig(path, std::nullopt);
  REQUIRE(ep);
  CHECK(ep->server == "https://10.0.0.1:6443");
  CHECK(ep->ca_pem == "-----BEGIN CERTIFICATE-----\nTEST\n");
  CHECK(ep->token.reveal() == "static-token-abc");
  CHECK(ep->default_namespace == "ci");
  CHECK_FALSE(ep->insecure_skip_tls_verify);
  CHECK(ep->origin == "kubeconfig:" + path + "#dev");
}

TEST_CASE("a named context with a CA file and tokenFile relative to the kubeconfig", "[kubeconfig]") {
  temp_dir d;
  fs::create_directories(d.path / "certs");
  d.write("certs/ca.pem", "PEM-BYTES");
  auto path = d.write("config", kubeconfig("    tokenFile: secrets/token\n"));
  auto ep = kube::load_kubeconfig(path, std::string("prod"));
  REQUIRE(ep);
  CHECK(ep->ca_pem == "PEM-BYTES");
  CHECK(ep->tls_server_name == "api.prod.example");
  CHECK(ep->token_file == (d.path / "secrets/token").string());
  CHECK(ep->token.empty());
}

TEST_CASE("client certificates and exec plugins", "[kubeconfig]") {
  temp_dir d;
  auto certs = d.write("config", kubeconfig(std::string("    client-certificate-data: ") + ca_b64 +
                                            "\n    client-key-data: " + ca_b64 + "\n"));
  auto ep = kube::load_kubeconfig(certs, std::string("prod"));
  REQUIRE_FALSE(ep);  // the CA file is missing: the error says which
  CHECK_THAT(ep.failure().message, Catch::Contains("certs/ca.pem"));
  fs::create_directories(d.path / "certs");
  d.write("certs/ca.pem", "PEM");
  ep = kube::load_kubeconfig(certs, std::string("prod"));
  REQUIRE(ep);
  CHECK(ep->client_cert_pem.reveal().rfind("-----BEGIN", 0) == 0);

  auto exec = d.write("exec", kubeconfig(R"(    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
      env: [{name: AWS_PROFILE, value: ci}]
)"));
  ep = kube::load_kubeconfig(exec, std::string("prod"));
  REQUIRE(ep);
  REQUIRE(ep->exec);
  CHECK(ep->exec->command == "aws");
  CHECK(ep->exec->args.size() == 4);
  CHECK(ep->exec->env.at(0) == std::pair<std::string, std::string>{"AWS_PROFILE", "ci"});
}

TEST_CASE("kubeconfig errors name the file, context and problem", "[kubeconfig]") {
  temp_dir d;
  fs::create_directories(d.path / "certs");
  d.write("certs/ca.pem", "PEM");
  auto path = d.write("config", kubeconfig("    token: x\n"));
  auto missing = kube::load_kubeconfig(path, std::string("staging"));
  REQUIRE_FALSE(missing);
  CHECK(missing.failure().message == "kubeconfig '" + path + "' context 'staging': contexts has no entry named 'staging'");
  auto provider = d.write("ap", kubeconfig("    auth-provider: {name: gcp}\n"));
  auto refused = kube::load_kubeconfig(provider, std::string("prod"));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.failure().message, Catch::Contains("auth-provider, which is not supported"));
  CHECK_FALSE(kube::load_kubeconfig(d.path.string() + "/nope", std::nullopt));
  auto bad_yaml = d.write("bad", "clusters: [unclosed");
  CHECK_FALSE(kube::load_kubeconfig(bad_yaml, std::nullopt));
  auto half_cert = d.write("half", kubeconfig(std::string("    client-certificate-data: ") + ca_b64 + "\n"));
  auto half = kube::load_kubeconfig(half_cert, std::string("prod"));
  REQUIRE_FALSE(half);
  CHECK_THAT(half.failure().message, Catch::Contains("needs both client-certificate and client-key"));
}

TEST_CASE("in-cluster config from the service account directory", "[kubeconfig]") {
  temp_dir d;
  d.write("token", "sa-token\n");
  d.write("ca.crt", "CA");
  d.write("namespace", "runnerfleet");
  ::setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto ep = kube::load_in_cluster(d.path.string());
  REQUIRE(ep);
  CHECK(ep->server == "https://[fd00::1]:443");
  CHECK(ep->token_file == (d.path / "token").string());
  CHECK(ep->ca_pem == "CA");
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  auto outside = kube::load_in_cluster(d.path.string());
  REQUIRE_FALSE(outside);
  CHECK_THAT(outside.failure().message, Catch::Contains("KUBERNETES_SERVICE_HOST"));
}
