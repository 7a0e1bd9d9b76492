// SPDX-License-Identifier: Apache-2.0
// socket-load: measures request latency and throughput against runnerfleetd's Unix socket with
// N concurrent keep-alive clients. Plain POSIX sockets, so the figures are the daemon's, not
// a client library's. Prints one JSON object.
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

int connect_to(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  return fd;
}

/// Sends one request and reads one Content-Length delimited response; returns the status.
int round_trip(int fd, const std::string& request, std::string& buffer) {
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return -1;
  buffer.clear();
  char chunk[65536];
  std::size_t header_end = std::string::npos, body_length = 0;
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<std::size_t>(n));
    if (header_end == std::string::npos) {
      header_end = buffer.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      auto cl = buffer.find("Content-Length: ");
      if (cl == std::string::npos || cl > header_end) return -1;
      body_length = std::stoul(buffer.substr(cl + 16));
    }
    if (buffer.size() >= header_end + 4 + body_length) return std::stoi(buffer.substr(9, 3));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: socket-load SOCKET TARGET CLIENTS REQUESTS_PER_CLIENT\n";
    return 2;
  }
  std::string path = argv[1], target = argv[2];
  int clients = std::stoi(argv[3]), per_client = std::stoi(argv[4]);
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: bench\r\n\r\n";
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  std::vector<int> failures(static_cast<std::size_t>(clients));
  auto started = steady::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      int fd = connect_to(path);
      std::string buffer;
      auto& mine = latencies[static_cast<std::size_t>(c)];
      mine.reserve(static_cast<std::size_t>(per_client));
      for (int i = 0; i < per_client; ++i) {
        auto t0 = steady::now();
        int status = round_trip(fd, request, buffer);
        auto t1 = steady::now();
        if (status != 200) {
          ++failures[static_cast<std::size_t>(c)];
          ::close(fd);
          fd = connect_to(path);
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
      ::close(fd);
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(steady::now() - started).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))]; };
  int failed = 0;
  for (int f : failures) failed += f;
  nlohmann::json out = {{"target", target},           {"clients", clients},
                        {"requests", all.size()},     {"failed", failed},
                        {"p50_us", pct(0.50)},        {"p99_us", pct(0.99)},
                        {"throughput_rps", all.size() / seconds}};
  std::cout << out.dump() << "\n";
  return failed ? 1 : 0;
}
