# SPDX-License-Identifier: Apache-2.0
"""The official MCP TypeScript SDK client (tests/mcp, pinned by its lockfile) against
runnerfleet-mcp over a simulator-backed daemon (Kubernetes, GitLab and the GitOps tfvars of the
simulator's project ci/flywheel): every tool, resource and prompt checked against the
scenario, every structuredContent validated by ajv; then the daemon is stopped and every tool
must answer isError."""

import os
import shutil
import subprocess
import sys
import unittest

import harness
from mcp_process import MCP

TESTS = os.path.join(harness.SOURCE_DIR, "tests", "mcp")
SCENARIO = os.path.join(harness.SOURCE_DIR, "tests", "sim", "scenarios", "default.json")


def node_client(socket_path, mode):
    return subprocess.run([shutil.which("node") or "node", os.path.join(TESTS, "sdk_client_test.mjs"),
                           "--mcp", MCP, "--socket", socket_path, "--scenario", SCENARIO, "--mode", mode],
                          capture_output=True, text=True, timeout=120, cwd=TESTS)


class McpSdkClient(harness.FleetTestCase):
    def test_sdk_client_against_the_fleet_then_without_the_daemon(self):
        sim = self.start_sim(tls=True)
        daemon = self.start_gitops_daemon(sim)
        daemon.wait_synced()
        harness.wait_until(lambda: daemon.get("/v1/gitops/drift")[0] == 200, 20, interval=0.2,
                           what="the first read of the tfvars")
        up = node_client(daemon.socket, "up")
        print(up.stdout)
        self.assertEqual(up.returncode, 0, up.stdout + up.stderr)
        daemon.stop()
        down = node_client(daemon.socket, "down")
        print(down.stdout)
        self.assertEqual(down.returncode, 0, down.stdout + down.stderr)


if __name__ == "__main__":
    if not os.path.isdir(os.path.join(TESTS, "node_modules", "@modelcontextprotocol")):
        print("tests/mcp/node_modules is missing: scripts/test runs `npm ci` there", file=sys.stderr)
        sys.exit(77)  # meson's SKIP, never a silent pass
    unittest.main(verbosity=2)
