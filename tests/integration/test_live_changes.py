# SPDX-License-Identifier: Apache-2.0
"""A change in the fleet shows within a second: in /v1/pods?problem=true, on the SSE stream,
and through `runnerfleet events --follow`."""

import signal
import subprocess
import time
import unittest

import harness


class LiveChanges(harness.FleetTestCase):
    def setUp(self):
        super().setUp()
        self.start_synced_fleet()
        self.stream = harness.SSEReader(self.daemon.socket)
        self.addCleanup(self.stream.close)

    def problem_pods(self):
        return {p["name"]: p for p in self.daemon.data("/v1/pods?problem=true&limit=1000")}

    def test_crashloop_appears_within_a_second(self):
        self.assertEqual(self.stream.content_type, "text/event-stream")
        before = self.problem_pods()
        started = time.monotonic()
        self.sim.step("nix-crashloop")
        new = harness.wait_until(lambda: set(self.problem_pods()) - set(before), 1.0, interval=0.01,
                                 what="the crash-looping nix pod in /v1/pods?problem=true")
        self.assertEqual(len(new), 1)
        pod = self.problem_pods()[new.pop()]
        self.assertEqual(pod["runner"], "nix-runner")
        self.assertEqual(pod["problems"][0]["reason"], "CrashLoopBackOff")
        arrived, event = self.stream.wait_for(
            lambda e: e["kind"] == "pod_problem" and e["runner"] == "nix-runner", 1.0, "pod_problem on the stream")
        self.assertLess(arrived - started, 1.0)
        self.assertEqual(event["reason"], "CrashLoopBackOff")
        self.assertEqual(event["severity"], "warning")
        self.assertEqual(event["object"], "Pod/" + pod["name"])

    def test_scaling_and_failed_ephemeral_runner(self):
        started = time.monotonic()
        self.sim.step("dind-scale-up")
        arrived, event = self.stream.wait_for(lambda e: e["kind"] == "scaling" and e["runner"] == "dind-runner",
                                              1.0, "dind-runner scaling event")
        self.assertLess(arrived - started, 1.0)
        self.assertIn("desired 1 → 3", event["message"])
        runner = harness.wait_until(lambda: (lambda r: r if r["pods"]["running"] == 3 else None)(
            self.daemon.data("/v1/runners/dind-runner")), 2.0, what="3 running dind pods")
        self.assertEqual(runner["scaling"]["desired"], 3)
        self.assertEqual(runner["scaling"]["current"], 3)
        self.stream.wait_for(lambda e: e["kind"] == "kube_event" and e["reason"] == "SuccessfulRescale", 2.0,
                             "the HPA's SuccessfulRescale event")

        started = time.monotonic()
        self.sim.step("gh-docker-runner-failed")
        arrived, event = self.stream.wait_for(
            lambda e: e["kind"] == "runner_status" and e["runner"] == "gh-docker", 1.0, "gh-docker degraded")
        self.assertLess(arrived - started, 1.0)
        self.assertEqual(event["reason"], "degraded")
        runner = self.daemon.data("/v1/runners/gh-docker")
        self.assertEqual(runner["status"], "degraded")
        self.assertEqual(runner["scaling"]["failed_runners"], 1)

    def test_recovery_and_resume_with_last_event_id(self):
        self.sim.step("docker-recover")
        _, recovered = self.stream.wait_for(
            lambda e: e["kind"] == "pod_recovered" and e["runner"] == "docker-runner", 2.0, "recovery event")
        harness.wait_until(lambda: self.daemon.data("/v1/runners/docker-runner")["status"] == "online", 2.0,
                           what="docker-runner online")
        self.sim.step("gh-nix-scale-up")
        _, later = self.stream.wait_for(lambda e: e["kind"] == "scaling" and e["runner"] == "gh-nix", 3.0,
                                        "gh-nix scaling")
        # A client that saw `recovered` and reconnects gets everything after it, in order.
        resumed = harness.SSEReader(self.daemon.socket, last_event_id=recovered["id"])
        self.addCleanup(resumed.close)
        resumed.wait_for(lambda e: e["id"] == later["id"], 2.0, "replayed events")
        ids = [e["id"] for _, e in resumed.events()]
        self.assertEqual(ids[0], recovered["id"] + 1)
        self.assertEqual(ids, sorted(ids))
        listed = self.daemon.data(f"/v1/events?kind=pod_recovered&runner=docker-runner")
        self.assertEqual(listed[0]["id"], recovered["id"])

    def test_cli_follow_prints_new_events_and_exits_cleanly(self):
        proc = subprocess.Popen([harness.CLI, "--socket", self.daemon.socket, "events", "--follow", "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(harness.os.environ, NO_COLOR="1"))
        try:
            time.sleep(0.5)
            self.sim.step("nix-crashloop")
            deadline = time.monotonic() + 5
            seen = ""
            while time.monotonic() < deadline and "CrashLoopBackOff" not in seen:
                line = proc.stdout.readline()
                if not line:
                    break
                seen += line
            self.assertIn("CrashLoopBackOff", seen)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(5)
        self.assertEqual(code, 0, proc.stderr.read())


if __name__ == "__main__":
    unittest.main()
