// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/tfvars_lexer.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace runnerfleet::tfvars::detail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '-'; }

// A heredoc's content with <<- indentation removed: the smallest leading run of spaces and tabs
// among lines that are not blank is cut from each of them (HCL's flush rule).
std::string flush_heredoc(std::string_view raw) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < raw.size();) {
    auto nl = raw.find('\n', start);
    std::size_t end = nl == std::string_view::npos ? raw.size() : nl + 1;
    lines.push_back(raw.substr(start, end - start));
    start = end;
  }
  auto leading = [](std::string_view line) {
    std::size_t n = 0;
    while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
    return n;
  };
  auto blank = [&](std::string_view line) {
    auto n = leading(line);
    return n == line.size() || line.substr(n) == "\n" || line.substr(n) == "\r\n";
  };
  std::size_t strip = none;
  for (auto line : lines)
    if (!blank(line)) strip = std::min(strip, leading(line));
  std::string out;
  for (auto line : lines) out += blank(line) ? line : line.substr(strip);
  return out;
}

class lexer {
 public:
  explicit lexer(std::string_view text) : text_(text) {}

  result<std::vector<token>> run() {
    if (auto bad = first_invalid_utf8(text_); bad != std::string_view::npos)
      return syntax_error(text_, bad, "the file is not valid UTF-8");
    if (text_.substr(0, 3) == "\xef\xbb\xbf") pos_ = 3;  // a byte order mark, skipped as OpenTofu does
    while (pos_ < text_.size() && !failure_) step();
    if (failure_) return std::move(*failure_);
    tokens_.push_back({token_kind::end, {text_.size(), text_.size()}, {}, false});
    return std::move(tokens_);
  }

 private:
  char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }

  void fail(std::size_t offset, const std::string& what) {
    if (!failure_) failure_ = syntax_error(text_, offset, what);
  }

  void push(token_kind kind, std::size_t begin, std::size_t end) {
    tokens_.push_back({kind, {begin, end}, {}, false});
    pos_ = end;
  }

  void step() {
    std::size_t p = pos_;
    char c = text_[p];
    switch (c) {
      case ' ':
      case '\t': ++pos_; return;
      case '\n': return push(token_kind::newline, p, p + 1);
      case '\r':
        if (at(p + 1) == '\n') return push(token_kind::newline, p, p + 2);
        return fail(p, "a carriage return that is not part of a CRLF line break");
      case '#': return line_comment(p);
      case '/':
        if (at(p + 1) == '/') return line_comment(p);
        if (at(p + 1) == '*') return block_comment(p);
        return push(token_kind::other, p, p + 1);
      case '"': return quoted(p);
      case '<':
        if (at(p + 1) == '<') return heredoc(p);
        return push(token_kind::other, p, p + 1);
      case '{': return push(token_kind::open_brace, p, p + 1);
      case '}': return push(token_kind::close_brace, p, p + 1);
      case '[': return push(token_kind::open_bracket, p, p + 1);
      case ']': return push(token_kind::close_bracket, p, p + 1);
      case '(': return push(token_kind::open_paren, p, p + 1);
      case '=': return push(token_kind::equals, p, p + 1);
      case ':': return push(token_kind::colon, p, p + 1);
      case ',': return push(token_kind::comma, p, p + 1);
      case '-': return push(token_kind::minus, p, p + 1);
      default: break;
    }
    if (is_digit(c)) return number(p);
    if (is_ident_start(c)) {
      std::size_t e = p + 1;
      while (e < text_.size() && is_ident_char(text_[e])) ++e;
      push(token_kind::identifier, p, e);
      tokens_.back().text = std::string(text_.substr(p, e - p));
      return;
    }
    auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f) return push(token_kind::other, p, p + 1);
    fail(p, u >= 0x80 ? "a non-ASCII character outside a string or comment" : "an unexpected control character");
  }

  void line_comment(std::size_t p) {
    std::size_t e = text_.find('\n', p);
    if (e == std::string_view::npos) e = text_.size();
    if (e > p && text_[e - 1] == '\r' && e < text_.size()) --e;
    push(token_kind::comment, p, e);
  }

  void block_comment(std::size_t p) {
    auto close = text_.find("*/", p + 2);
    if (close == std::string_view::npos) return fail(p, "unterminated /* comment");
    push(token_kind::comment, p, close + 2);
  }

  void number(std::size_t p) {
    std::size_t e = p;
    while (is_digit(at(e))) ++e;
    if (at(e) == '.' && is_digit(at(e + 1))) {
      ++e;
      while (is_digit(at(e))) ++e;
    }
    if (at(e) == 'e' || at(e) == 'E') {
      std::size_t x = e + 1;
      if (at(x) == '+' || at(x) == '-') ++x;
      if (!is_digit(at(x))) return fail(p, "bad number: an exponent needs digits");
      while (is_digit(at(x))) ++x;
      e = x;
    }
    if (is_ident_char(at(e)) || at(e) == '.')
      return fail(p, "bad number '" + std::string(text_.substr(p, e + 1 - p)) + "'");
    push(token_kind::number, p, e);
  }

  void quoted(std::size_t p) {
    token t{token_kind::string, {p, p}, {}, false};
    std::size_t e = scan_quoted(p, &t.text, &t.templated, 0);
    if (e == none) return;
    t.where.end = e;
    tokens_.push_back(std::move(t));
    pos_ = e;
  }

  // Scans "..." from its opening quote; returns the offset after the closing quote, or none
  // after fail(). With `out`, decodes escapes and keeps template sequences verbatim.
  std::size_t scan_quoted(std::size_t p, std::string* out, bool* templated, int depth) {
    if (depth > max_depth) return fail(p, "template sequences nested too deeply"), none;
    std::size_t i = p + 1;
    while (true) {
      if (i >= text_.size()) return fail(p, "unterminated string"), none;
      char c = text_[i];
      if (c == '"') return i + 1;
      if (c == '\n' || c == '\r') return fail(p, "unterminated string: a quoted string must end on its line"), none;
      if (c == '\\') {
        i = escape(i, out);
        if (i == none) return none;
        continue;
      }
      if ((c == '$' || c == '%') && at(i + 1) == c && at(i + 2) == '{') {
        if (out) *out += std::string{c, '{'};
        i += 3;
        continue;
      }
      if ((c == '$' || c == '%') && at(i + 1) == '{') {
        std::size_t e = scan_template(i, depth + 1);
        if (e == none) return none;
        if (out) out->append(text_.substr(i, e - i));
        if (templated) *templated = true;
        i = e;
        continue;
      }
      if (out) *out += c;
      ++i;
    }
  }

  // Decodes the escape at `p` (a backslash); returns the offset after it, or none after fail().
  std::size_t escape(std::size_t p, std::string* out) {
    char e = at(p + 1);
    std::string simple;
    switch (e) {
      case 'n': simple = "\n"; break;
      case 'r': simple = "\r"; break;
      case 't': simple = "\t"; break;
      case '"': simple = "\""; break;
      case '\\': simple = "\\"; break;
      default: break;
    }
    if (!simple.empty()) {
      if (out) *out += simple;
      return p + 2;
    }
    if (e == 'u' || e == 'U') {
      std::size_t digits = e == 'u' ? 4 : 8;
      std::uint32_t cp = 0;
      for (std::size_t k = 0; k < digits; ++k) {
        int h = hex_value(at(p + 2 + k));
        if (h < 0) return fail(p, std::string("\\") + e + " needs " + std::to_string(digits) + " hex digits"), none;
        cp = cp * 16 + static_cast<std::uint32_t>(h);
      }
      if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return fail(p, "escape names no Unicode character"), none;
      if (out) append_utf8(*out, cp);
      return p + 2 + digits;
    }
    if (p + 1 >= text_.size() || e == '\n' || e == '\r') return fail(p, "unterminated string"), none;
    return fail(p, std::string("invalid escape sequence '\\") + e + "'"), none;
  }

  // Skips a ${ or %{ sequence, nested braces and strings included; returns the offset after its
  // closing brace, or none after fail().
  std::size_t scan_template(std::size_t p, int depth) {
    if (depth > max_depth) return fail(p, "template sequences nested too deeply"), none;
    int braces = 1;
    std::size_t i = p + 2;
    while (i < text_.size()) {
      char c = text_[i];
      if (c == '{') {
        ++braces;
      } else if (c == '}') {
        if (--braces == 0) return i + 1;
      } else if (c == '"') {
        i = scan_quoted(i, nullptr, nullptr, depth + 1);
        if (i == none) return none;
        continue;
      }
      ++i;
    }
    return fail(p, std::string("unterminated template sequence '") + text_[p] + "{'"), none;
  }

  void heredoc(std::size_t p) {
    std::size_t i = p + 2;
    bool flush = at(i) == '-';
    if (flush) ++i;
    std::size_t marker_begin = i;
    if (!is_ident_start(at(i))) return fail(p, "a heredoc starts with <<MARKER or <<-MARKER");
    while (is_ident_char(at(i))) ++i;
    std::string_view marker = text_.substr(marker_begin, i - marker_begin);
    if (at(i) == '\r' && at(i + 1) == '\n') ++i;
    if (at(i) != '\n') return fail(p, "a heredoc marker must be followed by a newline");
    std::size_t content = i + 1;
    for (std::size_t line = content; line < text_.size();) {
      std::size_t nl = text_.find('\n', line);
      std::size_t line_end = nl == std::string_view::npos ? text_.size() : nl;
      std::size_t body_end = line_end > line && text_[line_end - 1] == '\r' && nl != std::string_view::npos
                                 ? line_end - 1
                                 : line_end;
      std::string_view body = text_.substr(line, body_end - line);
      auto first = body.find_first_not_of(" \t");
      auto last = body.find_last_not_of(" \t");
      if (first != std::string_view::npos && body.substr(first, last + 1 - first) == marker) {
        if (nl == std::string_view::npos)
          return fail(line + first, "the heredoc's closing " + std::string(marker) + " must be followed by a newline");
        return heredoc_token(p, content, line, body_end, flush);
      }
      if (nl == std::string_view::npos) break;
      line = nl + 1;
    }
    fail(p, "unterminated heredoc: no line closes it with " + std::string(marker));
  }

  void heredoc_token(std::size_t p, std::size_t content, std::size_t marker_line, std::size_t end, bool flush) {
    std::string_view raw = text_.substr(content, marker_line - content);
    std::string body = flush ? flush_heredoc(raw) : std::string(raw);
    token t{token_kind::heredoc, {p, end}, {}, false};
    for (std::size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      bool sigil = c == '$' || c == '%';
      if (sigil && i + 2 < body.size() && body[i + 1] == c && body[i + 2] == '{') {
        t.text += std::string{c, '{'};
        i += 2;
        continue;
      }
      if (sigil && i + 1 < body.size() && body[i + 1] == '{') t.templated = true;
      t.text += c;
    }
    tokens_.push_back(std::move(t));
    pos_ = end;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::vector<token> tokens_;
  std::optional<error> failure_;
};

}  // namespace

result<std::vector<token>> lex(std::string_view text) { return lexer(text).run(); }

}  // namespace runnerfleet::tfvars::detail
