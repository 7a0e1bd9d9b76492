# SPDX-License-Identifier: Apache-2.0
"""GitLab load at steady state: how many requests a minute runnerfleetd sends the GitLab API
for fleets of 100 and 1,000 GitLab runner releases with the default config (poll every 30 s,
budget 60 requests a minute), counted by the simulator, against GitLab's default
authenticated limit (7,200 an hour = 120 a minute). Also the latency of a pause (PUT plus the
running-jobs read, through the audit journal's fsyncs). Prints figures; asserts nothing."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
from bench_common import measure_sizes, percentile  # noqa: E402

GITLAB_LIMIT_PER_MIN = 7200 / 60
# (pools, pods): half the pools are GitLab releases, each with one registration.
SIZES = [(200, 400), (2000, 4000)]
WINDOW_S = int(os.environ.get("BENCH_GITLAB_WINDOW_S", "120"))


def gitlab_requests(sim):
    return sim.control("GET", "/_sim/stats")["gitlab"]


def measure(pools, pods, workdir):
    sim = harness.Sim(workdir, tls=False, extra_args=("--scale-pools", str(pools), "--scale-pods", str(pods)))
    daemon = None
    try:
        registrations = len(sim.control("GET", "/_sim/gitlab/runners")["runners"])
        clusters = [{"name": "sim", "kubeconfig": sim.kubeconfig, "namespaces": harness.NAMESPACES}]
        gitlab = {"url": sim.info["gitlab_url"], "token_file": sim.info["gitlab_admin_token_file"]}
        daemon = harness.Daemon(workdir, clusters, access={"default_role": "admin"}, extra={"gitlab": gitlab})
        daemon.wait_synced(120)
        time.sleep(35)  # past the first poll: from here on it is steady state
        before, started = gitlab_requests(sim), time.monotonic()
        time.sleep(WINDOW_S)
        after, elapsed = gitlab_requests(sim), time.monotonic() - started
        per_min = (after["total"] - before["total"]) * 60 / elapsed
        by_kind = {k: round((after.get(k, 0) - before.get(k, 0)) * 60 / elapsed, 1)
                   for k in ("list", "details", "managers", "jobs", "put")}
        pause_ms = []
        names = [r["name"] for r in daemon.data("/v1/runners?forge=gitlab&limit=20")]
        for name in names[:10]:
            for action, body in (("pause", {"reason": "benchmark"}), ("resume", {})):
                t0 = time.perf_counter()
                status, reply = daemon.request("POST", f"/v1/runners/{name}/{action}", body=json.dumps(body))
                pause_ms.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    raise RuntimeError(f"{action} {name}: {status} {reply}")
        return {"gitlab_releases": (pools + 1) // 2, "registrations": registrations,
                "requests_per_min": round(per_min, 1), "by_endpoint_per_min": by_kind,
                "share_of_gitlab_default_limit": f"{per_min / GITLAB_LIMIT_PER_MIN:.0%}",
                "pause_or_resume_ms_p50": round(percentile(pause_ms, 0.5), 1),
                "pause_or_resume_ms_p99": round(percentile(pause_ms, 0.99), 1)}
    finally:
        if daemon:
            daemon.stop()
        sim.stop()


def main():
    print(f"GitLab requests at steady state (default config; window {WINDOW_S} s); "
          f"GitLab's default authenticated limit is {GITLAB_LIMIT_PER_MIN:.0f}/min")
    measure_sizes(SIZES, measure, "rf-bench-gitlab-")


if __name__ == "__main__":
    main()
