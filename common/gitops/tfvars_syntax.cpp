// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/tfvars_syntax.hpp"

#include <charconv>

namespace runnerfleet::tfvars::detail {

line_column position(std::string_view text, std::size_t offset) {
  line_column at;
  if (offset > text.size()) offset = text.size();
  for (std::size_t i = 0; i < offset; ++i) {
    char c = text[i];
    if (c == '\n') {
      ++at.line;
      at.column = 1;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // part of the line break
    } else if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
      ++at.column;
    }
  }
  return at;
}

error syntax_error(std::string_view text, std::size_t offset, const std::string& what) {
  auto at = position(text, offset);
  return make_error(error_code::invalid_argument,
                    "line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ": " + what,
                    {{"line", at.line}, {"column", at.column}});
}

value to_value(const syntax_node& node) {
  switch (node.type) {
    case kind::null: return value::null();
    case kind::boolean: return value::boolean(node.flag);
    case kind::number: return value::number(node.text);
    case kind::string: return node.templated ? value::template_string(node.text) : value::string(node.text);
    case kind::list: {
      std::vector<value> items;
      items.reserve(node.items.size());
      for (const auto& item : node.items) items.push_back(to_value(item));
      return value::list(std::move(items));
    }
    case kind::object: {
      std::vector<member> members;
      members.reserve(node.members.size());
      for (const auto& m : node.members) members.push_back({m.key, to_value(m.val)});
      return value::object(std::move(members));
    }
  }
  return value::null();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::optional<std::size_t> parse_index(std::string_view step) {
  if (step.empty()) return std::nullopt;
  for (char c : step)
    if (c < '0' || c > '9') return std::nullopt;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(step.data(), step.data() + step.size(), n);
  if (ec != std::errc{} || end != step.data() + step.size()) return std::nullopt;
  return n;
}

result<const syntax_node*> resolve(const syntax_node& root, const path& p, std::size_t steps) {
  const syntax_node* at = &root;
  for (std::size_t i = 0; i < steps && i < p.size(); ++i) {
    const auto& step = p[i];
    path so_far(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(i));
    std::string where = i == 0 ? std::string("the file") : to_string(so_far);
    if (at->type == kind::object) {
      const syntax_node* next = nullptr;
      for (const auto& m : at->members)
        if (m.key == step) next = &m.val;
      if (!next) return make_error(error_code::not_found, "no key '" + step + "' in " + where);
      at = next;
    } else if (at->type == kind::list) {
      auto index = parse_index(step);
      if (!index) return make_error(error_code::invalid_argument, where + " is a list; '" + step + "' is not an index");
      if (*index >= at->items.size())
        return make_error(error_code::not_found, where + " has " + std::to_string(at->items.size()) +
                                                     " items; there is no index " + step);
      at = &at->items[*index];
    } else {
      return make_error(error_code::invalid_argument,
                        where + " is a " + std::string(to_string(at->type)) + ", not an object or list");
    }
  }
  return at;
}

}  // namespace runnerfleet::tfvars::detail
