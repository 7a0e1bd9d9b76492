// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

/// Text diffs for GitOps merge-request proposals, so a proposal shows the reviewer exactly the
/// lines an edit changes before anything is pushed.
namespace runnerfleet::gitops {

/// A unified diff of two texts, as `diff -u` and GitLab show it, so a proposal can be reviewed
/// (and applied with `patch`) before it becomes a merge request. Empty when the texts are equal;
/// otherwise `--- old_label`, `+++ new_label` and GNU hunks: changes at most 2 * context
/// unchanged lines apart share a hunk, lines split on '\n' only ('\r' stays part of a line), and
/// `\ No newline at end of file` follows a shown last line that has no newline.
std::string unified_diff(std::string_view old_text, std::string_view new_text,
                         std::string_view old_label, std::string_view new_label, int context = 3);

}  // namespace runnerfleet::gitops
