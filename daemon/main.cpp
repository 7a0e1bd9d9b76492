// SPDX-License-Identifier: Apache-2.0
// runnerfleetd: keeps one immutable snapshot of the CI runner fleet fresh and serves it over a
// Unix socket. See README.md for the config reference and the socket API.
#include "build_config.hpp"
#include "common/config.hpp"
#include "common/socket_path.hpp"
#include "daemon/daemon.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

namespace {

/// Logs go to stderr only (journald-friendly); JSON lines when asked.
void setup_logging(const runnerfleet::log_config& log) {
  auto logger = spdlog::stderr_color_mt("runnerfleetd");
  if (log.json)
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":"%v"})", spdlog::pattern_time_type::utc);
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(log.level));
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"runnerfleetd: the runnerfleet daemon (fleet snapshot, socket API, mutations)"};
  std::string config_path;
  std::string socket_flag;
  std::string log_level;
  bool system_mode = false;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "YAML config file")->required();
  app.add_option("--socket", socket_flag, "Unix socket path (default $XDG_RUNTIME_DIR/runnerfleet.sock)");
  app.add_flag("--system", system_mode, "system mode: socket at /run/runnerfleet/runnerfleet.sock");
  app.add_option("--log-level", log_level, "override log.level (trace, debug, info, warn, error)");
  app.add_flag("--check-config", check_only, "validate the config and exit");
  app.set_version_flag("--version", std::string("runnerfleetd ") + RUNNERFLEET_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  auto cfg = runnerfleet::load_config(config_path);
  if (!cfg) {
    std::cerr << "runnerfleetd: " << cfg.failure().message << "\n";
    return 2;
  }
  if (!log_level.empty()) cfg->log.level = log_level;
  if (check_only) {
    std::cout << "config " << config_path << " is valid (" << cfg->clusters.size() << " cluster(s))\n";
    return 0;
  }
  setup_logging(cfg->log);
  auto socket = runnerfleet::resolve_socket_path(socket_flag.empty() ? cfg->socket : std::optional<std::string>(socket_flag),
                                                 system_mode, std::getenv("RUNNERFLEET_SOCKET"),
                                                 std::getenv("XDG_RUNTIME_DIR"));
  if (!socket) {
    spdlog::critical("{}", socket.failure().message);
    return 2;
  }
  return runnerfleet::daemon::run_daemon(*cfg, {*socket});
}
