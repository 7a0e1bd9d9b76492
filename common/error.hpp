// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace runnerfleet {

/// The error codes of the socket API envelope; every failure anywhere maps to one of these.
enum class error_code {
  invalid_argument,
  permission_denied,
  not_found,
  conflict,
  rate_limited,
  internal,
  upstream_error,
  unavailable,
  timeout,
};

/// The wire name of a code, e.g. "invalid_argument".
std::string_view to_string(error_code code);

/// The code named by a wire name; nullopt for a name this build does not know.
std::optional<error_code> error_code_from_string(std::string_view name);

/// The HTTP status that goes with a code (400, 403, 404, ...).
int http_status(error_code code);

/// An expected failure: what went wrong, said for the person or agent who must act on it.
struct error {
  error_code code = error_code::internal;
  std::string message;
  nlohmann::json details = nlohmann::json::object();
};

/// Shorthand constructor so call sites read like prose.
inline error make_error(error_code code, std::string message,
                        nlohmann::json details = nlohmann::json::object()) {
  return error{code, std::move(message), std::move(details)};
}

/// A value or an expected error (std::expected needs C++23; this is the C++20 stand-in).
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  result(error failure) : v_(std::move(failure)) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& failure() const { return std::get<1>(v_); }
  error&& take_failure() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, error> v_;
};

/// result<void>: success carries nothing.
struct ok_t {};
using status = result<ok_t>;
inline status ok() { return ok_t{}; }

}  // namespace runnerfleet
