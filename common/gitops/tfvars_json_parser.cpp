// SPDX-License-Identifier: Apache-2.0
// .tfvars.json: one strict JSON object (RFC 8259, no comments, no trailing commas), scanned by
// hand so every value keeps its byte range and every error its line and column. Duplicate keys
// are refused, as OpenTofu does.
#include "common/gitops/tfvars_syntax.hpp"

#include <optional>

namespace runnerfleet::tfvars::detail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

class json_parser {
 public:
  explicit json_parser(std::string_view text) : text_(text) {}

  result<syntax_node> run() {
    if (auto bad = first_invalid_utf8(text_); bad != std::string_view::npos)
      return syntax_error(text_, bad, "the file is not valid UTF-8");
    syntax_node root;
    ws();
    if (at(pos_) != '{') {
      fail(pos_, "a .tfvars.json file must hold one JSON object");
    } else if (object(root, 0)) {
      ws();
      if (pos_ < text_.size()) fail(pos_, "unexpected text after the JSON object");
    }
    if (failure_) return std::move(*failure_);
    return root;
  }

 private:
  char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }
  bool more() const { return pos_ < text_.size(); }

  bool fail(std::size_t offset, const std::string& what) {
    if (!failure_) failure_ = syntax_error(text_, offset, what);
    return false;
  }

  void ws() {
    while (more() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool value(syntax_node& node, int depth) {
    node.where.begin = pos_;
    if (!more()) return fail(pos_, "missing value at the end of the file");
    char c = text_[pos_];
    bool ok = false;
    if (c == '{') {
      ok = object(node, depth);
    } else if (c == '[') {
      ok = array(node, depth);
    } else if (c == '"') {
      node.type = kind::string;
      ok = string(node.text);
    } else if (c == '-' || is_digit(c)) {
      ok = number(node);
    } else if (c == 't' || c == 'f' || c == 'n') {
      ok = literal(node);
    } else {
      ok = fail(pos_, std::string("unexpected '") + c + "' where a value belongs");
    }
    node.where.end = pos_;
    return ok;
  }

  bool object(syntax_node& node, int depth) {
    std::size_t open = pos_;
    if (depth >= max_depth) return fail(open, "objects and arrays nested too deeply");
    node.type = kind::object;
    node.where.begin = open;
    ++pos_;
    ws();
    if (at(pos_) == '}') return ++pos_, node.where.end = pos_, true;
    while (true) {
      syntax_member m;
      m.quoted_key = true;
      if (at(pos_) != '"') return more() ? fail(pos_, "expected a quoted key") : fail(open, "'{' is never closed");
      m.key_span.begin = pos_;
      if (!string(m.key)) return false;
      m.key_span.end = pos_;
      for (const auto& prior : node.members)
        if (prior.key == m.key) return fail(m.key_span.begin, "duplicate key '" + m.key + "'");
      ws();
      if (at(pos_) != ':') return fail(pos_, "expected ':' after the key");
      m.separator = {pos_, pos_ + 1};
      ++pos_;
      ws();
      if (!value(m.val, depth + 1)) return false;
      ws();
      char c = at(pos_);
      if (c == ',') m.comma = pos_;
      node.members.push_back(std::move(m));
      if (c == '}') break;
      if (c != ',') return more() ? fail(pos_, "expected ',' or '}'") : fail(open, "'{' is never closed");
      ++pos_;
      ws();
      if (at(pos_) == '}') return fail(pos_, "a trailing comma is not allowed in JSON");
    }
    ++pos_;
    node.where.end = pos_;
    return true;
  }

  bool array(syntax_node& node, int depth) {
    std::size_t open = pos_;
    if (depth >= max_depth) return fail(open, "objects and arrays nested too deeply");
    node.type = kind::list;
    ++pos_;
    ws();
    if (at(pos_) == ']') return ++pos_, true;
    while (true) {
      if (!more()) return fail(open, "'[' is never closed");
      syntax_node item;
      if (!value(item, depth + 1)) return false;
      node.items.push_back(std::move(item));
      ws();
      char c = at(pos_);
      if (c == ']') break;
      if (c != ',') return more() ? fail(pos_, "expected ',' or ']'") : fail(open, "'[' is never closed");
      ++pos_;
      ws();
      if (at(pos_) == ']') return fail(pos_, "a trailing comma is not allowed in JSON");
    }
    ++pos_;
    return true;
  }

  bool string(std::string& out) {
    std::size_t open = pos_;
    ++pos_;
    while (true) {
      if (!more()) return fail(open, "unterminated string");
      char c = text_[pos_];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20)
        return c == '\n' ? fail(open, "unterminated string") : fail(pos_, "a control character in a string");
      if (c == '\\') {
        if (!escape(out)) return false;
        continue;
      }
      out += c;
      ++pos_;
    }
    ++pos_;
    return true;
  }

  bool escape(std::string& out) {
    std::size_t p = pos_;
    char e = at(p + 1);
    const std::string_view simple = "\"\"\\\\//b\bf\fn\nr\rt\t";
    for (std::size_t k = 0; k < simple.size(); k += 2)
      if (e == simple[k]) {
        out += simple[k + 1];
        pos_ += 2;
        return true;
      }
    if (e != 'u') return fail(p, std::string("invalid escape sequence '\\") + e + "'");
    auto hex4 = [&](std::size_t from, std::uint32_t& cp) {
      cp = 0;
      for (std::size_t k = 0; k < 4; ++k) {
        int h = hex_value(at(from + k));
        if (h < 0) return false;
        cp = cp * 16 + static_cast<std::uint32_t>(h);
      }
      return true;
    };
    std::uint32_t cp = 0;
    if (!hex4(p + 2, cp)) return fail(p, "\\u needs 4 hex digits");
    pos_ = p + 6;
    if (cp >= 0xdc00 && cp <= 0xdfff) return fail(p, "a lone low surrogate");
    if (cp >= 0xd800 && cp <= 0xdbff) {
      std::uint32_t low = 0;
      if (at(pos_) != '\\' || at(pos_ + 1) != 'u' || !hex4(pos_ + 2, low) || low < 0xdc00 || low > 0xdfff)
        return fail(p, "a high surrogate without its low half");
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      pos_ += 6;
    }
    append_utf8(out, cp);
    return true;
  }

  bool number(syntax_node& node) {
    std::size_t start = pos_;
    std::size_t e = pos_;
    auto bad_char = [&](char c) { return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ||
                                         (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    while (e < text_.size() && bad_char(text_[e])) ++e;
    std::string_view literal = text_.substr(start, e - start);
    if (!is_number_literal(literal)) return fail(start, "bad number '" + std::string(literal) + "'");
    node.type = kind::number;
    node.text = std::string(literal);
    pos_ = e;
    return true;
  }

  bool literal(syntax_node& node) {
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(pos_, word.size()) != word) continue;
      char next = at(pos_ + word.size());
      if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || is_digit(next)) break;
      node.type = word == "null" ? kind::null : kind::boolean;
      node.flag = word == "true";
      pos_ += word.size();
      return true;
    }
    return fail(pos_, "unexpected word where a value belongs (true, false or null?)");
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<error> failure_;
};

}  // namespace

result<syntax_node> parse_json(std::string_view text) { return json_parser(text).run(); }

}  // namespace runnerfleet::tfvars::detail
