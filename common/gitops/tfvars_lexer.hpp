// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/error.hpp"
#include "common/gitops/tfvars_syntax.hpp"

#include <string>
#include <string_view>
#include <vector>

/// HCL tokens for the tfvars subset. Spaces and tabs between tokens are not tokens (the parser
/// works on byte offsets into the original text, which keeps them); newlines are, because HCL
/// ends an attribute at a newline.
namespace runnerfleet::tfvars::detail {

/// What a token is.
enum class token_kind {
  identifier,
  number,
  string,   ///< "..." with escapes decoded into text
  heredoc,  ///< <<EOF ... EOF with its content in text
  open_brace,
  close_brace,
  open_bracket,
  close_bracket,
  open_paren,
  equals,
  colon,
  comma,
  minus,
  newline,  ///< \n or \r\n
  comment,  ///< # or // to the end of the line (newline not included), or /* ... */
  other,    ///< any other punctuation: an operator the parser will refuse
  end,
};

/// One token with its bytes and, for strings and heredocs, the decoded text.
struct token {
  token_kind kind = token_kind::end;
  span where;
  std::string text;
  bool templated = false;
};

/// Splits the text into tokens; unterminated strings, heredocs and comments, bad escapes, bad
/// numbers and stray characters are errors naming line and column. The last token is `end`.
result<std::vector<token>> lex(std::string_view text);

}  // namespace runnerfleet::tfvars::detail
