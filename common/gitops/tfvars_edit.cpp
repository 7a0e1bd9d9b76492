// SPDX-License-Identifier: Apache-2.0
// HCL edits. A changed value replaces exactly its old bytes; a new top-level variable goes
// after the last one (aligned with it when its run of lines aligns '='), a new object member
// after the object's last member with the same indentation, separator and comma habit.
#include "common/gitops/tfvars_edit.hpp"

#include "common/gitops/tfvars_layout.hpp"
#include "common/gitops/tfvars_render.hpp"

#include <algorithm>

namespace runnerfleet::tfvars::detail {

namespace {

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

splice replace(std::string_view text, span where, const value& v, const style& st) {
  return {where.begin, where.end, render_hcl(v, line_indent(text, where.begin), st)};
}

// Spaces before '=' so it lands in the aligned column, else one.
std::string pad_to(std::optional<std::size_t> column, std::size_t used) {
  if (column && used + 1 <= *column) return std::string(*column - used, ' ');
  return " ";
}

result<splice> append_attribute(std::string_view text, const syntax_node& root, const std::string& key,
                                const value& v, const style& st) {
  if (!is_identifier(key))
    return make_error(error_code::invalid_argument, "'" + key + "' is not a valid variable name");
  const std::string& nl = st.newline;
  bool ends_with_newline = !text.empty() && text.back() == '\n';
  if (root.members.empty()) {
    std::string line = key + " = " + render_hcl(v, "", st);
    if (text.empty() || ends_with_newline) return splice{text.size(), text.size(), line + nl};
    return splice{text.size(), text.size(), nl + line};
  }
  const auto& last = root.members.back();
  std::string indent = starts_line(text, last.key_span.begin) ? line_indent(text, last.key_span.begin) : "";
  std::string after_eq = gap(text, last.separator.end, last.val.where.begin, " ");
  std::size_t eol = line_break_after(text, last.val.where.end);
  std::size_t at = text.size();
  std::string before, after;
  bool adjacent = true;
  if (eol == none) {
    before = nl;  // the last variable ends the file without a newline: keep it that way
  } else if (blank(text.substr(eol + 1))) {
    at = eol + 1;  // directly below the last variable, trailing blank lines stay last
    after = nl;
  } else {
    adjacent = false;  // comments follow the last variable: append after them
    (ends_with_newline ? after : before) = nl;
  }
  auto column = adjacent ? aligned_column(text, root.members) : std::nullopt;
  std::string line = indent + key + pad_to(column, indent.size() + key.size()) + "=" + after_eq +
                     render_hcl(v, indent, st);
  return splice{at, at, before + line + after};
}

result<splice> insert_member(std::string_view text, const syntax_node& obj, const std::string& key,
                             const value& v, const style& st) {
  const std::string& nl = st.newline;
  std::size_t open = obj.where.begin;
  std::size_t close = obj.where.end - 1;
  std::string base = line_indent(text, open);
  if (obj.members.empty()) {
    std::string indent = base + st.indent_unit;
    std::string line = indent + hcl_key(key, false) + " = " + render_hcl(v, indent, st);
    if (blank(text.substr(open + 1, close - open - 1)))
      return splice{open, close + 1, "{" + nl + line + nl + base + "}"};
    return splice{close, close, nl + line + nl + base};  // keep the comments inside
  }
  const auto& last = obj.members.back();
  bool quoted = std::all_of(obj.members.begin(), obj.members.end(), [](const auto& m) { return m.quoted_key; });
  std::string k = hcl_key(key, quoted);
  char separator = text[last.separator.begin];
  std::string before_sep = separator == '=' ? " " : gap(text, last.key_span.end, last.separator.begin, "");
  std::string after_sep = gap(text, last.separator.end, last.val.where.begin, " ");
  bool comma = last.comma != none;
  std::size_t after = comma ? last.comma + 1 : last.val.where.end;
  bool one_line = text.substr(open, close - open).find('\n') == std::string_view::npos;
  if (one_line) {
    std::string item = k + before_sep + separator + after_sep + render_hcl(v, base, st);
    return splice{after, after, comma ? " " + item + "," : ", " + item};
  }
  std::string indent = starts_line(text, last.key_span.begin) ? line_indent(text, last.key_span.begin)
                                                              : base + st.indent_unit;
  std::size_t eol = line_break_after(text, after);
  if (eol != none && separator == '=')
    before_sep = pad_to(aligned_column(text, obj.members), indent.size() + k.size());
  std::string item =
      indent + k + before_sep + separator + after_sep + render_hcl(v, indent, st) + (comma ? "," : "");
  if (eol != none) return splice{eol + 1, eol + 1, item + nl};
  return splice{after, after, nl + item};  // the closing '}' shares the last member's line
}

}  // namespace

result<const syntax_node*> existing_child(const syntax_node& container, const path& p) {
  const std::string& step = p.back();
  std::string where = p.size() == 1 ? std::string("the file") : to_string(path(p.begin(), p.end() - 1));
  if (container.type == kind::list) {
    auto index = parse_index(step);
    if (!index) return make_error(error_code::invalid_argument, where + " is a list; '" + step + "' is not an index");
    if (*index >= container.items.size())
      return make_error(error_code::not_found, where + " has " + std::to_string(container.items.size()) +
                                                   " items; to add one, set the whole list");
    return &container.items[*index];
  }
  if (container.type != kind::object)
    return make_error(error_code::invalid_argument,
                      where + " is a " + std::string(to_string(container.type)) + ", not an object or list");
  for (const auto& m : container.members)
    if (m.key == step) return &m.val;
  return static_cast<const syntax_node*>(nullptr);
}

result<splice> plan_hcl(std::string_view text, const syntax_node& root, const path& p, const value& v) {
  auto container = resolve(root, p, p.size() - 1);
  if (!container) return container.take_failure();
  auto child = existing_child(**container, p);
  if (!child) return child.take_failure();
  style st = hcl_style(text, root);
  if (*child) return replace(text, (*child)->where, v, st);
  if (*container == &root) return append_attribute(text, root, p.back(), v, st);
  return insert_member(text, **container, p.back(), v, st);
}

}  // namespace runnerfleet::tfvars::detail
