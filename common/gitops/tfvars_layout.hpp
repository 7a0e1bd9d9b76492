// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/gitops/tfvars_render.hpp"
#include "common/gitops/tfvars_syntax.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Reading a file's layout so inserted text looks like its neighbours: line breaks, the
/// indentation unit, whether '=' signs line up.
namespace runnerfleet::tfvars::detail {

/// The spaces and tabs that start the line holding `offset`.
std::string line_indent(std::string_view text, std::size_t offset);

/// True when only spaces and tabs precede `offset` on its line.
bool starts_line(std::string_view text, std::size_t offset);

/// The '\n' that ends the line, skipping spaces, tabs and comments from `offset`; `none` when
/// something else comes first (a '}' on the same line) or the file ends.
std::size_t line_break_after(std::string_view text, std::size_t offset);

/// The text between two offsets when it is only spaces and tabs, else `fallback`.
std::string gap(std::string_view text, std::size_t begin, std::size_t end, std::string fallback);

/// The column (bytes from the line start) of '=' that the last run of members on consecutive
/// lines shares, when that run is aligned: two or more members with one column, or a single
/// member padded with more than one space. nullopt otherwise.
std::optional<std::size_t> aligned_column(std::string_view text, const std::vector<syntax_member>& members);

/// The layout of an HCL tfvars file.
style hcl_style(std::string_view text, const syntax_node& root);

/// The layout of a .tfvars.json file.
style json_style(std::string_view text, const syntax_node& root);

}  // namespace runnerfleet::tfvars::detail
