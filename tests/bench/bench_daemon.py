# SPDX-License-Identifier: Apache-2.0
"""Daemon benchmarks at several fleet sizes (100, 1,000, 10,000 pods), against the simulator
over HTTPS: initial sync time, watch event → snapshot (SSE) latency, GET latency and
throughput with 1 and 32 clients, snapshot build time, daemon peak RSS. Prints figures; it
asserts nothing about speed (timing belongs in benchmarks, not in pass/fail tests)."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
from bench_common import measure_sizes, percentile  # noqa: E402

SOCKET_LOAD = os.environ.get("SOCKET_LOAD", os.path.join(harness.BUILD_DIR, "tests", "bench", "socket-load"))
SIZES = [(10, 100), (30, 1000), (100, 10000)]
EVENT_SAMPLES = 40




def rss_peak_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def histogram(text, name):
    """{upper bound (s): cumulative count} of a Prometheus histogram in exposition text."""
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.split()[-1])
    return out


def quantile_bound_ms(before, after, q):
    """The smallest bucket bound (ms) covering quantile q of the observations between two scrapes."""
    bounds = sorted(after)
    total = after[bounds[-1]] - before.get(bounds[-1], 0)
    if total <= 0:
        return float("nan")
    for b in bounds:
        if after[b] - before.get(b, 0) >= q * total:
            return b * 1000
    return float("inf")


def load(socket_path, target, clients, per_client):
    out = subprocess.run([SOCKET_LOAD, socket_path, target, str(clients), str(per_client)],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"socket-load failed: {out.stderr}{out.stdout}")
    return json.loads(out.stdout)


def pod_count(sim):
    return sum(len(sim.objects("pods", ns)) for ns in harness.NAMESPACES)


def measure(pools, pods, workdir):
    sim = harness.Sim(workdir, tls=True, extra_args=["--scale-pools", str(pools), "--scale-pods", str(pods)])
    daemon = None
    try:
        expected = pod_count(sim)
        clusters = [{"name": "sim", "kubeconfig": sim.kubeconfig, "namespaces": harness.NAMESPACES}]
        started = time.monotonic()
        daemon = harness.Daemon(workdir, clusters, access={"default_role": "operator"}, wait=False)

        def synced():
            try:
                status, body = daemon.get("/v1/pods?limit=1")
            except OSError:
                return False
            return status == 200 and body["meta"]["total"] == expected and daemon.synced()
        harness.wait_until(synced, 120, interval=0.01, what=f"{expected} pods synced")
        sync_s = time.monotonic() - started

        runners = daemon.data("/v1/runners?forge=gitlab&limit=1")
        runner = runners[0]["name"]
        healthy = [p["name"] for p in daemon.data(f"/v1/pods?runner={runner}&problem=false&limit=1000")
                   if p["role"] == "manager"]
        victim = healthy[0]

        _, metrics_before = daemon.get("/metrics")
        stream = harness.SSEReader(daemon.socket)
        latencies = []
        for i in range(EVENT_SAMPLES):
            op = "crashloop_pod" if i % 2 == 0 else "recover_pod"
            kind = "pod_problem" if i % 2 == 0 else "pod_recovered"
            seen_before = {e["id"] for _, e in stream.events()}
            t0 = time.monotonic()
            sim.control("POST", "/_sim/ops", {"ops": [{"op": op, "namespace": "gitlab-runners", "name": victim}]})
            arrived, _ = stream.wait_for(lambda e: e["id"] not in seen_before and e["kind"] == kind
                                         and e["object"] == "Pod/" + victim, 10, kind)
            latencies.append((arrived - t0) * 1000)
        stream.close()
        _, metrics_after = daemon.get("/metrics")
        name = "runnerfleet_change_to_snapshot_seconds"
        before_h, after_h = histogram(metrics_before, name), histogram(metrics_after, name)

        get_one_1 = load(daemon.socket, f"/v1/runners/{runner}", 1, 5000)
        get_one_32 = load(daemon.socket, f"/v1/runners/{runner}", 32, 500)
        problems_1 = load(daemon.socket, "/v1/pods?problem=true", 1, 2000)
        problems_32 = load(daemon.socket, "/v1/pods?problem=true", 32, 200)
        _, metrics = daemon.get("/metrics")
        build_sum = build_count = 0.0
        for line in metrics.splitlines():
            if line.startswith("runnerfleet_snapshot_build_seconds_sum"):
                build_sum = float(line.split()[-1])
            if line.startswith("runnerfleet_snapshot_build_seconds_count"):
                build_count = float(line.split()[-1])
        return {
            "pods": expected, "pools": pools, "sync_s": sync_s,
            "event_p50_ms": percentile(latencies, 0.5), "event_p99_ms": percentile(latencies, 0.99),
            "daemon_p50_ms": quantile_bound_ms(before_h, after_h, 0.5),
            "daemon_p99_ms": quantile_bound_ms(before_h, after_h, 0.99),
            "get_runner": (get_one_1, get_one_32), "get_problems": (problems_1, problems_32),
            "build_mean_ms": 1000 * build_sum / build_count if build_count else float("nan"),
            "rss_mib": rss_peak_mib(daemon.proc.pid),
        }
    finally:
        if daemon:
            daemon.stop()
        sim.stop()


def main():
    rows = measure_sizes(SIZES, measure, "rf-bench-")
    print("| pods | initial sync | watch event → snapshot in the daemon, p50 / p99 (bucket bound) | "
          "simulator op → SSE event end to end, p50 / p99 | GET /v1/runners/{name} p50 / p99 (1 client) | "
          "same, 32 clients: p50 / p99, req/s | GET /v1/pods?problem=true p50 / p99 (1) | same, 32: req/s | "
          "snapshot build (mean) | peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        g1, g32 = r["get_runner"]
        p1, p32 = r["get_problems"]
        print(f"| {r['pods']:,} | {r['sync_s']:.2f} s | ≤ {r['daemon_p50_ms']:g} / ≤ {r['daemon_p99_ms']:g} ms | "
              f"{r['event_p50_ms']:.1f} / {r['event_p99_ms']:.1f} ms | "
              f"{g1['p50_us']:.0f} / {g1['p99_us']:.0f} µs | {g32['p50_us']:.0f} / {g32['p99_us']:.0f} µs, "
              f"{g32['throughput_rps']:,.0f} | {p1['p50_us']:.0f} / {p1['p99_us']:.0f} µs | "
              f"{p32['throughput_rps']:,.0f} | {r['build_mean_ms']:.1f} ms | {r['rss_mib']:.0f} MiB |")


if __name__ == "__main__":
    main()
