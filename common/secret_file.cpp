// SPDX-License-Identifier: Apache-2.0
#include "common/secret_file.hpp"

#include <fstream>
#include <sstream>

namespace runnerfleet {

result<secret> read_secret_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ' || value.back() == '\t'))
    value.pop_back();
  if (!in || value.empty()) return make_error(error_code::unavailable, "token file '" + path + "' is missing or empty");
  if (value.find_first_of("\r\n") != std::string::npos)
    return make_error(error_code::invalid_argument, "token file '" + path + "' holds more than one line");
  return secret(std::move(value));
}

result<std::string> read_ca_file(const std::optional<std::string>& path, const std::string& key) {
  if (!path) return std::string{};
  std::ifstream in(*path);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) return make_error(error_code::invalid_argument, key + " '" + *path + "' cannot be read");
  return text.str();
}

}  // namespace runnerfleet
