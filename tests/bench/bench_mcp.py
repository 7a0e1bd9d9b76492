# SPDX-License-Identifier: Apache-2.0
"""runnerfleet-mcp benchmarks at 1,000 and 10,000 pods against a simulator-backed daemon:
spawn → initialize answered, tools/list size, tools/call round trips (get_runner, list_pods)
p50/p99 measured from the client's write to the answer's line, and — against the same
simulator — kubernetes-mcp-server's pods_list (time and answer size) for comparison.
Prints figures; asserts nothing about speed."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
from bench_common import measure_sizes, percentile  # noqa: E402
from mcp_process import MCP, McpProcess  # noqa: E402

SIZES = [(30, 1000), (100, 10000)]
PEER = os.path.join(harness.SOURCE_DIR, "tests", "mcp-tools", "node_modules", "kubernetes-mcp-server-linux-amd64",
                    "bin", "kubernetes-mcp-server-linux-amd64")
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}




def spawn_to_initialized(socket_path, runs=20):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        mcp = McpProcess(socket_path)
        mcp.call(0, "initialize", INIT)
        times.append((time.perf_counter() - t0) * 1000)
        mcp.close_stdin()
        mcp.wait(5)
        mcp.stop()
    return percentile(times, 0.5)


def call_latencies(mcp, tool, args, n):
    times, size = [], 0
    for i in range(n):
        t0 = time.perf_counter()
        answer = mcp.call(i + 1000, "tools/call", {"name": tool, "arguments": args}, timeout=30)
        times.append((time.perf_counter() - t0) * 1000)
        if answer["result"].get("isError"):
            raise RuntimeError(f"{tool}: {answer['result']['content'][0]['text']}")
        size = len(json.dumps(answer["result"]))
    return {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99), "answer_bytes": size}


def peer_pods_list(kubeconfig, runs=3):
    """kubernetes-mcp-server's pods_list over all namespaces: wall time and answer size."""
    if not os.path.exists(PEER):
        return None
    proc = subprocess.Popen([PEER, "--kubeconfig", kubeconfig, "--read-only"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        def call(id_, method, params):
            proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params}) + "\n")
            proc.stdin.flush()
            while True:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError("kubernetes-mcp-server exited")
                message = json.loads(line)
                if message.get("id") == id_:
                    return message, len(line)
        call(0, "initialize", INIT)
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        times, size = [], 0
        for i in range(runs):
            t0 = time.perf_counter()
            message, size = call(i + 1, "tools/call", {"name": "pods_list", "arguments": {}})
            times.append((time.perf_counter() - t0) * 1000)
            if "error" in message or message["result"].get("isError"):
                raise RuntimeError(f"pods_list failed: {json.dumps(message)[:500]}")
        return {"p50_ms": percentile(times, 0.5), "answer_bytes": size}
    finally:
        proc.kill()
        proc.wait()


def measure(pools, pods, workdir):
    sim = harness.Sim(workdir, tls=True, extra_args=["--scale-pools", str(pools), "--scale-pods", str(pods)])
    daemon = None
    try:
        clusters = [{"name": "sim", "kubeconfig": sim.kubeconfig, "namespaces": harness.NAMESPACES}]
        daemon = harness.Daemon(workdir, clusters, access={"default_role": "operator"})
        daemon.wait_synced(120)
        total = daemon.get("/v1/pods?limit=1")[1]["meta"]["total"]
        runner = daemon.data("/v1/runners?forge=gitlab&limit=1")[0]["name"]
        mcp = McpProcess(daemon.socket)
        try:
            mcp.initialize()
            tools = mcp.call(1, "tools/list")["result"]["tools"]
            tools_bytes = len(json.dumps(tools, separators=(",", ":")))
            get_runner = call_latencies(mcp, "get_runner", {"name": runner}, 500)
            list_pods = call_latencies(mcp, "list_pods", {"limit": 50}, 200)
        finally:
            mcp.stop()
        return {"pods": total, "spawn_to_initialized_ms": spawn_to_initialized(daemon.socket),
                "tools_list_bytes": tools_bytes, "tools": len(tools), "get_runner": get_runner,
                "list_pods": list_pods, "peer_pods_list": peer_pods_list(sim.kubeconfig)}
    finally:
        if daemon:
            daemon.stop()
        sim.stop()


def main():
    rows = measure_sizes(SIZES, measure, "rf-bench-mcp-")
    print("| pods | spawn → initialized p50 | tools/list | get_runner p50 / p99 | list_pods (50 rows) p50 / p99, answer "
          "| kubernetes-mcp-server pods_list (all pods) p50, answer |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        peer = r["peer_pods_list"]
        peer_cell = f"{peer['p50_ms']:.0f} ms, {peer['answer_bytes'] / 1024:,.0f} KiB" if peer else "not installed"
        print(f"| {r['pods']:,} | {r['spawn_to_initialized_ms']:.1f} ms | {r['tools_list_bytes']:,} B ({r['tools']} tools) | "
              f"{r['get_runner']['p50_ms']:.2f} / {r['get_runner']['p99_ms']:.2f} ms | "
              f"{r['list_pods']['p50_ms']:.2f} / {r['list_pods']['p99_ms']:.2f} ms, "
              f"{r['list_pods']['answer_bytes'] / 1024:,.1f} KiB | {peer_cell} |")


if __name__ == "__main__":
    main()
