// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnerfleet::api {

/// Decoded query parameters (the last value wins for repeated keys).
using query_params = std::map<std::string, std::string>;

/// Splits "path?query" and percent-decodes both ('+' is a space in the query). Fails on
/// malformed escapes, NUL bytes and over-long input, naming what is wrong.
result<std::pair<std::string, query_params>> split_target(std::string_view target);

/// Percent-decodes one component.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// Percent-encodes one path segment or query value (unreserved characters and ',' kept).
std::string percent_encode(std::string_view text);

/// Appends "?key=value" or "&key=value" to a request target; an empty value adds nothing.
void append_query(std::string& target, std::string_view key, std::string_view value);

/// Refuses parameters a route does not know, listing the ones it does (so a typo is not
/// silently ignored: "stauts" is an error, not an unfiltered list).
status require_known(const query_params& q, std::initializer_list<std::string_view> known);

/// `limit`: default when absent; 1..max, else invalid_argument naming the range.
result<std::size_t> parse_limit(const query_params& q, std::size_t default_limit, std::size_t max_limit);

/// A value that must be one of `allowed` (comma-separated lists allowed when `multi`).
result<std::vector<std::string>> parse_enum(const query_params& q, std::string_view key,
                                            const std::vector<std::string>& allowed, bool multi);

/// true/false/1/0/yes/no.
result<std::optional<bool>> parse_bool(const query_params& q, std::string_view key);

/// Opaque keyset cursors: base64url of the last key returned.
std::string encode_cursor(std::string_view key);
/// Decodes a cursor; invalid_argument when it was not made by encode_cursor.
result<std::string> decode_cursor(std::string_view cursor);

}  // namespace runnerfleet::api
