# SPDX-License-Identifier: Apache-2.0
"""The real daemon against the simulator over HTTPS with token auth: the CLI's --json output
equals the scenario's hand-written facts for every runner, and every answer validates
against schemas/api."""

import json
import os
import unittest

import harness

SCENARIO = os.path.join(harness.SOURCE_DIR, "tests", "sim", "scenarios", "default.json")

# The status each runner must have, from the contract's rules (ARCHITECTURE.md, "The runner
# model"), read off the scenario by a person.
EXPECTED_STATUS = {
    "nix-runner": "online",
    "docker-runner": "degraded",   # one pod in CrashLoopBackOff
    "dind-runner": "online",
    "rocky9-runner": "offline",    # no ready replicas (ImagePullBackOff)
    "gh-nix": "online",
    "gh-docker": "online",
    "gh-l40s": "idle",             # scaled to zero, listener present
}


class FleetState(harness.FleetTestCase):
    @classmethod
    def setUpClass(cls):
        with open(SCENARIO) as f:
            cls.expect = json.load(f)["expect"]
        cls.schemas = harness.SchemaValidator()

    def setUp(self):
        super().setUp()
        self.sim = self.start_sim(tls=True)
        self.daemon = self.start_daemon(self.sim)
        self.daemon.wait_synced()

    def test_every_runner_matches_the_scenario(self):
        listed = self.cli_json(self.daemon, "runners")
        runners = {r["name"]: r for r in listed["data"]}
        self.assertEqual(sorted(runners), sorted(self.expect["runners"]))
        self.assertEqual(listed["meta"]["total"], self.expect["totals"]["runners"])
        for name, want in self.expect["runners"].items():
            with self.subTest(runner=name):
                got = runners[name]
                self.schemas.validate(got, "runner.json")
                self.assertEqual(got["forge"], want["forge"])
                self.assertEqual(got["type"], want["type"])
                self.assertEqual(got["namespace"], want["namespace"])
                self.assertEqual(got["cluster"], "sim")
                self.assertEqual(got["status"], EXPECTED_STATUS[name], got["status_reason"])
                self.assertFalse(got["stale"])
                scaling, ws = got["scaling"], want["scaling"]
                self.assertEqual(scaling["model"], ws["model"])
                for key in ("min", "max", "current", "desired", "cpu_current", "cpu_target", "memory_current",
                            "memory_target", "scale_up_window_s", "scale_down_window_s", "at_max"):
                    if key in ws:
                        self.assertEqual(scaling[key], ws[key], key)
                if ws["model"] == "hpa":
                    self.assertEqual(scaling["autoscaler"], ws["hpa"])
                if ws["model"] == "arc":
                    self.assertEqual(scaling["pending_runners"], ws["pending"])
                    self.assertEqual(scaling["running_runners"], ws["running"])
                    self.assertEqual(scaling["failed_runners"], ws["failed"])
                    self.assertEqual(got["tags"], want["runs_on"])
                    self.assertEqual(got["jobs"]["running"], want["jobs"]["running"])
                self.assertEqual(got["pods"]["total"], want["pods"]["total"])
                for phase, n in want["pods"]["by_phase"].items():
                    self.assertEqual(got["pods"][phase.lower()], n, phase)
                self.assertEqual(got["pods"]["problems"], len(want["problem_pods"]))

    def test_runner_detail_lists_problem_pods_and_listener(self):
        for name, want in self.expect["runners"].items():
            with self.subTest(runner=name):
                detail = self.cli_json(self.daemon, "runner", name)["data"]
                self.schemas.validate(detail, "runner_detail.json")
                problem_pods = {p["name"]: p for p in detail["pod_list"] if p["problems"]}
                self.assertEqual(sorted(problem_pods), sorted(p["name"] for p in want["problem_pods"]))
                for p in want["problem_pods"]:
                    got = problem_pods[p["name"]]
                    self.assertIn(p["reason"], [x["reason"] for x in got["problems"]])
                    self.assertEqual(got["restarts"], p["restarts"])
                    self.assertTrue(got["ready"].startswith("0/"))
                ready = sum(int(p["ready"].split("/")[0]) > 0 for p in detail["pod_list"] if p["role"] != "listener")
                self.assertEqual(ready, want["pods"]["ready"])
                if want["forge"] == "github":
                    self.assertEqual(detail["listener"]["name"], want["listener"]["name"])
                    self.assertEqual(detail["listener"]["namespace"], want["listener"]["namespace"])
                    busy = [e for e in detail["ephemeral_runners"] if e["job"]]
                    self.assertEqual(sorted(e["name"] for e in busy), sorted(b["name"] for b in want["busy_runners"]))
                    for b in want["busy_runners"]:
                        job = next(e["job"] for e in busy if e["name"] == b["name"])
                        self.assertEqual(job["id"], b["jobId"])
                        self.assertEqual(job["repository"], b["jobRepositoryName"])
                        self.assertEqual(job["display_name"], b["jobDisplayName"])
                else:
                    self.assertEqual(detail["deployment"]["replicas"], want["deployment"]["replicas"])
                    self.assertEqual(detail["deployment"]["ready"], want["deployment"]["ready_replicas"])

    def test_pods_problems_and_fleet_totals(self):
        problems = self.cli_json(self.daemon, "pods", "--problems")
        names = sorted(p["name"] for p in problems["data"])
        want = sorted(p["name"] for r in self.expect["runners"].values() for p in r["problem_pods"])
        self.assertEqual(names, want)
        for p in problems["data"]:
            self.schemas.validate(p, "pod.json")
        all_pods = self.cli_json(self.daemon, "pods", "--all")
        runner_pods = [p for p in all_pods["data"] if p["role"] in ("manager", "runner")]
        listener_pods = [p for p in all_pods["data"] if p["role"] == "listener"]
        self.assertEqual(len(runner_pods), self.expect["totals"]["runner_pods"])
        self.assertEqual(len(listener_pods), self.expect["totals"]["listener_pods"])
        fleet = self.daemon.data("/v1/fleet")
        self.schemas.validate(fleet, "fleet.json")
        self.assertEqual(fleet["runners"]["total"], self.expect["totals"]["runners"])
        self.assertEqual(fleet["runners"]["by_forge"]["gitlab"]["total"], self.expect["totals"]["gitlab"])
        self.assertEqual(fleet["runners"]["by_forge"]["github"]["total"], self.expect["totals"]["github"])
        self.assertEqual(fleet["pods"]["with_problems"], self.expect["totals"]["problem_pods"])
        attention = {(a["runner"], a["reason"]) for a in fleet["attention"]}
        self.assertIn(("rocky9-runner", "offline"), attention)
        self.assertIn(("docker-runner", "degraded"), attention)

    def test_every_read_route_validates_against_its_schema(self):
        checks = {
            "/v1/health": "health.json", "/v1/whoami": "whoami.json", "/v1/settings": "settings.json",
            "/v1/fleet": "fleet.json",
        }
        for target, schema in checks.items():
            status, body = self.daemon.get(target)
            self.assertEqual(status, 200, body)
            self.schemas.validate(body, "envelope.json")
            self.schemas.validate(body["data"], schema)
        for target, schema in {"/v1/autoscalers": "autoscaler.json", "/v1/events?limit=50": "event.json",
                               "/v1/pods?limit=1000": "pod.json", "/v1/runners": "runner.json"}.items():
            status, body = self.daemon.get(target)
            self.assertEqual(status, 200, body)
            self.schemas.validate(body, "envelope.json")
            for item in body["data"]:
                self.schemas.validate(item, schema)
        status, body = self.daemon.get("/v1/nope")
        self.schemas.validate(body, "envelope.json")
        pod = self.sim.objects("pods", "gitlab-runners")[0]["metadata"]["name"]
        log = self.daemon.data(f"/v1/pods/gitlab-runners/{pod}/log?tail=5")
        self.schemas.validate(log, "pod_log.json")
        self.assertLessEqual(len(log["lines"]), 5)
        self.assertGreater(len(log["lines"]), 0)
        autoscalers = self.daemon.data("/v1/autoscalers")
        self.assertEqual(sorted(a["name"] for a in autoscalers),
                         sorted(["nix-runner-hpa", "docker-runner-hpa", "dind-runner-hpa", "gh-nix", "gh-docker", "gh-l40s"]))

    def test_metrics_expose_sync_state(self):
        status, text = self.daemon.get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn('runnerfleet_informer_synced{cluster="sim",namespace="gitlab-runners",resource="pods",phase="watching"} 1', text)
        self.assertIn("runnerfleet_snapshot_build_seconds_count", text)
        self.assertIn('runnerfleet_source_up{source="kubernetes/sim"} 1', text)


if __name__ == "__main__":
    unittest.main()
