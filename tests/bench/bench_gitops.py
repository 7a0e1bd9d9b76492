# SPDX-License-Identifier: Apache-2.0
"""GitOps at several fleet sizes: repository requests a minute at steady state with the
default config (the branch head every 60 s; files only when it moves), and the latency of
the operator routes answered from memory: GET /v1/gitops/drift, GET /v1/gitops/config/{name}
and a dry-run proposal (schema validation, lossless edit, diff; no upstream call). The scale
generator's pools are declared by no tfvars file, so every one of them is an `undeclared`
drift item: the drift list grows with the fleet. Prints figures; asserts nothing."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
from bench_common import measure_sizes, percentile  # noqa: E402

SIZES = [(0, 0), (100, 1000), (1000, 10000)]  # extra (pools, pods) on top of the default scenario
WINDOW_S = int(os.environ.get("BENCH_GITOPS_WINDOW_S", "120"))
ROUNDS = 200
REPO_ENDPOINTS = ("files", "branches", "commits", "merge_requests")


def timed(daemon, method, target, body=None):
    t0 = time.perf_counter()
    status, reply = daemon.request(method, target, body=body, headers={"Content-Type": "application/json"})
    elapsed = (time.perf_counter() - t0) * 1000
    if status != 200:
        raise RuntimeError(f"{method} {target}: {status} {reply}")
    return elapsed, reply


def latency(daemon, method, target, body=None):
    samples = [timed(daemon, method, target, body)[0] for _ in range(ROUNDS)]
    return {"p50_ms": round(percentile(samples, 0.5), 2), "p99_ms": round(percentile(samples, 0.99), 2)}


def measure(pools, pods, workdir):
    extra = ("--scale-pools", str(pools), "--scale-pods", str(pods)) if pools else ()
    sim = harness.Sim(workdir, tls=False, extra_args=extra)
    daemon = None
    try:
        clusters = [{"name": "sim", "kubeconfig": sim.kubeconfig, "namespaces": harness.NAMESPACES}]
        gitlab = {"url": sim.info["gitlab_url"], "token_file": sim.info["gitlab_admin_token_file"]}
        gitops = {"project": "ci/flywheel", "files": [{"path": "tofu/stacks/gitlab-runners/dev.tfvars"},
                                                      {"path": "tofu/stacks/arc-runners/dev.tfvars"}]}
        daemon = harness.Daemon(workdir, clusters, access={"default_role": "admin"},
                                extra={"gitlab": gitlab, "gitops": gitops})
        daemon.wait_synced(120)
        harness.wait_until(lambda: daemon.get("/v1/gitops/drift")[0] == 200, 60, interval=0.2, what="tfvars")
        before, started = sim.stats()["gitlab"], time.monotonic()
        time.sleep(WINDOW_S)
        after, elapsed = sim.stats()["gitlab"], time.monotonic() - started
        per_min = {k: round((after.get(k, 0) - before.get(k, 0)) * 60 / elapsed, 1) for k in REPO_ENDPOINTS}
        drift = daemon.data("/v1/gitops/drift")
        proposal = json.dumps({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": 12}, "dry_run": True})
        return {"pods": len(sim.objects("pods")), "runners": daemon.get("/v1/runners?limit=1")[1]["meta"]["total"],
                "drift_items": sum(drift["counts"].values()),
                "repository_requests_per_min": per_min,
                "get_drift": latency(daemon, "GET", "/v1/gitops/drift"),
                "get_config": latency(daemon, "GET", "/v1/gitops/config/docker-runner"),
                "dry_run_proposal": latency(daemon, "POST", "/v1/gitops/proposals", proposal)}
    finally:
        if daemon:
            daemon.stop()
        sim.stop()


def main():
    print(f"GitOps: repository requests at steady state (default config, window {WINDOW_S} s) and "
          f"route latency over the socket ({ROUNDS} requests each, 1 client)")
    measure_sizes(SIZES, measure, "rf-bench-gitops-")


if __name__ == "__main__":
    main()
