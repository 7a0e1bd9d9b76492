// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/desired_state.hpp"

namespace runnerfleet::gitops {

std::optional<tfvars::value> effective_value(const stack_schema& s, const tfvars::document& doc, const std::string& key) {
  if (auto got = doc.get({key}); got && got->type() != tfvars::kind::null) return *got;
  if (const auto* spec = find_variable(s, key); spec && spec->default_value) return *spec->default_value;
  return std::nullopt;
}

std::optional<tfvars::value> effective_at(const stack_schema& s, const tfvars::document& doc, const tfvars::path& p) {
  if (p.size() == 1) return effective_value(s, doc, p.front());
  if (auto got = doc.get(p); got) return *got;
  const auto* sets = runner_set_variable(s);
  if (p.size() != 3 || !sets || p.front() != sets->key) return std::nullopt;
  for (const auto& field : sets->fields)
    if (field.name == p.back()) return field.default_value;
  return std::nullopt;
}

error undeclared_error(const desired_state& d, const std::string& runner) {
  for (const auto& f : d.files)
    if (!f.doc)
      return make_error(error_code::unavailable,
                        "runner '" + runner + "' is not declared in the readable tfvars files, and " + f.path +
                            " cannot be read (" + f.problem + "); it may declare it",
                        {{"runner", runner}, {"file", f.path}});
  return make_error(error_code::not_found,
                    "runner '" + runner + "' is not declared in any tfvars file the daemon reads (gitops.files); "
                    "GET /v1/gitops/drift lists undeclared runners",
                    {{"runner", runner}});
}

std::vector<declared_runner> declared_runners(const stack_file& f, std::size_t index) {
  std::vector<declared_runner> out;
  if (!f.doc || !f.stack) return out;
  const auto& doc = *f.doc;
  const auto& s = *f.stack;
  const auto& layout = s.layout;
  auto text = [&](const std::string& key) {
    auto v = key.empty() ? std::nullopt : effective_value(s, doc, key);
    return v && v->type() == tfvars::kind::string ? v->text() : std::string();
  };
  auto ns = text(layout.namespace_key);
  auto add = [&](std::string name, std::string stack_runner) {
    for (const auto& [live, target] : f.runner_overrides)
      if (target == stack_runner) name = live;
    out.push_back({std::move(name), f.cluster, ns, layout.forge, std::move(stack_runner), index});
  };
  for (const auto& p : layout.runners) {
    if (auto deploy_key = expand(layout.deploy_key, p); !layout.deploy_key.empty() && find_variable(s, deploy_key)) {
      auto deploy = effective_value(s, doc, deploy_key);
      if (!deploy || !deploy->as_bool()) continue;
    }
    auto name = layout.name_key.empty() ? std::string() : text(expand(layout.name_key, p));
    add(name.empty() ? p : name, p);
  }
  if (const auto* sets = runner_set_variable(s))
    if (auto entries = doc.get({sets->key}); entries && entries->type() == tfvars::kind::object)
      for (const auto& m : entries->members()) add(m.key, m.key);
  return out;
}

result<const declared_runner*> resolve_declared(const desired_state& d, const std::vector<declared_runner>& all,
                                                const std::string& name, const std::string& cluster,
                                                const std::string& pick) {
  bool ambiguous = false;
  if (const auto* one = find_declared(all, name, cluster, &ambiguous)) return one;
  if (!ambiguous) return undeclared_error(d, name);
  std::string where;
  bool one_cluster = true;
  const declared_runner* first = nullptr;
  for (const auto& r : all) {
    if (r.name != name || (!cluster.empty() && r.cluster != cluster)) continue;
    if (!first) first = &r;
    one_cluster = one_cluster && r.cluster == first->cluster;
    where += (where.empty() ? "" : ", ") + d.files[r.file].path + " (cluster " + r.cluster + ")";
  }
  return make_error(error_code::conflict,
                    "runner '" + name + "' is declared more than once: " + where +
                        (one_cluster ? "; a runner may be declared by one file per cluster: fix gitops.files"
                                     : "; " + pick),
                    {{"runner", name}, {"field", "cluster"}});
}

std::vector<declared_runner> declared_runners(const desired_state& d) {
  std::vector<declared_runner> out;
  for (std::size_t i = 0; i < d.files.size(); ++i)
    for (auto& r : declared_runners(d.files[i], i)) out.push_back(std::move(r));
  return out;
}

const declared_runner* find_declared(const std::vector<declared_runner>& all, std::string_view name,
                                     std::string_view cluster, bool* ambiguous) {
  const declared_runner* found = nullptr;
  if (ambiguous) *ambiguous = false;
  for (const auto& r : all) {
    if (r.name != name || (!cluster.empty() && r.cluster != cluster)) continue;
    if (found) {
      if (ambiguous) *ambiguous = true;
      return nullptr;
    }
    found = &r;
  }
  return found;
}

}  // namespace runnerfleet::gitops
