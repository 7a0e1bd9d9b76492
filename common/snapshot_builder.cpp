// SPDX-License-Identifier: Apache-2.0
#include "common/snapshot_builder.hpp"

#include "common/pod_problems.hpp"

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

/// Pods of one cluster, grouped for the lookups the builder makes.
struct pod_index {
  /// (ns, label, value) → pods, for the first key of each deployment selector.
  view_map<const kube::pod*> by_label;
  /// (ns, scale-set-name) → runner pods of that scale set.
  view_map<const kube::pod*> by_scale_set;
  /// (scale-set-ns, scale-set-name) → listener pods (they live in the controller namespace).
  view_map<const kube::pod*> listeners;
};

/// The other objects of one cluster grouped by what owns them, built once per snapshot so
/// matching stays linear in the fleet size.
struct owner_index {
  std::unordered_map<std::string, const kube::hpa*> hpa_by_target;  ///< "ns/deployment"
  std::unordered_map<std::string, std::vector<const kube::ephemeral_runner*>> runners_by_set;  ///< "ns/set"
  std::unordered_map<std::string, std::vector<const kube::ephemeral_runner_set*>> sets_by_owner;  ///< "ns/set"
  std::unordered_map<std::string, std::vector<const kube::autoscaling_listener*>> listeners_by_set;  ///< "ns/set"
};

std::string join_key(std::string_view a, std::string_view b) {
  std::string key;
  key.reserve(a.size() + b.size() + 1);
  key.append(a).append("/").append(b);
  return key;
}

owner_index index_owners(const cluster_state& state) {
  owner_index index;
  for (const auto& [_, h] : state.hpas)
    if (h.target_kind == "Deployment") index.hpa_by_target[join_key(h.meta.ns, h.target_name)] = &h;
  for (const auto& [_, er] : state.ephemeral_runners)
    index.runners_by_set[join_key(er.meta.ns, label(er.meta.labels, scale_set_label))].push_back(&er);
  for (const auto& [_, ers] : state.ephemeral_runner_sets)
    index.sets_by_owner[join_key(ers.meta.ns, label(ers.meta.labels, scale_set_label))].push_back(&ers);
  for (const auto& [_, l] : state.listeners)
    index.listeners_by_set[join_key(l.runner_set_namespace, l.runner_set_name)].push_back(&l);
  return index;
}

pod_index index_pods(const cluster_state& state) {
  std::vector<std::string_view> selector_keys;
  for (const auto& [_, d] : state.deployments)
    if (!d.selector.empty()) selector_keys.push_back(d.selector.begin()->first);
  std::sort(selector_keys.begin(), selector_keys.end());
  selector_keys.erase(std::unique(selector_keys.begin(), selector_keys.end()), selector_keys.end());

  pod_index index;
  index.by_label.reserve(state.deployments.size() * 2);
  index.by_scale_set.reserve(state.runner_sets.size() * 2);
  for (const auto& [_, p] : state.pods) {
    for (auto key : selector_keys)
      if (auto it = p.meta.labels.find(key); it != p.meta.labels.end())
        index.by_label[{p.meta.ns, it->first, it->second}].push_back(&p);
    auto set_name = label(p.meta.labels, scale_set_label);
    if (set_name.empty()) continue;
    if (label(p.meta.labels, component_label) == "runner-scale-set-listener")
      index.listeners[{label(p.meta.labels, scale_set_ns_label), set_name, {}}].push_back(&p);
    else
      index.by_scale_set[{p.meta.ns, set_name, {}}].push_back(&p);
  }
  return index;
}

/// The builder's per-cluster working state: results plus who owns which pod and object.
class cluster_builder {
 public:
  cluster_builder(const cluster_input& in, const build_input& all, std::vector<runner_view>& runners,
                  std::vector<pod_view>& pods)
      : in_(in), all_(all), state_(*in.state), index_(index_pods(*in.state)), owners_(index_owners(*in.state)),
        runners_(runners), pods_(pods) {}

  void run() {
    problems_.reserve(state_.pods.size());
    for (const auto& [_, p] : state_.pods) problems_.emplace(&p, detect_pod_problems(p, all_.thresholds, all_.now));
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

  void claim_pod(const kube::pod& p, std::string_view role) {
    pod_owner_[&p] = {runners_.size() - 1, role};
  }

  void claim_object(std::string_view kind, const kube::object_meta& meta) {
    object_owner_[std::string(kind) + "/" + object_key(meta.ns, meta.name)] = runners_.size() - 1;
  }

  /// Counts a runner's pods and their problems into r.
  void count_pods(runner_view& r, const std::vector<const kube::pod*>& pods,
                  std::vector<std::string>& problem_lines) {
    for (const auto* p : pods) {
      ++r.pods.total;
      if (p->phase == "Running") ++r.pods.running;
      else if (p->phase == "Pending") ++r.pods.pending;
      else if (p->phase == "Succeeded") ++r.pods.succeeded;
      else if (p->phase == "Failed") ++r.pods.failed;
      else ++r.pods.unknown;
      const auto& problems = problems_.at(p);
      if (!problems.empty()) {
        ++r.pods.problems;
        problem_lines.push_back(p->meta.name + ": " + problems.front().reason);
      }
      r.pod_names.push_back(object_key(p->meta.ns, p->meta.name));
    }
  }

  void add_gitlab_runner(const kube::deployment& d) {
    runner_view& r = new_runner(d.meta, "gitlab");
    claim_object("Deployment", d.meta);
    r.deployment = deployment_view{d.meta.name, d.replicas, d.ready_replicas, d.available_replicas,
                                   d.updated_replicas};
    kube::string_map type_labels = d.meta.labels;
    type_labels.insert(d.template_labels.begin(), d.template_labels.end());
    r.type = detect_runner_type(type_labels, r.tags);

    std::vector<const kube::pod*> pods;
    if (!d.selector.empty()) {
      const auto& [k, v] = *d.selector.begin();
      if (auto it = index_.by_label.find({d.meta.ns, k, v}); it != index_.by_label.end())
        for (const auto* p : it->second)
          if (matches_selector(d.selector, p->meta.labels)) pods.push_back(p);
    }
    for (const auto* p : pods) claim_pod(*p, "manager");
    std::vector<std::string> problem_lines;
    count_pods(r, pods, problem_lines);

    const kube::hpa* h = nullptr;
    if (auto it = owners_.hpa_by_target.find(join_key(d.meta.ns, d.meta.name)); it != owners_.hpa_by_target.end())
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

    std::vector<const kube::pod*> pods;
    if (auto it = index_.by_scale_set.find({ars.meta.ns, ars.meta.name, {}}); it != index_.by_scale_set.end())
      pods = it->second;
    for (const auto* p : pods) claim_pod(*p, "runner");
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
    const auto set_key = join_key(ars.meta.ns, ars.meta.name);
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
        for (const auto* p : it->second) {
          claim_pod(*p, "listener");
          if (p->ready) lv.pod_ready = true;
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

  void emit_pods() {
    for (const auto& [_, p] : state_.pods) {
      pod_view v;
      v.cluster = in_.name;
      v.ns = p.meta.ns;
      v.name = p.meta.name;
      if (auto it = pod_owner_.find(&p); it != pod_owner_.end()) {
        const auto& r = runners_[it->second.runner];
        v.runner = r.name;
        v.forge = r.forge;
        v.role = std::string(it->second.role);
      }
      v.phase = p.phase;
      v.total_containers = 0;
      for (const auto& c : p.containers) {
        if (c.init) continue;
        ++v.total_containers;
        if (c.ready) ++v.ready_containers;
        v.restarts += c.restarts;
      }
      for (const auto& c : p.containers)
        if (c.init) v.restarts += c.restarts;
      if (v.total_containers == 0) v.total_containers = p.spec_containers;
      v.node = p.node;
      v.ip = p.ip;
      v.created = p.meta.created;
      v.problems = std::move(problems_.at(&p));
      pods_.push_back(std::move(v));
    }
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
      auto pod = state_.pods.find(object_key(e.involved_namespace, e.involved_name));
      if (pod == state_.pods.end()) return std::nullopt;
      auto it = pod_owner_.find(&pod->second);
      return it == pod_owner_.end() ? std::nullopt : std::optional<std::size_t>(it->second.runner);
    }
    auto it = object_owner_.find(e.involved_kind + "/" + object_key(e.involved_namespace, e.involved_name));
    return it == object_owner_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
  }

  struct owner {
    std::size_t runner;
    std::string_view role;
  };

  const cluster_input& in_;
  const build_input& all_;
  const cluster_state& state_;
  pod_index index_;
  owner_index owners_;
  std::vector<runner_view>& runners_;
  std::vector<pod_view>& pods_;
  std::size_t first_runner_ = runners_.size();
  std::unordered_map<const kube::pod*, std::vector<pod_problem>> problems_;
  std::unordered_map<const kube::pod*, owner> pod_owner_;
  std::unordered_map<std::string, std::size_t> object_owner_;  ///< "Kind/ns/name" → runner
};

void add_attention(fleet_summary& f, const runner_view& r) {
  if (r.status == "offline") f.attention.push_back({"error", r.name, "offline", r.status_reason});
  else if (r.status == "degraded") f.attention.push_back({"warning", r.name, "degraded", r.status_reason});
  else if (r.status == "unknown") f.attention.push_back({"warning", r.name, "unknown", r.status_reason});
  if (r.scaling.at_max)
    f.attention.push_back({"info", r.name, "at_max",
                           r.scaling.autoscaler + " is at its maximum of " +
                               std::to_string(r.scaling.max.value_or(0))});
}

fleet_summary summarize(const snapshot& s) {
  fleet_summary f;
  f.runners_total = static_cast<int>(s.runners.size());
  for (const auto& r : s.runners) {
    ++f.runners_by_status[r.status];
    ++f.runners_by_forge_status[r.forge][r.status];
    if (r.jobs.running) f.jobs.running = f.jobs.running.value_or(0) + *r.jobs.running;
    if (r.jobs.pending) f.jobs.pending = f.jobs.pending.value_or(0) + *r.jobs.pending;
    add_attention(f, r);
  }
  for (const auto& p : s.pods) {
    ++f.pods.total;
    if (p.phase == "Running") ++f.pods.running;
    else if (p.phase == "Pending") ++f.pods.pending;
    else if (p.phase == "Succeeded") ++f.pods.succeeded;
    else if (p.phase == "Failed") ++f.pods.failed;
    else ++f.pods.unknown;
    if (!p.problems.empty()) ++f.pods.problems;
    for (const auto& problem : p.problems) ++f.pods_by_problem[problem.reason];
  }
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
  s->pods.reserve(pods);  // one allocation: growing 10,000 large views means repeated moves
  s->runners.reserve(runners);
  for (const auto& cluster : input.clusters)
    if (cluster.state) cluster_builder(cluster, input, s->runners, s->pods).run();
  std::sort(s->runners.begin(), s->runners.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.cluster, a.ns) < std::tie(b.name, b.cluster, b.ns);
  });
  std::sort(s->pods.begin(), s->pods.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ns, a.name, a.cluster) < std::tie(b.ns, b.name, b.cluster);
  });
  s->sources = input.sources;
  for (const auto& src : s->sources)
    if (src.state == "down" || src.state == "degraded") s->stale_sources.push_back(src.name);
  s->fleet = summarize(*s);
  s->index();
  return s;
}

}  // namespace runnerfleet
