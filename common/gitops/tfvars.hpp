// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/gitops/tfvars_syntax.hpp"
#include "common/gitops/tfvars_value.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// OpenTofu/Terraform variable files (.tfvars and .tfvars.json) read and edited without loss:
/// an unedited document gives back its text byte for byte, and an edit changes only the bytes
/// of the value it sets (or inserts one new member), so a merge request shows just that change.
namespace runnerfleet::tfvars {

/// Native HCL syntax (*.tfvars) or JSON (*.tfvars.json).
enum class format { hcl, json };

/// The format a file name implies: *.tfvars.json → json, *.tfvars → hcl, anything else nullopt.
std::optional<format> format_for(std::string_view file_name);

/// One variables file.
///
/// HCL: top-level `name = literal` only, literals being strings (escapes decoded, ${...} and
/// %{...} kept verbatim and flagged templated()), heredocs (<<EOF, <<-EOF), numbers, true,
/// false, null, lists and objects (`=` or `:`, commas optional between lines, trailing commas);
/// #, // and /* */ comments; LF or CRLF; a missing final newline; a leading byte order mark.
/// Refused with a line and column: blocks, references, function calls, operators, parentheses,
/// for expressions, duplicate keys, non-ASCII outside strings and comments, a heredoc whose
/// closing marker ends the file without a newline (OpenTofu refuses that too).
///
/// JSON: strict RFC 8259 with one object at the top and no duplicate keys. It is as lossless as
/// HCL: text() is the input byte for byte, an edit replaces only the value's bytes, and untouched
/// escape sequences and number spellings (0.70) stay as written. Written values use the file's
/// indentation unit, its `": "` habit and line breaks; new objects and lists open one entry per
/// line (lists of scalars stay on one line if the file writes some that way), on one line if the
/// whole file is. Strings are JSON-escaped only: OpenTofu reads .tfvars.json strings literally,
/// so ${ needs no escape there.
///
/// Written HCL: strings always quoted (a heredoc replaced by a string becomes a quoted string
/// with escaped newlines), objects one member per line with '=' aligned when the file aligns, scalar lists on
/// one line.
class document {
 public:
  /// Parses `text`; invalid_argument naming line and column when it is not a tfvars file this
  /// can edit faithfully.
  static result<document> parse(std::string text, tfvars::format f = format::hcl);

  /// Which syntax the document is in.
  tfvars::format syntax() const { return format_; }

  /// The file as it stands: the original bytes until edited, then the edited bytes.
  const std::string& text() const { return text_; }

  /// The top-level variable names in file order.
  std::vector<std::string> keys() const;

  /// The value at `p` (an empty path gives the whole file as an object): not_found when a key
  /// or index is missing, invalid_argument when the path goes through a scalar.
  result<value> get(const path& p) const;

  /// Sets the value at `p`, replacing only its bytes, or adds a missing last key: a top-level
  /// variable after the last one in the file's style, an object member after the object's last
  /// member. Intermediate steps must exist and list indexes must be in range (set the whole
  /// list to grow it). invalid_argument for a value that cannot be written faithfully (a
  /// template string, a non-finite number, invalid UTF-8) or a key that cannot be a variable
  /// name. On any error the document is unchanged.
  status set(const path& p, const value& v);

 private:
  document(std::string text, tfvars::format f, detail::syntax_node root)
      : text_(std::move(text)), format_(f), root_(std::move(root)) {}

  std::string text_;
  tfvars::format format_ = format::hcl;
  detail::syntax_node root_;
};

/// A value as HCL text (two-space indents, LF), e.g. to show a change in a merge request.
std::string to_hcl(const value& v);

}  // namespace runnerfleet::tfvars
