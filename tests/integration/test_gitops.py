# SPDX-License-Identifier: Apache-2.0
"""GitOps against the simulator's GitLab repository (project ci/flywheel, whose tfvars match the
default scenario): drift items of each severity appearing and resolving as events, a runner's
desired config, proposals whose merge request holds exactly the change, retries that return
the same merge request, a concurrent change that gives `conflict`, invalid proposals refused
with no upstream call, branch cleanup, the journal, and roles."""

import json
import os
import shutil
import ssl
import unittest
import urllib.parse
import urllib.request

import harness
from harness import wait_until

GITLAB_DEV = "tofu/stacks/gitlab-runners/dev.tfvars"
ARC_DEV = "tofu/stacks/arc-runners/dev.tfvars"
REPO_ENDPOINTS = ("files", "commits", "branches", "merge_requests")

# A stack of an organisation's own (gitops.stacks): its own key names and runner types, declaring
# two of the simulator's GitLab releases; nix-runner and dind-runner are left undeclared.
CI_FLEET_DEV = "tofu/stacks/ci-fleet/dev.tfvars"
CI_FLEET_TEXT = """# ci-fleet, dev
runner_namespace     = "gitlab-runners"
linux_release        = "docker-runner"
linux_min_managers   = 2
linux_max_managers   = 8
linux_hpa_cpu_target = 60
linux_concurrency    = 12
rocky_enabled        = true
rocky_release        = "rocky9-runner"
rocky_autoscale      = false
"""
CI_FLEET = {
    "name": "ci-fleet", "forge": "gitlab", "runners": ["linux", "rocky"],
    "namespace_key": "runner_namespace", "name_key": "{runner}_release", "deploy_key": "{runner}_enabled",
    "autoscale_key": "{runner}_autoscale", "min_key": "{runner}_min_managers",
    "max_key": "{runner}_max_managers", "resources_prefix": "manager_",
    "hpa": {"cpu_target": "{runner}_hpa_cpu_target", "memory_target": 80, "scale_up_window": 15,
            "scale_down_window": 300},
    "variables": [
        {"key": "runner_namespace", "check": "namespace", "default": "ci"},
        {"key": "{runner}_release", "check": "release_name", "default": "{runner}-runner"},
        {"key": "rocky_enabled", "type": "bool", "default": False, "runner": "rocky"},
        {"key": "{runner}_autoscale", "type": "bool", "default": True},
        {"key": "{runner}_min_managers", "type": "number", "min": 1, "max": 20, "default": 1},
        {"key": "{runner}_max_managers", "type": "number", "min": 1, "max": 20, "default": 4},
        {"key": "{runner}_hpa_cpu_target", "type": "number", "min": 10, "max": 100, "default": 70},
        {"key": "{runner}_concurrency", "type": "number", "min": 1, "max": 64, "default": 4,
         "description": "jobs one {runner} manager runs at once"},
        {"key": "manager_cpu_request", "type": "quantity", "default": "50m", "scope": "all_runners"},
        {"key": "manager_memory_request", "type": "quantity", "default": "128Mi", "scope": "all_runners"},
        {"key": "manager_cpu_limit", "type": "quantity", "default": "200m", "scope": "all_runners"},
        {"key": "manager_memory_limit", "type": "quantity", "default": "256Mi", "scope": "all_runners"},
    ],
    "order": [["{runner}_min_managers", "{runner}_max_managers"], ["manager_cpu_request", "manager_cpu_limit"]],
    "hints": [{"from": "{runner}_concurrent", "to": "{runner}_concurrency"}],
}


class GitOps(harness.FleetTestCase):
    def start(self, access=None, gitops=None, **kw):
        self.sim = self.start_sim(tls=True)
        self.daemon = self.start_gitops_daemon(self.sim, access=access or {"default_role": "admin"},
                                               gitops=gitops, **kw)
        self.daemon.wait_synced()
        self.validator = harness.SchemaValidator()
        if (access or {}).get("default_role", "admin") != "viewer":
            wait_until(lambda: self.daemon.get("/v1/gitops/drift")[0] == 200, 20, interval=0.2,
                       what="the first read of the tfvars")

    # ---- the simulator's GitLab, read the way a reviewer would --------------------------

    def gitlab(self, path, raw=False):
        """GET <gitlab>/api/v4/projects/12<path> with the admin token, as a reviewer's client."""
        ctx = ssl.create_default_context(cafile=self.sim.info["ca_file"])
        with open(self.sim.info["gitlab_admin_token_file"]) as f:
            token = f.read().strip()
        req = urllib.request.Request(self.sim.info["gitlab_url"] + "/api/v4/projects/12" + path,
                                     headers={"PRIVATE-TOKEN": token})
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            body = resp.read()
        return body.decode() if raw else json.loads(body)

    def file_text(self, path, ref="main"):
        return self.gitlab("/repository/files/" + urllib.parse.quote(path, safe="") + "/raw?ref=" + ref, raw=True)

    def truth(self):
        return self.sim.control("GET", "/_sim/gitlab/repo")

    def repo_requests(self):
        gitlab = self.sim.stats()["gitlab"]
        return {k: gitlab.get(k, 0) for k in REPO_ENDPOINTS}

    def commit_elsewhere(self, path, content):
        """Someone else's change to main (a merged MR, a push)."""
        return self.sim.control("POST", "/_sim/gitlab/repo/commit", {"file_path": path, "content": content})

    # ---- the daemon ----------------------------------------------------------------------

    def drift(self, query=""):
        data = self.daemon.data("/v1/gitops/drift" + query)
        self.validator.validate(data, "drift.json")
        return data

    def propose(self, body, headers=None):
        return self.daemon.request("POST", "/v1/gitops/proposals", body=json.dumps(body),
                                   headers=dict({"Content-Type": "application/json"}, **(headers or {})))

    def item(self, runner, key=None, kind=None):
        for i in self.drift()["items"]:
            if i["runner"] == runner and (key is None or i["key"] == key) and (kind is None or i["kind"] == kind):
                return i
        return None

    def drift_events(self):
        return self.daemon.data("/v1/events?kind=drift&limit=500")

    # ---- tests -----------------------------------------------------------------------------

    def test_drift_of_each_severity_appears_and_resolves_as_events(self):
        self.start(arc_pause_mode="scale_to_zero")
        first = self.drift()
        self.assertEqual(first["desired"]["branch"], "main")
        self.assertEqual(first["desired"]["commit"], self.truth()["branches"]["main"])
        self.assertEqual([f["path"] for f in first["desired"]["files"]], [GITLAB_DEV, ARC_DEV])
        # The default scenario matches the files except rocky9-runner, which no stack declares.
        self.assertEqual(first["counts"], {"error": 1, "warning": 0, "info": 0}, first["items"])
        rocky = first["items"][0]
        self.assertEqual((rocky["runner"], rocky["severity"], rocky["kind"]), ("rocky9-runner", "error", "undeclared"))
        fleet = self.daemon.data("/v1/fleet")
        self.assertIn(("rocky9-runner", "drift_undeclared"),
                      {(a["runner"], a["reason"]) for a in fleet["attention"]})
        docker = self.daemon.data("/v1/runners/docker-runner")
        self.validator.validate(docker, "runner_detail.json")
        self.assertEqual(docker["config"], {"file": GITLAB_DEV, "stack": "gitlab-runners", "stack_runner": "docker",
                                            "drift": {"error": 0, "warning": 0, "info": 0}})
        self.assertEqual(docker["resources"], {"cpu_request": "50m", "memory_request": "128Mi",
                                               "cpu_limit": "200m", "memory_limit": "256Mi"})

        # A merged change the cluster has not caught up with (warning), a runner declared but not
        # deployed (error), and a scale set paused by runnerfleet (info).
        gitlab_dev = self.file_text(GITLAB_DEV)
        arc_dev = self.file_text(ARC_DEV)
        self.commit_elsewhere(GITLAB_DEV, gitlab_dev.replace("docker_hpa_max_replicas   = 10",
                                                             "docker_hpa_max_replicas   = 12"))
        self.commit_elsewhere(ARC_DEV, arc_dev.replace("deploy_dind_runner   = false", "deploy_dind_runner   = true"))
        status, paused = self.daemon.request("POST", "/v1/runners/gh-docker/pause",
                                             body=json.dumps({"reason": "drift test"}),
                                             headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, paused)
        wait_until(lambda: self.item("docker-runner", "docker_hpa_max_replicas") and self.item("gh-dind")
                   and self.item("gh-docker", "docker_max_runners"), 30, interval=0.3, what="the new drift items")
        hpa = self.item("docker-runner", "docker_hpa_max_replicas")
        self.assertEqual((hpa["severity"], hpa["kind"], hpa["desired"], hpa["live"], hpa["file"]),
                         ("warning", "replicas", "12", "10", GITLAB_DEV))
        missing = self.item("gh-dind")
        self.assertEqual((missing["severity"], missing["kind"], missing["namespace"]), ("error", "missing", "arc-runners"))
        pause = self.item("gh-docker", "docker_max_runners")
        self.assertEqual((pause["severity"], pause["kind"], pause["desired"], pause["live"]), ("info", "runners", "5", "0"))
        self.assertIn("paused by runnerfleet", pause["message"])
        counts = self.drift()["counts"]
        self.assertEqual(counts, {"error": 2, "warning": 1, "info": 1})
        # Filters.
        self.assertEqual({i["severity"] for i in self.drift("?severity=error")["items"]}, {"error"})
        self.assertEqual([i["runner"] for i in self.drift("?runner=docker-runner")["items"]], ["docker-runner"])
        self.assertEqual(self.daemon.get("/v1/gitops/drift?severity=fatal")[0], 400)
        docker = self.daemon.data("/v1/runners/docker-runner")
        self.assertEqual(docker["config"]["drift"], {"error": 0, "warning": 1, "info": 0})

        events = self.drift_events()
        for e in events:
            self.validator.validate(e, "event.json")
        appeared = {(e["runner"], e["severity"]) for e in events if e["reason"] != "drift_resolved"}
        self.assertTrue({("docker-runner", "warning"), ("gh-dind", "error"), ("gh-docker", "info")} <= appeared, events)

        # The cluster is brought in line with the file (here: the file back): the item resolves.
        self.commit_elsewhere(GITLAB_DEV, gitlab_dev)
        wait_until(lambda: self.item("docker-runner", "docker_hpa_max_replicas") is None, 30, interval=0.3,
                   what="the HPA drift to resolve")
        resolved = [e for e in self.drift_events() if e["reason"] == "drift_resolved" and e["runner"] == "docker-runner"]
        self.assertEqual(len(resolved), 1, resolved)
        self.assertEqual(resolved[0]["severity"], "info")
        self.assertEqual(resolved[0]["object"], "docker_hpa_max_replicas")

    def test_runner_config_reads_the_tfvars_with_defaults_and_no_secrets(self):
        self.start()
        config = self.daemon.data("/v1/gitops/config/docker-runner")
        self.validator.validate(config, "runner_config.json")
        settings = {s["key"]: s for s in config["settings"]}
        self.assertEqual((config["stack"], config["stack_runner"], config["file"], config["deployed"]),
                         ("gitlab-runners", "docker", GITLAB_DEV, True))
        self.assertEqual(config["last_commit_id"], self.truth()["files"]["main"][GITLAB_DEV]["last_commit_id"])
        self.assertEqual(settings["docker_hpa_max_replicas"]["value"], 10)
        self.assertFalse(settings["docker_hpa_max_replicas"]["default"])
        self.assertEqual(settings["docker_job_cpu_limit"]["value"], "2")
        self.assertEqual(settings["manager_cpu_request"]["scope"], "all_runners")
        # The file does not set the token: the key is listed as sensitive, never with a value.
        self.assertTrue(settings["docker_runner_token"]["sensitive"])
        self.assertIsNone(settings["docker_runner_token"]["value"])
        self.assertNotIn("nix_concurrent_jobs", settings)  # another runner's key
        l40s = self.daemon.data("/v1/gitops/config/gh-l40s")
        self.validator.validate(l40s, "runner_config.json")
        self.assertEqual({s["key"]: s["value"] for s in l40s["settings"]}["extra_runner_sets.gh-l40s.max_runners"], 2)
        status, body = self.daemon.get("/v1/gitops/config/rocky9-runner")
        self.assertEqual(status, 404)
        self.assertIn("not declared", body["error"]["message"])

    def test_a_stack_defined_in_the_config_is_judged_and_edited_by_its_own_keys(self):
        self.sim = self.start_sim(tls=True)
        self.commit_elsewhere(CI_FLEET_DEV, CI_FLEET_TEXT)
        self.daemon = self.start_gitops_daemon(self.sim, access={"default_role": "admin"},
                                               gitops={"files": [{"path": CI_FLEET_DEV}], "stacks": [CI_FLEET]})
        self.daemon.wait_synced()
        self.validator = harness.SchemaValidator()
        wait_until(lambda: self.daemon.get("/v1/gitops/drift")[0] == 200, 20, interval=0.2,
                   what="the first read of the tfvars")

        settings = self.daemon.data("/v1/settings")["gitops"]
        self.validator.validate(self.daemon.data("/v1/settings"), "settings.json")
        stacks = {s["name"]: s for s in settings["stacks"]}
        self.assertEqual((stacks["ci-fleet"]["source"], stacks["ci-fleet"]["runners"]), ("config", ["linux", "rocky"]))
        self.assertEqual(stacks["gitlab-runners"]["source"], "builtin")
        self.assertEqual(settings["files"][0]["stack"], "ci-fleet")  # implied by the path

        # Drift by the stack's own keys: the simulator's docker-runner HPA allows 10 and targets 70%.
        summary = sorted((i["severity"], i["runner"], i["key"], i["desired"], i["live"]) for i in self.drift()["items"])
        self.assertEqual(summary, [("error", "dind-runner", None, "absent", "deployed"),
                                   ("error", "nix-runner", None, "absent", "deployed"),
                                   ("warning", "docker-runner", "linux_hpa_cpu_target", "60", "70"),
                                   ("warning", "docker-runner", "linux_max_managers", "8", "10")])
        runner = self.daemon.data("/v1/runners/docker-runner")
        self.assertEqual((runner["config"]["stack"], runner["config"]["stack_runner"]), ("ci-fleet", "linux"))

        config = self.daemon.data("/v1/gitops/config/rocky9-runner")
        self.validator.validate(config, "runner_config.json")
        values = {s["key"]: s for s in config["settings"]}
        self.assertEqual((config["stack"], config["stack_runner"]), ("ci-fleet", "rocky"))
        self.assertEqual(values["rocky_max_managers"]["value"], 4)
        self.assertTrue(values["rocky_max_managers"]["default"])
        self.assertEqual(values["rocky_concurrency"]["description"], "jobs one rocky manager runs at once")

        # Checked by the stack's ranges and hints, with no repository request.
        before = self.repo_requests()
        for changes, message in [({"linux_concurrency": 65}, "linux_concurrency: must be at most 64, got 65"),
                                 ({"linux_concurrent": 16}, "did you mean linux_concurrency?"),
                                 ({"rocky_concurrency": 2}, "belongs to the rocky runner, not linux"),
                                 ({"linux_min_managers": 9}, "linux_min_managers 9 exceeds linux_max_managers 8")]:
            status, body = self.propose({"runner": "docker-runner", "changes": changes, "reason": "busy"})
            self.assertEqual(status, 400, body)
            self.assertIn(message, body["error"]["message"])
        self.assertEqual(self.repo_requests(), before)

        # A merge request holding exactly the change, in the stack's own key.
        status, body = self.propose({"runner": "docker-runner", "changes": {"linux_max_managers": 10},
                                     "reason": "match what runs"})
        self.assertEqual(status, 200, body)
        p = body["data"]
        self.validator.validate(p, "proposal.json")
        self.assertEqual(p["changes"], [{"key": "linux_max_managers", "from": 8, "from_default": False, "to": 10}])
        expected = CI_FLEET_TEXT.replace("linux_max_managers   = 8\n", "linux_max_managers   = 10\n")
        self.assertEqual(self.file_text(CI_FLEET_DEV, ref=urllib.parse.quote(p["branch"], safe="")), expected)
        self.assertIn("stack `ci-fleet`", self.gitlab(f"/merge_requests/{p['merge_request']['iid']}")["description"])

    def test_a_proposal_is_a_merge_request_holding_exactly_the_change(self):
        self.start()
        before_main = self.truth()["branches"]["main"]
        original = self.file_text(GITLAB_DEV)
        status, body = self.propose({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": 12},
                                     "reason": "queue time p95 above the SLO at peak"},
                                    headers={"X-Request-Id": "ticket-7"})
        self.assertEqual(status, 200, body)
        p = body["data"]
        self.validator.validate(p, "proposal.json")
        self.assertFalse(p["dry_run"])
        self.assertFalse(p["existing"])
        self.assertEqual(p["changes"], [{"key": "docker_hpa_max_replicas", "from": 10, "from_default": False, "to": 12}])
        mr = p["merge_request"]
        self.assertEqual((mr["state"], mr["target_branch"], mr["source_branch"]), ("opened", "main", p["branch"]))
        self.assertIn("docker_hpa_max_replicas 10 → 12", mr["title"])

        # Exactly the intended change: the branch's file is the original with one line edited.
        expected = original.replace("docker_hpa_max_replicas   = 10\n", "docker_hpa_max_replicas   = 12\n")
        self.assertNotEqual(expected, original)
        self.assertEqual(self.file_text(GITLAB_DEV, ref=urllib.parse.quote(p["branch"], safe="")), expected)
        changes = self.gitlab(f"/merge_requests/{mr['iid']}/changes")
        self.assertEqual([c["new_path"] for c in changes["changes"]], [GITLAB_DEV])
        diff_lines = [line for line in changes["changes"][0]["diff"].splitlines() if line[:1] in "+-"]
        self.assertEqual(diff_lines, ["-docker_hpa_max_replicas   = 10", "+docker_hpa_max_replicas   = 12"])
        # The daemon's own diff says the same, with a hunk header.
        self.assertIn("@@ -", p["diff"])
        self.assertEqual([line for line in p["diff"].splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")],
                         diff_lines)
        # Written for a reviewer: what, why, who. And nothing is applied: main is untouched.
        mr_full = self.gitlab(f"/merge_requests/{mr['iid']}")
        self.assertIn("queue time p95 above the SLO at peak", mr_full["description"])
        self.assertIn("runnerfleet", mr_full["description"])
        self.assertIn("docker_hpa_max_replicas", mr_full["description"])
        self.assertEqual(self.truth()["branches"]["main"], before_main)
        self.assertEqual(self.file_text(GITLAB_DEV), original)

        # Journalled before and after, announced as a mutation.
        records = [r for r in self.daemon.data("/v1/audit?limit=100") if r["request_id"] == p["request_id"]]
        for r in records:
            self.validator.validate(r, "audit_record.json")
        by_phase = {r["phase"]: r for r in records}
        self.assertEqual(len(records), 2)
        self.assertEqual(set(by_phase), {"intent", "outcome"})
        self.assertEqual(by_phase["outcome"]["outcome"], "succeeded")
        self.assertEqual(by_phase["outcome"]["action"], "propose")
        self.assertEqual(by_phase["outcome"]["detail"]["merge_request"]["iid"], mr["iid"])
        self.assertEqual(by_phase["intent"]["detail"]["client_request_id"], "ticket-7")
        events = self.daemon.data("/v1/events?kind=mutation")
        self.assertIn("propose_succeeded", {e["reason"] for e in events})

    def test_an_extra_scale_set_is_changed_inside_its_object_and_its_comment_kept(self):
        self.start()
        original = self.file_text(ARC_DEV)
        status, body = self.propose({"runner": "gh-l40s", "changes": {"max_runners": 3}, "reason": "a third L40S node"})
        self.assertEqual(status, 200, body)
        p = body["data"]
        self.assertEqual(p["changes"][0]["key"], "extra_runner_sets.gh-l40s.max_runners")
        branch = self.file_text(ARC_DEV, ref=urllib.parse.quote(p["branch"], safe=""))
        self.assertEqual(branch, original.replace("max_runners       = 2 # two L40S nodes",
                                                  "max_runners       = 3 # two L40S nodes"))

    def test_a_retry_returns_the_same_merge_request(self):
        self.start()
        body = {"runner": "nix-runner", "changes": {"nix_concurrent_jobs": 8}, "reason": "more parallel builds",
                "idempotency_key": "ticket-42"}
        first = self.propose(body)
        self.assertEqual(first[0], 200, first)
        again = self.propose(body)
        self.assertEqual(again[0], 200, again)
        self.assertEqual(again[1]["data"]["merge_request"]["iid"], first[1]["data"]["merge_request"]["iid"])
        self.assertEqual(again[1]["data"]["branch"], first[1]["data"]["branch"])
        self.assertTrue(again[1]["data"]["existing"])
        self.assertEqual(len(self.truth()["merge_requests"]), 1)
        # Without a key the change itself is the key: a retry of the same change is the same request.
        derived = {"runner": "nix-runner", "changes": {"nix_hpa_max_replicas": 6}, "reason": "peak"}
        a = self.propose(derived)[1]["data"]
        b = self.propose(derived)[1]["data"]
        self.assertEqual(a["merge_request"]["iid"], b["merge_request"]["iid"])
        self.assertTrue(b["existing"])
        # Another key is another proposal.
        other = self.propose(dict(body, idempotency_key="ticket-43"))[1]["data"]
        self.assertNotEqual(other["merge_request"]["iid"], first[1]["data"]["merge_request"]["iid"])
        self.assertEqual(len(self.truth()["merge_requests"]), 3)

    def test_a_concurrent_change_to_the_file_is_a_conflict(self):
        # The daemon re-reads the branch only hourly here, so its copy is stale on purpose.
        self.start(gitops={"poll_interval": "1h"})
        before = self.truth()
        original = self.file_text(GITLAB_DEV)
        self.commit_elsewhere(GITLAB_DEV, original.replace("dind_concurrent_jobs    = 6", "dind_concurrent_jobs    = 7"))
        status, body = self.propose({"runner": "docker-runner", "changes": {"docker_concurrent_jobs": 14},
                                     "reason": "busy"})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["code"], "conflict")
        self.assertIn("changed", body["error"]["message"])
        after = self.truth()
        self.assertEqual(set(after["branches"]), set(before["branches"]))  # no branch left behind
        self.assertEqual(after["merge_requests"], [])
        outcome = [r for r in self.daemon.data("/v1/audit?limit=100")
                   if r["action"] == "propose" and r["phase"] == "outcome"]
        self.assertEqual([r["outcome"] for r in outcome], ["failed"])
        # The conflict makes the daemon re-read: the next proposal is based on the new file.
        wait_until(lambda: self.daemon.data("/v1/gitops/config/docker-runner")["last_commit_id"]
                   == self.truth()["files"]["main"][GITLAB_DEV]["last_commit_id"], 20, interval=0.3,
                   what="the daemon to re-read the changed file")
        status, body = self.propose({"runner": "docker-runner", "changes": {"docker_concurrent_jobs": 14},
                                     "reason": "busy"})
        self.assertEqual(status, 200, body)
        branch = self.file_text(GITLAB_DEV, ref=urllib.parse.quote(body["data"]["branch"], safe=""))
        self.assertIn("dind_concurrent_jobs    = 7", branch)  # the other change is kept
        self.assertIn("docker_concurrent_jobs    = 14", branch)
        # A caller whose view is older than the daemon's is refused before any upstream write (the
        # daemon only re-reads the branch).
        calls = self.repo_requests()
        status, body = self.propose({"runner": "docker-runner", "changes": {"docker_concurrent_jobs": 15},
                                     "reason": "busy", "base_commit": before["files"]["main"][GITLAB_DEV]["last_commit_id"]})
        self.assertEqual(status, 409, body)
        after = self.repo_requests()
        self.assertEqual((after["commits"], after["merge_requests"]), (calls["commits"], calls["merge_requests"]))

    def test_invalid_proposals_are_refused_before_any_upstream_call(self):
        self.start(gitops={"poll_interval": "1h"})
        calls = self.repo_requests()
        commits = self.truth()["commits"]
        cases = [
            ({"runner": "docker-runner", "changes": {"docker_max_replicas": 12}, "reason": "x"},
             "docker_hpa_max_replicas"),                       # the earlier dashboard's wrong key
            ({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": "twelve"}, "reason": "x"},
             "docker_hpa_max_replicas"),
            ({"runner": "docker-runner", "changes": {"docker_hpa_min_replicas": 20}, "reason": "x"},
             "docker_hpa_max_replicas"),                       # min above the file's max
            ({"runner": "docker-runner", "changes": {"nix_concurrent_jobs": 4}, "reason": "x"}, "nix"),
            ({"runner": "docker-runner", "changes": {"docker_job_cpu_limit": "lots"}, "reason": "x"},
             "docker_job_cpu_limit"),
            ({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": 10}, "reason": "x"},
             "nothing to change"),
            ({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": 12}}, "reason"),
            ({"runner": "docker-runner", "changes": {}, "reason": "x"}, "changes"),
            ({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": 12}, "reason": "x",
              "idempotency_key": "has spaces"}, "idempotency_key"),
            ({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": 12}, "reason": "x", "apply": True},
             "apply"),
        ]
        for body, named in cases:
            with self.subTest(body=body):
                status, answer = self.propose(body)
                self.assertEqual(status, 400, answer)
                self.assertEqual(answer["error"]["code"], "invalid_argument")
                self.assertIn(named, answer["error"]["message"])
        status, answer = self.propose({"runner": "rocky9-runner", "changes": {"docker_concurrent_jobs": 2}, "reason": "x"})
        self.assertEqual(status, 404, answer)
        status, answer = self.daemon.request("POST", "/v1/gitops/proposals", body="{not json",
                                             headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400, answer)
        self.assertEqual(self.repo_requests(), calls)
        self.assertEqual(self.truth()["commits"], commits)

    def test_injection_attempts_are_written_as_inert_strings(self):
        self.start()
        hostile = 'x"\nattic_cache = "pwned"\n${file("/etc/shadow")} %{if true}y%{endif}'
        status, body = self.propose({"runner": "nix-runner", "changes": {"attic_server": hostile}, "reason": "x",
                                     "dry_run": True})
        self.assertEqual(status, 200, body)
        added = [line for line in body["data"]["diff"].splitlines() if line.startswith("+") and not line.startswith("+++")]
        # One new line: the quote and the newlines are escaped, the template sequences doubled
        # so OpenTofu reads them literally, and no second key was smuggled in.
        self.assertEqual(len(added), 1, added)
        self.assertEqual(added[0], '+attic_server           = "x\\"\\nattic_cache = \\"pwned\\"\\n$${file(\\"/etc/shadow\\")} '
                                   '%%{if true}y%%{endif}"')

    def test_dry_run_returns_the_diff_and_pushes_nothing(self):
        self.start()
        before = self.truth()
        status, body = self.propose({"runner": "docker-runner", "changes": {"docker_job_memory_limit": "6Gi"},
                                     "dry_run": True})
        self.assertEqual(status, 200, body)
        p = body["data"]
        self.validator.validate(p, "proposal.json")
        self.assertTrue(p["dry_run"])
        self.assertIsNone(p["merge_request"])
        self.assertIn('+docker_job_memory_limit   = "6Gi"', p["diff"])
        self.assertEqual(self.truth(), before)

    def test_a_failed_merge_request_removes_its_branch(self):
        self.start(gitops={"poll_interval": "1h"})
        before = set(self.truth()["branches"])
        # GitLab takes the commit, then fails to open the merge request.
        calls = self.repo_requests()
        self.sim.faults(gitlab_fail=["POST merge_requests"])
        status, body = self.propose({"runner": "dind-runner", "changes": {"dind_hpa_max_replicas": 6}, "reason": "x"})
        self.sim.clear_faults()
        self.assertEqual(status, 502, body)
        self.assertIn("removed", body["error"]["message"])
        self.assertNotIn("could not be removed", body["error"]["message"])
        after = self.repo_requests()
        self.assertGreater(after["commits"], calls["commits"])  # the branch existed...
        self.assertEqual(set(self.truth()["branches"]), before)  # ...and is gone
        self.assertEqual(self.truth()["merge_requests"], [])

    def test_a_key_names_one_change_and_a_half_done_attempt_is_completed(self):
        self.start(gitops={"poll_interval": "1h"})
        body = {"runner": "dind-runner", "changes": {"dind_hpa_max_replicas": 6}, "reason": "x", "idempotency_key": "k-1"}
        first = self.propose(body)
        self.assertEqual(first[0], 200, first)
        # The same key for another change is refused, not answered with the first request.
        other = self.propose(dict(body, changes={"dind_hpa_max_replicas": 7}))
        self.assertEqual(other[0], 409, other)
        self.assertIn("different change", other[1]["error"]["message"])
        self.assertEqual(len(self.truth()["merge_requests"]), 1)
        # An attempt that committed but could neither open the request nor remove its branch...
        self.sim.faults(gitlab_fail=["POST merge_requests", "DELETE branches"])
        half = dict(body, idempotency_key="k-2", changes={"dind_concurrent_jobs": 8})
        status, answer = self.propose(half)
        self.sim.clear_faults()
        self.assertEqual(status, 502, answer)
        self.assertIn("could not be removed", answer["error"]["message"])
        branch = next(b for b in self.truth()["branches"] if b.startswith("runnerfleet/dind-runner-") and
                      b != first[1]["data"]["branch"])
        commits = self.repo_requests()["commits"]
        # ...is completed by the retry: the branch holds exactly this change, so it is reused.
        status, answer = self.propose(half)
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["data"]["branch"], branch)
        self.assertEqual(answer["data"]["merge_request"]["source_branch"], branch)
        self.assertEqual(self.repo_requests()["commits"], commits)  # no second commit

    def test_secrets_are_never_written(self):
        self.start(gitops={"poll_interval": "1h"})
        calls = self.repo_requests()
        status, answer = self.propose({"runner": "docker-runner", "changes": {"docker_runner_token": "glrt-abc"},
                                       "reason": "rotate", "dry_run": True})
        self.assertEqual(status, 400, answer)
        self.assertIn("is a secret", answer["error"]["message"])
        self.assertNotIn("glrt-abc", json.dumps(answer))
        self.assertEqual(self.repo_requests(), calls)

    def test_a_viewer_can_neither_read_gitops_nor_propose(self):
        self.start(access={"default_role": "viewer"})
        calls = self.repo_requests()
        for method, target in (("GET", "/v1/gitops/drift"), ("GET", "/v1/gitops/config/docker-runner"),
                               ("POST", "/v1/gitops/proposals")):
            body = json.dumps({"runner": "docker-runner", "changes": {"docker_hpa_max_replicas": 12}, "reason": "x"})
            status, answer = self.daemon.request(method, target, body=body if method == "POST" else None,
                                                 headers={"Content-Type": "application/json"})
            self.assertEqual(status, 403, (target, answer))
            self.assertEqual(answer["error"]["code"], "permission_denied")
        self.assertEqual(self.truth()["merge_requests"], [])
        self.assertEqual(self.repo_requests()["commits"], calls["commits"])

    def test_a_local_checkout_is_read_and_re_read_but_takes_no_proposals(self):
        checkout = os.path.join(self.workdir, "flywheel")
        data = os.path.join(harness.SOURCE_DIR, "tests", "data", "gitops")
        for stack, name in (("gitlab-runners", "gitlab-runners-dev.tfvars"), ("arc-runners", "arc-runners-dev.tfvars")):
            os.makedirs(os.path.join(checkout, "tofu", "stacks", stack))
            shutil.copy(os.path.join(data, name), os.path.join(checkout, "tofu", "stacks", stack, "dev.tfvars"))
        self.sim = self.start_sim(tls=True)
        gitops = {"local_path": checkout, "poll_interval": "5s", "unmanaged": ["rocky9-runner"],
                  "files": [{"path": GITLAB_DEV}, {"path": ARC_DEV}]}
        self.daemon = self.start_daemon(self.sim, access={"default_role": "admin"}, extra={"gitops": gitops})
        self.daemon.wait_synced()
        self.validator = harness.SchemaValidator()
        wait_until(lambda: self.daemon.get("/v1/gitops/drift")[0] == 200, 20, interval=0.2, what="the checkout")
        first = self.drift()
        self.assertIsNone(first["desired"]["commit"])
        self.assertEqual(first["counts"], {"error": 0, "warning": 0, "info": 1})  # rocky9-runner: unmanaged
        # An edit on disk is picked up at the next poll; a file that stops parsing is an error.
        path = os.path.join(checkout, GITLAB_DEV)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("nix_hpa_max_replicas   = 5", "nix_hpa_max_replicas   = 7"))
        wait_until(lambda: self.item("nix-runner", "nix_hpa_max_replicas"), 20, interval=0.3, what="the edit")
        with open(path, "w") as f:
            f.write(text + "broken = {\n")
        wait_until(lambda: any(i["kind"] == "file" for i in self.drift()["items"]), 20, interval=0.3,
                   what="the parse error")
        problem = next(i for i in self.drift()["items"] if i["kind"] == "file")
        self.assertEqual((problem["severity"], problem["file"]), ("error", GITLAB_DEV))
        self.assertIn("line", problem["message"])
        status, answer = self.propose({"runner": "gh-nix", "changes": {"nix_max_runners": 12}, "reason": "x"})
        self.assertEqual(status, 400, answer)
        self.assertIn("gitops.project", answer["error"]["message"])

    def test_settings_and_health_name_the_gitops_source(self):
        self.start()
        settings = self.daemon.data("/v1/settings")
        self.validator.validate(settings, "settings.json")
        self.assertEqual((settings["gitops"]["project"], settings["gitops"]["branch"]), ("ci/flywheel", "main"))
        self.assertNotIn(open(self.sim.info["gitlab_admin_token_file"]).read().strip(), json.dumps(settings))
        health = self.daemon.data("/v1/health")
        gitops = next(s for s in health["sources"] if s["kind"] == "gitops")
        self.assertEqual(gitops["state"], "ok", gitops)
        self.assertIn("2/2 tfvars files", gitops["detail"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
