// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/drift.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace runnerfleet::gitops {
namespace {

std::string text_of(const std::optional<tfvars::value>& v) {
  if (!v) return "unset";
  if (v->type() == tfvars::kind::string || v->type() == tfvars::kind::number) return v->text();
  if (v->type() == tfvars::kind::boolean) return v->as_bool() ? "true" : "false";
  return tfvars::to_hcl(*v);
}

std::string text_of(const std::optional<int>& v) { return v ? std::to_string(*v) : "unset"; }

bool is_paused_scale_set(const runner_view& r) {
  return r.forge == "github" && (r.status == "paused" || r.status == "draining") &&
         r.status_reason.find("scaling to zero") != std::string::npos;
}

/// Compares one desired value with what runs; adds an item when they differ.
class judge {
 public:
  judge(const stack_file& f, const declared_runner& d, const runner_view& live, std::vector<drift_item>& out)
      : file_(f), declared_(d), live_(live), out_(out) {}

  /// The tfvars value of `key` (a top-level key, or a field of this runner's extra_runner_sets entry).
  std::optional<tfvars::value> desired(const std::string& key) const {
    if (extra()) return effective_at(file_.stack, *file_.doc, {"extra_runner_sets", declared_.stack_runner, key});
    return effective_value(file_.stack, *file_.doc, key);
  }

  /// The key as a reviewer finds it in the file.
  std::string key_name(const std::string& key) const {
    return extra() ? "extra_runner_sets." + declared_.stack_runner + "." + key : key;
  }

  /// A count the tfvars set (replicas, runners) against the live one.
  void count(const std::string& key, std::string kind, const std::optional<int>& live, const std::string& what) {
    auto want = desired(key);
    auto n = want ? want->as_int() : std::nullopt;
    if (!n || (live && *live == *n)) return;
    bool paused = is_paused_scale_set(live_) && key.ends_with("max_runners");
    add(paused ? "info" : "warning", std::move(kind), key_name(key), text_of(want), text_of(live),
        key_name(key) + ": tfvars say " + text_of(want) + ", " + what + " has " + text_of(live) +
            (paused ? " (paused by runnerfleet: scaled to zero until resumed)" : ""));
  }

  /// A value the module fixes (the stack does not expose it) against the live HPA.
  void fixed(const std::string& key, int module_value, const std::optional<int>& live, std::string kind,
             const std::string& what) {
    if (live && *live == module_value) return;
    add("warning", std::move(kind), key, std::to_string(module_value), text_of(live),
        what + " is " + text_of(live) + " but the runner module sets " + std::to_string(module_value) +
            " (" + key + ", not exposed by the stack): changed outside OpenTofu");
  }

  /// A resource quantity against the live container's.
  void quantity(const std::string& key, const std::string& live, const std::string& container) {
    auto want = desired(key);  // a string, or a number the schema accepts as a quantity
    if (!want || (want->type() != tfvars::kind::string && want->type() != tfvars::kind::number)) return;
    auto a = parse_quantity(want->text());
    auto b = parse_quantity(live);
    // The API server rewrites quantities into its canonical form (0.5 → 500m): equal values must
    // compare equal despite floating-point rounding.
    if (a && b && std::fabs(*a - *b) <= 1e-9L * std::max(std::fabs(*a), std::fabs(*b))) return;
    std::string shown = live.empty() ? "unset" : live;
    add("warning", "resources", key_name(key), want->text(), shown,
        key_name(key) + ": tfvars say " + want->text() + ", the " + container + " container has " + shown);
  }

  void add(std::string severity, std::string kind, std::string key, std::string want, std::string have,
           std::string message) {
    out_.push_back({std::move(severity), std::move(kind), live_.name, live_.cluster, live_.ns, std::move(key),
                    std::move(want), std::move(have), file_.path, std::move(message)});
  }

  void gitlab_release() {
    const auto& p = declared_.stack_runner;
    auto enabled = desired(p + "_hpa_enabled");
    bool want_hpa = enabled && enabled->as_bool();
    bool has_hpa = live_.scaling.model == "hpa";
    if (want_hpa != has_hpa) {
      add("warning", "autoscaler", p + "_hpa_enabled", want_hpa ? "true" : "false",
          has_hpa ? "HPA " + live_.scaling.autoscaler : "no HPA",
          p + "_hpa_enabled: tfvars say " + std::string(want_hpa ? "true" : "false") + " but the release " +
              (has_hpa ? "has HPA " + live_.scaling.autoscaler : "has no HPA"));
    } else if (has_hpa) {
      const auto& s = live_.scaling;
      count(p + "_hpa_min_replicas", "replicas", s.min, "the HPA");
      count(p + "_hpa_max_replicas", "replicas", s.max, "the HPA");
      fixed("hpa_cpu_target", 70, s.cpu_target, "target", "the HPA's CPU target");
      fixed("hpa_memory_target", 80, s.memory_target, "target", "the HPA's memory target");
      fixed("hpa_scale_up_window", 15, s.scale_up_window_s, "window", "the HPA's scale-up window");
      fixed("hpa_scale_down_window", 300, s.scale_down_window_s, "window", "the HPA's scale-down window");
    }
    if (live_.resources) resources("manager_", *live_.resources, "manager");
  }

  void scale_set() {
    bool is_extra = extra();
    auto prefix = is_extra ? std::string() : declared_.stack_runner + "_";
    count(prefix + "min_runners", "runners", live_.scaling.min, "the scale set");
    count(prefix + "max_runners", "runners", live_.scaling.max, "the scale set");
    if (live_.resources) resources(prefix, *live_.resources, "runner");
  }

  void run() {
    if (live_.ns != declared_.ns)
      add("warning", "namespace", file_.stack == stack_id::gitlab_runners ? "namespace" : "runner_namespace",
          declared_.ns, live_.ns, "tfvars place it in namespace " + declared_.ns + ", it runs in " + live_.ns);
    if (file_.stack == stack_id::gitlab_runners) gitlab_release();
    else scale_set();
  }

 private:
  bool extra() const {
    return file_.stack == stack_id::arc_runners && declared_.stack_runner != "nix" &&
           declared_.stack_runner != "docker" && declared_.stack_runner != "dind";
  }

  void resources(const std::string& prefix, const resources_view& r, const std::string& container) {
    quantity(prefix + "cpu_request", r.cpu_request, container);
    quantity(prefix + "memory_request", r.memory_request, container);
    quantity(prefix + "cpu_limit", r.cpu_limit, container);
    quantity(prefix + "memory_limit", r.memory_limit, container);
  }

  const stack_file& file_;
  const declared_runner& declared_;
  const runner_view& live_;
  std::vector<drift_item>& out_;
};

using runner_key = std::tuple<const std::string&, const std::string&, const std::string&>;

/// Runners by (name, cluster, forge), so judging is O(declared + runners), not their product.
std::map<runner_key, std::size_t> index_runners(const std::vector<runner_view>& runners) {
  std::map<runner_key, std::size_t> out;
  for (std::size_t i = 0; i < runners.size(); ++i)
    out.emplace(runner_key{runners[i].name, runners[i].cluster, runners[i].forge}, i);
  return out;
}

int rank(const std::string& severity) { return severity == "error" ? 0 : severity == "warning" ? 1 : 2; }

}  // namespace

std::vector<drift_item> compute_drift(const desired_state& d, const std::vector<runner_view>& runners,
                                      const drift_context& ctx) {
  std::vector<drift_item> out;
  auto declared = declared_runners(d);
  std::set<std::pair<std::string, std::string>> covered;  // (cluster, forge) some readable file declares for
  std::set<std::pair<std::string, std::string>> unknown;  // (cluster, forge) with an unreadable file
  for (const auto& f : d.files) {
    std::pair<std::string, std::string> where{f.cluster, std::string(forge_of(f.stack))};
    if (f.doc) {
      covered.insert(where);
      continue;
    }
    unknown.insert(where);
    out.push_back({"error", "file", "", f.cluster, "", "", "", "", f.path,
                   f.path + " cannot be read, so drift of its runners is unknown: " + f.problem});
  }
  std::vector<bool> matched(runners.size(), false);
  auto live = index_runners(runners);
  for (const auto& want : declared) {
    auto it = live.find(std::tie(want.name, want.cluster, want.forge));
    const auto& file = d.files[want.file];
    if (it == live.end()) {
      if (ctx.unsynced_clusters.contains(want.cluster)) continue;
      out.push_back({"error", "missing", want.name, want.cluster, want.ns, "", "declared", "absent", file.path,
                     "declared in " + file.path + " (" + want.stack_runner + ") but not deployed in " + want.cluster +
                         "/" + want.ns});
      continue;
    }
    matched[it->second] = true;
    judge(file, want, runners[it->second], out).run();
  }
  for (std::size_t i = 0; i < runners.size(); ++i) {
    const auto& r = runners[i];
    std::pair<std::string, std::string> where{r.cluster, r.forge};
    if (matched[i] || !covered.contains(where) || unknown.contains(where)) continue;
    if (ctx.unmanaged.contains(r.name)) {
      out.push_back({"info", "unmanaged", r.name, r.cluster, r.ns, "", "", "deployed", "",
                     "runs outside the stacks on purpose (gitops.unmanaged)"});
      continue;
    }
    out.push_back({"error", "undeclared", r.name, r.cluster, r.ns, "", "absent", "deployed", "",
                   "runs in " + r.cluster + "/" + r.ns + " but no tfvars file declares it; declare it, remove it, "
                   "or list it in gitops.unmanaged"});
  }
  std::stable_sort(out.begin(), out.end(), [](const drift_item& a, const drift_item& b) {
    return std::tuple(rank(a.severity), a.runner, a.cluster, a.key) < std::tuple(rank(b.severity), b.runner, b.cluster, b.key);
  });
  return out;
}

void attach_config_refs(const desired_state& d, const std::vector<drift_item>& drift, std::vector<runner_view>& runners) {
  auto live = index_runners(runners);
  std::map<std::pair<std::string, std::string>, runner_config_ref> refs;  // (name, cluster)
  for (const auto& want : declared_runners(d)) {
    auto it = live.find(std::tie(want.name, want.cluster, want.forge));
    if (it == live.end()) continue;
    refs[{want.name, want.cluster}] = {d.files[want.file].path, std::string(to_string(d.files[want.file].stack)),
                                       want.stack_runner};
  }
  for (const auto& item : drift) {
    auto it = refs.find({item.runner, item.cluster});
    if (it == refs.end()) continue;
    if (item.severity == "error") ++it->second.drift_errors;
    else if (item.severity == "warning") ++it->second.drift_warnings;
    else ++it->second.drift_info;
  }
  for (auto& r : runners)
    if (auto it = refs.find({r.name, r.cluster}); it != refs.end() && (r.forge == "gitlab") == (it->second.stack == "gitlab-runners"))
      r.config = it->second;
}

}  // namespace runnerfleet::gitops
