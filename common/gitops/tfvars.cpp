// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/tfvars.hpp"

#include "common/gitops/tfvars_edit.hpp"
#include "common/gitops/tfvars_render.hpp"

namespace runnerfleet::tfvars {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

result<detail::syntax_node> parse_as(std::string_view text, format f) {
  return f == format::json ? detail::parse_json(text) : detail::parse_hcl(text);
}

// `whole` with the value at p[i..] replaced by (or, for a missing last key, extended with) v.
value with(const value& whole, const path& p, std::size_t i, const value& v) {
  if (i == p.size()) return v;
  if (whole.type() == kind::list) {
    auto items = whole.items();
    auto index = detail::parse_index(p[i]);
    if (index && *index < items.size()) items[*index] = with(items[*index], p, i + 1, v);
    return value::list(std::move(items));
  }
  auto members = whole.members();
  for (auto& m : members)
    if (m.key == p[i]) {
      m.val = with(m.val, p, i + 1, v);
      return value::object(std::move(members));
    }
  members.push_back({p[i], v});
  return value::object(std::move(members));
}

}  // namespace

std::optional<format> format_for(std::string_view file_name) {
  if (ends_with(file_name, ".tfvars.json")) return format::json;
  if (ends_with(file_name, ".tfvars")) return format::hcl;
  return std::nullopt;
}

result<document> document::parse(std::string text, tfvars::format f) {
  auto root = parse_as(text, f);
  if (!root) return root.take_failure();
  return document(std::move(text), f, std::move(*root));
}

std::vector<std::string> document::keys() const {
  std::vector<std::string> out;
  for (const auto& m : root_.members) out.push_back(m.key);
  return out;
}

result<value> document::get(const path& p) const {
  auto node = detail::resolve(root_, p, p.size());
  if (!node) return node.take_failure();
  return detail::to_value(**node);
}

status document::set(const path& p, const value& v) {
  if (p.empty()) return make_error(error_code::invalid_argument, "set needs a path to one variable or member");
  if (auto writable = detail::check_writable(v); !writable) return writable;
  auto plan = format_ == format::json ? detail::plan_json(text_, root_, p, v) : detail::plan_hcl(text_, root_, p, v);
  if (!plan) return plan.take_failure();
  std::string edited = text_.substr(0, plan->begin) + plan->text + text_.substr(plan->end);
  // The edit is kept only if the file still parses and now reads exactly as before except at p.
  auto reparsed = parse_as(edited, format_);
  if (!reparsed)
    return make_error(error_code::internal,
                      "setting " + to_string(p) + " produced text that does not parse: " + reparsed.failure().message);
  if (detail::to_value(*reparsed) != with(detail::to_value(root_), p, 0, v))
    return make_error(error_code::internal, "setting " + to_string(p) + " did not read back as written");
  text_ = std::move(edited);
  root_ = std::move(*reparsed);
  return ok();
}

std::string to_hcl(const value& v) { return detail::render_hcl(v, "", detail::style{}); }

}  // namespace runnerfleet::tfvars
