// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/gitops/tfvars_syntax.hpp"

#include <string>
#include <string_view>

/// Planning an edit as one splice of the file's text: the value's own bytes replaced, or a new
/// member inserted where its neighbours suggest. Nothing outside the splice changes.
namespace runnerfleet::tfvars::detail {

/// Replace text[begin, end) with `text`.
struct splice {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string text;
};

/// The splice that sets `p` to `v` in an HCL tfvars file.
result<splice> plan_hcl(std::string_view text, const syntax_node& root, const path& p, const value& v);

/// The splice that sets `p` to `v` in a .tfvars.json file.
result<splice> plan_json(std::string_view text, const syntax_node& root, const path& p, const value& v);

/// The member or item the last step of `p` names inside `container`, for both planners:
/// the existing node, or nullptr when an object lacks the key (a list index must exist).
result<const syntax_node*> existing_child(const syntax_node& container, const path& p);

}  // namespace runnerfleet::tfvars::detail
