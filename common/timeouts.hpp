// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

/// Every duration the daemon waits for, in one place (as Kea's timeouts.h), so deadlines are
/// reviewed together and never invented inline.
namespace runnerfleet::timeouts {

using namespace std::chrono_literals;

/// A client must send a complete request header within this time (slowloris guard).
inline constexpr auto socket_request_read = 10s;
/// An idle keep-alive connection is closed after this.
inline constexpr auto socket_idle = 60s;
/// Writing one response (or one SSE frame) must finish within this.
inline constexpr auto socket_write = 10s;
/// SSE keep-alive comment interval.
inline constexpr auto sse_heartbeat = 15s;

/// Connect + TLS handshake to an upstream API.
inline constexpr auto upstream_connect = 5s;
/// A whole non-streaming upstream request (one list page, one GET).
inline constexpr auto upstream_request = 20s;
/// A watch stream that stays silent longer than this (no event, no bookmark) is restarted.
inline constexpr auto watch_idle = 90s;
/// Server-side watch timeout asked for (randomised between these), as client-go reflectors do.
inline constexpr auto watch_timeout_min = 300s;
inline constexpr auto watch_timeout_max = 600s;
/// Reconnect backoff: initial, cap; full jitter on top.
inline constexpr auto backoff_initial = 250ms;
inline constexpr auto backoff_max = 30s;
/// How often an absent CRD is looked for again.
inline constexpr auto absent_crd_retry = 60s;
/// A token file (in-cluster service account, tokenFile) is re-read this often.
inline constexpr auto token_file_refresh = 60s;
/// An exec credential plugin must answer within this.
inline constexpr auto exec_plugin = 30s;

/// Changes are coalesced for this long before the snapshot is rebuilt (events that arrive
/// while a rebuild runs coalesce anyway: there is one thread).
inline constexpr auto snapshot_debounce = 5ms;
/// The snapshot is rebuilt at least this often so time-based states (pending too long) appear.
inline constexpr auto snapshot_refresh = 5s;

/// Graceful shutdown: sessions get this long to finish after SIGTERM.
inline constexpr auto shutdown_grace = 5s;

}  // namespace runnerfleet::timeouts
