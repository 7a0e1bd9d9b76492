// SPDX-License-Identifier: Apache-2.0
#include "mcp/server.hpp"

#include "common/kube/backoff.hpp"
#include "daemon/client/socket_client.hpp"
#include "mcp/argument_check.hpp"
#include "mcp/completion.hpp"
#include "mcp/embedded_files.hpp"
#include "mcp/prompts.hpp"
#include "mcp/protocol.hpp"
#include "mcp/resources.hpp"
#include "mcp/tool_catalog.hpp"
#include "mcp/tools.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>
#include <map>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <thread>

namespace runnerfleet::mcp {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t max_line = 4 * 1024 * 1024;
constexpr auto first_progress = 500ms;
constexpr auto progress_interval = 1s;
constexpr auto update_coalescing = 250ms;
constexpr auto event_stream_idle = 45s;
constexpr auto drain_grace = 1s;
constexpr long long static_ttl_ms = 3'600'000;
constexpr long long resource_list_ttl_ms = 30'000;

constexpr const char* instructions =
    "runnerfleet shows a CI runner fleet on Kubernetes: GitLab runner releases (Deployment + HPA) and GitHub "
    "Actions runner scale sets (ARC). Start with get_fleet_metrics (what needs attention) or list_runners; "
    "get_runner explains one runner; list_pods with problems=true finds failing pods; list_events tells what "
    "changed and when; get_autoscaler_status shows scaling limits; get_drift compares the fleet with its "
    "tfvars in Git, get_runner_config shows a runner's desired settings, and submit_config_change proposes a "
    "change as a merge request (dry_run first). Answers come from the daemon's in-memory "
    "snapshot, so calls are cheap. Lists are paged: pass the cursor the answer gives. If an answer mentions "
    "stale sources, call get_health before trusting it.";

/// One tools/call or resources/read in flight: cancellable, optionally reporting progress.
struct call_state {
  explicit call_state(net::any_io_executor ex) : ticker(ex) {}
  net::cancellation_signal signal;
  net::steady_timer ticker;
  bool cancelled = false;
  bool done = false;
};

/// A subscriptions/listen stream (2026-07-28).
struct listen_stream {
  nlohmann::json id;
  std::set<std::string> uris;
};

class session {
 public:
  session(net::io_context& ioc, const server_options& options, std::function<void()> on_stopped)
      : on_stopped_(std::move(on_stopped)),
        ioc_(ioc),
        options_(options),
        daemon_(ioc.get_executor(), options.socket_path),
        catalog_(tool_schema_files(), options.read_only ? viewer_tools() : implemented_tools(), options.read_only),
        coalesce_(ioc),
        feed_retry_(ioc),
        drain_deadline_(ioc) {}

  /// One line from stdin.
  void on_line(const std::string& line) {
    auto in = classify(line);
    switch (in.type) {
      case incoming::kind::invalid:
        if (!in.error_reply.is_null()) send(in.error_reply);
        return;
      case incoming::kind::response: return;  // we never send requests
      case incoming::kind::notification: on_notification(in); return;
      case incoming::kind::request: on_request(in); return;
    }
  }

  /// A line over the cap: answered, then skipped.
  void on_oversized_line() {
    send(error_response(nullptr, rpc_code::invalid_request,
                        "message longer than " + std::to_string(max_line / (1024 * 1024)) + " MiB; it was skipped"));
  }

  /// stdin closed: answer the calls in flight (for up to a second), then stop.
  void drain() {
    if (draining_ || stopping_) return;
    draining_ = true;
    if (calls_.empty()) return shutdown();
    drain_deadline_.expires_after(drain_grace);
    drain_deadline_.async_wait([this](const boost::system::error_code&) { shutdown(); });
  }

  /// A signal, or the end of draining: cancel everything and let run() return.
  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& [_, call] : calls_) {
      call->cancelled = true;
      call->signal.emit(net::cancellation_type::terminal);
    }
    for (const auto& [_, l] : listeners_)
      send(result_response(l.id, {{"resultType", "complete"}, {"_meta", {{meta_key::subscription_id, l.id}}}}));
    listeners_.clear();
    feed_signal_.emit(net::cancellation_type::terminal);
    coalesce_.cancel();
    feed_retry_.cancel();
    drain_deadline_.cancel();
    net::post(ioc_, on_stopped_);
  }

 private:
  // ---- output ------------------------------------------------------------------------

  void send(const nlohmann::json& message) {
    if (stdout_broken_) return;
    std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    std::string_view rest = line;
    while (!rest.empty()) {
      auto n = ::write(STDOUT_FILENO, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        spdlog::warn("stdout closed ({}); stopping", std::strerror(errno));
        stdout_broken_ = true;
        shutdown();
        return;
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  nlohmann::json server_info() const {
    return {{"name", "runnerfleet-mcp"}, {"title", "runnerfleet"}, {"version", options_.version}};
  }

  /// What we serve; `legacy` adds logging, which 2026-07-28 deprecates.
  nlohmann::json capabilities(bool legacy) const {
    nlohmann::json caps = {{"tools", {{"listChanged", false}}},
                           {"resources", {{"subscribe", true}, {"listChanged", false}}},
                           {"prompts", {{"listChanged", false}}},
                           {"completions", nlohmann::json::object()}};
    if (legacy) caps["logging"] = nlohmann::json::object();
    return caps;
  }

  /// notifications/message to a legacy client that asked for this level (logging/setLevel);
  /// the same text repeated within 5 s is sent once.
  void client_log(std::string_view level, const std::string& message) {
    static constexpr std::array<std::string_view, 8> levels = {"debug",    "info",  "notice", "warning",
                                                               "error",    "critical", "alert", "emergency"};
    auto rank = [&](std::string_view l) { return std::find(levels.begin(), levels.end(), l) - levels.begin(); };
    if (!client_log_level_ || rank(level) < rank(*client_log_level_)) return;
    auto now = std::chrono::steady_clock::now();
    if (message == last_client_log_ && now - last_client_log_time_ < 5s) return;
    last_client_log_ = message;
    last_client_log_time_ = now;
    send(notification("notifications/message", {{"level", level}, {"logger", "runnerfleet-mcp"}, {"data", message}}));
  }

  /// Answers a request; a modern one gets resultType, serverInfo and cache hints.
  void reply(const nlohmann::json& id, nlohmann::json result, bool modern, const std::string& method,
             long long ttl_ms = 0, const char* scope = "private") {
    if (modern) {
      result["resultType"] = "complete";
      result["_meta"][meta_key::server_info] = server_info();
      if (is_cacheable_method(method)) {
        result["ttlMs"] = ttl_ms;
        result["cacheScope"] = scope;
      }
    }
    send(result_response(id, std::move(result)));
  }

  void fail(const nlohmann::json& id, int code, const std::string& message, const nlohmann::json& data = nullptr) {
    send(error_response(id, code, message, data));
  }

  // ---- dispatch ----------------------------------------------------------------------

  static bool is_known(const std::string& m) {
    static const std::set<std::string> known = {
        "initialize",     "ping",           "server/discover", "tools/list",  "tools/call",
        "resources/list", "resources/read", "resources/templates/list",     "resources/subscribe",
        "resources/unsubscribe", "prompts/list", "prompts/get", "subscriptions/listen", "logging/setLevel",
        "completion/complete"};
    return known.contains(m);
  }

  void on_request(incoming& in) {
    const auto& m = in.method;
    if (m == "initialize") {
      // An initialize in the 2026-07-28 envelope asks for a method that revision removed.
      if (check_modern_meta(in.params).modern)
        return fail(in.id, rpc_code::method_not_found,
                    "initialize was removed in " + std::string(modern_version) + "; send requests with _meta instead");
      return initialize(in);
    }
    if (m == "server/discover") return discover(in);
    if (!is_known(m)) return fail(in.id, rpc_code::method_not_found, "method not found: " + m);
    auto era = check_modern_meta(in.params);
    if (era.error) return fail(in.id, era.error->code, era.error->message, era.error->data);
    bool modern = era.modern;
    if (m == "ping") {
      if (modern) return fail(in.id, rpc_code::method_not_found, "ping was removed in " + std::string(modern_version));
      return send(result_response(in.id, nlohmann::json::object()));
    }
    if (!modern && !initialized_)
      return fail(in.id, rpc_code::invalid_params,
                  std::string("no session: send initialize first, or use ") + std::string(modern_version) +
                      " with _meta \"" + meta_key::protocol_version + "\" and \"" + meta_key::client_capabilities +
                      "\" in every request");
    if (m == "tools/list") return list_tools(in, modern);
    if (m == "tools/call") return call_tool(in, modern);
    if (m == "prompts/list") return list_prompts(in, modern);
    if (m == "prompts/get") return prompt(in, modern);
    if (m == "resources/templates/list") return templates(in, modern);
    if (m == "resources/list") return list_resources(in, modern);
    if (m == "resources/read") return read_resource(in, modern);
    if (m == "resources/subscribe" || m == "resources/unsubscribe") {
      if (modern)
        return fail(in.id, rpc_code::method_not_found, m + " was replaced by subscriptions/listen in " + std::string(modern_version));
      return subscribe(in, m == "resources/subscribe");
    }
    if (m == "completion/complete") return complete(in, modern);
    if (m == "logging/setLevel") {
      if (modern)
        return fail(in.id, rpc_code::method_not_found, "logging/setLevel was removed in " + std::string(modern_version));
      return set_log_level(in);
    }
    if (m == "subscriptions/listen") {
      if (!modern)
        return fail(in.id, rpc_code::method_not_found,
                    "subscriptions/listen is a " + std::string(modern_version) + " method; use resources/subscribe");
      return listen(in);
    }
  }

  void on_notification(const incoming& in) {
    if (in.method == "notifications/initialized") return;
    if (in.method == "notifications/cancelled") {
      auto request = in.params.value("requestId", nlohmann::json());
      auto key = request.dump();
      if (auto it = calls_.find(key); it != calls_.end()) {
        it->second->cancelled = true;  // no response for a cancelled request
        it->second->signal.emit(net::cancellation_type::terminal);
      }
      if (listeners_.erase(key) > 0) {
        spdlog::debug("subscription {} cancelled", key);
        stop_feed_if_idle();
      }
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------

  void initialize(const incoming& in) {
    initialized_ = true;  // also after a server/discover: clients race the two
    auto version = negotiate_legacy_version(in.params.value("protocolVersion", nlohmann::json()));
    auto client = in.params.value("clientInfo", nlohmann::json::object());
    spdlog::info("initialize from {} {}: protocol {}", client.value("name", "?"), client.value("version", "?"), version);
    send(result_response(in.id, {{"protocolVersion", version},
                                 {"capabilities", capabilities(true)},
                                 {"serverInfo", server_info()},
                                 {"instructions", instructions}}));
  }

  void discover(const incoming& in) {
    // A discover naming a version we do not speak learns which we do (-32022); one without
    // _meta, or without capabilities, is still answered: it is how clients probe.
    auto era = check_modern_meta(in.params);
    if (era.error && era.error->code == rpc_code::unsupported_protocol_version)
      return fail(in.id, era.error->code, era.error->message, era.error->data);
    nlohmann::json versions = {std::string(modern_version)};
    for (auto v : legacy_versions) versions.push_back(std::string(v));
    reply(in.id, {{"supportedVersions", versions}, {"capabilities", capabilities(false)}, {"instructions", instructions}},
          true, in.method, static_ttl_ms, "public");
  }

  /// Validates the pagination cursor of a single-page list: only an absent one is valid.
  bool single_page(const incoming& in) {
    if (!in.params.contains("cursor") || in.params["cursor"].is_null()) return true;
    fail(in.id, rpc_code::invalid_params, "invalid cursor: this list has a single page");
    return false;
  }

  void list_tools(const incoming& in, bool modern) {
    if (!single_page(in)) return;
    reply(in.id, {{"tools", catalog_.list()}}, modern, in.method, static_ttl_ms, "public");
  }

  void list_prompts(const incoming& in, bool modern) {
    if (!single_page(in)) return;
    reply(in.id, {{"prompts", prompt_list()}}, modern, in.method, static_ttl_ms, "public");
  }

  void prompt(const incoming& in, bool modern) {
    auto name = in.params.value("name", nlohmann::json());
    if (!name.is_string()) return fail(in.id, rpc_code::invalid_params, "prompts/get needs a string 'name'");
    auto got = get_prompt(name.get<std::string>(), in.params.value("arguments", nlohmann::json()));
    if (auto* e = std::get_if<protocol_error>(&got)) return fail(in.id, e->code, e->message);
    reply(in.id, std::get<nlohmann::json>(std::move(got)), modern, in.method);
  }

  void templates(const incoming& in, bool modern) {
    if (!single_page(in)) return;
    reply(in.id, {{"resourceTemplates", resource_templates()}}, modern, in.method, static_ttl_ms, "public");
  }

  void set_log_level(const incoming& in) {
    static const std::set<std::string> levels = {"debug", "info",     "notice", "warning",
                                                 "error", "critical", "alert",  "emergency"};
    auto level = in.params.value("level", nlohmann::json());
    if (!level.is_string() || !levels.contains(level.get<std::string>()))
      return fail(in.id, rpc_code::invalid_params,
                  "level must be one of debug, info, notice, warning, error, critical, alert, emergency");
    client_log_level_ = level.get<std::string>();
    send(result_response(in.id, nlohmann::json::object()));
  }

  void complete(const incoming& in, bool modern) {
    auto planned = plan_completion(in.params);
    if (auto* e = std::get_if<protocol_error>(&planned)) return fail(in.id, e->code, e->message);
    auto plan = std::get<std::optional<completion_plan>>(std::move(planned));
    if (!plan) return reply(in.id, completion_values({}, nullptr), modern, in.method);
    start_call(in, [&](std::shared_ptr<call_state> call) { return run_complete(in.id, modern, *plan, std::move(call)); });
  }

  net::awaitable<void> run_complete(nlohmann::json id, bool modern, completion_plan plan, std::shared_ptr<call_state> call) {
    auto request = plan.request;
    auto envelope = co_await fetch(std::move(request));
    if (call->cancelled) co_return;
    // Best effort: without the daemon there is simply nothing to offer.
    reply(id, completion_values(plan, envelope ? &*envelope : nullptr), modern, "completion/complete");
  }

  // ---- daemon calls ------------------------------------------------------------------

  client::headers daemon_headers() const {
    if (options_.read_only) return {{"X-Runnerfleet-Role", "viewer"}};
    return {};
  }

  /// Runs a cancellable call for request `in`: `make` is called at once with the call's state
  /// and returns the coroutine (a member coroutine taking its inputs by value: a lambda
  /// coroutine's captures would die with the lambda).
  template <class Make>
  void start_call(const incoming& in, Make make) {
    auto key = in.id.dump();
    if (calls_.contains(key)) return fail(in.id, rpc_code::invalid_request, "request id " + key + " is already in use");
    auto call = std::make_shared<call_state>(ioc_.get_executor());
    calls_[key] = call;
    auto token = in.params.contains("_meta") ? in.params["_meta"].value("progressToken", nlohmann::json()) : nlohmann::json();
    if (token.is_string() || token.is_number_integer()) start_progress(call, token);
    net::co_spawn(ioc_, make(call), net::bind_cancellation_slot(call->signal.slot(), [this, key, call](std::exception_ptr e) {
      call->done = true;
      call->ticker.cancel();
      calls_.erase(key);
      if (e) spdlog::error("request {} failed unexpectedly", key);
      if (draining_ && calls_.empty()) shutdown();
    }));
  }

  /// notifications/progress while a call waits: first after 500 ms, then every second.
  void start_progress(const std::shared_ptr<call_state>& call, nlohmann::json token) {
    net::co_spawn(ioc_, report_progress(call, std::move(token)), net::detached);
  }

  net::awaitable<void> report_progress(std::shared_ptr<call_state> call, nlohmann::json token) {
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(first_progress);
    for (int n = 1; !call->done && !call->cancelled; ++n) {
      call->ticker.expires_after(delay);
      auto [ec] = co_await call->ticker.async_wait(net::as_tuple(net::use_awaitable));
      if (ec || call->done || call->cancelled) co_return;
      send(notification("notifications/progress",
                        {{"progressToken", token}, {"progress", n},
                         {"message", "waiting for runnerfleetd (" + std::to_string(n) + ")"}}));
      delay = std::chrono::duration_cast<std::chrono::milliseconds>(progress_interval);
    }
  }

  /// One daemon request over the socket; a failure here means the daemon was not reached or
  /// did not answer (logged), as opposed to an error envelope it sent.
  net::awaitable<result<client::response>> send_request(daemon_request r) {
    // A proposal makes several GitLab calls in a row: at least two minutes before giving up on it.
    auto deadline = r.method == "POST" && r.target == "/v1/gitops/proposals"
                        ? std::max<std::chrono::milliseconds>(options_.call_timeout, std::chrono::minutes(2))
                        : options_.call_timeout;
    auto response = co_await daemon_.request(r.method, r.target, daemon_headers(), r.body, deadline);
    if (!response) {
      spdlog::warn("{} {}: {}", r.method, r.target, response.failure().message);
      client_log("warning", response.failure().code == error_code::unavailable
                                ? "the runnerfleet daemon is not reachable (is runnerfleetd running?)"
                                : "a daemon call failed: " + std::string(to_string(response.failure().code)));
    }
    co_return response;
  }

  /// One daemon request, decoded: the envelope, or the error as a value.
  net::awaitable<result<nlohmann::json>> fetch(daemon_request r) {
    auto response = co_await send_request(std::move(r));
    if (!response) co_return response.take_failure();
    co_return client::decode_envelope(*response);
  }

  void call_tool(const incoming& in, bool modern) {
    auto name = in.params.value("name", nlohmann::json());
    if (!name.is_string()) return fail(in.id, rpc_code::invalid_params, "tools/call needs a string 'name'");
    const auto* tool = catalog_.find(name.get<std::string>());
    if (!tool) {
      std::string known;
      for (const auto& t : catalog_.list()) known += (known.empty() ? "" : ", ") + t["name"].get<std::string>();
      return fail(in.id, rpc_code::invalid_params, "unknown tool '" + name.get<std::string>() + "' (tools: " + known + ")");
    }
    auto args = in.params.contains("arguments") && !in.params["arguments"].is_null() ? in.params["arguments"]
                                                                                       : nlohmann::json::object();
    auto tool_name = name.get<std::string>();
    if (auto problem = check_arguments((*tool)["inputSchema"], args))
      return reply(in.id, invalid_arguments_result(tool_name, *problem), modern, in.method);
    auto plan = plan_tool_call(tool_name, args);
    if (!plan) return reply(in.id, invalid_arguments_result(tool_name, plan.failure().message), modern, in.method);
    start_call(in, [&](std::shared_ptr<call_state> call) {
      return run_tool(in.id, modern, tool_name, args, *plan, std::move(call));
    });
  }

  net::awaitable<void> run_tool(nlohmann::json id, bool modern, std::string tool, nlohmann::json arguments,
                                daemon_request request, std::shared_ptr<call_state> call) {
    auto response = co_await send_request(std::move(request));
    if (call->cancelled) co_return;
    if (!response) co_return reply(id, tool_error_result(tool, response.failure(), failure_origin::transport), modern,
                                   "tools/call");
    auto envelope = client::decode_envelope(*response);
    auto result = envelope ? render_tool_result(tool, std::move(*envelope), arguments, clock::now())
                           : tool_error_result(tool, envelope.failure(), failure_origin::daemon);
    reply(id, std::move(result), modern, "tools/call");
  }

  void read_resource(const incoming& in, bool modern) {
    auto uri = in.params.value("uri", nlohmann::json());
    if (!uri.is_string()) return fail(in.id, rpc_code::invalid_params, "resources/read needs a string 'uri'");
    auto ref = parse_resource_uri(uri.get<std::string>());
    if (!ref) return fail(in.id, not_found_code(modern), ref.failure().message, {{"uri", uri}});
    start_call(in, [&](std::shared_ptr<call_state> call) {
      return run_read(in.id, modern, *ref, uri.get<std::string>(), std::move(call));
    });
  }

  net::awaitable<void> run_read(nlohmann::json id, bool modern, resource_ref ref, std::string uri,
                                std::shared_ptr<call_state> call) {
    auto request = resource_request(ref);
    auto envelope = co_await fetch(std::move(request));
    if (call->cancelled) co_return;
    if (!envelope) {
      const auto& e = envelope.failure();
      if (e.code == error_code::not_found) co_return fail(id, not_found_code(modern), e.message, {{"uri", uri}});
      co_return fail(id, rpc_code::internal_error, resource_failure(e),
                     {{"uri", uri}, {"reason", std::string(to_string(e.code))}});
    }
    reply(id, {{"contents", resource_contents(ref, uri, *envelope)}}, modern, "resources/read", 0, "private");
  }

  static int not_found_code(bool modern) {
    return modern ? rpc_code::invalid_params : rpc_code::resource_not_found_legacy;
  }

  static std::string resource_failure(const error& e) {
    if (e.code == error_code::unavailable) return "the runnerfleet daemon is not reachable (is runnerfleetd running?)";
    if (e.code == error_code::permission_denied) return "the runnerfleet daemon refused the read (role or socket access)";
    return e.message;
  }

  void list_resources(const incoming& in, bool modern) {
    if (!single_page(in)) return;
    start_call(in, [&](std::shared_ptr<call_state> call) { return run_list_resources(in.id, modern, std::move(call)); });
  }

  net::awaitable<void> run_list_resources(nlohmann::json id, bool modern, std::shared_ptr<call_state> call) {
    // A named request: GCC 12 destroys a braced temporary in a co_await argument twice.
    daemon_request request{.target = "/v1/runners?limit=1000"};
    auto runners = co_await fetch(std::move(request));
    if (call->cancelled) co_return;
    // Without the daemon, the fleet overview is still a resource (reading it says why it fails).
    reply(id, {{"resources", resource_list(runners ? &*runners : nullptr)}}, modern, "resources/list",
          resource_list_ttl_ms, "private");
  }

  // ---- subscriptions -----------------------------------------------------------------

  void subscribe(const incoming& in, bool add) {
    auto uri = in.params.value("uri", nlohmann::json());
    if (!uri.is_string()) return fail(in.id, rpc_code::invalid_params, "resources/(un)subscribe needs a string 'uri'");
    auto ref = parse_resource_uri(uri.get<std::string>());
    if (!ref) return fail(in.id, rpc_code::invalid_params, ref.failure().message);
    if (add && ref->type == resource_ref::kind::pod_log)
      return fail(in.id, rpc_code::invalid_params, "pod logs change continuously; read them instead of subscribing");
    if (add) legacy_subscriptions_.insert(uri.get<std::string>());
    else legacy_subscriptions_.erase(uri.get<std::string>());
    send(result_response(in.id, nlohmann::json::object()));
    ensure_feed();
    stop_feed_if_idle();
  }

  void listen(const incoming& in) {
    const auto& filter = in.params.value("notifications", nlohmann::json());
    if (!filter.is_object())
      return fail(in.id, rpc_code::invalid_params, "subscriptions/listen needs a 'notifications' object");
    listen_stream stream{in.id, {}};
    nlohmann::json accepted = nlohmann::json::array();
    for (const auto& uri : filter.value("resourceSubscriptions", nlohmann::json::array())) {
      if (!uri.is_string()) return fail(in.id, rpc_code::invalid_params, "resourceSubscriptions must hold URI strings");
      auto ref = parse_resource_uri(uri.get<std::string>());
      if (!ref) return fail(in.id, rpc_code::invalid_params, ref.failure().message);
      if (ref->type == resource_ref::kind::pod_log) continue;  // never notified: not acknowledged
      stream.uris.insert(uri.get<std::string>());
      accepted.push_back(uri);
    }
    auto key = in.id.dump();
    if (calls_.contains(key) || listeners_.contains(key))
      return fail(in.id, rpc_code::invalid_request, "request id " + key + " is already in use");
    // The lists never change at run time, so only resource updates are honoured.
    send(notification("notifications/subscriptions/acknowledged",
                      {{"notifications", {{"resourceSubscriptions", accepted}}},
                       {"_meta", {{meta_key::subscription_id, in.id}}}}));
    listeners_.emplace(key, std::move(stream));
    ensure_feed();
  }

  /// Nobody subscribed any more: close the daemon event stream.
  void stop_feed_if_idle() {
    if (feed_running_ && !anyone_listening()) feed_signal_.emit(net::cancellation_type::terminal);
  }

  bool anyone_listening() const { return !legacy_subscriptions_.empty() || !listeners_.empty(); }

  /// Follows the daemon's event stream while anyone is subscribed; reconnects with backoff.
  void ensure_feed() {
    if (feed_running_ || !anyone_listening() || stopping_) return;
    feed_running_ = true;
    net::co_spawn(ioc_, follow_events(), net::bind_cancellation_slot(feed_signal_.slot(), [this](std::exception_ptr) {
      feed_running_ = false;
    }));
  }

  net::awaitable<void> follow_events() {
    int attempt = 0;
    while (anyone_listening() && !stopping_) {
      auto st = co_await daemon_.stream_events("/v1/events/stream", daemon_headers(), event_stream_idle,
                                               [this](const client::sse_event& e) { on_daemon_event(e); });
      if (stopping_ || !anyone_listening()) break;
      if (!st) {
        spdlog::warn("event stream: {}", st.failure().message);
        client_log("warning", "lost the daemon's event stream; resource updates resume when it reconnects");
      }
      else attempt = 0;
      feed_retry_.expires_after(kube::backoff_delay(attempt++, 500ms, 30s, jitter_(random_)));
      auto [ec] = co_await feed_retry_.async_wait(net::as_tuple(net::use_awaitable));
      if (ec) break;
    }
  }

  void on_daemon_event(const client::sse_event& e) {
    pending_updates_.insert(std::string(fleet_uri));
    if (e.event != "snapshot") {
      auto data = nlohmann::json::parse(e.data, nullptr, false);
      if (data.is_object() && data.contains("runner") && data["runner"].is_string())
        pending_updates_.insert(runner_uri(data["runner"].get<std::string>()));
    }
    if (coalescing_) return;
    coalescing_ = true;
    coalesce_.expires_after(update_coalescing);
    coalesce_.async_wait([this](const boost::system::error_code& ec) {
      coalescing_ = false;
      if (ec || stopping_) return;
      flush_updates();
    });
  }

  void flush_updates() {
    for (const auto& uri : pending_updates_) {
      if (legacy_subscriptions_.contains(uri)) send(notification("notifications/resources/updated", {{"uri", uri}}));
      for (const auto& [_, l] : listeners_)
        if (l.uris.contains(uri))
          send(notification("notifications/resources/updated",
                            {{"uri", uri}, {"_meta", {{meta_key::subscription_id, l.id}}}}));
    }
    pending_updates_.clear();
  }

  std::function<void()> on_stopped_;
  net::io_context& ioc_;
  const server_options& options_;
  client::socket_client daemon_;
  tool_catalog catalog_;
  bool initialized_ = false;
  std::optional<std::string> client_log_level_;  ///< set by logging/setLevel (legacy only)
  std::string last_client_log_;
  std::chrono::steady_clock::time_point last_client_log_time_{};
  bool stopping_ = false;
  bool draining_ = false;
  bool stdout_broken_ = false;
  std::map<std::string, std::shared_ptr<call_state>> calls_;  ///< by request id (JSON text)
  std::set<std::string> legacy_subscriptions_;
  std::map<std::string, listen_stream> listeners_;             ///< by listen request id (JSON text)
  bool feed_running_ = false;
  net::cancellation_signal feed_signal_;
  std::set<std::string> pending_updates_;
  bool coalescing_ = false;
  net::steady_timer coalesce_;
  net::steady_timer feed_retry_;
  net::steady_timer drain_deadline_;
  std::minstd_rand random_{std::random_device{}()};
  std::uniform_real_distribution<double> jitter_{0.0, 1.0};
};

/// Reads stdin on its own thread (a pipe, a file or a terminal alike) and hands each complete
/// line to the io_context, so the session never blocks on input. stop() wakes it through a
/// pipe, so shutdown can join it instead of abandoning it inside read().
class stdin_reader {
 public:
  stdin_reader(net::io_context& ioc, session& s) : ioc_(ioc), session_(s) {
    if (::pipe(wake_) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    thread_ = std::thread([this] { run(); });
  }
  ~stdin_reader() {
    char byte = 0;
    while (::write(wake_[1], &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  stdin_reader(const stdin_reader&) = delete;
  stdin_reader& operator=(const stdin_reader&) = delete;

 private:
  void run() {
    std::string partial;
    bool skipping = false;
    std::vector<char> buffer(64 * 1024);
    while (true) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents != 0) return;  // stopping: the session is going away
      auto n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), partial, skipping);
    }
    net::post(ioc_, [this] { session_.drain(); });
  }

  void feed(std::string_view data, std::string& partial, bool& skipping) {
    while (!data.empty()) {
      auto nl = data.find('\n');
      if (!skipping) partial.append(data.substr(0, nl));
      if (partial.size() > max_line) {
        partial.clear();
        skipping = true;
        net::post(ioc_, [this] { session_.on_oversized_line(); });
      }
      if (nl == std::string_view::npos) return;
      data.remove_prefix(nl + 1);
      if (std::exchange(skipping, false)) continue;
      if (!partial.empty() && partial.back() == '\r') partial.pop_back();
      if (partial.find_first_not_of(" \t") != std::string::npos)
        net::post(ioc_, [this, line = std::move(partial)] { session_.on_line(line); });
      partial.clear();
    }
  }

  net::io_context& ioc_;
  session& session_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace

int run_server(const server_options& options) {
  net::io_context ioc{1};
  auto work = net::make_work_guard(ioc);
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  std::unique_ptr<session> s;
  try {
    s = std::make_unique<session>(ioc, options, [&] {
      work.reset();
      signals.cancel();
      ioc.stop();
    });
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping", sig);
    s->shutdown();
  });
  stdin_reader reader(ioc, *s);
  ioc.run();
  return 0;
}

}  // namespace runnerfleet::mcp
