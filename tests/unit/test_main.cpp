// SPDX-License-Identifier: Apache-2.0
// The shared Catch2 main: keeps spdlog quiet on stdout so reporter output stays clean.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

int main(int argc, char* argv[]) {
  spdlog::set_default_logger(spdlog::null_logger_mt("tests"));
  return Catch::Session().run(argc, argv);
}
