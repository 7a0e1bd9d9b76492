// SPDX-License-Identifier: Apache-2.0
// In-process sessions: the real server, router and snapshot store on a temporary socket,
// fed like informers feed them, driven over plain POSIX sockets.
#include "daemon/http_server.hpp"
#include "daemon/request_router.hpp"
#include "daemon/snapshot_store.hpp"
#include "daemon/socket_guard.hpp"

#include "test_support.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

using namespace runnerfleet;
using nlohmann::json;

namespace {

struct server_fixture {
  std::string dir;
  std::string socket_path;
  config cfg;
  boost::asio::io_context ioc{1};
  daemon::self_metrics metrics;
  std::unique_ptr<daemon::snapshot_store> store;
  std::unique_ptr<daemon::audit_journal> journal;
  std::unique_ptr<daemon::runner_mutations> mutations;
  std::unique_ptr<daemon::proposals> proposals;
  std::unique_ptr<daemon::request_router> router;
  std::unique_ptr<daemon::http_server> server;
  std::optional<result<daemon::socket_guard>> guard;
  std::thread thread;

  explicit server_fixture(std::optional<role> default_role) {
    char tmpl[] = "/tmp/rf-unit-XXXXXX";
    dir = ::mkdtemp(tmpl);
    socket_path = dir + "/api.sock";
    cfg.state_dir = dir;
    cfg.access.default_role = default_role;
    cfg.clusters.push_back({"test", std::string("/unused"), std::nullopt, false, {"gitlab-runners"}, false, 1});
    store = std::make_unique<daemon::snapshot_store>(ioc.get_executor(), cfg, metrics);
    daemon::pod_log_fn no_logs = [](auto&&...) -> boost::asio::awaitable<result<std::string>> {
      co_return make_error(error_code::unavailable, "no cluster in this test");
    };
    auto opened = daemon::audit_journal::open(dir);
    REQUIRE(opened.ok());
    journal = std::move(*opened);
    mutations = std::make_unique<daemon::runner_mutations>(cfg, *store, *journal, nullptr,
                                                           [](const std::string&) { return nullptr; });
    proposals = std::make_unique<daemon::proposals>(cfg, *store, *journal, nullptr);
    router = std::make_unique<daemon::request_router>(cfg, *store, metrics, json::object(), "test", no_logs, *journal,
                                                      *mutations, *proposals, nullptr);
    server = std::make_unique<daemon::http_server>(ioc, *router, *store, metrics);
    guard.emplace(daemon::socket_guard::acquire(socket_path));
    REQUIRE(guard->ok());
    REQUIRE(server->listen(socket_path).ok());
    feed_fixture();
    store->start();
    server->start();
    thread = std::thread([this] { ioc.run(); });
  }

  /// Delivers tests/data/cluster_small.json the way informers would (relist + synced status).
  void feed_fixture() {
    auto data = test::read_json("cluster_small.json");
    auto& sink = store->feed("test");
    for (auto kind : kube::all_resource_kinds) {
      for (const auto& ns : {"gitlab-runners", "arc-runners", "arc-systems"}) {
        sink.begin_relist(kind, ns);
        for (const auto& item : data.value(std::string(kube::to_string(kind)), json::array()))
          if (item["metadata"]["namespace"] == ns) sink.relist_item(kind, item);
        sink.end_relist(kind, ns);
        kube::informer_status st;
        st.phase = kube::informer_phase::watching;
        st.synced = true;
        st.last_success = clock::now();
        sink.informer_changed(kind, ns, st);
      }
    }
  }

  ~server_fixture() {
    boost::asio::post(ioc, [this] {
      server->stop();
      store->stop();
    });
    for (int i = 0; i < 100 && !server->idle(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ioc.stop();
    thread.join();
    guard.reset();
    std::system(("rm -rf " + dir).c_str());
  }

  int connect_socket() const {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }

  /// One request on a fresh connection; returns the raw response.
  std::string exchange(const std::string& request) const {
    int fd = connect_socket();
    REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
  }

  std::pair<int, json> get(const std::string& target, const std::string& extra_headers = "") const {
    auto raw = exchange("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra_headers + "\r\n");
    REQUIRE(raw.size() > 12);
    int status = std::stoi(raw.substr(9, 3));
    auto body = raw.substr(raw.find("\r\n\r\n") + 4);
    return {status, json::parse(body)};
  }
};

}  // namespace

TEST_CASE("the server answers reads from the snapshot with the envelope", "[server]") {
  server_fixture f(role::viewer);
  auto [status, body] = f.get("/v1/runners?forge=gitlab");
  CHECK(status == 200);
  CHECK(body["meta"]["total"] == 2);
  CHECK(body["meta"]["stale_sources"].empty());
  CHECK(body["data"][0]["name"] == "docker-runner");
  auto [s2, cached] = f.get("/v1/runners?forge=gitlab");  // served from the generation cache
  CHECK(s2 == 200);
  CHECK(cached["data"] == body["data"]);
  auto [s3, who] = f.get("/v1/whoami");
  CHECK(who["data"]["uid"] == ::getuid());
  CHECK(who["data"]["role"] == "viewer");
}

TEST_CASE("roles are enforced from peer credentials", "[server]") {
  server_fixture f(std::nullopt);
  auto [status, body] = f.get("/v1/fleet");
  CHECK(status == 403);
  CHECK(body["error"]["code"] == "permission_denied");
  CHECK(f.get("/v1/health").first == 200);
  server_fixture g(role::operator_);
  auto [s2, raised] = g.get("/v1/fleet", "X-Runnerfleet-Role: admin\r\n");
  CHECK(s2 == 403);
  auto [s3, lowered] = g.get("/v1/whoami", "X-Runnerfleet-Role: viewer\r\n");
  CHECK(s3 == 200);
  CHECK(lowered["data"]["role"] == "viewer");
}

TEST_CASE("malformed requests get a 400 envelope and the connection is closed", "[server]") {
  server_fixture f(role::viewer);
  auto raw = f.exchange("NOT HTTP AT ALL\r\n\r\n");
  CHECK(raw.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(raw.find("malformed HTTP request") != std::string::npos);
  auto big = f.exchange("GET /v1/health HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n");
  CHECK(big.find("request header exceeds 8 KiB") != std::string::npos);
  CHECK(f.get("/v1/health").first == 200);
}

TEST_CASE("the event stream delivers a change as SSE", "[server]") {
  server_fixture f(role::viewer);
  int fd = f.connect_socket();
  std::string req = "GET /v1/events/stream HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::write(fd, req.data(), req.size()) > 0);
  std::string got;
  char buf[4096];
  auto read_until = [&](const std::string& needle) {
    for (int i = 0; i < 50 && got.find(needle) == std::string::npos; ++i) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got.find(needle) != std::string::npos;
  };
  REQUIRE(read_until("event: snapshot"));
  CHECK(got.find("Content-Type: text/event-stream") != std::string::npos);
  auto data = test::read_json("cluster_small.json");
  auto pod = data["pods"][0];
  pod["status"]["containerStatuses"][0]["state"] = {{"waiting", {{"reason", "ImagePullBackOff"}}}};
  boost::asio::post(f.ioc, [&] {
    f.store->feed("test").apply_event(kube::resource_kind::pods, kube::watch_event_type::modified, pod);
  });
  CHECK(read_until("event: pod_problem"));
  CHECK(got.find("ImagePullBackOff") != std::string::npos);
  ::close(fd);
}
