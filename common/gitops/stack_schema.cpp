// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/stack_schema.hpp"

#include <algorithm>
#include <utility>

#include "common/gitops/builtin_stacks.hpp"
#include "common/gitops/value_rules.hpp"

namespace runnerfleet::gitops {

std::string_view to_string(var_type t) {
  switch (t) {
    case var_type::string:
      return "string";
    case var_type::integer:
      return "number (whole)";
    case var_type::boolean:
      return "bool";
    case var_type::runner_set_map:
      return "map(object)";
  }
  return "?";
}

const std::vector<stack_ref>& builtin_stacks() {
  static const std::vector<stack_ref> stacks = {
      std::make_shared<const stack_schema>(gitlab_runners_schema()),
      std::make_shared<const stack_schema>(arc_runners_schema())};
  return stacks;
}

stack_ref find_stack(const std::vector<stack_ref>& stacks, std::string_view name) {
  for (const auto& s : stacks)
    if (s->name == name) return s;
  return nullptr;
}

stack_ref builtin_stack(std::string_view name) { return find_stack(builtin_stacks(), name); }

std::string expand(std::string_view key_template, std::string_view runner) {
  constexpr std::string_view placeholder = "{runner}";
  std::string out(key_template);
  for (auto at = out.find(placeholder); at != std::string::npos;
       at = out.find(placeholder, at + runner.size()))
    out.replace(at, placeholder.size(), runner);
  return out;
}

const variable_spec* find_variable(const stack_schema& s, std::string_view key) {
  for (const auto& v : s.variables)
    if (v.key == key) return &v;
  return nullptr;
}

const variable_spec* runner_set_variable(const stack_schema& s) {
  return s.layout.sets.key.empty() ? nullptr : find_variable(s, s.layout.sets.key);
}

bool is_runner_type(const stack_schema& s, std::string_view runner) {
  const auto& types = s.layout.runners;
  return std::find(types.begin(), types.end(), runner) != types.end();
}

namespace {

using tfvars::value;

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

/// What a hint's pattern matched: the runner type it named and the text its "*" stood for.
struct hint_match {
  std::string runner;
  std::string rest;
};

/// Whether `key` matches the pattern `from` ("{runner}" = any runner type, a trailing "*" = any
/// non-empty rest).
std::optional<hint_match> match_hint(const stack_schema& s, std::string_view from,
                                     std::string_view key) {
  const bool templated = from.find("{runner}") != std::string_view::npos;
  const std::vector<std::string> none = {""};
  for (const auto& r : templated ? s.layout.runners : none) {
    auto pattern = expand(from, r);
    if (!pattern.empty() && pattern.back() == '*') {
      pattern.pop_back();
      if (key.size() > pattern.size() && key.substr(0, pattern.size()) == pattern)
        return hint_match{r, std::string(key.substr(pattern.size()))};
    } else if (key == pattern) {
      return hint_match{r, ""};
    }
  }
  return std::nullopt;
}

/// A hint's target for a match: its runner and rest filled in.
std::string fill(std::string_view to, const hint_match& m) {
  auto out = expand(to, m.runner);
  if (auto star = out.find('*'); star != std::string::npos) out.replace(star, 1, m.rest);
  return out;
}

/// The key without its runner-type prefix ("nix_default_image" → "default_image"), or the key.
std::string_view without_runner_prefix(const stack_schema& s, std::string_view key,
                                       std::string* runner = nullptr) {
  for (const auto& p : s.layout.runners)
    if (key.size() > p.size() + 1 && key.substr(0, p.size()) == p && key[p.size()] == '_') {
      if (runner) *runner = p;
      return key.substr(p.size() + 1);
    }
  return key;
}

/// "nix, docker, dind, or an entry of extra_runner_sets".
std::string runner_list(const stack_schema& s) {
  std::string out;
  for (const auto& r : s.layout.runners) out += (out.empty() ? "" : ", ") + r;
  if (const auto* sets = runner_set_variable(s)) out += std::string(out.empty() ? "" : ", or ") + "an entry of " + sets->key;
  return out;
}

std::string unknown_key_message(const stack_schema& s, std::string_view key,
                                std::string_view runner) {
  std::string msg = "not a variable of the " + s.name + " stack";
  std::string prefix;
  auto rest = without_runner_prefix(s, key, &prefix);
  for (const auto& h : s.hints)
    if (h.to.empty() && (match_hint(s, h.from, key) || match_hint(s, h.from, rest)))
      return msg + " (" + h.note + ")";
  std::optional<std::string> real;
  if (!runner.empty() && prefix.empty() &&
      find_variable(s, std::string(runner) + "_" + std::string(key)))
    real = std::string(runner) + "_" + std::string(key);
  if (!real) real = suggest_key(s, key);
  return real ? msg + "; did you mean " + *real + "?" : msg;
}

// The value of `key` an edit leaves in force: the change, else the file's, else the default.
std::optional<value> effective(const stack_schema& s, const std::string& key,
                               const std::map<std::string, value>& normalized,
                               const tfvars::document& current) {
  if (auto it = normalized.find(key); it != normalized.end()) return it->second;
  const auto* spec = find_variable(s, key);
  if (!spec) return std::nullopt;
  if (auto got = current.get({key}); got) {
    auto n = normalize_value(key, *spec, *got);
    return n ? std::optional<value>(*n) : std::nullopt;  // the file's own fault: not this edit's
  }
  return spec->default_value;
}

std::optional<long double> magnitude(const value& v, bool quantities) {
  if (quantities) return parse_quantity(v.text());
  if (auto n = v.as_int()) return static_cast<long double>(*n);
  return std::nullopt;
}

status check_order(std::string_view low_name, const value& low, std::string_view high_name,
                   const value& high, bool quantities, std::string_view changed) {
  auto a = magnitude(low, quantities);
  auto b = magnitude(high, quantities);
  if (!a || !b || *a <= *b * (1 + 1e-12L)) return ok();
  auto text = [](const value& v) {
    return v.type() == tfvars::kind::string ? "\"" + v.text() + "\"" : v.text();
  };
  return refuse(changed, std::string(low_name) + " " + text(low) + " exceeds " +
                             std::string(high_name) + " " + text(high) +
                             "; it must be at most that");
}

result<value> normalize_set(const variable_spec& spec, const std::string& name,
                            const value& entry) {
  const std::string where = spec.key + "." + name;
  if (!is_dns_label(name, 53))
    return refuse(
        where, "\"" + name +
                   "\" is not a Helm release name (lowercase letters, digits and '-', at most 53)");
  if (entry.type() != tfvars::kind::object)
    return refuse(where, "expected an object, got " + std::string(tfvars::to_string(entry.type())));
  std::vector<tfvars::member> out;
  for (const auto& m : entry.members()) {
    auto f = std::find_if(spec.fields.begin(), spec.fields.end(),
                          [&](const field_spec& fs) { return fs.name == m.key; });
    if (f == spec.fields.end()) {
      std::string msg = "not a field of a runner set";
      std::size_t best = 3;
      for (const auto& fs : spec.fields)
        if (auto d = edit_distance(m.key, fs.name); d < best) {
          best = d;
          msg = "not a field of a runner set; did you mean " + fs.name + "?";
        }
      return refuse(where + "." + m.key, msg);
    }
    auto n = normalize_value(where + "." + m.key, *f, m.val);
    if (!n) return n.take_failure();
    out.push_back({m.key, std::move(*n)});
  }
  auto field = [&](const std::string& f) -> std::optional<value> {
    for (const auto& m : out)
      if (m.key == f) return m.val;
    for (const auto& fs : spec.fields)
      if (fs.name == f) return fs.default_value;
    return std::nullopt;
  };
  for (const auto& fs : spec.fields)
    if (!fs.default_value && !field(fs.name)) return refuse(where + "." + fs.name, "is required");
  for (const auto& pair : spec.field_pairs) {
    auto lo = field(pair.low);
    auto hi = field(pair.high);
    if (!lo || !hi) continue;
    if (auto st = check_order(where + "." + pair.low, *lo, where + "." + pair.high, *hi,
                              pair.quantities, where);
        !st)
      return st.take_failure();
  }
  return value::object(std::move(out));
}

}  // namespace

std::optional<std::string> suggest_key(const stack_schema& s, std::string_view wrong) {
  for (const auto& h : s.hints) {
    if (h.to.empty()) continue;
    if (auto m = match_hint(s, h.from, wrong)) {
      auto target = fill(h.to, *m);
      if (find_variable(s, target)) return target;
    }
  }
  const variable_spec* best = nullptr;
  std::size_t best_distance = std::max<std::size_t>(2, wrong.size() / 3) + 1;
  for (const auto& v : s.variables)
    if (auto d = edit_distance(wrong, v.key); d < best_distance) {
      best_distance = d;
      best = &v;
    }
  if (best) return best->key;
  return std::nullopt;
}

result<std::map<std::string, value>> validate_change(const stack_schema& s, std::string_view runner,
                                                     const std::map<std::string, value>& changes,
                                                     const tfvars::document& current) {
  const auto* sets_spec = runner_set_variable(s);
  value current_sets = value::object({});
  if (sets_spec)
    if (auto got = current.get({sets_spec->key}); got && got->type() == tfvars::kind::object)
      current_sets = *got;
  bool extra = false;
  if (!runner.empty() && !is_runner_type(s, runner)) {
    auto proposed = sets_spec ? changes.find(sets_spec->key) : changes.end();
    extra = sets_spec && (current_sets.find(runner) ||
                          (proposed != changes.end() && proposed->second.find(runner)));
    if (!extra)
      return make_error(error_code::invalid_argument,
                        "runner " + std::string(runner) + " is not a runner of the " + s.name +
                            " stack (" + runner_list(s) + ")",
                        {{"runner", std::string(runner)}});
  }
  if (changes.empty()) return make_error(error_code::invalid_argument, "no changes given");

  std::map<std::string, value> normalized;
  for (const auto& [key, v] : changes) {
    const auto* spec = find_variable(s, key);
    if (!spec) return refuse(key, unknown_key_message(s, key, extra ? "" : runner));
    if (!runner.empty()) {
      if (extra && spec != sets_spec)
        return refuse(key, "runner set " + std::string(runner) + " is configured only by " +
                               sets_spec->key + "." + std::string(runner) + "; " + key +
                               " belongs to the stack's own runners");
      if (!extra && spec->scope == var_scope::runner && spec->runner != runner)
        return refuse(key,
                      "belongs to the " + spec->runner + " runner, not " + std::string(runner));
      if (!extra && spec->scope == var_scope::stack)
        return refuse(key, "is a stack-wide setting, not the " + std::string(runner) +
                               " runner's; edit it stack-wide");
    }
    if (spec->sensitive)
      return refuse(key, "is a secret: it comes from a CI/CD variable (TF_VAR_" + key +
                             "), never from the tfvars file, and runnerfleet does not write secrets");
    if (spec->type != var_type::runner_set_map) {
      auto n = normalize_value(key, *spec, v);
      if (!n) return n.take_failure();
      normalized.emplace(key, std::move(*n));
      continue;
    }
    if (v.type() != tfvars::kind::object)
      return refuse(key, "expected map(object) keyed by release name, got " +
                             std::string(tfvars::to_string(v.type())));
    std::vector<tfvars::member> sets;
    for (const auto& m : v.members()) {
      auto n = normalize_set(*spec, m.key, m.val);
      if (!n) return n.take_failure();
      sets.push_back({m.key, std::move(*n)});
    }
    if (extra) {  // only this runner's entry may change
      for (const auto& m : current_sets.members()) {
        const value* now = v.find(m.key);
        if (m.key != runner && (!now || !(*now == m.val)))
          return refuse(key + "." + m.key,
                        "belongs to runner set " + m.key + ", not " + std::string(runner));
      }
      for (const auto& m : v.members())
        if (m.key != runner && !current_sets.find(m.key))
          return refuse(key + "." + m.key,
                        "belongs to runner set " + m.key + ", not " + std::string(runner));
    }
    normalized.emplace(key, value::object(std::move(sets)));
  }

  for (const auto& pair : s.pairs) {
    bool low_changed = normalized.count(pair.low) != 0;
    if (!low_changed && normalized.count(pair.high) == 0) continue;
    auto low = effective(s, pair.low, normalized, current);
    auto high = effective(s, pair.high, normalized, current);
    if (!low || !high) continue;
    if (auto st = check_order(pair.low, *low, pair.high, *high, pair.quantities,
                              low_changed ? pair.low : pair.high);
        !st)
      return st.take_failure();
  }
  return normalized;
}

result<std::map<std::string, desired_entry>> desired_config(const stack_schema& s, std::string_view runner,
                                                            const tfvars::document& doc) {
  std::map<std::string, desired_entry> out;
  if (is_runner_type(s, runner)) {
    for (const auto& v : s.variables) {
      if (v.scope == var_scope::stack || (v.scope == var_scope::runner && v.runner != runner))
        continue;
      desired_entry e;
      e.sensitive = v.sensitive;
      if (auto got = doc.get({v.key}); got) {
        auto n = normalize_value(v.key, v, *got);
        e.value = n ? *n : *got;
      } else if (v.default_value) {
        e.value = *v.default_value;
        e.is_default = true;
      } else {
        continue;
      }
      if (e.sensitive) e.value = value::null();
      out.emplace(v.key, std::move(e));
    }
    return out;
  }
  const auto* sets = runner_set_variable(s);
  auto entry = sets ? doc.get({sets->key, std::string(runner)})
                    : result<value>(make_error(error_code::not_found, ""));
  if (!entry || entry->type() != tfvars::kind::object)
    return make_error(error_code::not_found, "runner " + std::string(runner) +
                                                 " is not a runner of the " + s.name +
                                                 " stack in this file");
  for (const auto& f : sets->fields) {
    desired_entry e;
    if (const value* got = entry->find(f.name)) {
      auto n = normalize_value(f.name, f, *got);
      e.value = n ? *n : *got;
    } else if (f.default_value) {
      e.value = *f.default_value;
      e.is_default = true;
    } else {
      continue;
    }
    out.emplace(sets->key + "." + std::string(runner) + "." + f.name, std::move(e));
  }
  return out;
}

}  // namespace runnerfleet::gitops
