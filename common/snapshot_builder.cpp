// SPDX-License-Identifier: Apache-2.0
#include "common/snapshot_builder.hpp"

#include "common/gitops/drift.hpp"

#include "common/arc_pause.hpp"
#include "common/pod_problems.hpp"
#include "common/registration_match.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>

namespace runnerfleet {
namespace {

using kube::cluster_state;
using kube::object_key;

constexpr std::size_t max_events_per_runner = 20;
constexpr std::string_view runner_type_label = "app.kubernetes.io/runner-type";
constexpr std::string_view scale_set_label = "actions.github.com/scale-set-name";
constexpr std::string_view scale_set_ns_label = "actions.github.com/scale-set-namespace";
constexpr std::string_view component_label = "app.kubernetes.io/component";
constexpr std::array<std::string_view, 7> known_types = {"docker", "dind",  "nix", "rocky8",
                                                         "rocky9", "l40s", "a100"};

std::string_view label(const kube::string_map& labels, std::string_view key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string_view{} : std::string_view(it->second);
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

/// A Deployment is a gitlab-runner release when its chart, name label or image says so.
bool is_gitlab_runner(const kube::deployment& d) {
  if (label(d.meta.labels, "chart").substr(0, 13) == "gitlab-runner") return true;
  if (label(d.meta.labels, "app.kubernetes.io/name") == "gitlab-runner") return true;
  for (const auto& image : d.images)
    if (contains(image, "gitlab-runner")) return true;
  return false;
}

bool matches_selector(const kube::string_map& selector, const kube::string_map& labels) {
  if (selector.empty()) return false;  // an empty selector would select everything: never ours
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

/// A lookup key made of views into the cluster cache's own strings (no allocation per pod).
struct view_key {
  std::string_view a, b, c;
  bool operator==(const view_key&) const = default;
};
struct view_key_hash {
  std::size_t operator()(const view_key& k) const {
    std::hash<std::string_view> h;
    return (h(k.a) * 1000003u) ^ (h(k.b) * 31u) ^ h(k.c);
  }
};
template <class T>
using view_map = std::unordered_map<view_key, std::vector<T>, view_key_hash>;

/// What the builder learns about one pod: its problems and which runner claimed it.
struct pod_facts {
  const kube::pod* pod = nullptr;
  std::vector<pod_problem> problems;
  std::optional<std::size_t> runner;  ///< position in the runner list
  std::string_view role;
};

/// Pods of one cluster (as positions in the builder's pod_facts), grouped for its lookups.
struct pod_index {
  /// (ns, label, value) → pods, for the first key of each deployment selector.
  view_map<std::size_t> by_label;
  /// (ns, scale-set-name) → runner pods of that scale set.
  view_map<std::size_t> by_scale_set;
  /// (scale-set-ns, scale-set-name) → listener pods (they live in the controller namespace).
  view_map<std::size_t> listeners;
};

/// The other objects of one cluster grouped by what owns them, built once per snapshot so
/// matching stays linear in the fleet size.
/// Keys are (namespace, name) views into the cluster cache.
struct owner_index {
  std::unordered_map<view_key, const kube::hpa*, view_key_hash> hpa_by_target;  ///< (ns, deployment)
  view_map<const kube::ephemeral_runner*> runners_by_set;                         ///< (ns, scale set)
  view_map<const kube::ephemeral_runner_set*> sets_by_owner;                      ///< (ns, scale set)
  view_map<const kube::autoscaling_listener*> listeners_by_set;                   ///< (ns, scale set)
};

owner_index index_owners(const cluster_state& state) {
  owner_index index;
  for (const auto& [_, h] : state.hpas)
    if (h.target_kind == "Deployment") index.hpa_by_target[{h.meta.ns, h.target_name, {}}] = &h;
  for (const auto& [_, er] : state.ephemeral_runners)
    index.runners_by_set[{er.meta.ns, label(er.meta.labels, scale_set_label), {}}].push_back(&er);
  for (const auto& [_, ers] : state.ephemeral_runner_sets)
    index.sets_by_owner[{ers.meta.ns, label(ers.meta.labels, scale_set_label), {}}].push_back(&ers);
  for (const auto& [_, l] : state.listeners)
    index.listeners_by_set[{l.runner_set_namespace, l.runner_set_name, {}}].push_back(&l);
  return index;
}

pod_index index_pods(const cluster_state& state, const std::vector<pod_facts>& facts) {
  std::vector<std::string_view> selector_keys;
  for (const auto& [_, d] : state.deployments)
    if (!d.selector.empty()) selector_keys.push_back(d.selector.begin()->first);
  std::sort(selector_keys.begin(), selector_keys.end());
  selector_keys.erase(std::unique(selector_keys.begin(), selector_keys.end()), selector_keys.end());

  pod_index index;
  index.by_label.reserve(state.deployments.size() * 2);
  index.by_scale_set.reserve(state.runner_sets.size() * 2);
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const auto& p = *facts[i].pod;
    for (auto key : selector_keys)
      if (auto it = p.meta.labels.find(key); it != p.meta.labels.end())
        index.by_label[{p.meta.ns, it->first, it->second}].push_back(i);
    auto set_name = label(p.meta.labels, scale_set_label);
    if (set_name.empty()) continue;
    if (label(p.meta.labels, component_label) == "runner-scale-set-listener")
      index.listeners[{label(p.meta.labels, scale_set_ns_label), set_name, {}}].push_back(i);
    else
      index.by_scale_set[{p.meta.ns, set_name, {}}].push_back(i);
  }
  return index;
}

/// A pod view's content as views into the cache and the runner list: compared against the
/// previous snapshot's view without allocating, copied into a new view only when it changed.
struct pod_fields {
  std::string_view cluster, ns, name, runner, forge, role, phase, node, ip;
  int ready_containers = 0, total_containers = 0, restarts = 0;
  std::optional<time_point> created;
};

bool describes(const pod_view& v, const pod_fields& f, const std::vector<pod_problem>& problems) {
  return v.cluster == f.cluster && v.ns == f.ns && v.name == f.name && v.runner == f.runner &&
         v.forge == f.forge && v.role == f.role && v.phase == f.phase && v.node == f.node && v.ip == f.ip &&
         v.ready_containers == f.ready_containers && v.total_containers == f.total_containers &&
         v.restarts == f.restarts && v.created == f.created && v.problems == problems;
}

pod_view make_view(const pod_fields& f, std::vector<pod_problem> problems) {
  return {std::string(f.cluster), std::string(f.ns),    std::string(f.name),  std::string(f.runner),
          std::string(f.forge),   std::string(f.role),  std::string(f.phase), f.ready_containers,
          f.total_containers,     f.restarts,           std::string(f.node),  std::string(f.ip),
          f.created,              std::move(problems)};
}

/// The builder's per-cluster working state: results plus who owns which pod and object.
class cluster_builder {
 public:
  cluster_builder(const cluster_input& in, const build_input& all, std::vector<runner_view>& runners,
                  std::vector<pod_ptr>& pods)
      : in_(in), all_(all), state_(*in.state), facts_(collect_facts(*in.state, all)), index_(index_pods(*in.state, facts_)),
        owners_(index_owners(*in.state)), runners_(runners), pods_(pods) {}

  void run() {
    for (const auto& [_, d] : state_.deployments)
      if (is_gitlab_runner(d)) add_gitlab_runner(d);
    for (const auto& [_, ars] : state_.runner_sets) add_github_runner(ars);
    emit_pods();
    attach_events();
  }

 private:
  runner_view& new_runner(const kube::object_meta& meta, std::string forge) {
    runner_view r;
    r.name = meta.name;
    r.forge = std::move(forge);
    r.cluster = in_.name;
    r.ns = meta.ns;
    r.stale = in_.stale;
    runners_.push_back(std::move(r));
    return runners_.back();
  }

  void claim_pod(std::size_t pod, std::string_view role) {
    facts_[pod].runner = runners_.size() - 1;
    facts_[pod].role = role;
  }

  void claim_object(std::string_view kind, const kube::object_meta& meta) {
    object_owner_[{kind, meta.ns, meta.name}] = runners_.size() - 1;
  }

  /// Counts a runner's pods and their problems into r.
  void count_pods(runner_view& r, const std::vector<std::size_t>& pods, std::vector<std::string>& problem_lines) {
    for (auto i : pods) {
      const auto* p = facts_[i].pod;
      ++r.pods.total;
      if (p->phase == "Running") ++r.pods.running;
      else if (p->phase == "Pending") ++r.pods.pending;
      else if (p->phase == "Succeeded") ++r.pods.succeeded;
      else if (p->phase == "Failed") ++r.pods.failed;
      else ++r.pods.unknown;
      const auto& problems = facts_[i].problems;
      if (!problems.empty()) {
        ++r.pods.problems;
        problem_lines.push_back(p->meta.name + ": " + problems.front().reason);
      }
      r.pod_names.push_back(object_key(p->meta.ns, p->meta.name));
    }
  }

  static std::optional<resources_view> to_view(const std::optional<kube::container_resources>& c) {
    if (!c) return std::nullopt;
    return resources_view{c->cpu_request, c->memory_request, c->cpu_limit, c->memory_limit};
  }

  void add_gitlab_runner(const kube::deployment& d) {
    runner_view& r = new_runner(d.meta, "gitlab");
    claim_object("Deployment", d.meta);
    r.deployment = deployment_view{d.meta.name, d.replicas, d.ready_replicas, d.available_replicas,
                                   d.updated_replicas};
    kube::string_map type_labels = d.meta.labels;
    type_labels.insert(d.template_labels.begin(), d.template_labels.end());
    r.type = detect_runner_type(type_labels, r.tags);
    r.resources = to_view(d.main_resources);

    std::vector<std::size_t> pods;
    if (!d.selector.empty()) {
      const auto& [k, v] = *d.selector.begin();
      if (auto it = index_.by_label.find({d.meta.ns, k, v}); it != index_.by_label.end())
        for (auto i : it->second)
          if (matches_selector(d.selector, facts_[i].pod->meta.labels)) pods.push_back(i);
    }
    for (auto i : pods) claim_pod(i, "manager");
    std::vector<std::string> problem_lines;
    count_pods(r, pods, problem_lines);

    const kube::hpa* h = nullptr;
    if (auto it = owners_.hpa_by_target.find({d.meta.ns, d.meta.name, {}}); it != owners_.hpa_by_target.end())
      h = it->second;
    if (h) {
      claim_object("HorizontalPodAutoscaler", h->meta);
      auto& s = r.scaling;
      s.model = "hpa";
      s.autoscaler = h->meta.name;
      s.min = h->min_replicas;
      s.max = h->max_replicas;
      s.current = h->current_replicas;
      s.desired = h->desired_replicas;
      s.cpu_current = h->cpu_current;
      s.cpu_target = h->cpu_target;
      s.memory_current = h->memory_current;
      s.memory_target = h->memory_target;
      s.scale_up_window_s = h->scale_up_window_s;
      s.scale_down_window_s = h->scale_down_window_s;
      s.last_scale_time = h->last_scale_time;
      s.at_max = h->max_replicas > 0 && h->current_replicas >= h->max_replicas;
      for (const auto& c : h->conditions) s.conditions.push_back({c.type, c.status, c.reason, c.message});
    } else {
      r.scaling.current = d.status_replicas;
      r.scaling.desired = d.replicas;
    }
    derive_gitlab_status(r, d, problem_lines);
  }

  void derive_gitlab_status(runner_view& r, const kube::deployment& d,
                            const std::vector<std::string>& problem_lines) {
    if (!in_.synced) {
      r.status = "unknown";
      r.status_reason = "cluster " + in_.name + " has not been listed yet";
    } else if (d.replicas == 0 && r.pods.running == 0) {
      r.status = "idle";
      r.status_reason = "scaled to zero";
    } else if (d.ready_replicas == 0) {
      r.status = "offline";
      r.status_reason = "no ready replicas (0/" + std::to_string(d.replicas) + ")";
      if (!problem_lines.empty()) r.status_reason += "; " + problem_lines.front();
    } else if (!problem_lines.empty()) {
      r.status = "degraded";
      r.status_reason = std::to_string(problem_lines.size()) + " pod(s) with problems: " + problem_lines.front();
    } else {
      r.status = "online";
      r.status_reason = std::to_string(d.ready_replicas) + "/" + std::to_string(d.replicas) + " replicas ready";
    }
  }

  void add_github_runner(const kube::autoscaling_runner_set& ars) {
    runner_view& r = new_runner(ars.meta, "github");
    claim_object("AutoscalingRunnerSet", ars.meta);
    r.tags.push_back(ars.scale_set_name);
    for (const auto& l : ars.scale_set_labels)
      if (std::find(r.tags.begin(), r.tags.end(), l) == r.tags.end()) r.tags.push_back(l);
    r.type = detect_runner_type(ars.meta.labels, r.tags);
    r.resources = to_view(ars.runner_resources);

    std::vector<std::size_t> pods;
    if (auto it = index_.by_scale_set.find({ars.meta.ns, ars.meta.name, {}}); it != index_.by_scale_set.end())
      pods = it->second;
    for (auto i : pods) claim_pod(i, "runner");
    std::vector<std::string> problem_lines;
    count_pods(r, pods, problem_lines);

    auto& s = r.scaling;
    s.model = "arc";
    s.autoscaler = ars.meta.name;
    s.min = ars.min_runners.value_or(0);
    s.max = ars.max_runners;
    s.current = ars.current_runners;
    s.desired = ars.current_runners;
    s.pending_runners = ars.pending_runners;
    s.running_runners = ars.running_runners;
    s.failed_runners = ars.failed_runners;
    const view_key set_key{ars.meta.ns, ars.meta.name, {}};
    if (auto it = owners_.sets_by_owner.find(set_key); it != owners_.sets_by_owner.end())
      for (const auto* ers : it->second) {
        claim_object("EphemeralRunnerSet", ers->meta);
        s.desired = ers->replicas;
      }
    s.at_max = ars.max_runners && *ars.max_runners > 0 && ars.current_runners >= *ars.max_runners;

    int busy = 0;
    static const std::vector<const kube::ephemeral_runner*> none;
    auto ers_it = owners_.runners_by_set.find(set_key);
    for (const auto* er_ptr : ers_it == owners_.runners_by_set.end() ? none : ers_it->second) {
      const auto& er = *er_ptr;
      claim_object("EphemeralRunner", er.meta);
      if (!er.job_id.empty() || !er.job_repository.empty()) ++busy;
      r.ephemeral_runners.push_back({er.meta.name, er.phase, er.reason, er.job_id, er.job_repository,
                                     er.job_workflow_ref, er.job_display_name});
    }
    std::sort(r.ephemeral_runners.begin(), r.ephemeral_runners.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    r.jobs.running = busy;

    bool listener_found = false;
    static const std::vector<const kube::autoscaling_listener*> no_listeners;
    auto l_it = owners_.listeners_by_set.find(set_key);
    for (const auto* l_ptr : l_it == owners_.listeners_by_set.end() ? no_listeners : l_it->second) {
      const auto& l = *l_ptr;
      listener_found = true;
      claim_object("AutoscalingListener", l.meta);
      listener_view lv{l.meta.name, l.meta.ns, false};
      if (auto it = index_.listeners.find({ars.meta.ns, ars.meta.name, {}}); it != index_.listeners.end())
        for (auto i : it->second) {
          claim_pod(i, "listener");
          if (facts_[i].pod->ready) lv.pod_ready = true;
        }
      r.listener = lv;
    }
    derive_github_status(r, ars, listener_found, problem_lines);
  }

  void derive_github_status(runner_view& r, const kube::autoscaling_runner_set& ars,
                            bool listener_found, const std::vector<std::string>& problem_lines) {
    if (!in_.synced) {
      r.status = "unknown";
      r.status_reason = "cluster " + in_.name + " has not been listed yet";
    } else if (arc_pause::is_paused(ars)) {
      int active = ars.running_runners + ars.pending_runners;
      r.status = active > 0 ? "draining" : "paused";
      r.status_reason = "paused by scaling to zero (maxRunners 0)";
      if (active > 0) r.status_reason += "; " + std::to_string(active) + " runner(s) still finishing";
    } else if (!listener_found && in_.listeners_visible) {
      r.status = "offline";
      r.status_reason = "no AutoscalingListener for this scale set";
    } else if (ars.failed_runners > 0) {
      r.status = "degraded";
      r.status_reason = std::to_string(ars.failed_runners) + " failed ephemeral runner(s)";
    } else if (!problem_lines.empty()) {
      r.status = "degraded";
      r.status_reason = std::to_string(problem_lines.size()) + " pod(s) with problems: " + problem_lines.front();
    } else if (r.listener && !r.listener->pod_ready && in_.listeners_visible) {
      r.status = "degraded";
      r.status_reason = "listener pod is not ready";
    } else if (ars.current_runners == 0) {
      r.status = "idle";
      r.status_reason = "scaled to zero";
    } else {
      r.status = "online";
      r.status_reason = std::to_string(ars.running_runners) + " running, " +
                        std::to_string(ars.pending_runners) + " pending runner(s)";
    }
    if (!listener_found && !in_.listeners_visible && r.status == "online")
      r.status_reason += "; listener not visible (watch the ARC controller namespace)";
  }

  /// Appends a view per pod, in the store's (namespace, name) order, sharing the previous
  /// snapshot's view wherever the pod, its owner and its problems are unchanged.
  void emit_pods() {
    const std::vector<pod_ptr> none;
    const auto& previous = all_.previous ? all_.previous->pods : none;
    auto prev = previous.begin();
    for (auto& f : facts_) {
      auto fields = fields_of(f);
      while (prev != previous.end() &&
             std::tie((*prev)->ns, (*prev)->name, (*prev)->cluster) < std::tie(fields.ns, fields.name, fields.cluster))
        ++prev;
      if (prev != previous.end() && describes(**prev, fields, f.problems)) {
        pods_.push_back(*prev);
        continue;
      }
      pods_.push_back(std::make_shared<const pod_view>(make_view(fields, std::move(f.problems))));
    }
  }

  pod_fields fields_of(const pod_facts& f) const {
    const auto& p = *f.pod;
    pod_fields v{.cluster = in_.name, .ns = p.meta.ns, .name = p.meta.name, .phase = p.phase,
                 .node = p.node, .ip = p.ip, .created = p.meta.created};
    if (f.runner) {
      const auto& r = runners_[*f.runner];
      v.runner = r.name;
      v.forge = r.forge;
      v.role = f.role;
    }
    for (const auto& c : p.containers) {
      v.restarts += c.restarts;
      if (c.init) continue;
      ++v.total_containers;
      if (c.ready) ++v.ready_containers;
    }
    if (v.total_containers == 0) v.total_containers = p.spec_containers;
    return v;
  }

  void attach_events() {
    for (const auto& [_, e] : state_.events) {
      auto runner = owner_of(e);
      if (!runner) continue;
      runners_[*runner].kube_events.push_back({e.meta.uid, e.type, e.reason, e.message,
                                                  e.involved_kind, e.involved_name, e.source,
                                                  e.count, e.last_seen});
    }
    for (std::size_t i = first_runner_; i < runners_.size(); ++i) {
      auto& events = runners_[i].kube_events;
      std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
        return a.last_seen != b.last_seen ? a.last_seen > b.last_seen : a.uid < b.uid;
      });
      if (events.size() > max_events_per_runner) events.resize(max_events_per_runner);
      std::sort(runners_[i].pod_names.begin(), runners_[i].pod_names.end());
    }
  }

  /// The runner owning an event's involved object, if it is one of ours.
  std::optional<std::size_t> owner_of(const kube::event& e) const {
    if (e.involved_kind == "Pod") {
      // facts_ is in the store's (namespace, name) order.
      std::string_view ns = e.involved_namespace, name = e.involved_name;
      auto it = std::lower_bound(facts_.begin(), facts_.end(), std::tie(ns, name), [](const pod_facts& f, const auto& key) {
        return std::tie(f.pod->meta.ns, f.pod->meta.name) < key;
      });
      if (it == facts_.end() || it->pod->meta.ns != ns || it->pod->meta.name != name) return std::nullopt;
      return it->runner;
    }
    auto it = object_owner_.find({e.involved_kind, e.involved_namespace, e.involved_name});
    return it == object_owner_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
  }

  static std::vector<pod_facts> collect_facts(const cluster_state& state, const build_input& all) {
    std::vector<pod_facts> facts;
    facts.reserve(state.pods.size());
    for (const auto& [_, p] : state.pods) facts.push_back({&p, detect_pod_problems(p, all.thresholds, all.now), {}, {}});
    return facts;
  }

  const cluster_input& in_;
  const build_input& all_;
  const cluster_state& state_;
  std::vector<pod_facts> facts_;  ///< one per pod, in the store's order
  pod_index index_;
  owner_index owners_;
  std::vector<runner_view>& runners_;
  std::vector<pod_ptr>& pods_;
  std::size_t first_runner_ = runners_.size();
  std::unordered_map<view_key, std::size_t, view_key_hash> object_owner_;  ///< (kind, ns, name) → runner
};

void add_attention(fleet_summary& f, const runner_view& r, bool gitlab_listed,
                   const std::optional<std::string>& version_target) {
  if (r.status == "offline") f.attention.push_back({"error", r.name, "offline", r.status_reason});
  else if (r.status == "degraded") f.attention.push_back({"warning", r.name, "degraded", r.status_reason});
  else if (r.status == "unknown") f.attention.push_back({"warning", r.name, "unknown", r.status_reason});
  else if (r.status == "draining" || r.status == "paused")
    f.attention.push_back({"info", r.name, r.status, r.status_reason});
  if (r.outdated.value_or(false))
    f.attention.push_back({"warning", r.name, "outdated",
                           "runs gitlab-runner " + r.version.value_or("?") + ", target " + version_target.value_or("?")});
  if (gitlab_listed && r.forge == "gitlab" && r.registrations.empty())
    f.attention.push_back({"warning", r.name, "unregistered",
                           "no GitLab runner registration matches this release (by description or gitlab.mapping)"});
  if (r.scaling.at_max)
    f.attention.push_back({"info", r.name, "at_max",
                           r.scaling.autoscaler + " is at its maximum of " +
                               std::to_string(r.scaling.max.value_or(0))});
}

/// Drift errors one by one; a runner's differing values as one warning that points at the details.
void add_drift_attention(fleet_summary& f, const std::vector<drift_item>& drift) {
  std::map<std::pair<std::string, std::string>, int> differing;
  for (const auto& d : drift) {
    if (d.severity == "error") f.attention.push_back({"error", d.runner, "drift_" + d.kind, d.message});
    else if (d.severity == "warning") ++differing[{d.runner, d.cluster}];
  }
  for (const auto& [who, n] : differing)
    f.attention.push_back({"warning", who.first, "drift",
                           std::to_string(n) + " setting(s) differ from the tfvars (GET /v1/gitops/drift)"});
}

fleet_summary summarize(const snapshot& s, const gitlab_input* gitlab, std::optional<std::string> version_target) {
  fleet_summary f;
  f.runners_total = static_cast<int>(s.runners.size());
  bool listed = gitlab && gitlab->listed;
  f.version_target = std::move(version_target);
  for (const auto& r : s.runners) {
    ++f.runners_by_status[r.status];
    ++f.runners_by_forge_status[r.forge][r.status];
    if (r.jobs.running) f.jobs.running = f.jobs.running.value_or(0) + *r.jobs.running;
    if (r.jobs.pending) f.jobs.pending = f.jobs.pending.value_or(0) + *r.jobs.pending;
    add_attention(f, r, listed, f.version_target);
    if (r.outdated.value_or(false)) f.outdated.push_back(r.name);
    if (listed) {
      f.registrations_matched = f.registrations_matched.value_or(0) + static_cast<int>(r.registrations.size());
      if (r.forge == "gitlab" && r.registrations.empty())
        f.runners_unregistered = f.runners_unregistered.value_or(0) + 1;
    }
  }
  if (listed) {
    f.registrations_matched = f.registrations_matched.value_or(0);
    f.runners_unregistered = f.runners_unregistered.value_or(0);
    f.registrations_unmatched = static_cast<int>(s.unmatched_registrations.size());
    if (!s.unmatched_registrations.empty()) {
      // One item, not one per registration: an instance can hold thousands of unrelated ones.
      std::string names;
      std::size_t shown = 0;
      for (const auto& u : s.unmatched_registrations) {
        if (shown++ == 5) break;
        names += (names.empty() ? "" : ", ") + ("#" + std::to_string(u.id) + " '" + u.description + "' (" + u.status + ")");
      }
      auto n = s.unmatched_registrations.size();
      if (n > 5) names += " and " + std::to_string(n - 5) + " more";
      f.attention.push_back({"info", "", "unmatched_registrations",
                             std::to_string(n) + " GitLab registration(s) match no runner release: " + names});
    }
  }
  for (const auto& ptr : s.pods) {
    const auto& p = *ptr;
    ++f.pods.total;
    if (p.phase == "Running") ++f.pods.running;
    else if (p.phase == "Pending") ++f.pods.pending;
    else if (p.phase == "Succeeded") ++f.pods.succeeded;
    else if (p.phase == "Failed") ++f.pods.failed;
    else ++f.pods.unknown;
    if (!p.problems.empty()) ++f.pods.problems;
    for (const auto& problem : p.problems) ++f.pods_by_problem[problem.reason];
  }
  if (s.metrics)
    for (auto& item : slo_attention(*s.metrics)) f.attention.push_back(std::move(item));
  add_drift_attention(f, s.drift);
  std::stable_sort(f.attention.begin(), f.attention.end(), [](const auto& a, const auto& b) {
    auto rank = [](const std::string& sev) { return sev == "error" ? 0 : sev == "warning" ? 1 : 2; };
    return rank(a.severity) < rank(b.severity);
  });
  return f;
}

std::vector<std::string> split_tokens(std::string_view tag) {
  std::vector<std::string> tokens;
  std::string current;
  for (char ch : tag) {
    if (ch == '-' || ch == '_' || ch == ':' || ch == '.' || ch == '/') {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

}  // namespace

std::string detect_runner_type(const kube::string_map& labels, const std::vector<std::string>& tags) {
  auto from_label = label(labels, runner_type_label);
  for (auto t : known_types)
    if (from_label == t) return std::string(t);
  // dind before docker: a "docker-dind" tag means dind.
  for (auto t : known_types) {
    for (const auto& tag : tags)
      for (const auto& token : split_tokens(tag))
        if (token == t && t != "docker") return std::string(t);
  }
  for (const auto& tag : tags)
    for (const auto& token : split_tokens(tag))
      if (token == "docker") return "docker";
  return "unknown";
}

std::shared_ptr<snapshot> build_snapshot(const build_input& input) {
  auto s = std::make_shared<snapshot>();
  s->generation = input.generation;
  s->built_at = input.now;
  std::size_t pods = 0, runners = 0;
  for (const auto& cluster : input.clusters)
    if (cluster.state) {
      pods += cluster.state->pods.size();
      runners += cluster.state->deployments.size() + cluster.state->runner_sets.size();
    }
  s->pods.reserve(pods);
  s->runners.reserve(runners);
  std::vector<std::size_t> chunk_starts;
  for (const auto& cluster : input.clusters)
    if (cluster.state) {
      chunk_starts.push_back(s->pods.size());
      cluster_builder(cluster, input, s->runners, s->pods).run();
    }
  std::sort(s->runners.begin(), s->runners.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.cluster, a.ns) < std::tie(b.name, b.cluster, b.ns);
  });
  // Each cluster's pods arrive sorted (the store's order); merging the runs sorts them all.
  for (std::size_t i = 1; i < chunk_starts.size(); ++i)
    std::inplace_merge(s->pods.begin(), s->pods.begin() + static_cast<long>(chunk_starts[i]), s->pods.end(),
                       [](const pod_ptr& a, const pod_ptr& b) { return pod_order(*a, *b); });
  s->sources = input.sources;
  for (const auto& src : s->sources)
    if (src.state == "down" || src.state == "degraded") s->stale_sources.push_back(src.name);
  match_outcome matched;
  if (input.gitlab) {
    matched = attach_registrations(s->runners, *input.gitlab);
    s->unmatched_registrations = std::move(matched.unmatched);
  }
  s->metrics = input.metrics;
  s->metrics_stale = input.metrics_stale;
  if (input.gitops && input.gitops->desired) {
    gitops::drift_context ctx;
    if (input.gitops->config) ctx.unmanaged.insert(input.gitops->config->unmanaged.begin(), input.gitops->config->unmanaged.end());
    for (const auto& c : input.clusters)
      if (!c.synced) ctx.unsynced_clusters.insert(c.name);
    s->desired = input.gitops->desired;
    s->desired_stale = input.gitops->stale;
    s->drift = gitops::compute_drift(*s->desired, s->runners, ctx);
    gitops::attach_config_refs(*s->desired, s->drift, s->runners);
  }
  s->fleet = summarize(*s, input.gitlab, std::move(matched.version_target));
  return s;
}

}  // namespace runnerfleet
