// SPDX-License-Identifier: Apache-2.0
#include "common/kube/cluster_state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <vector>

namespace runnerfleet::kube {
namespace {

/// Calls `fn` with the store that holds `kind`.
template <class Fn>
decltype(auto) with_store(cluster_state& s, resource_kind kind, Fn&& fn) {
  switch (kind) {
    case resource_kind::pods: return fn(s.pods);
    case resource_kind::deployments: return fn(s.deployments);
    case resource_kind::horizontal_pod_autoscalers: return fn(s.hpas);
    case resource_kind::events: return fn(s.events);
    case resource_kind::autoscaling_runner_sets: return fn(s.runner_sets);
    case resource_kind::ephemeral_runner_sets: return fn(s.ephemeral_runner_sets);
    case resource_kind::ephemeral_runners: return fn(s.ephemeral_runners);
    case resource_kind::autoscaling_listeners: return fn(s.listeners);
  }
  return fn(s.pods);
}

template <class T>
T parse_as(const nlohmann::json& object);
template <> pod parse_as<pod>(const nlohmann::json& o) { return parse_pod(o); }
template <> deployment parse_as<deployment>(const nlohmann::json& o) { return parse_deployment(o); }
template <> hpa parse_as<hpa>(const nlohmann::json& o) { return parse_hpa(o); }
template <> event parse_as<event>(const nlohmann::json& o) { return parse_event(o); }
template <> autoscaling_runner_set parse_as<autoscaling_runner_set>(const nlohmann::json& o) {
  return parse_autoscaling_runner_set(o);
}
template <> ephemeral_runner_set parse_as<ephemeral_runner_set>(const nlohmann::json& o) {
  return parse_ephemeral_runner_set(o);
}
template <> ephemeral_runner parse_as<ephemeral_runner>(const nlohmann::json& o) {
  return parse_ephemeral_runner(o);
}
template <> autoscaling_listener parse_as<autoscaling_listener>(const nlohmann::json& o) {
  return parse_autoscaling_listener(o);
}

std::string key_of(const nlohmann::json& object) {
  const auto meta = object.find("metadata");
  if (object.is_object() && meta != object.end() && meta->is_object()) {
    auto ns = meta->value("namespace", std::string{});
    auto name = meta->value("name", std::string{});
    if (!name.empty()) return object_key(ns, name);
  }
  return {};
}

}  // namespace

std::string object_key(std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(ns.size() + name.size() + 1);
  key.append(ns).append("/").append(name);
  return key;
}

bool object_key_order::operator()(std::string_view a, std::string_view b) const {
  // Namespaces hold no '/', so the first one ends the namespace part.
  auto a_slash = a.find('/'), b_slash = b.find('/');
  if (int c = a.substr(0, a_slash).compare(b.substr(0, b_slash)); c != 0) return c < 0;
  return a.substr(a_slash == std::string_view::npos ? a.size() : a_slash) <
         b.substr(b_slash == std::string_view::npos ? b.size() : b_slash);
}

void cluster_state::begin_relist(resource_kind kind, std::string_view ns) {
  relisting_[{kind, std::string(ns)}].clear();
}

void cluster_state::relist_item(resource_kind kind, const nlohmann::json& object) {
  std::string key = key_of(object);
  if (key.empty()) return;
  auto ns = key.substr(0, key.find('/'));
  if (auto it = relisting_.find({kind, ns}); it != relisting_.end()) it->second.insert(key);
  upsert(kind, object);
}

void cluster_state::end_relist(resource_kind kind, std::string_view ns) {
  auto it = relisting_.find({kind, std::string(ns)});
  if (it == relisting_.end()) return;
  const auto& seen = it->second;
  const std::string prefix = std::string(ns) + "/";
  std::vector<std::string> gone;
  with_store(*this, kind, [&](auto& store) {
    for (const auto& [key, _] : store)
      if (key.compare(0, prefix.size(), prefix) == 0 && !seen.contains(key)) gone.push_back(key);
  });
  for (const auto& key : gone) erase(kind, key);
  relisting_.erase(it);
}

void cluster_state::abort_relist(resource_kind kind, std::string_view ns) {
  relisting_.erase({kind, std::string(ns)});
}

void cluster_state::apply_event(resource_kind kind, watch_event_type type,
                                const nlohmann::json& object) {
  if (type == watch_event_type::deleted) {
    if (auto key = key_of(object); !key.empty()) erase(kind, key);
    return;
  }
  upsert(kind, object);
}

void cluster_state::upsert(resource_kind kind, const nlohmann::json& object) {
  std::string key = key_of(object);
  if (key.empty()) return;
  with_store(*this, kind, [&](auto& store) {
    using value_type = typename std::decay_t<decltype(store)>::mapped_type;
    auto parsed = parse_as<value_type>(object);
    auto [it, inserted] = store.try_emplace(key, parsed);
    if (inserted) {
      ++version_;
    } else if (!(it->second == parsed)) {
      it->second = std::move(parsed);
      ++version_;
    }
  });
  if (kind == resource_kind::events && events.size() > max_events) trim_events();
}

void cluster_state::erase(resource_kind kind, const std::string& key) {
  with_store(*this, kind, [&](auto& store) {
    if (store.erase(key) > 0) ++version_;
  });
}

void cluster_state::trim_events() {
  std::vector<std::pair<time_point, std::string>> by_age;
  by_age.reserve(events.size());
  for (const auto& [key, e] : events) by_age.emplace_back(e.last_seen.value_or(time_point{}), key);
  auto excess = events.size() - max_events + max_events / 10;  // trim in batches
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<long>(excess), by_age.end());
  for (std::size_t i = 0; i < excess; ++i) events.erase(by_age[i].second);
  ++version_;
}

}  // namespace runnerfleet::kube
