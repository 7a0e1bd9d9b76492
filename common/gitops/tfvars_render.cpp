// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/tfvars_render.hpp"

#include "common/gitops/tfvars_syntax.hpp"

#include <algorithm>
#include <cstdio>

namespace runnerfleet::tfvars::detail {

namespace {

// Deepest value set() writes: the parsers allow max_depth, and a set value sits below its path.
constexpr int max_write_depth = max_depth / 2;

bool is_scalar(const value& v) { return v.type() != kind::list && v.type() != kind::object; }

void unicode_escape(std::string& out, unsigned char c) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned>(c));
  out += hex;
}

status check(const value& v, int depth) {
  if (depth > max_write_depth) return make_error(error_code::invalid_argument, "value nested too deeply");
  switch (v.type()) {
    case kind::string:
      if (v.templated())
        return make_error(error_code::invalid_argument,
                          "a string holding unevaluated template sequences cannot be written back");
      if (!is_utf8(v.text())) return make_error(error_code::invalid_argument, "a string is not valid UTF-8");
      return ok();
    case kind::number:
      if (!is_number_literal(v.text()))
        return make_error(error_code::invalid_argument, "'" + v.text() + "' is not a finite decimal number");
      return ok();
    case kind::list:
      for (const auto& item : v.items())
        if (auto s = check(item, depth + 1); !s) return s;
      return ok();
    case kind::object:
      for (std::size_t i = 0; i < v.members().size(); ++i) {
        const auto& m = v.members()[i];
        if (!is_utf8(m.key)) return make_error(error_code::invalid_argument, "an object key is not valid UTF-8");
        for (std::size_t j = 0; j < i; ++j)
          if (v.members()[j].key == m.key)
            return make_error(error_code::invalid_argument, "duplicate object key '" + m.key + "'");
        if (auto s = check(m.val, depth + 1); !s) return s;
      }
      return ok();
    default: return ok();
  }
}

std::string scalar_text(const value& v) {
  switch (v.type()) {
    case kind::null: return "null";
    case kind::boolean: return v.as_bool() ? "true" : "false";
    default: return v.text();
  }
}

}  // namespace

status check_writable(const value& v) { return check(v, 0); }

std::string hcl_quote(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '$':
      case '%':
        out += c;
        if (i + 1 < s.size() && s[i + 1] == '{') out += c;
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          unicode_escape(out, static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string hcl_key(std::string_view key, bool quoted) {
  bool keyword = key == "true" || key == "false" || key == "null";
  if (!quoted && !keyword && is_identifier(key)) return std::string(key);
  return hcl_quote(key);
}

std::string render_hcl(const value& v, const std::string& indent, const style& st) {
  if (v.type() == kind::string) return hcl_quote(v.text());
  if (is_scalar(v)) return scalar_text(v);
  std::string inner = indent + st.indent_unit;
  if (v.type() == kind::list) {
    if (v.items().empty()) return "[]";
    std::string out = "[";
    if (std::all_of(v.items().begin(), v.items().end(), is_scalar)) {
      for (std::size_t i = 0; i < v.items().size(); ++i)
        out += (i ? ", " : "") + render_hcl(v.items()[i], indent, st);
      return out + "]";
    }
    for (const auto& item : v.items()) out += st.newline + inner + render_hcl(item, inner, st) + ",";
    return out + st.newline + indent + "]";
  }
  if (v.members().empty()) return "{}";
  std::vector<std::string> keys, vals;
  for (const auto& m : v.members()) {
    keys.push_back(hcl_key(m.key, false));
    vals.push_back(render_hcl(m.val, inner, st));
  }
  // Like `tofu fmt`: a run of members on consecutive lines lines up its '='; a member whose
  // value spans lines ends the run.
  std::vector<std::size_t> width(keys.size());
  for (std::size_t i = 0; i < keys.size();) {
    std::size_t j = i, widest = 0;
    while (j < keys.size()) {
      widest = std::max(widest, keys[j].size());
      if (vals[j++].find('\n') != std::string::npos) break;
    }
    for (std::size_t k = i; k < j; ++k) width[k] = st.align ? widest : keys[k].size();
    i = j;
  }
  std::string out = "{";
  for (std::size_t i = 0; i < keys.size(); ++i)
    out += st.newline + inner + keys[i] + std::string(width[i] - keys[i].size(), ' ') + " = " + vals[i];
  return out + st.newline + indent + "}";
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          unicode_escape(out, static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string render_json(const value& v, const std::string& indent, const style& st) {
  if (v.type() == kind::string) return json_quote(v.text());
  if (is_scalar(v)) return scalar_text(v);
  bool list = v.type() == kind::list;
  std::size_t n = list ? v.items().size() : v.members().size();
  if (n == 0) return list ? "[]" : "{}";
  std::string inner = indent + st.indent_unit;
  bool one_line = st.compact || (list && st.inline_lists && std::all_of(v.items().begin(), v.items().end(), is_scalar));
  std::string gap = st.compact ? st.comma_gap : " ";
  std::string out = list ? "[" : "{";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += one_line ? "," + gap : ",";
    if (!one_line) out += st.newline + inner;
    if (list) {
      out += render_json(v.items()[i], inner, st);
    } else {
      out += json_quote(v.members()[i].key) + st.colon + render_json(v.members()[i].val, inner, st);
    }
  }
  if (!one_line) out += st.newline + indent;
  return out + (list ? "]" : "}");
}

}  // namespace runnerfleet::tfvars::detail
