// SPDX-License-Identifier: Apache-2.0
#include "common/gitops/drift.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "common/gitops/value_rules.hpp"

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

  /// The tfvars value of `key` (a top-level key, or a field of this runner's set entry).
  std::optional<tfvars::value> desired(const std::string& key) const {
    if (extra()) return effective_at(stack(), *file_.doc, {sets_key(), declared_.stack_runner, key});
    return effective_value(stack(), *file_.doc, key);
  }

  /// The key as a reviewer finds it in the file.
  std::string key_name(const std::string& key) const {
    return extra() ? sets_key() + "." + declared_.stack_runner + "." + key : key;
  }

  /// A count the tfvars set (replicas, runners) against the live one.
  void count(const std::string& key, std::string kind, const std::optional<int>& live, const std::string& what) {
    if (key.empty()) return;
    auto want = desired(key);
    auto n = want ? want->as_int() : std::nullopt;
    if (!n || (live && *live == *n)) return;
    bool paused = is_paused_scale_set(live_) && key == max_key();
    add(paused ? "info" : "warning", std::move(kind), key_name(key), text_of(want), text_of(live),
        key_name(key) + ": tfvars say " + text_of(want) + ", " + what + " has " + text_of(live) +
            (paused ? " (paused by runnerfleet: scaled to zero until resumed)" : ""));
  }

  /// An HPA setting against the live HPA: the stack's key, or the value its module fixes.
  void hpa(const hpa_setting& setting, const std::optional<int>& live, std::string kind, const std::string& what) {
    if (!setting.fixed) {  // a runner type's own key; a set entry has no such field
      if (!setting.key.empty() && !extra()) count(expand(setting.key, declared_.stack_runner), std::move(kind), live, what);
      return;
    }
    if (live && *live == *setting.fixed) return;
    auto module_value = std::to_string(*setting.fixed);
    add("warning", std::move(kind), setting.key, module_value, text_of(live),
        what + " is " + text_of(live) + " but the runner module sets " + module_value + " (" + setting.key +
            ", not exposed by the stack): changed outside OpenTofu");
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
                    std::move(want), std::move(have), file_.path, std::move(message), live_.forge});
  }

  void release() {
    const auto& l = layout();
    const auto& p = declared_.stack_runner;
    const auto autoscale = extra() ? l.sets.autoscale_field : expand(l.autoscale_key, p);
    auto enabled = autoscale.empty() ? std::optional(tfvars::value::boolean(true)) : desired(autoscale);
    bool want_hpa = enabled && enabled->as_bool();
    bool has_hpa = live_.scaling.model == "hpa";
    if (want_hpa != has_hpa) {
      // A stack without an autoscale key gives every release an HPA: the item names no key then.
      const auto said = autoscale.empty() ? "the " + stack().name + " stack gives every release an HPA"
                                          : key_name(autoscale) + ": tfvars say " + (want_hpa ? "true" : "false");
      add("warning", "autoscaler", autoscale.empty() ? "" : key_name(autoscale), want_hpa ? "true" : "false",
          has_hpa ? "HPA " + live_.scaling.autoscaler : "no HPA",
          said + " but the release " + (has_hpa ? "has HPA " + live_.scaling.autoscaler : "has no HPA"));
    } else if (has_hpa) {
      const auto& s = live_.scaling;
      count(min_key(), "replicas", s.min, "the HPA");
      count(max_key(), "replicas", s.max, "the HPA");
      hpa(l.cpu_target, s.cpu_target, "target", "the HPA's CPU target");
      hpa(l.memory_target, s.memory_target, "target", "the HPA's memory target");
      hpa(l.scale_up_window, s.scale_up_window_s, "window", "the HPA's scale-up window");
      hpa(l.scale_down_window, s.scale_down_window_s, "window", "the HPA's scale-down window");
    }
    resources("manager");
  }

  void scale_set() {
    count(min_key(), "runners", live_.scaling.min, "the scale set");
    count(max_key(), "runners", live_.scaling.max, "the scale set");
    resources("runner");
  }

  void run() {
    if (live_.ns != declared_.ns)
      add("warning", "namespace", layout().namespace_key, declared_.ns, live_.ns,
          "tfvars place it in namespace " + declared_.ns + ", it runs in " + live_.ns);
    if (layout().forge == "gitlab") release();
    else scale_set();
  }

 private:
  const stack_schema& stack() const { return *file_.stack; }
  const runner_layout& layout() const { return file_.stack->layout; }
  const std::string& sets_key() const { return layout().sets.key; }

  /// The key (or set field) of this runner's minimum.
  std::string min_key() const {
    return extra() ? layout().sets.min_field : expand(layout().min_key, declared_.stack_runner);
  }

  /// The key (or set field) of this runner's maximum: at zero while paused, that is expected.
  std::string max_key() const {
    return extra() ? layout().sets.max_field : expand(layout().max_key, declared_.stack_runner);
  }

  /// What this runner's resource keys (or set fields) start with; nullopt when the stack has none.
  std::optional<std::string> resources_prefix() const {
    if (extra()) return layout().sets.resources_prefix;
    if (layout().resources_prefix.empty()) return std::nullopt;
    return expand(layout().resources_prefix, declared_.stack_runner);
  }

  /// Whether this runner is a runner set entry rather than one of the stack's runner types.
  bool extra() const { return !is_runner_type(stack(), declared_.stack_runner); }

  /// The live container's requests and limits against the stack's, when both exist.
  void resources(const std::string& container) {
    auto prefix = resources_prefix();
    if (!live_.resources || !prefix) return;
    const auto& r = *live_.resources;
    quantity(*prefix + "cpu_request", r.cpu_request, container);
    quantity(*prefix + "memory_request", r.memory_request, container);
    quantity(*prefix + "cpu_limit", r.cpu_limit, container);
    quantity(*prefix + "memory_limit", r.memory_limit, container);
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
    std::pair<std::string, std::string> where{f.cluster, f.stack ? f.stack->layout.forge : ""};
    if (f.doc) {
      covered.insert(where);
      continue;
    }
    unknown.insert(where);
    out.push_back({"error", "file", "", f.cluster, "", "", "", "", f.path,
                   f.path + " cannot be read, so drift of its runners is unknown: " + f.problem, where.second});
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
                         "/" + want.ns,
                     want.forge});
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
                     "runs outside the stacks on purpose (gitops.unmanaged)", r.forge});
      continue;
    }
    out.push_back({"error", "undeclared", r.name, r.cluster, r.ns, "", "absent", "deployed", "",
                   "runs in " + r.cluster + "/" + r.ns + " but no tfvars file declares it; declare it, remove it, "
                   "or list it in gitops.unmanaged",
                   r.forge});
  }
  std::stable_sort(out.begin(), out.end(), [](const drift_item& a, const drift_item& b) {
    return std::tuple(rank(a.severity), a.runner, a.cluster, a.key) < std::tuple(rank(b.severity), b.runner, b.cluster, b.key);
  });
  return out;
}

void attach_config_refs(const desired_state& d, const std::vector<drift_item>& drift, std::vector<runner_view>& runners) {
  auto live = index_runners(runners);
  std::map<std::tuple<std::string, std::string, std::string>, runner_config_ref> refs;  // (name, cluster, forge)
  for (const auto& want : declared_runners(d)) {
    if (!live.contains(std::tie(want.name, want.cluster, want.forge))) continue;
    const auto& file = d.files[want.file];
    refs[{want.name, want.cluster, want.forge}] = {file.path, file.stack->name, want.stack_runner};
  }
  for (const auto& item : drift) {
    auto it = refs.find({item.runner, item.cluster, item.forge});
    if (it == refs.end()) continue;
    if (item.severity == "error") ++it->second.drift_errors;
    else if (item.severity == "warning") ++it->second.drift_warnings;
    else ++it->second.drift_info;
  }
  for (auto& r : runners)
    if (auto it = refs.find({r.name, r.cluster, r.forge}); it != refs.end()) r.config = it->second;
}

}  // namespace runnerfleet::gitops
