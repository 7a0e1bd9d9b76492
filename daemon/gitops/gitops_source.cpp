// SPDX-License-Identifier: Apache-2.0
#include "daemon/gitops/gitops_source.hpp"

#include "common/gitops/proposal.hpp"
#include "daemon/gitops/gitlab_repository.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace runnerfleet::daemon {

namespace net = boost::asio;
using steady = std::chrono::steady_clock;
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

namespace {

constexpr std::size_t max_file_bytes = 1 << 20;  ///< a tfvars file larger than 1 MiB is not a tfvars file

/// Parses a file's content into its slot (or says why it cannot be used).
void parse_into(gitops::stack_file& f, std::string content) {
  if (content.size() > max_file_bytes) {
    f.problem = "larger than 1 MiB";
    return;
  }
  auto doc = tfvars::document::parse(std::move(content), *tfvars::format_for(f.path));
  if (doc) f.doc = std::move(*doc);
  else f.problem = doc.failure().message;
}

gitops::stack_file empty_file(const gitops_config& g, const gitops_file_config& c) {
  gitops::stack_file f;
  f.path = c.path;
  f.stack = gitops::find_stack(g.stacks, c.stack);  // config parsing checked the name
  f.cluster = c.cluster;
  f.runner_overrides = c.runners;
  return f;
}

}  // namespace

struct gitops_source::impl {
  net::any_io_executor ex;
  const config& cfg;
  const gitops_config& g;
  std::unique_ptr<gitlab_repository> repo;
  std::function<void()> changed = [] {};
  std::shared_ptr<const gitops::desired_state> state;
  bool stopped = false;
  bool wake = false;  ///< refresh_soon() during a poll: poll again right after it
  net::steady_timer next_poll{ex};

  std::optional<time_point> last_success, last_error_time;
  std::string last_error;
  bool failing = false;

  impl(net::any_io_executor e, const config& c) : ex(e), cfg(c), g(*c.gitops) {}

  /// The previous parse of a file with this content id, if any.
  const gitops::stack_file* previous(const std::string& path, const std::string& blob_id) const {
    if (!state || blob_id.empty()) return nullptr;
    for (const auto& f : state->files)
      if (f.path == path && f.blob_id == blob_id) return &f;
    return nullptr;
  }

  net::awaitable<result<gitops::desired_state>> read_gitlab() {
    auto head = co_await repo->branch_head(g.branch);
    if (!head) co_return head.take_failure();
    gitops::desired_state d;
    d.source = repo->describe();
    d.branch = g.branch;
    d.commit = *head;
    // Files at a commit never change (a transient read error fails the whole refresh and keeps
    // the last state): while the branch has not moved there is nothing to read, not even a file
    // that was missing or could not be parsed.
    if (state && state->commit == *head) co_return *state;
    for (const auto& c : g.files) {
      auto f = empty_file(g, c);
      auto got = co_await repo->read_file(c.path, *head);
      if (!got && got.failure().code != error_code::not_found) co_return got.take_failure();
      if (!got) {
        f.problem = "not found in " + g.branch + " at " + head->substr(0, 12);
      } else if (const auto* old = previous(c.path, got->blob_id)) {
        f = *old;
        f.last_commit_id = got->last_commit_id;
      } else {
        f.blob_id = got->blob_id;
        f.last_commit_id = got->last_commit_id;
        parse_into(f, std::move(got->content));
      }
      d.files.push_back(std::move(f));
    }
    co_return d;
  }

  result<gitops::desired_state> read_local() const {
    gitops::desired_state d;
    d.source = "checkout " + *g.local_path;
    d.branch = g.branch;
    for (const auto& c : g.files) {
      auto f = empty_file(g, c);
      std::ifstream in(std::filesystem::path(*g.local_path) / c.path, std::ios::binary);
      if (!in) {
        f.problem = "cannot be read from " + *g.local_path;
      } else {
        std::ostringstream text;
        text << in.rdbuf();
        auto content = std::move(text).str();
        f.blob_id = gitops::stable_digest(content);
        if (const auto* old = previous(c.path, f.blob_id)) f = *old;
        else parse_into(f, std::move(content));
      }
      d.files.push_back(std::move(f));
    }
    return d;
  }

  static bool same(const gitops::desired_state& a, const gitops::desired_state& b) {
    if (a.commit != b.commit || a.files.size() != b.files.size()) return false;
    for (std::size_t i = 0; i < a.files.size(); ++i)
      if (a.files[i].blob_id != b.files[i].blob_id || a.files[i].last_commit_id != b.files[i].last_commit_id ||
          a.files[i].problem != b.files[i].problem)
        return false;
    return true;
  }

  net::awaitable<void> poll_once() {
    result<gitops::desired_state> next = make_error(error_code::internal, "unreachable");
    if (repo) next = co_await read_gitlab();
    else next = read_local();
    bool was_failing = failing;
    if (!next) {
      failing = true;
      last_error = next.failure().message;
      last_error_time = clock::now();
      if (!was_failing) changed();
      co_return;
    }
    failing = false;
    last_success = clock::now();
    next->read_at = *last_success;
    if (!state || !same(*state, *next)) {
      state = std::make_shared<const gitops::desired_state>(std::move(*next));
      changed();
    } else if (was_failing) {
      changed();
    }
  }

  net::awaitable<void> poll_loop() {
    while (!stopped) {
      auto started = steady::now();
      wake = false;
      co_await poll_once();
      if (stopped) break;  // stop() may have come while the poll ran: no timer was waiting then
      auto wait = wake ? steady::duration::zero() : g.poll_interval - (steady::now() - started);
      next_poll.expires_after(std::max<steady::duration>(wait, std::chrono::seconds(1)));
      co_await next_poll.async_wait(use_nothrow);  // cancelled by stop() or refresh_soon()
    }
  }
};

result<std::unique_ptr<gitops_source>> gitops_source::create(net::any_io_executor ex, const config& cfg,
                                                             self_metrics& metrics) {
  auto p = std::make_unique<impl>(ex, cfg);
  if (cfg.gitops->project) {
    auto repo = gitlab_repository::create(ex, *cfg.gitlab, *cfg.gitops, metrics);
    if (!repo) return repo.take_failure();
    p->repo = std::move(*repo);
  }
  return std::unique_ptr<gitops_source>(new gitops_source(std::move(p)));
}

gitops_source::gitops_source(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
gitops_source::~gitops_source() = default;

void gitops_source::on_change(std::function<void()> fn) { impl_->changed = std::move(fn); }
void gitops_source::start() { net::co_spawn(impl_->ex, impl_->poll_loop(), net::detached); }

void gitops_source::stop() {
  impl_->stopped = true;
  impl_->next_poll.cancel();
  if (impl_->repo) impl_->repo->close();
}

void gitops_source::refresh_soon() {
  if (impl_->stopped) return;
  impl_->wake = true;
  impl_->next_poll.cancel();
}

std::shared_ptr<const gitops::desired_state> gitops_source::current() const { return impl_->state; }
gitlab_repository* gitops_source::repository() { return impl_->repo.get(); }

source_view gitops_source::health() const {
  const auto& p = *impl_;
  source_view v;
  v.name = "gitops";
  v.kind = "gitops";
  v.last_success = p.last_success;
  v.last_error_time = p.last_error_time;
  v.last_error = p.last_error;
  std::size_t unreadable = 0;
  if (p.state)
    for (const auto& f : p.state->files)
      if (!f.doc) {
        ++unreadable;
        v.conditions.push_back(f.path + ": " + f.problem);
      }
  if (p.failing || !p.state) v.state = p.last_error.empty() ? "degraded" : "down";
  else v.state = unreadable ? "degraded" : "ok";
  if (!p.failing) v.last_error.clear();
  auto where = p.repo ? p.repo->describe() + " branch " + p.g.branch : "checkout " + *p.g.local_path;
  if (!p.state) {
    v.detail = "first read of " + where + " in progress";
  } else {
    v.detail = std::to_string(p.state->files.size() - unreadable) + "/" + std::to_string(p.state->files.size()) +
               " tfvars files read from " + where;
    if (!p.state->commit.empty()) v.detail += " at " + p.state->commit.substr(0, 12);
    if (!p.repo) v.detail += "; proposals need gitops.project";
  }
  return v;
}

}  // namespace runnerfleet::daemon
