// SPDX-License-Identifier: Apache-2.0
// The HCL subset of tfvars files: top-level `name = literal` attributes only. Anything that
// would need evaluating (references, calls, operators) or that is a block is refused where it
// starts, never guessed at.
#include "common/gitops/tfvars_lexer.hpp"
#include "common/gitops/tfvars_syntax.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace runnerfleet::tfvars::detail {

namespace {

class parser {
 public:
  parser(std::string_view text, std::vector<token> tokens) : text_(text), toks_(std::move(tokens)) {}

  result<syntax_node> run() {
    syntax_node root;
    root.type = kind::object;
    root.where = {0, text_.size()};
    while (!failure_) {
      skip(true);
      if (peek().kind == token_kind::end) break;
      attribute(root);
    }
    if (failure_) return std::move(*failure_);
    return root;
  }

 private:
  const token& peek(std::size_t ahead = 0) const { return toks_[std::min(i_ + ahead, toks_.size() - 1)]; }
  void advance() {
    if (i_ + 1 < toks_.size()) ++i_;
  }
  std::string_view source(span s) const { return text_.substr(s.begin, s.end - s.begin); }

  bool fail(std::size_t offset, const std::string& what) {
    if (!failure_) failure_ = syntax_error(text_, offset, what);
    return false;
  }

  // Skips comments, and newlines too where they carry no meaning.
  void skip(bool newlines) {
    while (peek().kind == token_kind::comment || (newlines && peek().kind == token_kind::newline)) advance();
  }

  std::string describe(const token& t) const {
    switch (t.kind) {
      case token_kind::newline: return "the end of the line";
      case token_kind::end: return "the end of the file";
      case token_kind::string: return "a string";
      case token_kind::heredoc: return "a heredoc";
      case token_kind::number: return "a number";
      default: return "'" + std::string(source(t.where)) + "'";
    }
  }

  // A block header continues with labels (strings or names) and then '{'.
  bool is_block() const {
    std::size_t k = 0;
    while (peek(k).kind == token_kind::string || peek(k).kind == token_kind::identifier) ++k;
    return peek(k).kind == token_kind::open_brace;
  }

  bool duplicate(const syntax_node& container, const std::string& key, std::size_t offset) {
    for (const auto& m : container.members)
      if (m.key == key)
        return !fail(offset, "duplicate key '" + key + "' (first set on line " +
                                 std::to_string(position(text_, m.key_span.begin).line) + ")");
    return false;
  }

  void attribute(syntax_node& root) {
    const token& name = peek();
    if (name.kind == token_kind::close_brace || name.kind == token_kind::close_bracket)
      return void(fail(name.where.begin, "unbalanced " + describe(name)));
    if (name.kind == token_kind::string)
      return void(fail(name.where.begin, "a variable name must be a bare name, not a quoted string"));
    if (name.kind != token_kind::identifier)
      return void(fail(name.where.begin, "expected a variable name, found " + describe(name)));
    syntax_member m;
    m.key = name.text;
    m.key_span = name.where;
    advance();
    skip(false);
    const token& eq = peek();
    if (is_block())
      return void(fail(m.key_span.begin, "'" + m.key + "' is a block; a tfvars file holds only name = value"));
    if (eq.kind == token_kind::colon)
      return void(fail(eq.where.begin, "a variable is set with '=', not ':'"));
    if (eq.kind != token_kind::equals)
      return void(fail(eq.where.begin, "expected '=' after '" + m.key + "', found " + describe(eq)));
    m.separator = eq.where;
    advance();
    skip(false);
    if (!parse_value(m.val, 0)) return;
    skip(false);
    const token& after = peek();
    if (after.kind != token_kind::newline && after.kind != token_kind::end)
      return void(fail(after.where.begin, "unexpected " + describe(after) + " after the value of '" + m.key +
                                              "': expressions and operators are not supported"));
    if (duplicate(root, m.key, m.key_span.begin)) return;
    root.members.push_back(std::move(m));
  }

  bool parse_value(syntax_node& node, int depth) {
    const token& t = peek();
    node.where = t.where;
    switch (t.kind) {
      case token_kind::number:
        node.type = kind::number;
        node.text = std::string(source(t.where));
        advance();
        return true;
      case token_kind::minus: {
        const token& n = peek(1);
        if (n.kind != token_kind::number || n.where.begin != t.where.end)
          return fail(t.where.begin, "'-' must be followed directly by a number: expressions are not supported");
        node.type = kind::number;
        node.where.end = n.where.end;
        node.text = std::string(source(node.where));
        advance();
        advance();
        return true;
      }
      case token_kind::string:
      case token_kind::heredoc:
        node.type = kind::string;
        node.text = t.text;
        node.templated = t.templated;
        node.heredoc = t.kind == token_kind::heredoc;
        advance();
        return true;
      case token_kind::identifier: return keyword(node, t);
      case token_kind::open_bracket: return list(node, depth);
      case token_kind::open_brace: return object(node, depth);
      case token_kind::open_paren:
        return fail(t.where.begin, "parenthesized expressions are not supported: tfvars hold literal values");
      case token_kind::newline:
      case token_kind::end: return fail(t.where.begin, "missing value");
      default: return fail(t.where.begin, "unexpected " + describe(t) + " where a value belongs");
    }
  }

  bool keyword(syntax_node& node, const token& t) {
    if (t.text == "true" || t.text == "false") {
      node.type = kind::boolean;
      node.flag = t.text == "true";
    } else if (t.text == "null") {
      node.type = kind::null;
    } else {
      if (peek(1).kind == token_kind::open_paren)
        return fail(t.where.begin, "function call '" + t.text + "(...)': tfvars hold literal values only");
      std::size_t e = t.where.end;
      while (e < text_.size() && (text_[e] == '.' || text_[e] == '_' || text_[e] == '-' ||
                                  std::isalnum(static_cast<unsigned char>(text_[e]))))
        ++e;
      return fail(t.where.begin, "'" + std::string(text_.substr(t.where.begin, e - t.where.begin)) +
                                     "' is an expression: tfvars hold literal values only (quote it for a string)");
    }
    advance();
    return true;
  }

  bool list(syntax_node& node, int depth) {
    std::size_t open = peek().where.begin;
    if (depth >= max_depth) return fail(open, "lists and objects nested too deeply");
    node.type = kind::list;
    advance();
    while (true) {
      skip(true);
      const token& t = peek();
      if (t.kind == token_kind::close_bracket) break;
      if (t.kind == token_kind::end) return fail(open, "'[' is never closed");
      syntax_node item;
      if (!parse_value(item, depth + 1)) return false;
      node.items.push_back(std::move(item));
      skip(true);
      const token& sep = peek();
      if (sep.kind == token_kind::comma) {
        advance();
      } else if (sep.kind == token_kind::end) {
        return fail(open, "'[' is never closed");
      } else if (sep.kind != token_kind::close_bracket) {
        return fail(sep.where.begin, "expected ',' or ']' after a list item, found " + describe(sep));
      }
    }
    node.where.end = peek().where.end;
    advance();
    return true;
  }

  bool object(syntax_node& node, int depth) {
    std::size_t open = peek().where.begin;
    if (depth >= max_depth) return fail(open, "lists and objects nested too deeply");
    node.type = kind::object;
    advance();
    while (true) {
      skip(true);
      const token& t = peek();
      if (t.kind == token_kind::close_brace) break;
      if (t.kind == token_kind::end) return fail(open, "'{' is never closed");
      if (!object_member(node, open, depth)) return false;
    }
    node.where.end = peek().where.end;
    advance();
    return true;
  }

  bool object_member(syntax_node& node, std::size_t open, int depth) {
    const token& k = peek();
    syntax_member m;
    if (k.kind == token_kind::identifier) {
      m.key = k.text;
    } else if (k.kind == token_kind::string) {
      if (k.templated) return fail(k.where.begin, "an object key cannot hold template sequences");
      m.key = k.text;
      m.quoted_key = true;
    } else {
      return fail(k.where.begin, "expected an object key, found " + describe(k));
    }
    m.key_span = k.where;
    advance();
    skip(false);
    const token& sep = peek();
    if (sep.kind == token_kind::open_brace)
      return fail(m.key_span.begin, "'" + m.key + "' is a block; use '" + m.key + " = { ... }'");
    if (sep.kind != token_kind::equals && sep.kind != token_kind::colon)
      return fail(sep.where.begin, "expected '=' or ':' after '" + m.key + "', found " + describe(sep));
    m.separator = sep.where;
    advance();
    skip(false);
    if (!parse_value(m.val, depth + 1)) return false;
    skip(false);
    const token& after = peek();
    if (after.kind == token_kind::comma) {
      m.comma = after.where.begin;
      advance();
    } else if (after.kind == token_kind::end) {
      return fail(open, "'{' is never closed");
    } else if (after.kind != token_kind::newline && after.kind != token_kind::close_brace) {
      return fail(after.where.begin, "expected ',', a newline or '}' after the value of '" + m.key + "', found " +
                                         describe(after));
    }
    if (duplicate(node, m.key, m.key_span.begin)) return false;
    node.members.push_back(std::move(m));
    return true;
  }

  std::string_view text_;
  std::vector<token> toks_;
  std::size_t i_ = 0;
  std::optional<error> failure_;
};

}  // namespace

result<syntax_node> parse_hcl(std::string_view text) {
  auto tokens = lex(text);
  if (!tokens) return tokens.take_failure();
  return parser(text, std::move(*tokens)).run();
}

}  // namespace runnerfleet::tfvars::detail
