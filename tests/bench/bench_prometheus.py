# SPDX-License-Identifier: Apache-2.0
"""Prometheus load and latency: how many queries a minute runnerfleetd sends Prometheus at
steady state (default poll interval, counted by Prometheus itself), and how long a 7-day window
takes through the daemon uncached (the batch of instant queries plus every range query) and
cached (the same window again within a step). Debian's Prometheus scrapes the simulator; the
default fleet gets 7 days of backfilled history, the generated fleets live data only. Prints
figures; asserts nothing."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
from bench_common import measure_sizes  # noqa: E402

WINDOW_S = int(os.environ.get("BENCH_PROMETHEUS_WINDOW_S", "120"))
SIZES = [(0, 0), (100, 1000)]  # (0, 0): the default scenario with history; else generated pools/pods


def query_requests(prom):
    """Prometheus's own count of API queries answered (instant and range)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", prom.port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("prometheus_http_requests_total{") and (
                'handler="/api/v1/query"' in line or 'handler="/api/v1/query_range"' in line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def timed(daemon, target):
    t0 = time.perf_counter()
    status, body = daemon.get(target)
    if status != 200:
        raise RuntimeError(f"{target}: {status} {body}")
    return (time.perf_counter() - t0) * 1000


def measure(pools, pods, workdir):
    args = ("--scenario", "none", "--scale-pools", str(pools), "--scale-pods", str(pods)) if pools else (
        "--metrics-history", os.path.join(workdir, "history.om"))
    sim = harness.Sim(workdir, tls=False, extra_args=args)
    prom = daemon = None
    try:
        t0 = time.monotonic()
        prom = harness.Prometheus(workdir, sim)
        backfill_s = time.monotonic() - t0
        clusters = [{"name": "sim", "kubeconfig": sim.kubeconfig, "namespaces": harness.NAMESPACES}]
        daemon = harness.Daemon(workdir, clusters, access={"default_role": "admin"},
                                extra={"prometheus": {"url": prom.url}})
        daemon.wait_synced(120)
        time.sleep(35)  # past the first poll
        before, started = query_requests(prom), time.monotonic()
        time.sleep(WINDOW_S)
        per_min = (query_requests(prom) - before) * 60 / (time.monotonic() - started)
        fleet_uncached = timed(daemon, "/v1/metrics/fleet?window=7d")
        fleet_cached = timed(daemon, "/v1/metrics/fleet?window=7d")
        runner = "docker-runner" if not pools else daemon.data("/v1/runners?forge=gitlab&limit=1")[0]["name"]
        runner_uncached = timed(daemon, f"/v1/metrics/runners/{runner}?window=7d")
        runner_cached = timed(daemon, f"/v1/metrics/runners/{runner}?window=7d")
        return {"fleet": "default scenario, 7 days of history" if not pools else f"{pools} pools, {pods} pods, live only",
                "history_backfill_and_start_s": round(backfill_s, 1),
                "prometheus_queries_per_min": round(per_min, 1),
                "fleet_7d_uncached_ms": round(fleet_uncached, 1), "fleet_7d_cached_ms": round(fleet_cached, 1),
                "runner_7d_uncached_ms": round(runner_uncached, 1), "runner_7d_cached_ms": round(runner_cached, 1)}
    finally:
        if daemon:
            daemon.stop()
        if prom:
            prom.stop()
        sim.stop()


def main():
    print(f"Prometheus queries at steady state (default poll interval 30 s; window {WINDOW_S} s) and 7-day windows")
    measure_sizes(SIZES, measure, "rf-bench-prometheus-")


if __name__ == "__main__":
    main()
