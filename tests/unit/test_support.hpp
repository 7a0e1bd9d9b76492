// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace runnerfleet::test {

/// Reads a file from tests/data (RUNNERFLEET_TEST_DATA), failing loudly when it is missing.
inline std::string read_data(const std::string& name) {
  const char* dir = std::getenv("RUNNERFLEET_TEST_DATA");
  std::ifstream in(std::string(dir ? dir : "tests/data") + "/" + name);
  if (!in) throw std::runtime_error("missing test data file " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Parses a JSON file from tests/data.
inline nlohmann::json read_json(const std::string& name) { return nlohmann::json::parse(read_data(name)); }

}  // namespace runnerfleet::test
