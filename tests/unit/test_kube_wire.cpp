// SPDX-License-Identifier: Apache-2.0
#include "common/kube/backoff.hpp"
#include "common/kube/exec_credential.hpp"
#include "common/kube/kubeconfig.hpp"
#include "common/kube/line_splitter.hpp"
#include "daemon/kube/exec_credential_runner.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

using namespace runnerfleet;
using namespace std::chrono_literals;

TEST_CASE("watch lines are split across chunks and capped", "[wire]") {
  kube::line_splitter s(32);
  std::vector<std::string> lines;
  auto collect = [&](std::string_view l) { lines.emplace_back(l); };
  CHECK(s.feed("{\"type\":\"ADD", collect));
  CHECK(lines.empty());
  CHECK(s.feed("ED\"}\n{\"b\":1}\r\n\n{\"c\"", collect));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "{\"type\":\"ADDED\"}");
  CHECK(lines[1] == "{\"b\":1}");
  CHECK(s.pending() == 4);
  CHECK_FALSE(s.feed(std::string(40, 'x'), collect));  // over the cap: drop the stream
}

TEST_CASE("backoff grows, is capped, and keeps jitter within bounds", "[wire]") {
  auto d0 = kube::backoff_delay(0, 250ms, 30s, 0.0);
  CHECK(d0 == 125ms);
  CHECK(kube::backoff_delay(0, 250ms, 30s, 0.999) < 250ms);
  CHECK(kube::backoff_delay(3, 250ms, 30s, 0.0) == 1000ms);
  CHECK(kube::backoff_delay(40, 250ms, 30s, 0.0) == 15s);
  CHECK(kube::backoff_delay(40, 250ms, 30s, 0.999) <= 30s);
}

TEST_CASE("ExecCredential output is parsed, malformed output is explained", "[wire]") {
  auto ok = kube::parse_exec_credential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t-1","expirationTimestamp":"2030-01-01T00:00:00Z"}})");
  REQUIRE(ok);
  CHECK(ok->token.reveal() == "t-1");
  CHECK(format_rfc3339(*ok->expires) == "2030-01-01T00:00:00Z");
  CHECK_THAT(kube::parse_exec_credential("not json").failure().message, Catch::Contains("did not print"));
  CHECK_THAT(kube::parse_exec_credential(R"({"kind":"ExecCredential","status":{}})").failure().message,
             Catch::Contains("no status.token"));
  CHECK_THAT(kube::parse_exec_credential(R"({"kind":"Pod"})").failure().message, Catch::Contains("expected ExecCredential"));
  CHECK(kube::exec_info_json("client.authentication.k8s.io/v1").find("\"interactive\":false") != std::string::npos);
}

TEST_CASE("an exec plugin runs without a shell, sees KUBERNETES_EXEC_INFO, and is timed out", "[wire]") {
  char tmpl[] = "/tmp/rf-exec-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string script = dir + "/plugin";
  std::ofstream(script) << "#!/bin/sh\n"
                           "case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 3;; esac\n"
                           "[ \"$1\" = slow ] && sleep 5\n"
                           "echo '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"'$PLUGIN_TOKEN'\"}}'\n";
  ::chmod(script.c_str(), 0755);
  kube::exec_plugin p;
  p.command = script;
  p.env = {{"PLUGIN_TOKEN", "from-env"}};
  auto cred = kube::run_exec_plugin(p, 5000ms);
  REQUIRE(cred);
  CHECK(cred->token.reveal() == "from-env");
  p.args = {"slow"};
  auto slow = kube::run_exec_plugin(p, 300ms);
  REQUIRE_FALSE(slow);
  CHECK(slow.failure().code == error_code::timeout);
  p.command = dir + "/missing";
  CHECK_FALSE(kube::run_exec_plugin(p, 1000ms));
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("base64 decoding of *-data fields", "[wire]") {
  CHECK(*kube::decode_base64("aGVsbG8gd29ybGQ=") == "hello world");
  CHECK(*kube::decode_base64("aGVs\nbG8=") == "hello");
  CHECK_FALSE(kube::decode_base64("not*base64"));
}
