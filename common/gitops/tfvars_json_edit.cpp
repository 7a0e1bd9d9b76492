// SPDX-License-Identifier: Apache-2.0
// .tfvars.json edits: a changed value replaces exactly its old bytes; a new member follows the
// object's last one on its own line at the same indentation (or on the same line when the
// object is written on one line), with the file's ": " habit.
#include "common/gitops/tfvars_edit.hpp"

#include "common/gitops/tfvars_layout.hpp"
#include "common/gitops/tfvars_render.hpp"

namespace runnerfleet::tfvars::detail {

namespace {

splice insert_json_member(std::string_view text, const syntax_node& obj, const std::string& key, const value& v,
                          const style& st) {
  std::size_t open = obj.where.begin;
  std::size_t close = obj.where.end - 1;
  std::string base = line_indent(text, open);
  if (obj.members.empty()) {
    if (st.compact) return {open, close + 1, "{" + json_quote(key) + st.colon + render_json(v, base, st) + "}"};
    std::string indent = base + st.indent_unit;
    std::string line = indent + json_quote(key) + st.colon + render_json(v, indent, st);
    return {open, close + 1, "{" + st.newline + line + st.newline + base + "}"};
  }
  const auto& last = obj.members.back();
  std::string colon = gap(text, last.key_span.end, last.separator.begin, "") + ":" +
                      gap(text, last.separator.end, last.val.where.begin, " ");
  bool one_line = text.substr(open, last.key_span.begin - open).find('\n') == std::string_view::npos;
  std::size_t at = last.val.where.end;
  if (one_line) {
    style inline_style = st;
    inline_style.compact = true;
    inline_style.colon = colon;
    if (obj.members.size() > 1 && obj.members[0].comma != none)
      inline_style.comma_gap = gap(text, obj.members[0].comma + 1, obj.members[1].key_span.begin, "");
    else
      inline_style.comma_gap = colon.back() == ' ' ? " " : "";
    return {at, at, "," + inline_style.comma_gap + json_quote(key) + colon + render_json(v, base, inline_style)};
  }
  std::string indent = starts_line(text, last.key_span.begin) ? line_indent(text, last.key_span.begin)
                                                              : base + st.indent_unit;
  return {at, at, "," + st.newline + indent + json_quote(key) + colon + render_json(v, indent, st)};
}

}  // namespace

result<splice> plan_json(std::string_view text, const syntax_node& root, const path& p, const value& v) {
  auto container = resolve(root, p, p.size() - 1);
  if (!container) return container.take_failure();
  auto child = existing_child(**container, p);
  if (!child) return child.take_failure();
  style st = json_style(text, root);
  if (*child) {
    span where = (*child)->where;
    return splice{where.begin, where.end, render_json(v, line_indent(text, where.begin), st)};
  }
  if (*container == &root && !is_identifier(p.back()))
    return make_error(error_code::invalid_argument, "'" + p.back() + "' is not a valid variable name");
  return insert_json_member(text, **container, p.back(), v, st);
}

}  // namespace runnerfleet::tfvars::detail
