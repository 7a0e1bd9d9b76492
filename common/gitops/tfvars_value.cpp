// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/tfvars_value.hpp"

#include <charconv>
#include <cmath>

namespace runnerfleet::tfvars {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string_view to_string(kind k) {
  switch (k) {
    case kind::null: return "null";
    case kind::boolean: return "bool";
    case kind::number: return "number";
    case kind::string: return "string";
    case kind::list: return "list";
    case kind::object: return "object";
  }
  return "null";
}

value value::null() { return value{}; }

value value::boolean(bool b) {
  value v;
  v.kind_ = kind::boolean;
  v.flag_ = b;
  return v;
}

value value::integer(std::int64_t n) { return number(std::to_string(n)); }

value value::real(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return number(ec == std::errc{} ? std::string(buf, end) : std::string("nan"));
}

value value::number(std::string literal) {
  value v;
  v.kind_ = kind::number;
  v.text_ = std::move(literal);
  return v;
}

value value::string(std::string s) {
  value v;
  v.kind_ = kind::string;
  v.text_ = std::move(s);
  return v;
}

value value::template_string(std::string raw) {
  value v = string(std::move(raw));
  v.templated_ = true;
  return v;
}

value value::list(std::vector<value> items) {
  value v;
  v.kind_ = kind::list;
  v.items_ = std::move(items);
  return v;
}

value value::object(std::vector<member> members) {
  value v;
  v.kind_ = kind::object;
  v.members_ = std::move(members);
  return v;
}

std::optional<double> value::as_double() const {
  if (kind_ != kind::number) return std::nullopt;
  double d = 0;
  const char* first = text_.data();
  const char* last = first + text_.size();
  auto [end, ec] = std::from_chars(first, last, d);
  if (ec != std::errc{} || end != last || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<std::int64_t> value::as_int() const {
  if (kind_ != kind::number) return std::nullopt;
  std::int64_t n = 0;
  const char* first = text_.data();
  const char* last = first + text_.size();
  auto [end, ec] = std::from_chars(first, last, n);
  if (ec == std::errc{} && end == last) return n;
  auto d = as_double();
  if (!d || std::trunc(*d) != *d || std::fabs(*d) > 9007199254740992.0) return std::nullopt;
  return static_cast<std::int64_t>(*d);
}

const value* value::find(std::string_view key) const {
  for (const auto& m : members_)
    if (m.key == key) return &m.val;
  return nullptr;
}

bool operator==(const value& a, const value& b) {
  return a.kind_ == b.kind_ && a.flag_ == b.flag_ && a.templated_ == b.templated_ && a.text_ == b.text_ &&
         a.items_ == b.items_ && a.members_ == b.members_;
}

std::string to_string(const path& p) {
  std::string out;
  for (const auto& step : p) {
    if (!out.empty()) out += '.';
    out += step;
  }
  return out;
}

bool is_number_literal(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += len;
  }
  return std::string_view::npos;
}

bool is_utf8(std::string_view s) { return first_invalid_utf8(s) == std::string_view::npos; }

bool is_identifier(std::string_view key) {
  if (key.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(key[0])) return false;
  for (char c : key)
    if (!letter(c) && !is_digit(c) && c != '-') return false;
  return true;
}

}  // namespace runnerfleet::tfvars
