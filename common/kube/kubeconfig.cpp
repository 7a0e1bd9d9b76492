// SPDX-License-Identifier: Apache-2.0
#include "common/kube/kubeconfig.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace runnerfleet::kube {
namespace {

struct kubeconfig_error {
  std::string message;
};

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The entry of `list` (clusters, users, contexts) whose name is `name`.
YAML::Node find_named(const YAML::Node& root, const char* list, const std::string& name, const char* inner) {
  const auto entries = root[list];
  if (entries && entries.IsSequence())
    for (const auto& e : entries)
      if (e["name"] && e["name"].as<std::string>() == name) return e[inner] ? e[inner] : YAML::Node(YAML::NodeType::Map);
  throw kubeconfig_error{std::string(list) + " has no entry named '" + name + "'"};
}

std::string scalar(const YAML::Node& node, const char* key) {
  auto v = node[key];
  if (!v) return {};
  if (!v.IsScalar()) throw kubeconfig_error{std::string(key) + " must be a string"};
  return v.as<std::string>();
}

std::string resolve_path(const std::filesystem::path& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (base / p).string();
}

/// A PEM from `<key>-data` (base64) or `<key>` (a file).
std::string pem(const YAML::Node& node, const std::string& key, const std::filesystem::path& base) {
  if (auto data = scalar(node, (key + "-data").c_str()); !data.empty()) {
    auto decoded = decode_base64(data);
    if (!decoded) throw kubeconfig_error{key + "-data is not valid base64"};
    return *decoded;
  }
  if (auto file = scalar(node, key.c_str()); !file.empty()) {
    auto text = read_file(resolve_path(base, file));
    if (!text) throw kubeconfig_error{key + ": cannot read '" + resolve_path(base, file) + "'"};
    return *text;
  }
  return {};
}

exec_plugin parse_exec(const YAML::Node& node, const std::filesystem::path& base) {
  exec_plugin e;
  e.command = scalar(node, "command");
  if (e.command.empty()) throw kubeconfig_error{"exec.command is required"};
  if (e.command.find('/') != std::string::npos) e.command = resolve_path(base, e.command);
  if (auto v = scalar(node, "apiVersion"); !v.empty()) e.api_version = v;
  if (auto args = node["args"]; args && args.IsSequence())
    for (const auto& a : args) e.args.push_back(a.as<std::string>());
  if (auto env = node["env"]; env && env.IsSequence())
    for (const auto& kv : env) e.env.emplace_back(scalar(kv, "name"), scalar(kv, "value"));
  if (auto p = node["provideClusterInfo"]) e.provide_cluster_info = p.as<bool>();
  return e;
}

}  // namespace

std::optional<std::string> decode_base64(const std::string& text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = -8;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    auto pos = alphabet.find(c);
    if (pos == std::string::npos) return std::nullopt;
    value = (value << 6) + static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

result<cluster_endpoint> load_kubeconfig(const std::string& path, const std::optional<std::string>& context) {
  auto text = read_file(path);
  if (!text) return make_error(error_code::invalid_argument, "kubeconfig '" + path + "' cannot be read");
  std::string ctx_name;
  try {
    YAML::Node root = YAML::Load(*text);
    if (!root.IsMap()) throw kubeconfig_error{"not a kubeconfig (expected a mapping)"};
    auto base = std::filesystem::path(path).parent_path();
    ctx_name = context ? *context : scalar(root, "current-context");
    if (ctx_name.empty()) throw kubeconfig_error{"no context given and no current-context set"};
    auto ctx = find_named(root, "contexts", ctx_name, "context");
    auto cluster_name = scalar(ctx, "cluster");
    auto user_name = scalar(ctx, "user");
    auto cluster = find_named(root, "clusters", cluster_name, "cluster");
    cluster_endpoint ep;
    ep.origin = "kubeconfig:" + path + "#" + ctx_name;
    ep.default_namespace = scalar(ctx, "namespace");
    ep.server = scalar(cluster, "server");
    if (ep.server.rfind("https://", 0) != 0 && ep.server.rfind("http://", 0) != 0)
      throw kubeconfig_error{"cluster '" + cluster_name + "' has no http(s) server URL"};
    ep.tls_server_name = scalar(cluster, "tls-server-name");
    ep.ca_pem = pem(cluster, "certificate-authority", base);
    if (auto insecure = cluster["insecure-skip-tls-verify"]) ep.insecure_skip_tls_verify = insecure.as<bool>();
    if (!user_name.empty()) {
      auto user = find_named(root, "users", user_name, "user");
      if (user["auth-provider"])
        throw kubeconfig_error{"user '" + user_name + "' uses auth-provider, which is not supported (use an exec plugin)"};
      ep.token = secret(scalar(user, "token"));
      if (auto file = scalar(user, "tokenFile"); !file.empty()) ep.token_file = resolve_path(base, file);
      ep.client_cert_pem = secret(pem(user, "client-certificate", base));
      ep.client_key_pem = secret(pem(user, "client-key", base));
      if (ep.client_cert_pem.empty() != ep.client_key_pem.empty())
        throw kubeconfig_error{"user '" + user_name + "' needs both client-certificate and client-key"};
      if (auto exec = user["exec"]) ep.exec = parse_exec(exec, base);
    }
    return ep;
  } catch (const kubeconfig_error& e) {
    return make_error(error_code::invalid_argument,
                      "kubeconfig '" + path + "'" + (ctx_name.empty() ? "" : " context '" + ctx_name + "'") + ": " + e.message);
  } catch (const YAML::Exception& e) {
    return make_error(error_code::invalid_argument, "kubeconfig '" + path + "': " + e.what());
  }
}

result<cluster_endpoint> load_in_cluster(const std::string& sa_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    return make_error(error_code::invalid_argument,
                      "in_cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?)");
  cluster_endpoint ep;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  ep.server = "https://" + h + ":" + port;
  ep.origin = "in-cluster";
  ep.token_file = sa_dir + "/token";
  if (!std::filesystem::exists(ep.token_file))
    return make_error(error_code::invalid_argument, "in_cluster: service account token '" + ep.token_file + "' is missing");
  auto ca = read_file(sa_dir + "/ca.crt");
  if (!ca) return make_error(error_code::invalid_argument, "in_cluster: cannot read '" + sa_dir + "/ca.crt'");
  ep.ca_pem = *ca;
  if (auto ns = read_file(sa_dir + "/namespace")) ep.default_namespace = *ns;
  return ep;
}

}  // namespace runnerfleet::kube
