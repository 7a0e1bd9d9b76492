// SPDX-License-Identifier: Apache-2.0
#include "common/registration_match.hpp"

#include "common/snapshot_builder.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace runnerfleet {

namespace {

std::optional<std::int64_t> as_id(const std::string& s) {
  std::int64_t id = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc{} || ptr != s.data() + s.size() || id <= 0) return std::nullopt;
  return id;
}

std::string human_age(std::chrono::seconds age) {
  auto s = age.count();
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 2 * 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

/// Silent longer than the threshold, as seen when the heartbeat was read (not "now": an
/// old read proves nothing about the minutes since).
bool heartbeat_lost(const gitlab::registration& r, std::chrono::seconds offline_after) {
  if (r.entry.paused) return false;
  if (r.entry.status == "offline" || r.entry.status == "stale" || r.entry.status == "never_contacted") return true;
  auto contact = r.last_contact();
  auto read_at = std::max(r.details_at.value_or(time_point{}), r.managers_at.value_or(time_point{}));
  return contact && read_at > *contact && read_at - *contact > offline_after;
}

/// Index of the registrations each runner name claims: mapping first, then description.
class matcher {
 public:
  matcher(const std::vector<gitlab::registration>& regs, const gitlab_config& cfg) : regs_(regs), cfg_(cfg) {
    for (std::size_t i = 0; i < regs.size(); ++i) by_description_[regs[i].entry.description].push_back(i);
    for (const auto& [release, entries] : cfg.mapping)
      for (const auto& e : entries)
        for (auto i : resolve(e)) mapped_.insert(i);
  }

  /// The registrations of a release, and how they were matched.
  std::pair<std::vector<std::size_t>, std::string> claim(const std::string& release) {
    std::vector<std::size_t> out;
    if (auto it = cfg_.mapping.find(release); it != cfg_.mapping.end()) {
      for (const auto& e : it->second)
        for (auto i : resolve(e)) out.push_back(i);
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      mark(out);
      return {out, "mapping"};
    }
    if (auto it = by_description_.find(release); it != by_description_.end())
      for (auto i : it->second)
        if (!mapped_.contains(i)) out.push_back(i);
    mark(out);
    return {out, "description"};
  }

  bool claimed(std::size_t i) const { return claimed_.contains(i); }

 private:
  std::vector<std::size_t> resolve(const std::string& entry) const {
    std::vector<std::size_t> out;
    if (auto id = as_id(entry)) {
      auto it = std::lower_bound(regs_.begin(), regs_.end(), *id,
                                 [](const gitlab::registration& r, std::int64_t v) { return r.entry.id < v; });
      if (it != regs_.end() && it->entry.id == *id) out.push_back(static_cast<std::size_t>(it - regs_.begin()));
    } else if (auto it = by_description_.find(entry); it != by_description_.end()) {
      out = it->second;
    }
    return out;
  }

  void mark(const std::vector<std::size_t>& ids) { claimed_.insert(ids.begin(), ids.end()); }

  const std::vector<gitlab::registration>& regs_;
  const gitlab_config& cfg_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_description_;
  std::set<std::size_t> mapped_, claimed_;
};

/// The registration silent the longest (never contacted beats any contact), so an offline
/// reason quotes the worst case rather than whichever registration happens to come first.
const gitlab::registration* longest_silent(const std::vector<const gitlab::registration*>& regs) {
  return *std::min_element(regs.begin(), regs.end(), [](const auto* a, const auto* b) {
    auto ca = a->last_contact(), cb = b->last_contact();
    return cb ? (!ca || *ca < *cb) : false;
  });
}

/// Paused, draining, partly paused or silent: what GitLab adds to the cluster's view.
void derive_status(runner_view& r, const std::vector<const gitlab::registration*>& regs, const gitlab_input& in) {
  if (regs.empty() || r.status == "unknown") return;
  std::size_t paused = 0, silent = 0;
  for (const auto* g : regs) {
    if (g->entry.paused) ++paused;
    if (heartbeat_lost(*g, in.config->offline_after)) ++silent;
  }
  std::string cluster_reason = r.status_reason;
  if (paused == regs.size()) {
    bool jobs_known = r.jobs.running.has_value();
    int running = r.jobs.running.value_or(0);
    r.status = running > 0 ? "draining" : "paused";
    r.status_reason = running > 0 ? "paused in GitLab; " + std::to_string(running) + " job(s) still running"
                      : jobs_known ? "paused in GitLab; no jobs running"
                                   : "paused in GitLab; running jobs not read yet";
    if (!cluster_reason.empty()) r.status_reason += " (cluster: " + cluster_reason + ")";
  } else if (paused > 0) {
    if (r.status == "online" || r.status == "idle") r.status = "degraded";
    r.status_reason = std::to_string(paused) + " of " + std::to_string(regs.size()) + " registrations paused in GitLab" +
                      (cluster_reason.empty() ? "" : "; " + cluster_reason);
  } else if (silent == regs.size() && (r.status == "online" || r.status == "degraded")) {
    const auto* g = longest_silent(regs);
    auto contact = g->last_contact();
    auto read_at = std::max(g->details_at.value_or(g->listed_at), g->managers_at.value_or(g->listed_at));
    r.status = "offline";
    r.status_reason = contact ? "no GitLab heartbeat for " +
                                    human_age(std::chrono::duration_cast<std::chrono::seconds>(read_at - *contact)) +
                                    " (GitLab status " + g->entry.status + "); cluster: " + cluster_reason
                              : "GitLab has never been contacted by this runner (status " + g->entry.status +
                                    "); cluster: " + cluster_reason;
  }
}

}  // namespace

registration_view make_registration_view(const gitlab::registration& r, std::string matched_by) {
  registration_view v;
  v.id = r.entry.id;
  v.description = r.entry.description;
  v.status = r.entry.status;
  v.runner_type = r.entry.runner_type;
  v.matched_by = std::move(matched_by);
  v.paused = r.entry.paused;
  v.online = r.entry.online;
  if (r.details) {
    v.tags = r.details->tags;
    v.maintenance_note = r.details->maintenance_note;
  }
  v.version = r.version();
  v.contacted_at = r.last_contact();
  v.running_jobs = r.running_jobs;
  v.jobs_as_of = r.jobs_at;
  for (const auto& m : r.managers) v.managers.push_back({m.system_id, m.version, m.ip_address, m.status, m.contacted_at, m.busy});
  return v;
}

match_outcome attach_registrations(std::vector<runner_view>& runners, const gitlab_input& in) {
  match_outcome out;
  if (!in.registrations || !in.config) return out;
  const auto& regs = *in.registrations;
  matcher m(regs, *in.config);
  std::optional<std::string> newest;
  std::vector<std::vector<const gitlab::registration*>> per_runner(runners.size());
  for (std::size_t i = 0; i < runners.size(); ++i) {
    auto& r = runners[i];
    if (r.forge != "gitlab") continue;
    auto [claimed, how] = m.claim(r.name);
    std::optional<int> jobs = claimed.empty() ? std::nullopt : std::optional<int>(0);
    for (auto index : claimed) {
      const auto& g = regs[index];
      per_runner[i].push_back(&g);
      r.registrations.push_back(make_registration_view(g, how));
      if (g.details)
        for (const auto& t : g.details->tags)
          if (std::find(r.tags.begin(), r.tags.end(), t) == r.tags.end()) r.tags.push_back(t);
      jobs = jobs && g.running_jobs ? std::optional<int>(*jobs + *g.running_jobs) : std::nullopt;
      if (auto v = g.version(); v && (!newest || gitlab::compare_versions(*v, *newest) > 0)) newest = v;
    }
    if (r.type == "unknown") r.type = detect_runner_type({}, r.tags);
    if (jobs) r.jobs.running = jobs;
    if (!claimed.empty() && in.stale) r.stale = true;
  }
  out.version_target = in.config->version_target ? in.config->version_target : newest;
  for (std::size_t i = 0; i < runners.size(); ++i) {
    auto& r = runners[i];
    if (per_runner[i].empty()) continue;
    std::optional<std::string> lowest;
    for (const auto& v : r.registrations)
      if (v.version && (!lowest || gitlab::compare_versions(*v.version, *lowest) < 0)) lowest = v.version;
    r.version = lowest;
    if (lowest && out.version_target) r.outdated = gitlab::compare_versions(*lowest, *out.version_target) < 0;
    derive_status(r, per_runner[i], in);
  }
  for (std::size_t i = 0; i < regs.size(); ++i)
    if (!m.claimed(i)) out.unmatched.push_back(make_registration_view(regs[i], ""));
  return out;
}

}  // namespace runnerfleet
