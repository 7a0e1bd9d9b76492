// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/desired_state.hpp"

namespace runnerfleet::gitops {

std::string_view forge_of(stack_id s) { return s == stack_id::gitlab_runners ? "gitlab" : "github"; }

std::optional<tfvars::value> effective_value(stack_id s, const tfvars::document& doc, const std::string& key) {
  if (auto got = doc.get({key}); got && got->type() != tfvars::kind::null) return *got;
  if (const auto* spec = find_variable(s, key); spec && spec->default_value) return *spec->default_value;
  return std::nullopt;
}

std::optional<tfvars::value> effective_at(stack_id s, const tfvars::document& doc, const tfvars::path& p) {
  if (p.size() == 1) return effective_value(s, doc, p.front());
  if (auto got = doc.get(p); got) return *got;
  const auto* sets = find_variable(s, "extra_runner_sets");
  if (p.size() != 3 || p.front() != "extra_runner_sets" || !sets) return std::nullopt;
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
  if (!f.doc) return out;
  const auto& doc = *f.doc;
  auto ns_value = effective_value(f.stack, doc, f.stack == stack_id::gitlab_runners ? "namespace" : "runner_namespace");
  std::string ns = ns_value && ns_value->type() == tfvars::kind::string ? ns_value->text() : "";
  auto add = [&](std::string name, std::string stack_runner) {
    for (const auto& [live, target] : f.runner_overrides)
      if (target == stack_runner) name = live;
    out.push_back({std::move(name), f.cluster, ns, std::string(forge_of(f.stack)), std::move(stack_runner), index});
  };
  for (std::string p : {"nix", "docker", "dind"}) {
    if (p != "nix") {
      auto deploy = effective_value(f.stack, doc, "deploy_" + p + "_runner");
      if (!deploy || !deploy->as_bool()) continue;
    }
    auto name = effective_value(f.stack, doc, p + "_runner_name");
    add(name && name->type() == tfvars::kind::string ? name->text() : p, p);
  }
  if (f.stack == stack_id::arc_runners)
    if (auto sets = doc.get({"extra_runner_sets"}); sets && sets->type() == tfvars::kind::object)
      for (const auto& m : sets->members()) add(m.key, m.key);
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
