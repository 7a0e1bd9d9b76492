// SPDX-License-Identifier: Apache-2.0
#include "daemon/gitlab/gitlab_source.hpp"

#include "common/api/query.hpp"
#include "common/gitlab/pagination.hpp"
#include "common/gitlab/refresh_plan.hpp"
#include "common/secret_file.hpp"
#include "common/timeouts.hpp"
#include "daemon/upstream/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace runnerfleet::daemon {

namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using upstream::http_response;
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

namespace {

constexpr int per_page = 100;
constexpr int max_pages = 1000;          ///< 100,000 registrations: beyond that, refuse to guess
constexpr int max_job_pages = 10;        ///< a runner with more than 1,000 running jobs reads as 1,000
constexpr int max_429_retries = 3;
constexpr auto retry_fallback = std::chrono::seconds(5);
constexpr auto retry_cap = std::chrono::seconds(60);

std::string list_path(const gitlab_config& cfg) {
  switch (cfg.scope) {
    case gitlab_scope::group: return "/api/v4/groups/" + api::percent_encode(cfg.scope_id) + "/runners";
    case gitlab_scope::project: return "/api/v4/projects/" + api::percent_encode(cfg.scope_id) + "/runners";
    case gitlab_scope::instance: break;
  }
  return "/api/v4/runners/all";
}

}  // namespace

struct gitlab_source::impl {
  net::any_io_executor ex;
  const gitlab_config& cfg;
  self_metrics& metrics;
  std::unique_ptr<upstream::http_client> client;
  std::string base_path;  ///< the instance's path prefix ("" or e.g. "/gitlab")
  std::function<void()> changed = [] {};
  std::function<bool(const gitlab::runner&)> wanted;

  std::vector<gitlab::registration> regs;
  std::map<std::int64_t, time_point> written_at;  ///< our own last write per registration
  bool listed = false;
  bool stopped = false;
  bool wake = false;  ///< the fleet gained releases whose registrations are unread: poll again soon
  std::set<net::steady_timer*> waits;
  net::steady_timer next_poll{ex};

  // Health.
  bool list_failing = false;
  int failed_reads = 0;
  std::optional<time_point> last_success, last_error_time;
  std::string last_error;
  std::deque<steady::time_point> recent;  ///< request times of the last minute
  std::string limit_header, remaining_header;
  std::optional<time_point> limited_until;

  impl(net::any_io_executor e, const gitlab_config& c, self_metrics& m) : ex(e), cfg(c), metrics(m) {}

  gitlab::registration* find(std::int64_t id) {
    auto it = std::lower_bound(regs.begin(), regs.end(), id,
                               [](const gitlab::registration& r, std::int64_t v) { return r.entry.id < v; });
    return it != regs.end() && it->entry.id == id ? &*it : nullptr;
  }

  void note_error(const error& e) {
    last_error = e.message;
    last_error_time = clock::now();
  }

  /// Sleeps unless stopped; false when stopped.
  net::awaitable<bool> sleep(steady::duration d) {
    net::steady_timer timer(ex);
    waits.insert(&timer);
    timer.expires_after(d);
    co_await timer.async_wait(use_nothrow);
    waits.erase(&timer);
    co_return !stopped;
  }

  error status_error(const http_response& r, const std::string& what) const {
    auto message = gitlab::error_message(r.body);
    switch (r.status) {
      case 401:
        return make_error(error_code::upstream_error, "GitLab rejected the token from " + cfg.token_file + " for " + what +
                                                          " (401 " + message + "); is it valid and unexpired?");
      case 403:
        return make_error(error_code::upstream_error,
                          "GitLab refused " + what + " (403 " + message + ")" +
                              (cfg.scope == gitlab_scope::instance ? "; scope instance needs an administrator's token"
                                                                   : "; the token lacks permission"));
      case 404: return make_error(error_code::not_found, "GitLab: " + what + ": " + message);
      case 429: return make_error(error_code::rate_limited, "GitLab is rate limiting " + what + "; retry later");
      default:
        return make_error(error_code::upstream_error,
                          "GitLab answered HTTP " + std::to_string(r.status) + " for " + what + ": " + message);
    }
  }

  /// One request with the token, a deadline, and 429 handling (wait as told, then retry).
  net::awaitable<result<http_response>> call(std::string method, std::string target, std::string body,
                                             std::string endpoint, steady::time_point deadline) {
    for (int attempt = 0;; ++attempt) {
      if (stopped) co_return make_error(error_code::unavailable, "the daemon is shutting down");
      auto token = read_secret_file(cfg.token_file);
      if (!token) co_return token.take_failure();
      upstream::http_request req;
      req.method = method;
      req.target = base_path + target;
      req.headers.emplace_back("PRIVATE-TOKEN", token->reveal());
      if (!body.empty()) {
        req.body = body;
        req.content_type = "application/json";
      }
      auto left = deadline - steady::now();
      if (left <= steady::duration::zero())
        co_return make_error(error_code::timeout, "GitLab " + endpoint + " request: deadline passed");
      auto r = co_await client->request(std::move(req), left);
      recent.push_back(steady::now());
      while (!recent.empty() && recent.front() < steady::now() - std::chrono::minutes(1)) recent.pop_front();
      metrics.count_upstream_request("gitlab", endpoint, r ? r->status : 0);
      if (!r) co_return r.take_failure();
      if (auto v = r->header("ratelimit-limit"); !v.empty()) limit_header = v;
      if (auto v = r->header("ratelimit-remaining"); !v.empty()) remaining_header = v;
      if (r->status != 429 || attempt >= max_429_retries) co_return r;
      auto delay = gitlab::retry_delay(r->header("retry-after"), r->header("ratelimit-reset"), clock::now(),
                                       retry_fallback, retry_cap);
      limited_until = clock::now() + delay;
      if (steady::now() + delay >= deadline) co_return *r;
      if (!co_await sleep(delay)) co_return make_error(error_code::unavailable, "the daemon is shutting down");
    }
  }

  /// Every page of a list endpoint; each page's body goes to `add`.
  template <class Add>
  net::awaitable<result<int>> read_pages(std::string target, std::string endpoint, std::string what, int page_cap,
                                         Add add) {
    int pages = 0;
    while (true) {
      auto deadline = steady::now() + cfg.request_timeout;
      auto r = co_await call("GET", target, std::string{}, endpoint, deadline);
      if (!r) co_return r.take_failure();
      if (r->status != 200) co_return status_error(*r, what);
      if (auto st = add(r->body); !st) co_return st.take_failure();
      ++pages;
      auto next = gitlab::next_page_target(target, r->header("link"), r->header("x-next-page"));
      if (!next || pages >= page_cap) break;
      target = next->rfind(base_path, 0) == 0 ? next->substr(base_path.size()) : *next;
    }
    co_return pages;
  }

  net::awaitable<status> poll_once() {
    auto started = clock::now();
    std::vector<gitlab::runner> entries;
    std::string first = list_path(cfg) + "?per_page=" + std::to_string(per_page);
    auto pages = co_await read_pages(first, "list", "the runner list", max_pages, [&](const std::string& body) -> status {
      auto page = gitlab::parse_runner_list(body);
      if (!page) return page.take_failure();
      entries.insert(entries.end(), page->begin(), page->end());
      return ok();
    });
    if (!pages) {
      list_failing = true;
      note_error(pages.failure());
      changed();
      co_return pages.take_failure();
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    entries.erase(std::unique(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.id == b.id; }),
                  entries.end());
    std::vector<gitlab::registration> next;
    next.reserve(entries.size());
    std::set<std::int64_t> changed_ids;
    for (auto& e : entries) {
      const auto* old = find(e.id);
      gitlab::registration r = old ? *old : gitlab::registration{};
      auto written = written_at.find(e.id);
      bool ours_is_newer = old && written != written_at.end() && written->second > started;
      if (!ours_is_newer) {
        if (!old || old->entry != e) changed_ids.insert(e.id);
        r.entry = std::move(e);
      }
      r.listed_at = clock::now();
      next.push_back(std::move(r));
    }
    regs = std::move(next);
    listed = true;
    list_failing = false;
    failed_reads = 0;
    last_success = clock::now();
    changed();

    gitlab::refresh_inputs in;
    in.registrations = &regs;
    in.changed = std::move(changed_ids);
    in.wanted = wanted;
    in.now = clock::now();
    in.details_refresh = cfg.details_refresh;
    auto interval_s = static_cast<int>(cfg.poll_interval.count());
    // A cycle's share of the per-minute budget, and never more than the minute has left (an
    // early, woken cycle comes on top of the regular ones).
    in.budget = std::max(0, std::min(cfg.max_requests_per_minute * interval_s / 60 - *pages,
                                     cfg.max_requests_per_minute - static_cast<int>(recent.size())));
    if (low_on_quota()) in.budget = 0;
    auto plan = gitlab::plan_refresh(in);
    for (const auto& item : plan) {
      if (stopped) break;
      std::optional<error> failed;
      if (item.kind == gitlab::refresh_item::what::details) {
        auto r = co_await read_details(item.id);
        if (!r) failed = r.take_failure();
      } else {
        auto r = co_await read_jobs(item.id);
        if (!r) failed = r.take_failure();
      }
      if (failed && failed->code != error_code::not_found) {
        ++failed_reads;
        note_error(*failed);
        if (failed->code != error_code::upstream_error) break;  // down or limited: stop this cycle
      }
    }
    if (!plan.empty()) changed();
    co_return ok();
  }

  /// GitLab says fewer than a tenth of the quota is left: only the list is read.
  bool low_on_quota() const {
    try {
      if (limit_header.empty() || remaining_header.empty()) return false;
      return std::stol(remaining_header) * 10 < std::stol(limit_header);
    } catch (...) {
      return false;
    }
  }

  /// Details and managers of one registration, stored when it is in the list; returned either way.
  net::awaitable<result<gitlab::registration>> read_details(std::int64_t id) {
    auto path = "/api/v4/runners/" + std::to_string(id);
    auto what = "runner " + std::to_string(id);
    auto r = co_await call("GET", path, std::string{}, "details", steady::now() + cfg.request_timeout);
    if (!r) co_return r.take_failure();
    if (r->status != 200) co_return status_error(*r, what);
    auto details = gitlab::parse_runner_details(r->body);
    if (!details) co_return details.take_failure();
    std::vector<gitlab::runner_manager> managers;
    auto pages = co_await read_pages(path + "/managers?per_page=" + std::to_string(per_page), "managers",
                                     "the managers of " + what, max_job_pages, [&](const std::string& body) -> status {
                                       auto page = gitlab::parse_manager_list(body);
                                       if (!page) return page.take_failure();
                                       managers.insert(managers.end(), page->begin(), page->end());
                                       return ok();
                                     });
    gitlab::registration fresh;
    if (const auto* known = find(id)) fresh = *known;  // gone from the list meanwhile: still report it
    fresh.entry = details->base;
    fresh.details = std::move(*details);
    fresh.details_at = clock::now();
    if (pages) {
      fresh.managers = std::move(managers);
      fresh.managers_at = clock::now();
    }
    if (auto* reg = find(id)) *reg = fresh;
    if (!pages) co_return pages.take_failure();
    co_return fresh;
  }

  /// The number of running jobs of one registration, stored when it is in the list.
  net::awaitable<result<int>> read_jobs(std::int64_t id) {
    std::size_t running = 0;
    auto target = "/api/v4/runners/" + std::to_string(id) + "/jobs?status=running&per_page=" + std::to_string(per_page);
    auto pages = co_await read_pages(target, "jobs", "the running jobs of runner " + std::to_string(id), max_job_pages,
                                     [&](const std::string& body) -> status {
                                       auto ids = gitlab::parse_job_ids(body);
                                       if (!ids) return ids.take_failure();
                                       running += ids->size();
                                       return ok();
                                     });
    if (!pages) co_return pages.take_failure();
    if (auto* reg = find(id)) {
      reg->running_jobs = static_cast<int>(running);
      reg->jobs_at = clock::now();
    }
    co_return static_cast<int>(running);
  }

  net::awaitable<void> poll_loop() {
    while (!stopped) {
      auto started = steady::now();
      wake = false;
      co_await poll_once();
      if (stopped) break;  // stop() came while the poll ran: no timer was waiting to cancel
      auto wait = wake ? steady::duration::zero() : cfg.poll_interval - (steady::now() - started);
      next_poll.expires_after(std::max<steady::duration>(wait, std::chrono::seconds(1)));
      co_await next_poll.async_wait(use_nothrow);  // cancelled by stop() or a wake
    }
  }

  /// A listed registration the fleet wants has never been read in detail.
  bool details_missing() const {
    return std::any_of(regs.begin(), regs.end(), [&](const auto& r) { return !r.details && (!wanted || wanted(r.entry)); });
  }
};

result<std::unique_ptr<gitlab_source>> gitlab_source::create(net::any_io_executor ex, const gitlab_config& cfg,
                                                             self_metrics& metrics) {
  if (auto token = read_secret_file(cfg.token_file); !token)
    return make_error(token.failure().code, "gitlab.token_file: " + token.failure().message);
  auto ca = read_ca_file(cfg.ca_file, "gitlab.ca_file");
  if (!ca) return ca.take_failure();
  upstream::endpoint ep;
  ep.server = cfg.url;
  ep.ca_pem = std::move(*ca);
  ep.insecure_skip_tls_verify = cfg.insecure_skip_tls_verify;
  // The client prefixes nothing: targets carry the instance's path, so Link URLs can be followed.
  auto base = upstream::url_path(cfg.url);
  ep.server = cfg.url.substr(0, cfg.url.size() - base.size());
  auto client = upstream::http_client::create(ex, ep);
  if (!client) return make_error(client.failure().code, "gitlab.url: " + client.failure().message);
  auto p = std::make_unique<impl>(ex, cfg, metrics);
  p->client = std::move(*client);
  p->base_path = base;
  return std::unique_ptr<gitlab_source>(new gitlab_source(std::move(p)));
}

gitlab_source::gitlab_source(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
gitlab_source::~gitlab_source() = default;

void gitlab_source::on_change(std::function<void()> fn) { impl_->changed = std::move(fn); }
void gitlab_source::set_wanted(std::function<bool(const gitlab::runner&)> fn) { impl_->wanted = std::move(fn); }

void gitlab_source::start() { net::co_spawn(impl_->ex, impl_->poll_loop(), net::detached); }

void gitlab_source::fleet_changed() {
  auto& p = *impl_;
  if (p.stopped || !p.listed || !p.details_missing()) return;
  p.wake = true;
  p.next_poll.cancel();
}

void gitlab_source::stop() {
  impl_->stopped = true;
  impl_->next_poll.cancel();
  for (auto* t : impl_->waits) t->cancel();
  impl_->client->close_all();
}

const std::vector<gitlab::registration>& gitlab_source::registrations() const { return impl_->regs; }
bool gitlab_source::listed() const { return impl_->listed; }

source_view gitlab_source::health() const {
  const auto& p = *impl_;
  source_view v;
  v.name = "gitlab";
  v.kind = "gitlab";
  v.last_success = p.last_success;
  v.last_error_time = p.last_error_time;
  v.last_error = p.last_error;
  if (!p.listed) v.state = p.last_error.empty() ? "degraded" : "down";
  else if (p.list_failing) v.state = "down";
  else if (p.failed_reads > 0) v.state = "degraded";
  else v.state = "ok";
  if (v.state == "ok") v.last_error.clear();
  std::size_t wanted = 0;
  for (const auto& r : p.regs)
    if (!p.wanted || p.wanted(r.entry)) ++wanted;
  v.detail = p.listed ? std::to_string(p.regs.size()) + " registrations in scope " + std::string(to_string(p.cfg.scope)) +
                            ", " + std::to_string(wanted) + " in the fleet; "
                      : "first poll in progress; ";
  v.detail += std::to_string(p.recent.size()) + " requests in the last minute (budget " +
              std::to_string(p.cfg.max_requests_per_minute) + "/min)";
  if (!p.remaining_header.empty()) v.detail += "; GitLab rate limit " + p.remaining_header + "/" + p.limit_header + " left";
  if (p.failed_reads > 0) v.conditions.push_back(std::to_string(p.failed_reads) + " detail or job read(s) failed in the last poll");
  if (p.limited_until && *p.limited_until > clock::now())
    v.conditions.push_back("rate limited by GitLab until " + format_rfc3339(*p.limited_until));
  return v;
}

net::awaitable<result<gitlab::registration>> gitlab_source::set_paused(std::int64_t id, bool paused) {
  auto& p = *impl_;
  nlohmann::json body = {{"paused", paused}};
  auto what = std::string(paused ? "pausing" : "resuming") + " runner " + std::to_string(id);
  auto r = co_await p.call("PUT", "/api/v4/runners/" + std::to_string(id), body.dump(), "update",
                           steady::now() + p.cfg.request_timeout);
  if (!r) {
    // No answer is an upstream failure too: the change may or may not have been made.
    auto e = r.take_failure();
    co_return make_error(error_code::upstream_error, "GitLab did not answer " + what + ": " + e.message +
                                                         "; the registration's state is re-read at the next poll");
  }
  if (r->status != 200) co_return p.status_error(*r, what);
  auto details = gitlab::parse_runner_details(r->body);
  if (!details) co_return details.take_failure();
  p.written_at[id] = clock::now();
  gitlab::registration fresh;
  if (const auto* known = p.find(id)) fresh = *known;
  fresh.entry = details->base;
  fresh.details = std::move(*details);
  fresh.details_at = clock::now();
  if (auto* reg = p.find(id)) *reg = fresh;
  // Running jobs decide between draining and paused: read them now, not at the next poll.
  auto jobs = co_await p.read_jobs(id);
  if (jobs) {
    fresh.running_jobs = *jobs;
    fresh.jobs_at = clock::now();
  }
  p.changed();
  co_return fresh;
}

net::awaitable<result<gitlab::registration>> gitlab_source::refresh(std::int64_t id) {
  auto& p = *impl_;
  auto fresh = co_await p.read_details(id);
  if (!fresh) co_return fresh.take_failure();
  auto jobs = co_await p.read_jobs(id);
  if (jobs) {
    fresh->running_jobs = *jobs;
    fresh->jobs_at = clock::now();
  }
  p.changed();
  co_return fresh;
}

}  // namespace runnerfleet::daemon
