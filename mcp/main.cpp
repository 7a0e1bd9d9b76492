// SPDX-License-Identifier: Apache-2.0
// runnerfleet-mcp: a stdio MCP server for Claude Code and other MCP clients; each tool is one
// call to runnerfleetd's socket API.
#include "build_config.hpp"
#include "common/socket_path.hpp"
#include "mcp/server.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

using namespace runnerfleet;

int main(int argc, char** argv) {
  CLI::App app{"runnerfleet-mcp: MCP server (stdio) for the CI runner fleet, over runnerfleetd's socket"};
  app.footer(
      "stdout carries MCP messages only; logs go to stderr.\n"
      "The socket is --socket, else $RUNNERFLEET_SOCKET, else /run/runnerfleet/runnerfleet.sock with --system,\n"
      "else $XDG_RUNTIME_DIR/runnerfleet.sock. The daemon is contacted on the first call, not at start.\n"
      "Claude Code: claude mcp add runnerfleet -- runnerfleet-mcp --read-only");
  std::optional<std::string> socket_flag;
  bool system_mode = false, read_only = false;
  double timeout_s = 15;
  std::string log_level = "warn";
  app.add_option("--socket", socket_flag, "runnerfleetd's socket path");
  app.add_flag("--system", system_mode, "use the system daemon's socket");
  app.add_flag("--read-only", read_only,
               "offer only read-only tools and call the daemon as viewer (X-Runnerfleet-Role: viewer)");
  app.add_option("--timeout", timeout_s, "seconds one daemon call may take")->check(CLI::Range(0.1, 600.0));
  app.add_option("--log-level", log_level, "stderr log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.set_version_flag("--version", std::string("runnerfleet-mcp ") + RUNNERFLEET_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // --help and --version print to stdout and exit before any protocol traffic
  }

  auto logger = spdlog::stderr_color_mt("runnerfleet-mcp");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ runnerfleet-mcp: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is an error value, not a death

  auto socket = resolve_socket_path(socket_flag, system_mode, std::getenv("RUNNERFLEET_SOCKET"),
                                    std::getenv("XDG_RUNTIME_DIR"));
  if (!socket) {
    spdlog::critical("{}", socket.failure().message);
    return 2;
  }
  mcp::server_options options;
  options.socket_path = *socket;
  options.read_only = read_only;
  options.call_timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  options.version = RUNNERFLEET_VERSION;
  spdlog::info("serving MCP on stdio; daemon socket {}{}", options.socket_path, read_only ? " (read-only)" : "");
  int code = mcp::run_server(options);
  spdlog::shutdown();
  return code;
}
