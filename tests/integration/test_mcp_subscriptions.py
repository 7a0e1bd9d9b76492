# SPDX-License-Identifier: Apache-2.0
"""Resource subscriptions over a real daemon: a fleet change reaches subscribers as
notifications/resources/updated, through legacy resources/subscribe and through the
2026-07-28 subscriptions/listen stream (acknowledged first, every message tagged)."""

import os
import time
import unittest

import harness
from mcp_process import MODERN_META, McpProcess

FLEET = "runnerfleet://fleet"
NIX = "runnerfleet://runners/nix-runner"
DIND = "runnerfleet://runners/dind-runner"


class McpSubscriptions(harness.FleetTestCase):
    def setUp(self):
        super().setUp()
        self.start_synced_fleet()
        self.mcp = McpProcess(self.daemon.socket, log_path=os.path.join(self.workdir, "mcp.log"))
        self.addCleanup(self.mcp.stop)

    def updates(self, timeout, until):
        """resources/updated notifications until `until(uris)` holds or time runs out."""
        seen = []
        deadline = time.monotonic() + timeout
        while not until([m["params"]["uri"] for m in seen]):
            message = self.mcp.next(max(0.01, deadline - time.monotonic()))
            if message.get("method") == "notifications/resources/updated":
                seen.append(message)
        return seen

    def test_legacy_subscribers_hear_about_their_runner(self):
        self.mcp.initialize()
        for n, uri in enumerate([FLEET, NIX, DIND], start=1):
            self.assertEqual(self.mcp.call(n, "resources/subscribe", {"uri": uri})["result"], {})
        bad = self.mcp.call(9, "resources/subscribe", {"uri": "runnerfleet://nowhere"})
        self.assertEqual(bad["error"]["code"], -32602)
        time.sleep(0.5)  # the event stream connects
        self.sim.step("nix-crashloop")
        seen = self.updates(5, lambda uris: FLEET in uris and NIX in uris)
        self.assertNotIn(DIND, [m["params"]["uri"] for m in seen], "an unrelated runner was not touched")
        self.assertNotIn("_meta", seen[0]["params"], "legacy notifications carry no subscription id")
        # After unsubscribing, the runner's changes are no longer announced.
        self.assertEqual(self.mcp.call(20, "resources/unsubscribe", {"uri": NIX})["result"], {})
        self.sim.step("dind-scale-up")
        seen = self.updates(5, lambda uris: DIND in uris)
        self.assertNotIn(NIX, [m["params"]["uri"] for m in seen])

    def test_modern_listen_stream_is_acknowledged_tagged_and_cancellable(self):
        params = {"_meta": MODERN_META, "notifications": {"resourceSubscriptions": [NIX, FLEET,
                                                                                     "runnerfleet://pods/a/b/log"]}}
        self.mcp.request("listen-1", "subscriptions/listen", params)
        ack = self.mcp.next(5)
        self.assertEqual(ack["method"], "notifications/subscriptions/acknowledged")
        self.assertEqual(ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"], "listen-1")
        self.assertEqual(ack["params"]["notifications"], {"resourceSubscriptions": [NIX, FLEET]},
                         "pod logs are never announced, so they are not acknowledged")
        time.sleep(0.5)
        self.sim.step("nix-crashloop")
        seen = self.updates(5, lambda uris: NIX in uris)
        for m in seen:
            self.assertEqual(m["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"], "listen-1")
        self.mcp.notify("notifications/cancelled", {"requestId": "listen-1"})
        self.assertEqual(self.mcp.call(2, "tools/list", {"_meta": MODERN_META})["result"]["resultType"], "complete")
        self.sim.step("dind-scale-up")
        time.sleep(1.5)
        while not self.mcp.messages.empty():
            late = self.mcp.messages.get()
            self.assertNotEqual(late.get("method"), "notifications/resources/updated", f"after cancel: {late}")
            self.assertNotEqual(late.get("id"), "listen-1", "a cancelled listen gets no response")


if __name__ == "__main__":
    unittest.main(verbosity=2)
