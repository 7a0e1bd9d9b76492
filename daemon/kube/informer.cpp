// SPDX-License-Identifier: Apache-2.0
#include "daemon/kube/informer.hpp"

#include "common/api/query.hpp"
#include "common/kube/backoff.hpp"
#include "common/timeouts.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace runnerfleet::kube {

namespace net = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr const char* page_size = "500";

/// The message of a Kubernetes Status body, or a short excerpt of whatever came back.
std::string status_message(const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  return body.substr(0, 200);
}

milliseconds ms(std::chrono::steady_clock::duration d) { return std::chrono::duration_cast<milliseconds>(d); }

}  // namespace

informer::informer(net::any_io_executor ex, upstream::http_client& client, token_provider& tokens, object_sink& sink,
                   resource_kind kind, std::string ns)
    : client_(client), tokens_(tokens), sink_(sink), kind_(kind), ns_(std::move(ns)),
      path_(collection_path(kind, ns_)), timer_(ex), rng_(std::random_device{}()) {}

void informer::stop() {
  stopped_ = true;
  timer_.cancel();
}

void informer::set_phase(informer_phase phase) {
  if (status_.phase == phase) return;
  status_.phase = phase;
  sink_.informer_changed(kind_, ns_, status_);
}

void informer::record_error(const std::string& message) {
  status_.last_error = message;
  status_.last_error_time = clock::now();
}

net::awaitable<void> informer::sleep(milliseconds delay) {
  if (stopped_) co_return;
  timer_.expires_after(delay);
  co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
}

informer::attempt informer::classify(int status, const std::string& body, std::optional<int> retry_after,
                                     const std::string& target) const {
  std::string what = "GET " + target + ": HTTP " + std::to_string(status) + " " + status_message(body);
  switch (status) {
    case 404:
      if (info(kind_).optional) return {outcome::absent, "GET " + path_ + ": 404, the CRD is not installed"};
      return {outcome::failed, what};
    case 401: return {outcome::unauthorized, what};
    case 403: return {outcome::forbidden, what};
    case 410: return {outcome::expired, what};
    case 429:
    case 503: return {outcome::throttled, what, retry_after};
    default: return {outcome::failed, what, retry_after};
  }
}

net::awaitable<informer::attempt> informer::list() {
  std::string next;
  bool begun = false;
  int restarts = 0;
  auto abort = [&] {
    if (begun) sink_.abort_relist(kind_, ns_);
  };
  while (!stopped_) {
    auto auth = tokens_.authorization();
    if (!auth) {
      abort();
      co_return attempt{outcome::failed, auth.failure().message};
    }
    std::string target = path_ + "?limit=" + page_size + (next.empty() ? "" : "&continue=" + api::percent_encode(next));
    auto r = co_await client_.request(upstream::authorized_get(target, *auth), timeouts::upstream_request);
    if (!r) {
      abort();
      co_return attempt{outcome::failed, r.failure().message};
    }
    if (r->status == 410 && !next.empty() && restarts++ < 2) {
      next.clear();  // continue token expired: start the list again
      continue;
    }
    if (r->status != 200) {
      abort();
      co_return classify(r->status, r->body, r->retry_after_s, path_);
    }
    auto page = json::parse(r->body, nullptr, false);
    r->body.clear();
    if (!page.is_object() || !page.contains("items") || !page["items"].is_array()) {
      abort();
      co_return attempt{outcome::failed, "GET " + path_ + ": the answer is not a list"};
    }
    if (!begun) {
      sink_.begin_relist(kind_, ns_);
      begun = true;
    }
    for (const auto& item : page["items"]) sink_.relist_item(kind_, item);
    const auto& meta = page.value("metadata", json::object());
    resource_version_ = meta.value("resourceVersion", std::string{});
    next = meta.value("continue", std::string{});
    if (next.empty()) {
      sink_.end_relist(kind_, ns_);
      co_return attempt{outcome::ok};
    }
  }
  abort();
  co_return attempt{outcome::failed, "stopped"};
}

void informer::handle_line(std::string_view line, bool& expired, std::string& error) {
  auto event = json::parse(line, nullptr, false);
  if (!event.is_object()) {
    error = "watch " + path_ + ": a line is not JSON";
    return;
  }
  auto type = event.value("type", std::string{});
  const auto obj = event.find("object");
  if (obj == event.end() || !obj->is_object()) return;
  if (type == "ERROR") {
    int code = obj->value("code", 0);
    if (code == 410) expired = true;
    else error = "watch " + path_ + ": " + obj->value("message", std::string("error event"));
    return;
  }
  if (auto m = obj->find("metadata"); m != obj->end() && m->is_object())
    if (auto rv = m->find("resourceVersion"); rv != m->end() && rv->is_string()) resource_version_ = rv->get<std::string>();
  watch_event_type t;
  if (type == "ADDED") t = watch_event_type::added;
  else if (type == "MODIFIED") t = watch_event_type::modified;
  else if (type == "DELETED") t = watch_event_type::deleted;
  else return;  // BOOKMARK: only the resourceVersion matters
  ++status_.events;
  sink_.apply_event(kind_, t, *obj);
}

net::awaitable<informer::attempt> informer::watch() {
  auto auth = tokens_.authorization();
  if (!auth) co_return attempt{outcome::failed, auth.failure().message};
  auto span = timeouts::watch_timeout_max - timeouts::watch_timeout_min;
  auto timeout_s = std::chrono::duration_cast<std::chrono::seconds>(timeouts::watch_timeout_min).count() +
                   static_cast<long long>(rng_() % static_cast<unsigned>(std::chrono::duration_cast<std::chrono::seconds>(span).count() + 1));
  std::string target = path_ + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + api::percent_encode(resource_version_) +
                       "&timeoutSeconds=" + std::to_string(timeout_s);
  bool opened = false, expired = false;
  std::string error;
  auto r = co_await client_.stream_lines(
      upstream::authorized_get(target, *auth), timeouts::watch_idle,
      [&] {
        opened = true;
        status_.last_success = clock::now();
        set_phase(informer_phase::watching);
      },
      [&](std::string_view line) { handle_line(line, expired, error); });
  if (expired) co_return attempt{outcome::expired, "watch " + path_ + ": resourceVersion expired (410)"};
  if (!error.empty()) co_return attempt{outcome::dropped, error};
  if (!r) co_return attempt{opened ? outcome::dropped : outcome::failed, r.failure().message};
  if (r->status != 200) co_return classify(r->status, r->body, r->retry_after_s, path_);
  co_return attempt{outcome::ok};
}

net::awaitable<void> informer::run() {
  int failures = 0;
  bool need_list = true;
  sink_.informer_changed(kind_, ns_, status_);
  while (!stopped_) {
    attempt a;
    if (need_list) {
      set_phase(informer_phase::listing);
      a = co_await list();
      if (a.what == outcome::ok) {
        need_list = false;
        if (listed_once_) ++status_.relists;
        listed_once_ = true;
        status_.synced = true;
        status_.last_success = clock::now();
        failures = 0;
        status_.phase = informer_phase::watching;
        sink_.informer_changed(kind_, ns_, status_);
        continue;
      }
    } else {
      a = co_await watch();
      if (a.what == outcome::ok) {
        failures = 0;
        continue;  // the server ended the watch on its timeout: watch again
      }
      ++status_.watch_restarts;
      if (a.what == outcome::expired) {
        need_list = true;
        continue;
      }
    }
    if (stopped_) break;
    record_error(a.error);
    milliseconds delay = backoff_delay(failures, ms(timeouts::backoff_initial), ms(timeouts::backoff_max),
                                       std::uniform_real_distribution<double>(0, 1)(rng_));
    switch (a.what) {
      case outcome::dropped:
        // A stream that was open broke: reconnect soon, without calling the source unhealthy.
        delay = backoff_delay(0, ms(timeouts::backoff_initial), ms(timeouts::backoff_max),
                              std::uniform_real_distribution<double>(0, 1)(rng_));
        break;
      case outcome::absent:
        need_list = true;
        set_phase(informer_phase::absent);
        delay = ms(timeouts::absent_crd_retry);
        break;
      case outcome::forbidden:
        need_list = true;
        set_phase(informer_phase::forbidden);
        delay = ms(timeouts::backoff_max);
        spdlog::warn("{}, retrying in {}s", a.error, delay.count() / 1000);
        break;
      case outcome::unauthorized:
        tokens_.invalidate();
        ++failures;
        set_phase(informer_phase::backing_off);
        break;
      case outcome::throttled:
        if (a.retry_after_s) delay = std::chrono::seconds(std::clamp(*a.retry_after_s, 1, 300));
        ++failures;
        break;
      default:
        if (failures == 0 || failures % 10 == 0) spdlog::warn("{}, retrying", a.error);
        ++failures;
        set_phase(informer_phase::backing_off);
        break;
    }
    sink_.informer_changed(kind_, ns_, status_);
    co_await sleep(delay);
  }
}

}  // namespace runnerfleet::kube
