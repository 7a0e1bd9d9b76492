// SPDX-License-Identifier: Apache-2.0
#include "common/gitlab/refresh_plan.hpp"

#include <algorithm>

namespace runnerfleet::gitlab {

int cost(const refresh_item& item) { return item.kind == refresh_item::what::details ? 2 : 1; }

std::vector<refresh_item> plan_refresh(const refresh_inputs& in) {
  std::vector<refresh_item> plan;
  if (!in.registrations) return plan;
  int left = in.budget;
  std::set<std::pair<std::int64_t, refresh_item::what>> taken;
  auto take = [&](const registration& r, refresh_item::what kind) {
    refresh_item item{r.entry.id, kind};
    if (left < cost(item) || !taken.insert({item.id, kind}).second) return;
    left -= cost(item);
    plan.push_back(item);
  };
  std::vector<const registration*> wanted;
  for (const auto& r : *in.registrations)
    if (!in.wanted || in.wanted(r.entry)) wanted.push_back(&r);

  for (const auto* r : wanted)
    if (in.changed.contains(r->entry.id) || !r->details_at) take(*r, refresh_item::what::details);
  for (const auto* r : wanted)
    if (r->entry.paused && r->running_jobs.value_or(1) > 0) take(*r, refresh_item::what::jobs);

  auto by_age = [](auto field) {
    return [field](const registration* a, const registration* b) {
      return std::make_pair((a->*field).value_or(time_point{}), a->entry.id) <
             std::make_pair((b->*field).value_or(time_point{}), b->entry.id);
    };
  };
  std::vector<const registration*> due;
  for (const auto* r : wanted)
    if (r->details_at && in.now - *r->details_at >= in.details_refresh) due.push_back(r);
  std::sort(due.begin(), due.end(), by_age(&registration::details_at));
  for (const auto* r : due) take(*r, refresh_item::what::details);

  std::sort(wanted.begin(), wanted.end(), by_age(&registration::jobs_at));
  for (const auto* r : wanted) take(*r, refresh_item::what::jobs);
  return plan;
}

}  // namespace runnerfleet::gitlab
