// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/gitops/tfvars_value.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// The syntax tree both tfvars parsers build: every value with the byte range it came from, so
/// an edit can replace exactly those bytes and leave the rest of the file as it was.
namespace runnerfleet::tfvars::detail {

/// A byte range [begin, end) of the file.
struct span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// Marks "no such offset" (e.g. no comma after a member).
inline constexpr std::size_t none = static_cast<std::size_t>(-1);

/// Deepest nesting of lists, objects and template sequences accepted, so hostile input cannot
/// exhaust the stack; real tfvars files nest three or four levels.
inline constexpr int max_depth = 64;

struct syntax_member;

/// One parsed value. The file root is an object node too: in HCL it has no braces and its
/// members are the top-level attributes.
struct syntax_node {
  kind type = kind::null;
  span where;
  std::string text;        ///< decoded string, or a number's literal
  bool flag = false;       ///< a boolean's value
  bool templated = false;  ///< a string holding ${...} or %{...}, kept verbatim in text
  bool heredoc = false;    ///< a string written as <<EOF ... EOF
  std::vector<syntax_node> items;
  std::vector<syntax_member> members;
};

/// An attribute or object member with the places an edit needs.
struct syntax_member {
  std::string key;
  span key_span;
  bool quoted_key = false;
  span separator;  ///< the '=' or ':'
  syntax_node val;
  std::size_t comma = none;  ///< a comma right after the value, if any
};

/// A 1-based line and column (columns count UTF-8 characters, not bytes).
struct line_column {
  std::size_t line = 1;
  std::size_t column = 1;
};

/// Where a byte offset sits in the text.
line_column position(std::string_view text, std::size_t offset);

/// An invalid_argument error whose message starts "line L, column C: " and whose details carry
/// line and column, so the person fixing the file can go straight there.
error syntax_error(std::string_view text, std::size_t offset, const std::string& what);

/// The typed value a node holds.
value to_value(const syntax_node& node);

/// Parses the HCL subset tfvars use; anything else is refused with its line and column.
result<syntax_node> parse_hcl(std::string_view text);

/// Parses a .tfvars.json file (one JSON object), strictly, with spans for every value.
result<syntax_node> parse_json(std::string_view text);

/// The node at the first `steps` steps of `p` below `root`: not_found when a key or index is
/// missing, invalid_argument when a step goes into a scalar or a list step is not an index.
result<const syntax_node*> resolve(const syntax_node& root, const path& p, std::size_t steps);

/// A hex digit's value; -1 for anything else (shared by the HCL and JSON escape decoders).
int hex_value(char c);

/// Appends a code point as UTF-8 (the caller has checked it is a scalar value).
void append_utf8(std::string& out, std::uint32_t cp);

/// The list index a path step names; nullopt unless it is plain decimal digits.
std::optional<std::size_t> parse_index(std::string_view step);

}  // namespace runnerfleet::tfvars::detail
