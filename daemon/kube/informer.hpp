// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "common/kube/object_sink.hpp"
#include "common/kube/resource_kind.hpp"
#include "daemon/upstream/http_client.hpp"
#include "daemon/kube/token_provider.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <optional>
#include <random>
#include <string>

namespace runnerfleet::kube {

/// Keeps one (namespace, kind) of one cluster in the sink: a paginated list delivered item by
/// item, then a watch from the list's resourceVersion with bookmarks; a 410 relists, a dropped
/// stream rewatches, failures back off exponentially with jitter (never a busy loop), an
/// absent optional CRD is re-checked slowly, Retry-After is honoured.
class informer {
 public:
  informer(boost::asio::any_io_executor ex, upstream::http_client& client, token_provider& tokens, object_sink& sink,
           resource_kind kind, std::string ns);

  /// Runs until stop().
  boost::asio::awaitable<void> run();
  /// Ends run() promptly (with http_client::close_all for in-flight requests).
  void stop();

 private:
  enum class outcome { ok, expired, dropped, absent, forbidden, unauthorized, throttled, failed };
  struct attempt {
    outcome what = outcome::ok;
    std::string error;
    std::optional<int> retry_after_s;
  };

  boost::asio::awaitable<attempt> list();
  boost::asio::awaitable<attempt> watch();
  attempt classify(int status, const std::string& body, std::optional<int> retry_after, const std::string& target) const;
  void handle_line(std::string_view line, bool& expired, std::string& error);
  void set_phase(informer_phase phase);
  void record_error(const std::string& message);
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds delay);

  upstream::http_client& client_;
  token_provider& tokens_;
  object_sink& sink_;
  resource_kind kind_;
  std::string ns_;
  std::string path_;
  std::string resource_version_;
  informer_status status_;
  bool stopped_ = false;
  bool listed_once_ = false;
  boost::asio::steady_timer timer_;
  std::mt19937 rng_;
};

}  // namespace runnerfleet::kube
