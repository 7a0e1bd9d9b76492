# SPDX-License-Identifier: Apache-2.0
"""The GitLab source and the mutations it enables, against the simulator's GitLab API:
registrations matched (mapping and description), unmatched and unregistered ones reported,
versions against a target, pause and resume with roles, draining then paused as jobs finish,
the audit journal (intent, outcome, outcome unknown after SIGKILL), GitLab failures, 429
handling, pagination with and without totals, and the token never leaving the daemon."""

import json
import os
import signal
import threading
import time
import unittest

import harness
from harness import run_cli, wait_until


def read_text(path):
    with open(path) as f:
        return f.read()


def by_name(items, name):
    return next(i for i in items if i["name"] == name)


class GitLabSource(harness.FleetTestCase):
    def start(self, access=None, **kw):
        self.sim = self.start_sim(tls=True)
        self.daemon = self.start_gitlab_daemon(self.sim, access=access or {"default_role": "admin"}, **kw)
        self.daemon.wait_synced()
        self.validator = harness.SchemaValidator()
        # Registrations are read in detail once the releases are known (the next poll).
        wait_until(lambda: self.registrations("docker-runner") and self.registrations("docker-runner")[0]["tags"],
                   30, interval=0.2, what="docker-runner's registration details")

    def registrations(self, runner):
        return self.daemon.data(f"/v1/runners/{runner}")["registrations"]

    def status(self, runner):
        return self.daemon.data(f"/v1/runners/{runner}")["status"]

    def sim_registration(self, description):
        return next(r for r in self.sim.control("GET", "/_sim/gitlab/runners")["runners"]
                    if r["description"] == description)

    def post(self, target, body=None, headers=None):
        return self.daemon.request("POST", target, body=json.dumps(body) if body is not None else None,
                                   headers=dict({"Content-Type": "application/json"}, **(headers or {})))

    def audit(self, request_id):
        records = self.daemon.data("/v1/audit?limit=1000")
        for r in records:
            self.validator.validate(r, "audit_record.json")
        return [r for r in records if r["request_id"] == request_id]

    def test_registrations_are_matched_and_the_leftovers_reported(self):
        self.start(gitlab={"mapping": {"dind-runner": ["dind-runner", "rocky9-runner"]}, "version_target": "18.0.0"})
        fleet = self.daemon.data("/v1/fleet")
        self.validator.validate(fleet, "fleet.json")
        gitlab = fleet["gitlab"]
        truth = self.sim.control("GET", "/_sim/gitlab/runners")["runners"]
        releases = {r["name"] for r in self.daemon.data("/v1/runners?forge=gitlab")}
        expected_unmatched = {r["description"] for r in truth
                              if r["description"] not in releases and r["description"] != "rocky9-runner"}
        self.assertEqual({u["description"] for u in gitlab["unmatched"]}, expected_unmatched)
        self.assertIn("legacy-shell-runner", expected_unmatched)
        # rocky9-runner's registration is mapped to dind-runner, so rocky9-runner has none.
        self.assertEqual(gitlab["runners_unregistered"], 1)
        dind = self.daemon.data("/v1/runners/dind-runner")
        self.validator.validate(dind, "runner_detail.json")
        self.assertEqual(sorted(g["description"] for g in dind["registrations"]), ["dind-runner", "rocky9-runner"])
        self.assertTrue(all(g["matched_by"] == "mapping" for g in dind["registrations"]))
        self.assertEqual(self.registrations("rocky9-runner"), [])
        self.assertEqual({g["matched_by"] for g in self.registrations("docker-runner")}, {"description"})
        attention = {(a["runner"], a["reason"]) for a in fleet["attention"]}
        self.assertIn(("rocky9-runner", "unregistered"), attention)
        self.assertIn(("", "unmatched_registrations"), attention)
        # Every matched runner runs an older gitlab-runner than the configured target.
        self.assertEqual(gitlab["version_target"], "18.0.0")
        self.assertIn("docker-runner", gitlab["outdated"])
        self.assertIn(("docker-runner", "outdated"), attention)
        docker = self.daemon.data("/v1/runners/docker-runner")
        self.assertTrue(docker["outdated"])
        self.assertRegex(docker["version"], r"^\d+\.\d+\.\d+")
        self.assertIn("linux", docker["tags"])
        self.assertIsNone(self.daemon.data("/v1/runners/gh-nix")["registrations"])

    def test_viewer_refused_operator_pauses_jobs_drain_and_the_journal_records_it(self):
        self.start()
        denied = run_cli(self.daemon.socket, "--role", "viewer", "pause", "docker-runner", "--reason", "flaky cache")
        self.assertEqual(denied.returncode, 4, denied.stderr)
        self.assertIn("needs the operator role", denied.stderr)
        status, body = self.post("/v1/runners/docker-runner/pause", {"reason": "x"}, {"X-Runnerfleet-Role": "viewer"})
        self.assertEqual((status, body["error"]["code"]), (403, "permission_denied"))
        self.assertFalse(self.sim_registration("docker-runner")["paused"])

        running = self.sim_registration("docker-runner")["running_jobs"]
        self.assertTrue(running, "the scenario's docker-runner has jobs running")
        paused = self.cli_json(self.daemon, "--role", "operator", "pause", "docker-runner", "--reason", "flaky cache")["data"]
        self.validator.validate(paused, "mutation.json")
        self.assertEqual(paused["outcome"], "succeeded")
        self.assertEqual(paused["status"], "draining")  # from GitLab's reply, not a later poll
        self.assertTrue(self.sim_registration("docker-runner")["paused"])
        again = self.cli_json(self.daemon, "pause", "docker-runner", "--reason", "still flaky")["data"]
        self.assertEqual(again["outcome"], "no_change")
        self.assertIn("already paused", again["message"])

        finished = self.sim.control("POST", "/_sim/gitlab/finish-jobs", {"runner": "docker-runner"})
        self.assertEqual(finished["running"], [], "a paused registration takes no new jobs")
        wait_until(lambda: self.status("docker-runner") == "paused", 30, interval=0.2, what="draining to end")
        self.assertEqual(self.registrations("docker-runner")[0]["running_jobs"], 0)

        resumed = self.cli_json(self.daemon, "resume", "docker-runner")["data"]
        self.assertEqual(resumed["outcome"], "succeeded")
        self.assertNotIn(resumed["status"], ("paused", "draining"))
        self.assertFalse(self.sim_registration("docker-runner")["paused"])

        records = self.audit(paused["request_id"])
        self.assertEqual([r["phase"] for r in records], ["outcome", "intent"])  # newest first
        intent, outcome = records[1], records[0]
        self.assertEqual(intent["reason"], "flaky cache")
        self.assertEqual(intent["who"]["role"], "operator")
        self.assertEqual(intent["target"]["runner"], "docker-runner")
        self.assertEqual(outcome["outcome"], "succeeded")
        self.assertEqual(len(self.audit(again["request_id"])), 2)
        text = run_cli(self.daemon.socket, "audit", "--runner", "docker-runner")
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn(paused["request_id"], text.stdout)
        operator_audit = run_cli(self.daemon.socket, "--role", "operator", "audit")
        self.assertEqual(operator_audit.returncode, 4)
        self.assertIn("needs the admin role", operator_audit.stderr)
        events = self.daemon.data("/v1/events?kind=mutation&runner=docker-runner")
        self.assertEqual({e["reason"] for e in events}, {"pause_succeeded", "pause_no_change", "resume_succeeded"})
        statuses = [e["message"] for e in self.daemon.data("/v1/events?kind=runner_status&runner=docker-runner")]
        self.assertTrue(any("draining" in m for m in statuses), statuses)

    def test_bad_requests_are_refused_before_any_upstream_call(self):
        self.start()
        before = self.sim.stats()["gitlab"]["put"]
        for body, field in (({}, "reason"), ({"reason": "  "}, "reason"), ({"reason": "a\nb"}, "reason"),
                            ({"reason": "ok", "force": True}, "force")):
            status, reply = self.post("/v1/runners/docker-runner/pause", body)
            self.assertEqual((status, reply["error"]["code"]), (400, "invalid_argument"), body)
            self.assertIn(field, reply["error"]["message"])
        status, reply = self.post("/v1/runners/nosuch/pause", {"reason": "x"})
        self.assertEqual(status, 404)
        status, reply = self.post("/v1/runners/gh-nix/pause", {"reason": "x"})
        self.assertEqual((status, reply["error"]["code"]), (409, "conflict"))
        self.assertIn("arc.pause_mode", reply["error"]["message"])
        self.assertEqual(self.sim.stats()["gitlab"]["put"], before)

    def test_arc_runners_pause_by_scaling_to_zero_when_allowed(self):
        self.start(arc_pause_mode="scale_to_zero")

        def scale_set():
            return next(o for o in self.sim.objects("autoscalingrunnersets", "arc-runners")
                        if o["metadata"]["name"] == "gh-nix")
        max_before = scale_set()["spec"]["maxRunners"]
        paused = self.cli_json(self.daemon, "pause", "gh-nix", "--reason", "runner image broken")["data"]
        self.assertEqual(paused["outcome"], "succeeded")
        self.assertIn(paused["status"], ("draining", "paused"))
        obj = scale_set()
        self.assertEqual(obj["spec"]["maxRunners"], 0)
        self.assertEqual(obj["metadata"]["annotations"]["runnerfleet.io/paused-max-runners"], str(max_before))
        self.assertEqual(self.cli_json(self.daemon, "pause", "gh-nix", "--reason", "again")["data"]["outcome"],
                         "no_change")
        resumed = self.cli_json(self.daemon, "resume", "gh-nix")["data"]
        self.assertEqual(resumed["outcome"], "succeeded")
        obj = scale_set()
        self.assertEqual(obj["spec"]["maxRunners"], max_before)
        self.assertNotIn("runnerfleet.io/paused-max-runners", obj["metadata"].get("annotations", {}))
        self.assertEqual(self.daemon.data("/v1/runners/gh-nix")["scaling"]["max"], max_before)
        self.assertEqual([r["outcome"] for r in self.audit(paused["request_id"]) if r["phase"] == "outcome"],
                         ["succeeded"])

    def test_without_a_gitlab_section_gitlab_runners_cannot_be_paused(self):
        self.sim = self.start_sim(tls=True)
        self.daemon = self.start_daemon(self.sim)
        self.daemon.wait_synced()
        source = by_name(self.daemon.data("/v1/health")["sources"], "gitlab")
        self.assertEqual(source["state"], "not_configured")
        status, body = self.post("/v1/runners/docker-runner/pause", {"reason": "x"})
        self.assertEqual((status, body["error"]["code"]), (409, "conflict"))
        self.assertIn("GitLab is not configured", body["error"]["message"])
        self.assertIsNone(self.daemon.data("/v1/runners/docker-runner")["registrations"])
        self.assertIsNone(self.daemon.data("/v1/fleet")["gitlab"])

    def test_gitlab_errors_and_timeouts_fail_the_outcome_and_stale_data_stays(self):
        self.start(gitlab={"request_timeout": "2s"})
        self.sim.faults(gitlab_500_every_n=1)
        status, body = self.post("/v1/runners/nix-runner/pause", {"reason": "GitLab is failing"})
        self.assertEqual((status, body["error"]["code"]), (502, "upstream_error"), body)
        self.assertIn("500", body["error"]["message"])
        records = self.audit(body["error"]["details"]["request_id"])
        self.assertEqual([r["phase"] for r in records], ["outcome", "intent"])
        self.assertEqual(records[0]["outcome"], "failed")
        # The poller fails too: GitLab is down, the last good registrations stay, marked stale.
        wait_until(lambda: by_name(self.daemon.data("/v1/health")["sources"], "gitlab")["state"] == "down", 20,
                   interval=0.2, what="the gitlab source to be down")
        status, fleet = self.daemon.get("/v1/runners/nix-runner")
        self.assertIn("gitlab", fleet["meta"]["stale_sources"])
        self.assertTrue(fleet["data"]["registrations"], "last good registrations are still served")

        self.sim.faults(gitlab_delay_ms=4000)
        started = time.monotonic()
        status, body = self.post("/v1/runners/nix-runner/pause", {"reason": "GitLab is slow"})
        self.assertEqual((status, body["error"]["code"]), (502, "upstream_error"), body)
        self.assertIn("did not answer", body["error"]["message"])
        self.assertLess(time.monotonic() - started, 10, "the request deadline (2s) bounds the call")
        self.assertEqual(self.audit(body["error"]["details"]["request_id"])[0]["outcome"], "failed")

        self.sim.clear_faults()
        wait_until(lambda: by_name(self.daemon.data("/v1/health")["sources"], "gitlab")["state"] == "ok", 30,
                   interval=0.2, what="the gitlab source to recover")

    def test_a_429_is_retried_after_retry_after(self):
        # A slow poll cadence keeps the poller quiet while the pause runs.
        self.start(gitlab={"poll_interval": "60s"})
        self.sim.faults(gitlab_429_every_n=2)
        served_before = self.sim.stats()["gitlab"]["status"].get("429", 0)
        started = time.monotonic()
        status, body = self.post("/v1/runners/nix-runner/pause", {"reason": "rate limits"})
        elapsed = time.monotonic() - started
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["outcome"], "succeeded")
        self.assertGreater(self.sim.stats()["gitlab"]["status"].get("429", 0), served_before)
        self.assertGreaterEqual(elapsed, 2.0, "the daemon waited Retry-After (2 s) before retrying")
        self.sim.clear_faults()

    def test_sigkill_between_intent_and_outcome_is_reported_as_unknown_after_restart(self):
        self.start()
        self.sim.faults(gitlab_delay_ms=3000)
        journal = os.path.join(self.workdir, "daemon-state", "audit.jsonl")
        puts_before = self.sim.stats()["gitlab"]["put"]
        replies = []
        caller = threading.Thread(target=lambda: replies.append(self._try_post(
            "/v1/runners/nix-runner/pause", {"reason": "killed mid-flight"})))
        caller.start()
        wait_until(lambda: os.path.exists(journal) and '"phase":"intent"' in read_text(journal), 10,
                   what="the intent record on disk")
        # Killed while GitLab holds the PUT (the simulator counts it on arrival, answers 3 s later).
        wait_until(lambda: self.sim.stats()["gitlab"]["put"] > puts_before, 10, interval=0.05,
                   what="the PUT to reach GitLab")
        self.daemon.proc.send_signal(signal.SIGKILL)
        self.daemon.proc.wait(5)
        caller.join(10)
        intent = json.loads(read_text(journal).strip().splitlines()[-1])
        self.assertEqual(intent["phase"], "intent")
        self.sim.clear_faults()
        time.sleep(3.5)  # the simulator finishes the delayed PUT: GitLab did pause it
        self.assertTrue(self.sim_registration("nix-runner")["paused"])
        self.daemon.log.close()
        self.daemon.start()
        self.daemon.wait_synced(30)
        records = wait_until(lambda: [r for r in self.audit(intent["request_id"]) if r["phase"] == "outcome"], 30,
                             interval=0.2, what="the outcome-unknown record")
        self.assertEqual(records[0]["outcome"], "unknown")
        self.assertIn("registration", records[0]["message"])
        self.assertIn("is paused", records[0]["message"])
        events = self.daemon.data("/v1/events?kind=mutation")
        self.assertIn("pause_unknown", {e["reason"] for e in events})
        wait_until(lambda: self.status("nix-runner") in ("draining", "paused"), 30, interval=0.2,
                   what="nix-runner's true (paused) state")

    def _try_post(self, target, body):
        try:
            return self.post(target, body)
        except OSError as e:
            return e

    def test_the_token_never_leaves_the_daemon(self):
        self.start()
        token = read_text(self.sim.info["gitlab_admin_token_file"]).strip()
        self.cli_json(self.daemon, "pause", "nix-runner", "--reason", "secret check")
        self.cli_json(self.daemon, "resume", "nix-runner")
        wrong = os.path.join(self.workdir, "wrong.token")
        with open(wrong, "w") as f:
            f.write("glpat-WRONGwrongWRONG-0123456789\n")
        bad = self.start_gitlab_daemon(self.sim, gitlab={"token_file": wrong}, wait=True, name="bad")
        wait_until(lambda: by_name(bad.data("/v1/health")["sources"], "gitlab")["state"] == "down", 20,
                   interval=0.2, what="the wrong token to be refused")
        refused = by_name(bad.data("/v1/health")["sources"], "gitlab")["last_error"]["message"]
        self.assertIn("401", refused)
        self.assertIn(wrong, refused)  # the file is named, its content never
        texts = []
        for d in (self.daemon, bad):
            for target in ("/v1/health", "/v1/settings", "/v1/fleet", "/v1/runners/nix-runner", "/v1/audit",
                           "/v1/events", "/metrics"):
                texts.append(json.dumps(d.get(target)[1]))
            texts.append(d.log_text())
        texts.append(read_text(os.path.join(self.workdir, "daemon-state", "audit.jsonl")))
        for secret in (token, "glpat-WRONGwrongWRONG-0123456789"):
            for t in texts:
                self.assertNotIn(secret, t)


class GitLabPagination(harness.FleetTestCase):
    """A scale fleet with more registrations than fit on one page (per_page is 100)."""

    def check(self, hide_totals):
        sim = self.start_sim(tls=False, extra_args=("--scale-pools", "400", "--scale-pods", "800"))
        if hide_totals:
            sim.faults(gitlab_hide_totals=True)
        daemon = self.start_gitlab_daemon(sim)
        truth = sim.control("GET", "/_sim/gitlab/runners")["runners"]
        self.assertGreater(len(truth), 200)

        def seen():
            g = daemon.data("/v1/fleet").get("gitlab")
            return g and g["registrations_matched"] + g["registrations_unmatched"] == len(truth) and g
        gitlab = wait_until(seen, 60, interval=0.5, what="every registration on every page")
        self.assertEqual(gitlab["runners_unregistered"], 0)
        self.assertEqual({u["description"] for u in gitlab["unmatched"]},
                         {"legacy-shell-runner", "old-macos-runner", "new-gpu-runner"})

    def test_every_page_is_read_with_totals(self):
        self.check(hide_totals=False)

    def test_every_page_is_read_without_totals(self):
        self.check(hide_totals=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
