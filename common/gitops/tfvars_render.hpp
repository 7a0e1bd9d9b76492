// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/gitops/tfvars_value.hpp"

#include <string>
#include <string_view>

/// Values written as HCL or JSON text. Every string goes through a quoting function that
/// escapes it completely, so nothing a caller passes can end a literal, start a comment or
/// (in HCL) become an interpolation or template directive.
namespace runnerfleet::tfvars::detail {

/// How written text should look so it matches the file around it.
struct style {
  std::string newline = "\n";     ///< "\n" or "\r\n", as the file uses
  std::string indent_unit = "  ";  ///< one level of indentation
  bool align = false;              ///< HCL: pad keys so consecutive '=' line up
  bool compact = false;            ///< JSON: the file is on one line
  std::string colon = ": ";        ///< JSON: what separates a key from its value
  std::string comma_gap;           ///< JSON compact: what follows a comma
  bool inline_lists = false;       ///< JSON: lists of scalars are written on one line
};

/// Refuses what cannot be written faithfully: strings that are not UTF-8 or that hold
/// unevaluated template sequences, numbers that are not plain literals (NaN, 0x10, 007),
/// duplicate object keys, and nesting deeper than the parsers accept.
status check_writable(const value& v);

/// A double-quoted HCL string: \ " and control characters escaped, ${ and %{ doubled to
/// $${ and %%{ so they stay literal text.
std::string hcl_quote(std::string_view s);

/// An object key: bare when it is an identifier (and not true/false/null) unless `quoted` asks
/// for the file's quoted style, else an HCL string.
std::string hcl_key(std::string_view key, bool quoted);

/// A value as HCL. Scalar lists stay on one line, objects open one member per line; lines after
/// the first start with `indent`, the indentation of the line the value starts on.
std::string render_hcl(const value& v, const std::string& indent, const style& st);

/// A JSON string literal (control characters escaped, UTF-8 kept as is).
std::string json_quote(std::string_view s);

/// A value as JSON: one member or item per line at `indent` plus the file's unit (lists of
/// scalars on one line when the file writes them so), or all on one line when the file is
/// compact. Numbers are written as their literal.
std::string render_json(const value& v, const std::string& indent, const style& st);

}  // namespace runnerfleet::tfvars::detail
