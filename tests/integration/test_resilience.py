# SPDX-License-Identifier: Apache-2.0
"""Upstream misbehaviour: with watch drops, 410 Expired and 429s for a minute the snapshot
still equals the simulator's truth; with the simulator down the last snapshot is served
marked stale, and the daemon recovers by itself. Upstream load is O(watches)."""

import random
import re
import time
import unittest

import harness


def truth(sim):
    """(namespace, name, phase, restarts) of every pod the simulator holds."""
    out = set()
    for ns in harness.NAMESPACES:
        for p in sim.objects("pods", ns):
            restarts = sum(c.get("restartCount", 0) for c in p["status"].get("containerStatuses", []) +
                           p["status"].get("initContainerStatuses", []))
            out.add((ns, p["metadata"]["name"], p["status"].get("phase"), restarts))
    return out


def seen(daemon):
    pods = daemon.data("/v1/pods?limit=1000")
    return {(p["namespace"], p["name"], p["phase"], p["restarts"]) for p in pods}


def metric(text, name):
    return sum(float(v) for v in re.findall(rf"^{name}{{[^}}]*}} (\S+)$", text, re.M))


class Resilience(harness.FleetTestCase):
    def test_a_minute_of_faults_loses_and_duplicates_nothing(self):
        sim = self.start_sim(tls=True, extra_args=["--bookmark-interval-s", "1"])
        daemon = self.start_daemon(sim)
        daemon.wait_synced()
        sim.faults(drop_watch_every_s=4, expire_rv_every_s=9, error_every_n=9, error_code=429, retry_after_s=1)
        rng = random.Random(7)
        steps = ["nix-crashloop", "dind-scale-up", "gh-docker-runner-failed", "docker-recover", "gh-nix-scale-up"]
        end = time.monotonic() + 60
        step_at = time.monotonic() + 5
        while time.monotonic() < end:
            if steps and time.monotonic() >= step_at:
                sim.step(steps.pop(0))
                step_at = time.monotonic() + 10
            # churn: pods change phase/restarts under the faults
            ns, pods = "gitlab-runners", sim.objects("pods", "gitlab-runners")
            victim = rng.choice(pods)["metadata"]["name"]
            sim.control("POST", "/_sim/ops", {"ops": [{"op": "patch", "plural": "pods", "namespace": ns, "name": victim,
                                                       "merge": {"metadata": {"annotations": {"churn": str(rng.random())}}}}]})
            time.sleep(0.5)
        sim.clear_faults()
        harness.wait_until(lambda: seen(daemon) == truth(sim), 30, interval=0.2,
                           what="the daemon's pods to equal the simulator's")
        self.assertEqual(len(seen(daemon)), len(truth(sim)))
        runners = daemon.data("/v1/runners")
        self.assertEqual(len(runners), 7)
        self.assertEqual({r["name"]: r["status"] for r in runners}["gh-docker"], "degraded")
        _, text = daemon.get("/metrics")
        self.assertGreater(metric(text, "runnerfleet_watch_restarts_total"), 0, "watch drops were exercised")
        self.assertGreater(metric(text, "runnerfleet_informer_relists_total"), 0, "410 relists were exercised")
        daemon.wait_synced(30)

    def test_outage_serves_stale_data_and_recovers(self):
        sim = self.start_sim(tls=True)
        daemon = self.start_daemon(sim)
        daemon.wait_synced()
        before = daemon.data("/v1/runners")
        sim.outage(True)

        def down():
            health = daemon.data("/v1/health")
            source = next(s for s in health["sources"] if s["name"] == "kubernetes/sim")
            return (health, source) if source["state"] == "down" else None
        health, source = harness.wait_until(down, 60, interval=0.2, what="kubernetes/sim down")
        status, body = daemon.get("/v1/runners")
        self.assertEqual(status, 200)
        self.assertIn("kubernetes/sim", body["meta"]["stale_sources"])
        self.assertEqual([r["name"] for r in body["data"]], [r["name"] for r in before])
        self.assertTrue(all(r["stale"] for r in body["data"]))
        self.assertIsNotNone(source["last_error"])
        self.assertEqual(health["status"], "degraded")
        check = harness.run_cli(daemon.socket, "check")
        self.assertEqual(check.returncode, 6, check.stdout + check.stderr)

        sim.step("nix-crashloop")  # happens while the daemon cannot see it
        sim.outage(False)
        daemon.wait_synced(60)
        harness.wait_until(lambda: any(p["runner"] == "nix-runner" for p in daemon.data("/v1/pods?problem=true")),
                           10, what="the change made during the outage")
        self.assertFalse(any(r["stale"] for r in daemon.data("/v1/runners")))
        self.assertEqual(harness.run_cli(daemon.socket, "check").returncode, 0)

    def test_upstream_load_does_not_grow_with_requests(self):
        sim = self.start_sim(tls=True)
        daemon = self.start_daemon(sim)
        daemon.wait_synced()
        time.sleep(0.5)
        before = sim.stats()
        for _ in range(300):
            daemon.get("/v1/runners")
            daemon.get("/v1/pods?problem=true")
            daemon.get("/v1/runners/nix-runner")
        after = sim.stats()
        self.assertEqual(before["requests"].get("list", 0), after["requests"].get("list", 0))
        self.assertEqual(before["requests"].get("get", 0), after["requests"].get("get", 0))
        self.assertLessEqual(after["active_watches"], 8 * len(harness.NAMESPACES))


if __name__ == "__main__":
    unittest.main()
