// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/tfvars_layout.hpp"

#include <algorithm>

namespace runnerfleet::tfvars::detail {

namespace {

std::size_t line_start(std::string_view text, std::size_t offset) {
  auto nl = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  return offset == 0 || nl == std::string_view::npos ? 0 : nl + 1;
}

bool spans_lines(std::string_view text, const syntax_member& m) {
  return text.substr(m.key_span.begin, m.val.where.end - m.key_span.begin).find('\n') != std::string_view::npos;
}

std::size_t column(std::string_view text, const syntax_member& m) {
  return m.separator.begin - line_start(text, m.separator.begin);
}

// Members on consecutive lines, as index ranges [first, last]. A member whose value spans lines
// ends its run, as in `tofu fmt`.
struct run {
  std::size_t first = 0;
  std::size_t last = 0;
};

std::vector<run> runs(std::string_view text, const std::vector<syntax_member>& members) {
  std::vector<run> out;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    bool joins = false;
    if (i > 0 && !out.empty() && out.back().last == i - 1 && starts_line(text, m.key_span.begin)) {
      const auto& prev = members[i - 1];
      auto between = text.substr(prev.val.where.end, m.key_span.begin - prev.val.where.end);
      joins = !spans_lines(text, prev) && std::count(between.begin(), between.end(), '\n') == 1;
    }
    if (joins) {
      out.back().last = i;
    } else {
      out.push_back({i, i});
    }
  }
  return out;
}

// True when the run's '=' signs share a column (with `padded`, also when some key is padded
// with more than one space, which tells an aligned file from one whose keys happen to match).
bool aligned(std::string_view text, const std::vector<syntax_member>& members, run r, bool padded) {
  bool any_padding = false;
  for (std::size_t i = r.first; i <= r.last; ++i) {
    const auto& m = members[i];
    if (text[m.separator.begin] != '=' || column(text, m) != column(text, members[r.first])) return false;
    if (m.separator.begin - m.key_span.end > 1) any_padding = true;
  }
  return (r.first == r.last || padded) ? any_padding : true;
}

bool any_aligned(std::string_view text, const syntax_node& node) {
  if (node.type == kind::list)
    return std::any_of(node.items.begin(), node.items.end(), [&](const auto& n) { return any_aligned(text, n); });
  if (node.type != kind::object) return false;
  for (auto r : runs(text, node.members))
    if (r.last > r.first && aligned(text, node.members, r, true)) return true;
  return std::any_of(node.members.begin(), node.members.end(),
                     [&](const auto& m) { return any_aligned(text, m.val); });
}

// True when some non-empty list of scalars is written on one line.
bool has_inline_list(std::string_view text, const syntax_node& node) {
  if (node.type == kind::list && !node.items.empty()) {
    bool scalars = std::all_of(node.items.begin(), node.items.end(),
                               [](const auto& n) { return n.type != kind::list && n.type != kind::object; });
    auto body = text.substr(node.where.begin, node.where.end - node.where.begin);
    if (scalars && body.find('\n') == std::string_view::npos) return true;
  }
  return std::any_of(node.items.begin(), node.items.end(), [&](const auto& n) { return has_inline_list(text, n); }) ||
         std::any_of(node.members.begin(), node.members.end(),
                     [&](const auto& m) { return has_inline_list(text, m.val); });
}

std::string newline_of(std::string_view text) {
  auto nl = text.find('\n');
  return nl != std::string_view::npos && nl > 0 && text[nl - 1] == '\r' ? "\r\n" : "\n";
}

}  // namespace

std::string line_indent(std::string_view text, std::size_t offset) {
  std::size_t start = line_start(text, offset);
  std::size_t end = start;
  while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
  return std::string(text.substr(start, end - start));
}

bool starts_line(std::string_view text, std::size_t offset) {
  std::size_t start = line_start(text, offset);
  return text.substr(start, offset - start).find_first_not_of(" \t") == std::string_view::npos;
}

std::size_t line_break_after(std::string_view text, std::size_t offset) {
  std::size_t i = offset;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      ++i;
    } else if (c == '\n') {
      return i;
    } else if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) {
      auto nl = text.find('\n', i);
      return nl == std::string_view::npos ? none : nl;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      auto close = text.find("*/", i + 2);
      if (close == std::string_view::npos) return none;
      i = close + 2;
    } else {
      return none;
    }
  }
  return none;
}

std::string gap(std::string_view text, std::size_t begin, std::size_t end, std::string fallback) {
  if (begin > end || end > text.size()) return fallback;
  auto between = text.substr(begin, end - begin);
  if (between.find_first_not_of(" \t") != std::string_view::npos) return fallback;
  return std::string(between);
}

std::optional<std::size_t> aligned_column(std::string_view text, const std::vector<syntax_member>& members) {
  if (members.empty() || spans_lines(text, members.back())) return std::nullopt;
  auto all = runs(text, members);
  if (!aligned(text, members, all.back(), false)) return std::nullopt;
  return column(text, members[all.back().first]);
}

style hcl_style(std::string_view text, const syntax_node& root) {
  style st;
  st.newline = newline_of(text);
  st.align = any_aligned(text, root);
  for (const auto& attr : root.members) {
    std::string base = line_indent(text, attr.key_span.begin);
    std::vector<std::size_t> children;
    for (const auto& m : attr.val.members) children.push_back(m.key_span.begin);
    for (const auto& item : attr.val.items) children.push_back(item.where.begin);
    for (auto child : children) {
      if (!starts_line(text, child)) continue;
      std::string indent = line_indent(text, child);
      if (indent.size() > base.size() && indent.compare(0, base.size(), base) == 0) {
        st.indent_unit = indent.substr(base.size());
        return st;
      }
    }
  }
  return st;
}

style json_style(std::string_view text, const syntax_node& root) {
  style st;
  st.newline = newline_of(text);
  st.compact = text.substr(root.where.begin, root.where.end - root.where.begin).find('\n') == std::string_view::npos;
  st.inline_lists = has_inline_list(text, root);
  if (root.members.empty()) return st;
  const auto& first = root.members.front();
  if (!st.compact && starts_line(text, first.key_span.begin)) {
    std::string indent = line_indent(text, first.key_span.begin);
    if (!indent.empty()) st.indent_unit = indent;
  }
  auto colon = text.substr(first.key_span.end, first.val.where.begin - first.key_span.end);
  if (colon.find('\n') == std::string_view::npos) st.colon = std::string(colon);
  if (root.members.size() > 1 && first.comma != none)
    st.comma_gap = gap(text, first.comma + 1, root.members[1].key_span.begin, "");
  return st;
}

}  // namespace runnerfleet::tfvars::detail
