# SPDX-License-Identifier: Apache-2.0
"""kubectl, the real client, against the simulator over HTTPS with a bearer token: the
simulator speaks the wire formats the daemon is tested against."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness


class KubectlAgainstSimulator(harness.FleetTestCase):
    def setUp(self):
        super().setUp()
        self.kubectl = shutil.which("kubectl")
        self.assertIsNotNone(self.kubectl, "kubectl is not installed (scripts/test installs it)")
        self.sim = self.start_sim(tls=True)
        self.home = tempfile.mkdtemp(dir=self.workdir)

    def kubectl_run(self, *args):
        cache = tempfile.mkdtemp(dir=self.workdir)
        env = dict(os.environ, HOME=self.home)
        return subprocess.run([self.kubectl, "--cache-dir", cache, "--kubeconfig", self.sim.kubeconfig,
                               "--request-timeout", "20s", *args], capture_output=True, text=True, env=env,
                              timeout=60)

    def test_get_pods_json_matches_the_scenario(self):
        result = self.kubectl_run("get", "pods", "-n", "gitlab-runners", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        listed = json.loads(result.stdout)
        self.assertEqual(listed["kind"], "List")
        names = sorted(item["metadata"]["name"] for item in listed["items"])
        truth = sorted(o["metadata"]["name"] for o in self.sim.objects("pods", "gitlab-runners"))
        self.assertEqual(names, truth)
        self.assertGreaterEqual(len(names), 7)  # nix 2, docker 3, dind 1, rocky9 1
        for item in listed["items"]:
            self.assertEqual(item["kind"], "Pod")
            self.assertEqual(item["metadata"]["namespace"], "gitlab-runners")

    def test_get_autoscalingrunnersets(self):
        result = self.kubectl_run("get", "autoscalingrunnersets.actions.github.com", "-n", "arc-runners")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.strip().splitlines()
        header = lines[0]
        for column in ("NAME", "MINIMUM RUNNERS", "MAXIMUM RUNNERS", "CURRENT RUNNERS", "PHASE"):
            self.assertIn(column, header)
        names = sorted(line.split()[0] for line in lines[1:])
        self.assertEqual(names, ["gh-docker", "gh-l40s", "gh-nix"])
        as_json = self.kubectl_run("get", "autoscalingrunnersets.actions.github.com", "-n", "arc-runners", "-o", "json")
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        by_name = {i["metadata"]["name"]: i for i in json.loads(as_json.stdout)["items"]}
        self.assertEqual(by_name["gh-nix"]["spec"]["maxRunners"], 10)
        self.assertEqual(by_name["gh-nix"]["status"]["runningEphemeralRunners"], 2)

    def test_wrong_token_is_refused(self):
        bad = os.path.join(self.workdir, "bad-kubeconfig.yaml")
        with open(self.sim.kubeconfig) as f:
            text = f.read()
        token = open(self.sim.info["token_file"]).read().strip()
        with open(bad, "w") as f:
            f.write(text.replace(token, "not-the-token"))
        cache = tempfile.mkdtemp(dir=self.workdir)
        result = subprocess.run([self.kubectl, "--cache-dir", cache, "--kubeconfig", bad, "get", "pods", "-n",
                                 "gitlab-runners"], capture_output=True, text=True, timeout=60,
                                env=dict(os.environ, HOME=self.home))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("You must be logged in to the server", result.stderr)


if __name__ == "__main__":
    unittest.main()
