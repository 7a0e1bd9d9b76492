// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <utility>

namespace runnerfleet {

/// A credential held in memory. It has no formatter and no stream operator on purpose, so it
/// cannot reach a log line or a reply by accident; read it only where it goes on the wire.
class secret {
 public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {}

  /// The raw value, for the one place that puts it into a request header.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace runnerfleet
