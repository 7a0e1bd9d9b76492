#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Quick self-test of runnerfleet-sim (stdlib unittest, < 20 s).

Starts the simulator with --tls on ephemeral ports and checks discovery, list, paging,
selectors, watch (RV semantics, selector transitions, bookmarks, timeout, 410), Status
errors, TLS + bearer auth, faults, outage, the GitLab API (runners, repository files, commits,
merge requests), the Prometheus metrics and their
OpenMetrics history, and that the scenario's hand-written "expect" facts match what is served.

    python3 tests/sim/selftest.py -v
"""

import http.client
import json
import math
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from runnerfleet_sim import backfill  # noqa: E402
SIM = os.path.join(HERE, "runnerfleet-sim")
DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
ARC = "/apis/actions.github.com/v1alpha1"


class Sim:
    """One simulator process; HTTPS client helpers."""

    def __init__(self, *extra):
        self.state = tempfile.TemporaryDirectory(prefix="rfsim-selftest-")
        self.proc = subprocess.Popen(
            [sys.executable, SIM, "--tls", "--state-dir", self.state.name,
             "--bookmark-interval-s", "0.3", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("simulator did not start: " + self.proc.stderr.read())
        self.info = json.loads(line)
        url = urllib.parse.urlsplit(self.info["k8s_url"])
        self.host, self.port = url.hostname, url.port
        curl = urllib.parse.urlsplit(self.info["control_url"])
        self.chost, self.cport = curl.hostname, curl.port
        self.ctx = ssl.create_default_context(cafile=self.info["ca_file"])
        with open(self.info["token_file"]) as f:
            self.token = f.read().strip()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.state.cleanup()

    def conn(self, timeout=10):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                           timeout=timeout)

    def request(self, path, accept="application/json", token=True, timeout=10):
        c = self.conn(timeout)
        headers = {"Accept": accept}
        if token:
            headers["Authorization"] = "Bearer " + (self.token if token is True else token)
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r, body

    def get(self, path, **kw):
        r, body = self.request(path, **kw)
        return r.status, json.loads(body) if body[:1] in (b"{", b"[") else body

    def watch(self, path, timeout=10):
        """Open a watch; returns (connection, response)."""
        c = self.conn(timeout)
        c.request("GET", path, headers={"Authorization": "Bearer " + self.token})
        return c, c.getresponse()

    def control(self, method, path, body=None):
        c = http.client.HTTPConnection(self.chost, self.cport, timeout=10)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = json.loads(r.read() or b"null")
        c.close()
        return r.status, data


def gitlab(sim, method, path, token="admin", body=None, ctype="application/json"):
    """One GitLab API call: (status, headers, decoded body)."""
    url = urllib.parse.urlsplit(sim.info["gitlab_url"])
    c = http.client.HTTPSConnection(url.hostname, url.port, context=sim.ctx, timeout=10)
    tokens = {}
    for name in ("admin", "user"):
        with open(sim.info[f"gitlab_{name}_token_file"]) as f:
            tokens[name] = f.read().strip()
    headers = {"PRIVATE-TOKEN": tokens.get(token, token)}
    if body is not None:
        headers["Content-Type"] = ctype
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    raw = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, json.loads(raw) if raw[:1] in (b"{", b"[") else raw


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (\S+))?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')


def parse_metrics(text):
    """A small Prometheus text / OpenMetrics parser: ({family: type}, [(name, labels, value,
    timestamp or None)]). Fails on any line it does not understand."""
    types, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("# HELP ") or line == "# EOF":
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"bad line {line!r}")
        name, raw, value, ts = m.groups()
        labels, end = {}, 0
        for lm in LABEL.finditer(raw or ""):
            if lm.start() != end:
                raise ValueError(f"bad labels in {line!r}")
            labels[lm.group(1)] = lm.group(2)
            end = lm.end()
        if end != len(raw or ""):
            raise ValueError(f"bad labels in {line!r}")
        samples.append((name, labels, float(value), float(ts) if ts else None))
    return types, samples


def family_of(name, types):
    """The family a sample belongs to: itself, a counter without _total (OpenMetrics) or a
    histogram without _bucket/_count/_sum."""
    for suffix in ("", "_total", "_bucket", "_count", "_sum"):
        base = name[:len(name) - len(suffix)] if suffix and name.endswith(suffix) else name
        if (suffix == "" or name.endswith(suffix)) and base in types:
            return base
    return None


def scrape(sim):
    """GET /metrics on the control port: (Content-Type, {family: type}, samples)."""
    c = http.client.HTTPConnection(sim.chost, sim.cport, timeout=10)
    c.request("GET", "/metrics")
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r.getheader("Content-Type"), *parse_metrics(body)


def series_key(name, labels):
    return name + json.dumps(labels, sort_keys=True)


def read_events(resp, until=None, limit=1000):
    """Read watch events (one JSON object per line) until `until(event)` is true, the
    stream ends or `limit` events."""
    out = []
    while len(out) < limit:
        line = resp.readline()
        if not line:
            break
        ev = json.loads(line)
        out.append(ev)
        if until and until(ev):
            break
    return out


def names(items):
    return [i["metadata"]["name"] for i in items]


class SimTest(unittest.TestCase):
    sim = None

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    # ---- discovery -------------------------------------------------------------------

    def test_discovery(self):
        r, body = self.sim.request("/apis", accept=DISCOVERY_V2 + ",application/json")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), DISCOVERY_V2)
        groups = [g["metadata"]["name"] for g in json.loads(body)["items"]]
        self.assertIn("actions.github.com", groups)
        r, body = self.sim.request("/api", accept=DISCOVERY_V2)
        core = json.loads(body)["items"][0]["versions"][0]["resources"]
        pods = next(x for x in core if x["resource"] == "pods")
        self.assertEqual(pods["shortNames"], ["po"])
        st, doc = self.sim.get("/api")
        self.assertEqual(doc["versions"], ["v1"])
        st, doc = self.sim.get("/apis/autoscaling/v2")
        hpa = next(x for x in doc["resources"] if x["name"] == "horizontalpodautoscalers")
        self.assertEqual((hpa["kind"], hpa["shortNames"]), ("HorizontalPodAutoscaler", ["hpa"]))
        st, doc = self.sim.get("/version", token=False)
        self.assertEqual(st, 200)
        self.assertEqual(doc["major"], "1")

    # ---- list ------------------------------------------------------------------------

    def test_list_shape(self):
        st, doc = self.sim.get("/api/v1/namespaces/gitlab-runners/pods")
        self.assertEqual(st, 200)
        self.assertEqual((doc["kind"], doc["apiVersion"]), ("PodList", "v1"))
        self.assertTrue(doc["metadata"]["resourceVersion"].isdigit())
        self.assertGreaterEqual(len(doc["items"]), 7)
        for p in doc["items"]:
            self.assertEqual((p["kind"], p["apiVersion"]), ("Pod", "v1"))
            self.assertEqual(p["metadata"]["namespace"], "gitlab-runners")
        st, doc = self.sim.get(f"{ARC}/namespaces/arc-runners/autoscalingrunnersets")
        self.assertEqual(doc["kind"], "AutoscalingRunnerSetList")
        self.assertEqual(sorted(names(doc["items"])), ["gh-docker", "gh-l40s", "gh-nix"])
        st, doc = self.sim.get("/api/v1/namespaces/no-such-ns/pods")
        self.assertEqual((st, doc["items"]), (200, []))

    def test_paging(self):
        st, full = self.sim.get("/api/v1/pods")
        seen, token, pages = [], "", 0
        while True:
            st, page = self.sim.get("/api/v1/pods?limit=3" + (f"&continue={token}"
                                                              if token else ""))
            self.assertEqual(st, 200)
            pages += 1
            seen += names(page["items"])
            token = page["metadata"].get("continue", "")
            if not token:
                break
            self.assertEqual(page["metadata"]["remainingItemCount"],
                             len(full["items"]) - len(seen))
        self.assertEqual(seen, names(full["items"]))
        self.assertGreater(pages, 2)
        st, doc = self.sim.get("/api/v1/pods?limit=3&continue=bm90LWEtdG9rZW4")
        self.assertEqual((st, doc["reason"], doc["code"]), (410, "Expired", 410))

    def test_selectors(self):
        st, every = self.sim.get("/api/v1/namespaces/gitlab-runners/pods")
        labels = {p["metadata"]["name"]: p["metadata"]["labels"] for p in every["items"]}

        def expected(pred):
            return sorted(n for n, lb in labels.items() if pred(lb))
        cases = [
            ("app%3Dnix-runner", lambda lb: lb.get("app") == "nix-runner"),
            ("app%3D%3Dnix-runner", lambda lb: lb.get("app") == "nix-runner"),
            ("app+in+%28nix-runner%2Cdind-runner%29",
             lambda lb: lb.get("app") in ("nix-runner", "dind-runner")),
            ("app.kubernetes.io%2Frunner-type%21%3Ddocker%2C%21nosuch",
             lambda lb: lb.get("app.kubernetes.io/runner-type") != "docker"),
            ("app+notin+%28docker-runner%29%2Cpod-template-hash",
             lambda lb: lb.get("app") != "docker-runner" and "pod-template-hash" in lb),
            ("nosuch", lambda lb: False),
        ]
        for sel, pred in cases:
            st, doc = self.sim.get("/api/v1/namespaces/gitlab-runners/pods?labelSelector="
                                   + sel)
            self.assertEqual(st, 200, sel)
            self.assertEqual(sorted(names(doc["items"])), expected(pred), sel)
        st, doc = self.sim.get("/api/v1/pods?fieldSelector=status.phase%3DPending")
        self.assertEqual(names(doc["items"]), ["rocky9-runner-8f6d4b7c9-t5vgw"])
        pod = "docker-runner-5c8b9d7f6-b9xkq"
        st, doc = self.sim.get("/api/v1/namespaces/gitlab-runners/events?fieldSelector="
                               f"involvedObject.name%3D{pod}%2CinvolvedObject.namespace"
                               "%3Dgitlab-runners")
        self.assertEqual([e["reason"] for e in doc["items"]], ["BackOff"])
        st, doc = self.sim.get("/api/v1/pods?labelSelector=app+in+%28")
        self.assertEqual((st, doc["reason"]), (400, "BadRequest"))
        st, doc = self.sim.get("/api/v1/pods?fieldSelector=spec.nope%3D1")
        self.assertEqual((st, doc["message"]), (400, "field label not supported: spec.nope"))

    def test_table(self):
        st, doc = self.sim.get("/api/v1/namespaces/gitlab-runners/pods", accept=TABLE)
        self.assertEqual(doc["kind"], "Table")
        cols = [c["name"] for c in doc["columnDefinitions"]]
        self.assertEqual(cols, ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"])
        rows = {r["cells"][0]: r["cells"] for r in doc["rows"]}
        self.assertEqual(rows["rocky9-runner-8f6d4b7c9-t5vgw"][2], "ImagePullBackOff")
        st, doc = self.sim.get(f"{ARC}/namespaces/arc-runners/autoscalingrunnersets",
                               accept=TABLE)
        row = next(r["cells"] for r in doc["rows"] if r["cells"][0] == "gh-l40s")
        self.assertEqual(row[-2:], [None, None])  # Finished/Deleting: not in the Go type

    def test_errors(self):
        st, doc = self.sim.get("/api/v1/namespaces/gitlab-runners/pods/missing")
        self.assertEqual((st, doc["kind"], doc["reason"], doc["message"]),
                         (404, "Status", "NotFound", 'pods "missing" not found'))
        st, doc = self.sim.get("/apis/nope/v1/things")
        self.assertEqual((st, doc["message"]),
                         (404, "the server could not find the requested resource"))
        r, body = self.sim.request(
            "/api/v1/namespaces/gitlab-runners/pods/nix-runner-7d9f8c6b5f-x2kpl/log"
            "?tailLines=5")
        self.assertEqual(r.status, 200)
        self.assertEqual(len(body.decode().splitlines()), 5)

    def test_auth(self):
        for tok in (False, "wrong-token"):
            st, doc = self.sim.get("/api/v1/pods", token=tok)
            self.assertEqual((st, doc["reason"], doc["message"]),
                             (401, "Unauthorized", "Unauthorized"))
        plain = ssl.create_default_context()  # does not trust the simulator's CA
        c = http.client.HTTPSConnection(self.sim.host, self.sim.port, context=plain,
                                        timeout=5)
        with self.assertRaises(ssl.SSLError):
            c.request("GET", "/version")
        c.close()
        with open(self.sim.info["kubeconfig"]) as f:
            kc = f.read()
        self.assertIn("certificate-authority-data:", kc)
        self.assertIn(self.sim.info["k8s_url"], kc)

    # ---- watch -----------------------------------------------------------------------

    def test_watch_initial_bookmark_timeout(self):
        t0 = time.monotonic()
        c, r = self.sim.watch(f"{ARC}/namespaces/arc-runners/ephemeralrunners?watch=1"
                              "&allowWatchBookmarks=true&timeoutSeconds=1")
        self.assertEqual(r.getheader("Transfer-Encoding"), "chunked")
        evs = read_events(r)
        c.close()
        self.assertLess(time.monotonic() - t0, 5)
        types = [e["type"] for e in evs]
        self.assertGreaterEqual(types.count("ADDED"), 3)
        self.assertIn("BOOKMARK", types)
        bm = next(e for e in evs if e["type"] == "BOOKMARK")["object"]
        self.assertEqual(set(bm), {"kind", "apiVersion", "metadata"})

    def test_watch_too_old(self):
        c, r = self.sim.watch("/api/v1/pods?watch=true&resourceVersion=1")
        self.assertEqual(r.status, 200)
        evs = read_events(r)
        c.close()
        self.assertEqual(len(evs), 1)
        self.assertEqual(evs[0]["type"], "ERROR")
        st = evs[0]["object"]
        self.assertEqual((st["code"], st["reason"]), (410, "Expired"))
        self.assertTrue(st["message"].startswith("too old resource version: 1 ("))

    def test_watch_changes_and_selector_transition(self):
        # A dedicated simulator: this test applies timeline steps.
        sim = Sim()
        try:
            st, lst = sim.get("/api/v1/namespaces/gitlab-runners/pods")
            rv = lst["metadata"]["resourceVersion"]
            c1, w1 = sim.watch(f"/api/v1/namespaces/gitlab-runners/pods?watch=1"
                               f"&resourceVersion={rv}&labelSelector=app%3Dnix-runner")
            c2, w2 = sim.watch("/api/v1/pods?watch=1&fieldSelector=status.phase%3DRunning"
                               f"&resourceVersion={rv}")
            self.assertEqual(sim.control("POST", "/_sim/timeline/nix-crashloop")[0], 200)
            ev = read_events(w1, until=lambda e: e["type"] == "MODIFIED")[-1]
            self.assertEqual(ev["object"]["metadata"]["name"], "nix-runner-7d9f8c6b5f-qm4tn")
            cs = ev["object"]["status"]["containerStatuses"][0]
            self.assertEqual(cs["state"]["waiting"]["reason"], "CrashLoopBackOff")
            self.assertGreater(int(ev["object"]["metadata"]["resourceVersion"]), int(rv))
            st, doc = sim.control("POST", "/_sim/timeline/gh-docker-runner-failed")
            self.assertEqual(doc["applied"], "gh-docker-runner-failed")
            evs = read_events(w2, until=lambda e: e["type"] == "DELETED")
            self.assertEqual(evs[-1]["object"]["metadata"]["name"],
                             "gh-docker-m8w5r-runner-b2j9v")
            c1.close()
            c2.close()
            st, ars = sim.control("GET", "/_sim/objects/autoscalingrunnersets/arc-runners/"
                                         "gh-docker")
            self.assertEqual(ars["status"]["failedEphemeralRunners"], 1)
            self.assertEqual(ars["status"]["currentRunners"], 1)
            self.assertEqual(sim.control("POST", "/_sim/timeline/nope")[0], 404)
            st, doc = sim.control("POST", "/_sim/timeline/next")
            self.assertEqual(doc["applied"], "dind-scale-up")
            st, hpa = sim.get("/apis/autoscaling/v2/namespaces/gitlab-runners/"
                              "horizontalpodautoscalers/dind-runner-hpa")
            self.assertEqual((hpa["status"]["currentReplicas"],
                              hpa["status"]["desiredReplicas"]), (3, 3))
            stats = sim.control("GET", "/_sim/stats")[1]
            self.assertGreaterEqual(stats["requests"]["watch"], 2)
            # Outage: connection refused, then back on the same port with the same state.
            self.assertEqual(sim.control("PUT", "/_sim/outage", {"down": True})[1],
                             {"down": True})
            with self.assertRaises(OSError):
                socket.create_connection((sim.host, sim.port), timeout=2).close()
            sim.control("PUT", "/_sim/outage", {"down": False})
            st, doc = sim.get("/api/v1/namespaces/gitlab-runners/pods")
            self.assertEqual(st, 200)
            # Expiry: a watch from before the compaction gets the 410 ERROR event.
            sim.control("POST", "/_sim/expire")
            c3, w3 = sim.watch(f"/api/v1/pods?watch=1&resourceVersion={rv}")
            self.assertEqual(read_events(w3)[0]["object"]["code"], 410)
            c3.close()
        finally:
            sim.stop()

    def test_faults(self):
        sim = self.sim
        sim.control("PUT", "/_sim/faults", {"error_every_n": 1, "error_code": 429,
                                            "retry_after_s": 2})
        try:
            r, body = sim.request("/api/v1/pods")
            self.assertEqual(r.status, 429)
            self.assertEqual(r.getheader("Retry-After"), "2")
            doc = json.loads(body)
            self.assertEqual((doc["reason"], doc["details"]["retryAfterSeconds"]),
                             ("TooManyRequests", 2))
        finally:
            sim.control("DELETE", "/_sim/faults")
        self.assertEqual(sim.request("/api/v1/pods")[0].status, 200)
        st, doc = sim.control("PUT", "/_sim/faults", {"no_such_fault": 1})
        self.assertEqual(st, 400)

    # ---- the scenario's hand-written facts ---------------------------------------------

    def test_merge_patch(self):
        st, sets = self.sim.get(ARC + "/autoscalingrunnersets")
        ars = sets["items"][0]["metadata"]
        path = f"{ARC}/namespaces/{ars['namespace']}/autoscalingrunnersets/{ars['name']}"

        def patch(body, ctype="application/merge-patch+json"):
            c = self.sim.conn()
            c.request("PATCH", path, body=json.dumps(body), headers={
                "Authorization": "Bearer " + self.sim.token, "Content-Type": ctype})
            r = c.getresponse()
            doc = json.loads(r.read())
            c.close()
            return r.status, doc
        before = sets["items"][0]["spec"].get("maxRunners")
        st, doc = patch({"spec": {"maxRunners": 0}, "metadata": {"annotations": {"runnerfleet.io/x": "7"}}})
        self.assertEqual((st, doc["spec"]["maxRunners"], doc["metadata"]["annotations"]["runnerfleet.io/x"]),
                         (200, 0, "7"))
        self.assertGreater(int(doc["metadata"]["resourceVersion"]), int(sets["metadata"]["resourceVersion"]))
        st, doc = patch({"spec": {"maxRunners": before}, "metadata": {"annotations": {"runnerfleet.io/x": None}}})
        self.assertEqual(doc["spec"].get("maxRunners"), before)
        self.assertNotIn("runnerfleet.io/x", doc["metadata"].get("annotations", {}))
        self.assertEqual(patch([{"op": "remove", "path": "/spec"}], "application/json-patch+json")[0], 415)
        self.assertEqual(patch(["not", "an", "object"])[0], 400)

    # ---- GitLab ----------------------------------------------------------------------

    def test_gitlab_registrations_statuses_and_pages(self):
        status, headers, page1 = gitlab(self.sim, "GET", "/api/v4/runners/all?per_page=4")
        self.assertEqual(status, 200)
        self.assertEqual((headers["x-page"], headers["x-next-page"], headers["x-total"]), ("1", "2", "7"))
        self.assertIn('rel="next"', headers["link"])
        _, headers, page2 = gitlab(self.sim, "GET", "/api/v4/runners/all?per_page=4&page=2")
        self.assertEqual(headers["x-next-page"], "")
        self.assertNotIn('rel="next"', headers["link"])
        runners = {r["description"]: r for r in page1 + page2}
        self.assertEqual(list(page1[0]), ["id", "description", "ip_address", "active", "paused", "is_shared",
                                          "runner_type", "name", "online", "status"])
        with open(os.path.join(HERE, "scenarios", "default.json")) as f:
            releases = {r["name"] for r in json.load(f)["gitlab_runners"]}
        self.assertLessEqual(releases, set(runners), "every release has a registration named after it")
        self.assertEqual(runners["nix-runner"]["status"], "online")
        self.assertEqual(runners["legacy-shell-runner"]["status"], "offline")
        self.assertEqual(runners["old-macos-runner"]["status"], "stale")
        self.assertEqual(runners["new-gpu-runner"]["status"], "never_contacted")
        self.assertIsNone(runners["nix-runner"]["ip_address"])
        _, _, detail = gitlab(self.sim, "GET", f"/api/v4/runners/{runners['nix-runner']['id']}")
        self.assertEqual(detail["tag_list"], ["nix", "linux"])
        self.assertRegex(detail["contacted_at"], r"^\d{4}-\d\d-\d\dT")
        _, _, managers = gitlab(self.sim, "GET", f"/api/v4/runners/{runners['nix-runner']['id']}/managers")
        self.assertEqual(len(managers), 2)
        self.assertTrue(all(m["ip_address"] for m in managers))

    def test_gitlab_errors_and_admin_scope(self):
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/runners/all", token="nope")[::2],
                         (401, {"message": "401 Unauthorized"}))
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/runners/all", token="user")[::2],
                         (403, {"message": "403 Forbidden"}))
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/runners/424242")[::2], (404, {"message": "404 Runner Not Found"}))
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/runners/all?status=sleeping")[0], 400)
        _, _, mine = gitlab(self.sim, "GET", "/api/v4/runners", token="user")
        self.assertNotIn("instance_type", {r["runner_type"] for r in mine})

    def test_gitlab_pause_and_resume(self):
        _, _, found = gitlab(self.sim, "GET", "/api/v4/runners/all?tag_list=dind")
        rid = found[0]["id"]
        status, _, paused = gitlab(self.sim, "PUT", f"/api/v4/runners/{rid}", body="paused=true",
                                   ctype="application/x-www-form-urlencoded")
        self.assertEqual((status, paused["paused"], paused["status"], paused["active"]), (200, True, "paused", False))
        _, _, listed = gitlab(self.sim, "GET", "/api/v4/runners/all?paused=true")
        self.assertEqual([r["id"] for r in listed], [rid])
        self.assertEqual(gitlab(self.sim, "PUT", f"/api/v4/runners/{rid}", body=json.dumps({"paused": "maybe"}))[0], 400)
        self.assertEqual(gitlab(self.sim, "PUT", f"/api/v4/runners/{rid}", body="{}")[0], 400)
        _, _, resumed = gitlab(self.sim, "PUT", f"/api/v4/runners/{rid}", body=json.dumps({"paused": False}))
        self.assertEqual(resumed["status"], "online")

    def test_gitlab_rate_limit_fault(self):
        self.assertEqual(self.sim.control("PUT", "/_sim/faults", {"gitlab_429_every_n": 1, "gitlab_hide_totals": True})[0], 200)
        try:
            status, headers, body = gitlab(self.sim, "GET", "/api/v4/runners/all")
            self.assertEqual((status, body), (429, b"Retry later\n"))
            self.assertEqual(headers["retry-after"], "2")
            self.assertEqual(headers["ratelimit-remaining"], "0")
        finally:
            self.sim.control("DELETE", "/_sim/faults")
        self.sim.control("PUT", "/_sim/faults", {"gitlab_hide_totals": True})
        try:
            _, headers, _ = gitlab(self.sim, "GET", "/api/v4/runners/all?per_page=2")
            self.assertNotIn("x-total", headers)
            self.assertNotIn('rel="last"', headers["link"])
            self.assertEqual(headers["x-next-page"], "2")
        finally:
            self.sim.control("DELETE", "/_sim/faults")

    def test_gitlab_jobs_follow_pause(self):
        _, truth = self.sim.control("GET", "/_sim/gitlab/runners")
        reg = next(r for r in truth["runners"] if r["description"] == "docker-runner")
        rid = reg["id"]
        self.assertEqual(len(reg["running_jobs"]), 1)
        _, _, jobs = gitlab(self.sim, "GET", f"/api/v4/runners/{rid}/jobs?status=running")
        self.assertEqual([j["id"] for j in jobs], reg["running_jobs"])
        self.assertEqual((jobs[0]["status"], jobs[0]["finished_at"]), ("running", None))
        _, _, managers = gitlab(self.sim, "GET", f"/api/v4/runners/{rid}/managers")
        self.assertEqual({m["job_execution_status"] for m in managers}, {"active"})
        _, _, detail = gitlab(self.sim, "GET", f"/api/v4/runners/{rid}")
        contacted = time.mktime(time.strptime(detail["contacted_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertLess(abs(time.time() - contacted), 10, "a polling runner's contacted_at keeps up")
        gitlab(self.sim, "PUT", f"/api/v4/runners/{rid}", body=json.dumps({"paused": True}))
        try:
            st, done = self.sim.control("POST", "/_sim/gitlab/finish-jobs", {"runner": "docker-runner"})
            self.assertEqual((st, done["finished"], done["running"]), (200, reg["running_jobs"], []))
            _, _, jobs = gitlab(self.sim, "GET", f"/api/v4/runners/{rid}/jobs?status=running")
            self.assertEqual(jobs, [], "a paused runner gets no new jobs")
            _, _, finished = gitlab(self.sim, "GET", f"/api/v4/runners/{rid}/jobs?status=success")
            self.assertEqual(finished[0]["id"], reg["running_jobs"][0])
            self.assertIsNotNone(finished[0]["finished_at"])
            _, _, managers = gitlab(self.sim, "GET", f"/api/v4/runners/{rid}/managers")
            self.assertEqual({m["job_execution_status"] for m in managers}, {"idle"})
        finally:
            gitlab(self.sim, "PUT", f"/api/v4/runners/{rid}", body=json.dumps({"paused": False}))
        _, _, jobs = gitlab(self.sim, "GET", f"/api/v4/runners/{rid}/jobs?status=running")
        self.assertEqual(len(jobs), 1, "a resumed runner is handed work again")
        self.assertGreater(jobs[0]["id"], reg["running_jobs"][0])
        self.assertEqual(self.sim.control("POST", "/_sim/gitlab/finish-jobs", {"runner": "nobody"})[0], 404)
        self.assertEqual(self.sim.control("POST", "/_sim/gitlab/finish-jobs", {"runner": 3})[0], 400)
        self.assertEqual(gitlab(self.sim, "GET", f"/api/v4/runners/{rid}/jobs?status=sleeping")[0], 400)

    def test_gitlab_500_fault_and_stats(self):
        self.sim.control("DELETE", "/_sim/stats")
        self.assertEqual(self.sim.control("PUT", "/_sim/faults", {"gitlab_500_every_n": 2})[0], 200)
        try:
            codes = [gitlab(self.sim, "GET", "/api/v4/runners/all")[0] for _ in range(4)]
            self.assertEqual(codes, [200, 500, 200, 500])
            self.assertEqual(self.sim.control("GET", "/_sim/stats")[1]["gitlab"]["status"], {"200": 2, "500": 2})
        finally:
            self.sim.control("DELETE", "/_sim/faults")
        gitlab(self.sim, "GET", "/api/v4/runners/101")
        gitlab(self.sim, "PUT", "/api/v4/runners/101", body=json.dumps({"maintenance_note": "x"}))
        stats = self.sim.control("GET", "/_sim/stats")[1]["gitlab"]
        self.assertEqual((stats["total"], stats["list"], stats["details"], stats["put"]), (6, 4, 1, 1))

    # ---- GitLab repository and merge requests (wire-facts §2.3) -----------------------

    DEV = "tofu/stacks/gitlab-runners/dev.tfvars"

    def repo_file(self, path, ref="main"):
        status, _, doc = gitlab(self.sim, "GET", "/api/v4/projects/12/repository/files/"
                                f"{urllib.parse.quote(path, safe='')}?ref={ref}")
        self.assertEqual(status, 200, doc)
        return doc

    def commit(self, branch, actions, start="main", token="admin"):
        return gitlab(self.sim, "POST", "/api/v4/projects/12/repository/commits", token=token, body=json.dumps(
            {"branch": branch, "start_branch": start, "commit_message": "Scale runners", "actions": actions}))

    def test_gitlab_repo_read_files(self):
        doc = self.repo_file(self.DEV)
        self.assertEqual(list(doc)[:10], ["file_name", "file_path", "size", "encoding", "content", "content_sha256",
                                          "ref", "blob_id", "commit_id", "last_commit_id"])
        text = __import__("base64").b64decode(doc["content"]).decode()
        self.assertIn("nix_hpa_max_replicas   = 5", text)
        # The unit tests' copy (tests/data/gitops) stays the simulator's file, byte for byte.
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "gitops",
                               "gitlab-runners-dev.tfvars")) as f:
            self.assertEqual(text, f.read())
        arc = __import__("base64").b64decode(self.repo_file("tofu/stacks/arc-runners/dev.tfvars")["content"]).decode()
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "gitops",
                               "arc-runners-dev.tfvars")) as f:
            self.assertEqual(arc, f.read())
        self.assertEqual((doc["file_name"], doc["encoding"], doc["size"]), ("dev.tfvars", "base64", len(text.encode())))
        _, truth = self.sim.control("GET", "/_sim/gitlab/repo")
        self.assertEqual(doc["last_commit_id"], truth["files"]["main"][self.DEV]["last_commit_id"])
        self.assertEqual(doc["commit_id"], truth["branches"]["main"])
        self.assertRegex(doc["blob_id"], "^[0-9a-f]{40}$")
        by_path = gitlab(self.sim, "GET", "/api/v4/projects/ci%2Fflywheel/repository/files/"
                         "tofu%2Fstacks%2Farc-runners%2Fdev.tfvars/raw?ref=main")
        self.assertEqual(by_path[0], 200)
        self.assertIn(b'"gh-l40s" = {', by_path[2])
        arc = self.repo_file("tofu/stacks/arc-runners/dev.tfvars")
        self.assertNotEqual(arc["last_commit_id"], doc["last_commit_id"])  # seeded by different commits
        status, headers, _ = gitlab(self.sim, "HEAD", "/api/v4/projects/12/repository/files/"
                                    + urllib.parse.quote(self.DEV, safe="") + "?ref=main")
        self.assertEqual((status, headers["x-gitlab-last-commit-id"], headers["x-gitlab-file-name"]),
                         (200, doc["last_commit_id"], "dev.tfvars"))
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/projects/12/repository/files/nope.tfvars?ref=main")[::2],
                         (404, {"message": "404 File Not Found"}))
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/projects/12/repository/files/"
                                + urllib.parse.quote(self.DEV, safe=""))[::2], (400, {"error": "ref is missing"}))
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/projects/99/repository/files/x?ref=main")[::2],
                         (404, {"message": "404 Project Not Found"}))
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/projects/12/repository/branches/main", token="nope")[::2],
                         (401, {"message": "401 Unauthorized"}))
        self.assertEqual(gitlab(self.sim, "POST", "/api/v4/projects/12/merge_requests", token="nope",
                                body="{}")[0], 401)

    def test_gitlab_repo_commit_mr_and_changes(self):
        doc = self.repo_file(self.DEV)
        old = __import__("base64").b64decode(doc["content"]).decode()
        new = old.replace("docker_hpa_max_replicas   = 10", "docker_hpa_max_replicas   = 12")
        status, _, commit = self.commit("fleet/scale-docker", [{"action": "update", "file_path": self.DEV,
                                                                "content": new, "last_commit_id": doc["last_commit_id"]}])
        self.assertEqual(status, 201, commit)
        self.assertEqual((commit["parent_ids"], commit["stats"]), ([doc["commit_id"]], {"additions": 1, "deletions": 1,
                                                                                     "total": 2}))
        self.assertEqual(self.repo_file(self.DEV, "fleet/scale-docker")["last_commit_id"], commit["id"])
        self.assertEqual(self.repo_file(self.DEV)["commit_id"], doc["commit_id"])  # main untouched
        status, _, branch = gitlab(self.sim, "GET", "/api/v4/projects/12/repository/branches/fleet%2Fscale-docker")
        self.assertEqual((status, branch["commit"]["id"], branch["default"]), (200, commit["id"], False))
        mr_body = json.dumps({"source_branch": "fleet/scale-docker", "target_branch": "main",
                              "title": "Scale docker-runner to 12", "remove_source_branch": True})
        status, _, mr = gitlab(self.sim, "POST", "/api/v4/projects/12/merge_requests", body=mr_body)
        self.assertEqual((status, mr["state"], mr["sha"], mr["source_branch"]), (201, "opened", commit["id"],
                                                                                 "fleet/scale-docker"))
        self.assertEqual(gitlab(self.sim, "POST", "/api/v4/projects/12/merge_requests", body=mr_body)[::2],
                         (409, {"message": [f"Another open merge request already exists for this source branch: "
                                            f"!{mr['iid']}"]}))
        _, _, listed = gitlab(self.sim, "GET", "/api/v4/projects/12/merge_requests?source_branch=fleet%2Fscale-docker"
                                               "&state=opened")
        self.assertEqual([m["iid"] for m in listed], [mr["iid"]])
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/projects/12/merge_requests?source_branch=none")[2], [])
        self.assertEqual(gitlab(self.sim, "GET", f"/api/v4/projects/12/merge_requests/{mr['iid']}")[2]["iid"], mr["iid"])
        status, _, changes = gitlab(self.sim, "GET", f"/api/v4/projects/12/merge_requests/{mr['iid']}/changes")
        self.assertEqual((status, changes["changes_count"], changes["diff_refs"]["head_sha"]), (200, "1", commit["id"]))
        diff = changes["changes"][0]
        self.assertEqual((diff["old_path"], diff["new_path"], diff["new_file"]), (self.DEV, self.DEV, False))
        self.assertEqual([l for l in diff["diff"].splitlines() if l[:1] in "+-"],
                         ["-docker_hpa_max_replicas   = 10", "+docker_hpa_max_replicas   = 12"])
        self.assertTrue(diff["diff"].startswith("@@ -"))
        self.assertEqual(gitlab(self.sim, "GET", f"/api/v4/projects/12/merge_requests/{mr['iid']}/diffs")[2], [diff])
        self.assertEqual(gitlab(self.sim, "POST", "/api/v4/projects/12/merge_requests", body=json.dumps(
            {"source_branch": "nope", "target_branch": "main", "title": "x"}))[0], 422)
        self.assertEqual(gitlab(self.sim, "POST", "/api/v4/projects/12/merge_requests", body=json.dumps(
            {"source_branch": "nope"}))[::2], (400, {"error": "target_branch is missing, title is missing"}))
        # a second commit on the existing branch, then deleting the branch
        status, _, again = self.commit("fleet/scale-docker", [{"action": "create", "file_path": "notes.md",
                                                               "content": "# hi\n"}], start="fleet/scale-docker")
        self.assertEqual((status, again["parent_ids"]), (201, [commit["id"]]))
        self.assertEqual(self.commit("fleet/scale-docker", [{"action": "create", "file_path": "x", "content": ""}])[::2],
                         (400, {"message": "A branch called 'fleet/scale-docker' already exists. Switch to that "
                                           "branch in order to make changes"}))
        self.assertEqual(gitlab(self.sim, "DELETE", "/api/v4/projects/12/repository/branches/fleet%2Fscale-docker")[0], 204)
        self.assertEqual(gitlab(self.sim, "GET", "/api/v4/projects/12/repository/branches/fleet%2Fscale-docker")[::2],
                         (404, {"message": "404 Branch Not Found"}))
        self.assertEqual(gitlab(self.sim, "DELETE", "/api/v4/projects/12/repository/branches/main")[0], 405)
        self.assertNotIn("fleet/scale-docker", self.sim.control("GET", "/_sim/gitlab/repo")[1]["branches"])

    def test_gitlab_repo_stale_and_atomic(self):
        doc = self.repo_file(self.DEV)
        before = self.sim.control("GET", "/_sim/gitlab/repo")[1]
        # atomic: a good update plus a bad delete changes nothing, not even the branch
        status, _, err = self.commit("fleet/atomic", [
            {"action": "update", "file_path": self.DEV, "content": "x = 1\n", "last_commit_id": doc["last_commit_id"]},
            {"action": "delete", "file_path": "tofu/stacks/missing.tfvars"}])
        self.assertEqual((status, err), (400, {"message": "A file with this name doesn't exist"}))
        self.assertEqual(self.sim.control("GET", "/_sim/gitlab/repo")[1], before)
        self.assertEqual(self.commit("fleet/atomic", [{"action": "update", "file_path": self.DEV}])[::2],
                         (400, {"error": "actions[0][content] is missing"}))
        self.assertEqual(self.commit("fleet/atomic", [{"action": "create", "file_path": self.DEV, "content": ""}])[2],
                         {"message": "A file with this name already exists"})
        # someone else changes main: the client's last_commit_id is stale
        _, concurrent = self.sim.control("POST", "/_sim/gitlab/repo/commit", {
            "file_path": self.DEV, "content": __import__("base64").b64decode(doc["content"]).decode() + "# hand edit\n",
            "branch": "main"})
        after = self.repo_file(self.DEV)
        self.assertEqual(after["last_commit_id"], concurrent["commit"])
        status, _, err = self.commit("fleet/stale", [{"action": "update", "file_path": self.DEV, "content": "y = 2\n",
                                                       "last_commit_id": doc["last_commit_id"]}])
        self.assertEqual((status, err), (400, {"message": "The file has changed since you started editing it: "
                                                          + self.DEV}))
        self.assertNotIn("fleet/stale", self.sim.control("GET", "/_sim/gitlab/repo")[1]["branches"])
        status, _, ok = self.commit("fleet/stale", [{"action": "update", "file_path": self.DEV, "encoding": "base64",
                                                      "content": after["content"], "last_commit_id": after["last_commit_id"]},
                                                     {"action": "move", "previous_path": "tofu/stacks/gitlab-runners/prod.tfvars",
                                                      "file_path": "tofu/stacks/gitlab-runners/production.tfvars"}])
        self.assertEqual(status, 201, ok)
        self.assertEqual(self.repo_file("tofu/stacks/gitlab-runners/production.tfvars", "fleet/stale")["content"],
                         self.repo_file("tofu/stacks/gitlab-runners/prod.tfvars")["content"])
        self.assertEqual(self.sim.control("POST", "/_sim/gitlab/repo/commit", {"file_path": 3})[0], 400)
        stats = self.sim.control("GET", "/_sim/stats")[1]["gitlab"]
        self.assertGreater(stats["files"], 0)
        self.assertGreater(stats["commits"], 0)

    def test_gitlab_scale_mode_registrations(self):
        sim = Sim("--scenario", "none", "--scale-pools", "6", "--scale-pods", "12")
        try:
            _, headers, rows = gitlab(sim, "GET", "/api/v4/runners/all?per_page=100")
            described = sorted(r["description"] for r in rows)
            _, deployments = sim.control("GET", "/_sim/objects/deployments?namespace=gitlab-runners")
            releases = sorted(d["metadata"]["name"] for d in deployments["items"])
            self.assertEqual(len(releases), 3)
            self.assertEqual(described, sorted(releases + ["legacy-shell-runner", "new-gpu-runner", "old-macos-runner"]))
        finally:
            sim.stop()

    def test_expect_matches_scenario(self):
        st, expect = self.sim.control("GET", "/_sim/expect")
        for name, fx in expect["runners"].items():
            check_facts(self, self.sim, name, fx)
        st, pods = self.sim.get("/api/v1/pods")
        self.assertEqual(len(pods["items"]), expect["totals"]["runner_pods"]
                         + expect["totals"]["listener_pods"])

    def test_timeline_after_steps(self):
        sim = Sim()
        try:
            st, expect = sim.control("GET", "/_sim/expect")
            for step in [s["name"] for s in sim.info["timeline"]]:
                st, doc = sim.control("POST", "/_sim/timeline/next")
                self.assertEqual((st, doc["applied"]), (200, step))
                for name, fx in expect["after_steps"][step].items():
                    check_facts(self, sim, name, dict(fx, **{
                        k: expect["runners"][name][k] for k in ("forge", "namespace")}))
            self.assertEqual(sim.control("POST", "/_sim/timeline/next")[0], 409)
            time.sleep(1.05)  # past the metrics cache
            _, _, samples = scrape(sim)
            pods = {labels["pod"] for _, labels, _, _ in samples if labels.get("job") != "kube-state-metrics"}
            self.assertNotIn("nix-runner-7d9f8c6b5f-qm4tn", pods, "a crash-looping pod stops exposing")
            self.assertIn("docker-runner-5c8b9d7f6-b9xkq", pods, "a recovered pod exposes again")
            self.assertNotIn("gh-docker-m8w5r-runner-b2j9v", pods, "a failed runner pod exposes nothing")
            dind = [v for n, lb, v, _ in samples
                    if n == "gitlab_runner_jobs_total" and lb["runner_name"] == "dind-runner"]
            self.assertEqual(len(dind), 3)
            self.assertLessEqual(min(dind), 1, "pods created by a step count from their creation")
            gauges = {(n, lb["name"]): v for n, lb, v, _ in samples if n.startswith("gha_") and "name" in lb}
            self.assertEqual((gauges[("gha_registered_runners", "gh-nix")], gauges[("gha_desired_runners", "gh-nix")]),
                             (4, 4))
        finally:
            sim.stop()


GITLAB = {"namespace", "pod", "job", "instance", "runner", "runner_name"}
LISTENER = {"namespace", "pod", "job", "instance", "organization"}
KSM_POD = {"namespace", "pod", "job", "instance", "container", "node", "resource", "unit"}
FAMILIES = {  # family -> (type, label names of its samples, le excluded)
    "gitlab_runner_jobs_total": ("counter", GITLAB | {"system_id"}),
    "gitlab_runner_failed_jobs_total": ("counter", GITLAB | {"failure_reason"}),
    "gitlab_runner_job_queue_duration_seconds": ("histogram", GITLAB | {"system_id", "project_jobs_running"}),
    "gitlab_runner_jobs": ("gauge", GITLAB | {"system_id", "state", "stage", "executor_stage"}),
    "gitlab_runner_limit": ("gauge", GITLAB | {"system_id"}),
    "gitlab_runner_concurrent": ("gauge", {"namespace", "pod", "job", "instance"}),
    "gitlab_runner_version_info": ("gauge", {"namespace", "pod", "job", "instance", "version", "revision", "branch",
                                             "go_version", "built_at", "os", "architecture"}),
    **{g: ("gauge", LISTENER | {"name", "exported_namespace"}) for g in (
        "gha_assigned_jobs", "gha_running_jobs", "gha_registered_runners", "gha_busy_runners", "gha_idle_runners",
        "gha_min_runners", "gha_max_runners", "gha_desired_runners")},
    "gha_started_jobs_total": ("counter", LISTENER | {"repository", "job_name", "event_name"}),
    "gha_completed_jobs_total": ("counter", LISTENER | {"repository", "job_name", "event_name", "job_result"}),
    "gha_job_startup_duration_seconds": ("histogram", LISTENER | {"repository", "job_name", "event_name"}),
    "container_cpu_usage_seconds_total": ("counter", {"namespace", "pod", "job", "instance", "container", "image"}),
    "container_memory_working_set_bytes": ("gauge", {"namespace", "pod", "job", "instance", "container", "image"}),
    "kube_pod_container_resource_requests": ("gauge", KSM_POD),
    **{h: ("gauge", {"namespace", "job", "instance", "horizontalpodautoscaler"})
       for h in ("kube_horizontalpodautoscaler_spec_max_replicas", "kube_horizontalpodautoscaler_spec_min_replicas",
                 "kube_horizontalpodautoscaler_status_current_replicas")},
    "bazel_remote_incoming_requests_total": ("counter", {"namespace", "pod", "job", "instance", "kind", "method",
                                                         "status"}),
}
PROBLEM_PODS = ("docker-runner-5c8b9d7f6-b9xkq", "rocky9-runner-8f6d4b7c9-t5vgw")


def histograms(types, samples, family, by):
    """{by-label value: {le: cumulative count summed over series}} of a histogram family."""
    out = {}
    for name, labels, value, _ in samples:
        if name == family + "_bucket":
            le = math.inf if labels["le"] == "+Inf" else float(labels["le"])
            bucket = out.setdefault(labels[by], {})
            bucket[le] = bucket.get(le, 0) + value
    return out


def p95(buckets):
    """histogram_quantile(0.95, ...) as Prometheus computes it (linear within the bucket)."""
    les = sorted(buckets)
    rank = 0.95 * buckets[math.inf]
    prev_le, prev = 0.0, 0.0
    for le in les:
        if buckets[le] >= rank:
            return le if le == math.inf else prev_le + (le - prev_le) * (rank - prev) / (buckets[le] - prev)
        prev_le, prev = le, buckets[le]


class MetricsTest(unittest.TestCase):
    """GET /metrics and --metrics-history on a simulator of its own."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="rfsim-metrics-")
        cls.history = os.path.join(cls.tmp.name, "history.om")
        cls.sim = Sim("--metrics-history", cls.history, "--metrics-history-days", "0.05")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.tmp.cleanup()

    def test_exposition_families_and_labels(self):
        ctype, types, samples = scrape(self.sim)
        self.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
        self.assertEqual(self.sim.info["metrics_url"], self.sim.info["control_url"] + "/metrics")
        self.assertEqual(types, {f: kind for f, (kind, _) in FAMILIES.items()})
        seen = {}
        for name, labels, value, ts in samples:
            family = family_of(name, types)
            self.assertIsNotNone(family, name)
            self.assertNotIn("", labels.values(), name)
            keys = set(labels) - {"le"}
            if family.startswith("container_") and "container" not in labels:
                keys |= {"container", "image"}  # the pod's cgroup: the sum of its containers
            self.assertEqual(keys, FAMILIES[family][1], name)
            seen.setdefault(family, set()).add(labels.get("pod", labels.get("horizontalpodautoscaler")))
        self.assertEqual(set(seen), set(FAMILIES))
        st, expect = self.sim.control("GET", "/_sim/expect")
        exposing = expect["metrics"]["exposing_pods"]
        self.assertEqual(len(seen["gitlab_runner_jobs_total"]), exposing["gitlab"])
        self.assertEqual(len(seen["gha_running_jobs"]), exposing["arc_listeners"])
        runners = {labels["pod"] for _, labels, _, _ in samples
                   if labels.get("namespace") == "arc-runners" and labels.get("job") != "kube-state-metrics"}
        self.assertEqual(len(runners), exposing["arc_runners"])
        gauges = {(n, lb["name"]): v for n, lb, v, _ in samples if n.startswith("gha_") and "name" in lb}
        self.assertEqual((gauges[("gha_running_jobs", "gh-nix")], gauges[("gha_registered_runners", "gh-nix")],
                          gauges[("gha_idle_runners", "gh-docker")], gauges[("gha_max_runners", "gh-l40s")]),
                         (1, 2, 1, 2), "live ARC gauges follow the simulator's runners")
        scrapes = self.sim.control("GET", "/_sim/stats")[1]["metrics"]["scrapes"]
        scrape(self.sim)
        self.assertEqual(self.sim.control("GET", "/_sim/stats")[1]["metrics"]["scrapes"], scrapes + 1)

    def test_problem_pods_expose_nothing(self):
        _, _, samples = scrape(self.sim)
        pods = {labels["pod"] for _, labels, _, _ in samples if labels.get("job") != "kube-state-metrics"}
        for pod in PROBLEM_PODS:
            self.assertNotIn(pod, pods)
        requested = {labels["pod"] for name, labels, _, _ in samples
                     if name == "kube_pod_container_resource_requests"}
        self.assertLessEqual(set(PROBLEM_PODS), requested, "kube-state-metrics still reports their requests")

    def test_counters_monotonic_histograms_cumulative(self):
        _, types, first = scrape(self.sim)
        time.sleep(1.1)  # past the 1 s cache
        _, _, second = scrape(self.sim)
        before = {series_key(n, lb): v for n, lb, v, _ in first}
        grew = 0
        for name, labels, value, _ in second:
            family = family_of(name, types)
            if types[family] in ("counter", "histogram"):
                self.assertGreaterEqual(value, before[series_key(name, labels)], name)
                grew += value > before[series_key(name, labels)]
        self.assertGreater(grew, 0)
        counts = {series_key(n[:-len("_count")], lb): v for n, lb, v, _ in second if n.endswith("_count")}
        buckets = {}
        for name, labels, value, _ in second:
            if name.endswith("_bucket"):
                rest = {k: v for k, v in labels.items() if k != "le"}
                le = math.inf if labels["le"] == "+Inf" else float(labels["le"])
                buckets.setdefault(series_key(name[:-len("_bucket")], rest), []).append((le, value))
        self.assertEqual(len(buckets), 8)
        for key, points in buckets.items():
            values = [v for _, v in sorted(points)]
            self.assertEqual(values, sorted(values), key)
            self.assertEqual(values[-1], counts[key], key)

    def test_expected_slo_outcomes(self):
        _, types, samples = scrape(self.sim)
        facts = self.sim.control("GET", "/_sim/expect")[1]["metrics"]
        scale_set = {lb["pod"]: lb["name"] for n, lb, _, _ in samples if n == "gha_running_jobs"}
        jobs, failed = {}, {}
        for name, labels, value, _ in samples:
            if name == "gitlab_runner_jobs_total":
                jobs[labels["runner_name"]] = jobs.get(labels["runner_name"], 0) + value
            elif name == "gitlab_runner_failed_jobs_total":
                failed[labels["runner_name"]] = failed.get(labels["runner_name"], 0) + value
            elif name == "gha_completed_jobs_total":
                runner = scale_set[labels["pod"]]
                jobs[runner] = jobs.get(runner, 0) + value
                failed[runner] = failed.get(runner, 0) + value * (labels["job_result"] == "failed")
        self.assertEqual(set(jobs), set(facts["failure_ratio"]))
        for runner, ratio in facts["failure_ratio"].items():
            self.assertAlmostEqual(failed[runner] / jobs[runner], ratio, delta=0.002, msg=runner)
        quantiles = {r: p95(b) for r, b in histograms(
            types, samples, "gitlab_runner_job_queue_duration_seconds", "runner_name").items()}
        for pod, buckets in histograms(types, samples, "gha_job_startup_duration_seconds", "pod").items():
            quantiles[scale_set[pod]] = p95(buckets)
        self.assertEqual(sorted(r for r, q in quantiles.items() if q > 60), facts["p95_over_60s"])
        self.assertLess(max(q for r, q in quantiles.items() if q <= 60), 30)

    def test_history(self):
        with open(self.history) as f:
            text = f.read()
        self.assertTrue(text.endswith("\n# EOF\n"))
        self.assertEqual(self.sim.info["metrics_history"], self.history)
        types, samples = parse_metrics(text)
        self.assertEqual(types["container_cpu_usage_seconds"], "counter", "OpenMetrics types a counter by its family")
        self.assertIn("gitlab_runner_jobs_total", {n for n, _, _, _ in samples})
        last = {}
        for name, labels, value, ts in samples:
            key = series_key(name, labels)
            self.assertGreater(ts, last.get(key, (0, -1))[1], key)
            last[key] = (value, ts)
        end = max(ts for _, ts in last.values())
        self.assertLess(abs(end - time.time()), 60)
        self.assertLessEqual(end - min(ts for _, _, _, ts in samples), 0.05 * 86400)
        _, types, live = scrape(self.sim)
        checked = 0
        for name, labels, value, _ in live:
            if types[family_of(name, types)] in ("counter", "histogram") and name != "gha_started_jobs_total":
                old, ts = last[series_key(name, labels)]
                self.assertEqual(ts, end, name)
                self.assertLessEqual(old, value, name)
                checked += 1
        self.assertGreater(checked, 100)

    def test_history_grid(self):
        end = 1_800_000_000.25
        times = backfill.grid(end - 7 * 3600 - 17, end)
        self.assertEqual(times[0], end - 7 * 3600 - 17, "a series starts at its creation")
        self.assertEqual(times[-1], end, "and ends where the live scrape takes over")
        fine = end - 6 * 3600
        coarse = [t for t in times[1:] if t <= fine]
        recent = [t for t in times[:-1] if t > fine]
        self.assertEqual({b - a for a, b in zip(coarse, coarse[1:])}, {300})
        self.assertEqual({b - a for a, b in zip(recent, recent[1:])}, {30})
        self.assertEqual((coarse[0] % 300, len(coarse), len(recent)),
                         (0, math.floor(fine / 300) - math.floor(times[0] / 300), 720))
        self.assertEqual(backfill.grid(end + 5, end), [end])


def runner_pods(sim, name, fx):
    pods = sim.get(f"/api/v1/namespaces/{fx['namespace']}/pods")[1]["items"]
    if fx["forge"] == "gitlab":
        return [p for p in pods if p["metadata"]["labels"].get("app") == name]
    return [p for p in pods if p["metadata"]["labels"].get(
        "actions.github.com/scale-set-name") == name and p["metadata"]["labels"].get(
        "app.kubernetes.io/component") == "runner"]


def check_facts(t, sim, name, fx):
    """Compare what the simulator serves with a runner's hand-written facts (only the
    keys present in fx)."""
    ns = fx["namespace"]
    pods = runner_pods(sim, name, fx)
    if "pods" in fx:
        by_phase = {}
        for p in pods:
            by_phase[p["status"]["phase"]] = by_phase.get(p["status"]["phase"], 0) + 1
        ready = sum(1 for p in pods if any(c["type"] == "Ready" and c["status"] == "True"
                                           for c in p["status"].get("conditions", [])))
        t.assertEqual({"total": len(pods), "ready": ready, "by_phase": by_phase},
                      fx["pods"], name)
    if "problem_pods" in fx:
        got = []
        for p in pods:
            for c in p["status"].get("containerStatuses", []):
                w = c["state"].get("waiting", {}).get("reason")
                if w and w != "ContainerCreating":
                    got.append({"name": p["metadata"]["name"], "reason": w,
                                "restarts": c["restartCount"]})
        want = [{k: v for k, v in p.items() if k in ("name", "reason", "restarts")}
                for p in fx["problem_pods"]]
        t.assertEqual(sorted(got, key=str), sorted(want, key=str), name)
    sc = fx.get("scaling", {})
    if fx["forge"] == "gitlab":
        if "deployment" in fx:
            d = sim.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")[1]
            t.assertEqual({"replicas": d["spec"]["replicas"],
                           "ready_replicas": d["status"].get("readyReplicas", 0)},
                          {k: v for k, v in fx["deployment"].items() if k != "name"}, name)
        if sc:
            hpas = sim.get(f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers"
                           )[1]["items"]
            hpa = next((h for h in hpas if h["spec"]["scaleTargetRef"]["name"] == name), None)
            if sc.get("model") == "none":
                t.assertIsNone(hpa, name)
                return
            got = {"min": hpa["spec"].get("minReplicas", 1), "max": hpa["spec"]["maxReplicas"],
                   "current": hpa["status"].get("currentReplicas", 0),
                   "desired": hpa["status"]["desiredReplicas"]}
            for m in hpa["status"].get("currentMetrics", []):
                got[m["resource"]["name"] + "_current"] = \
                    m["resource"]["current"]["averageUtilization"]
            for m in hpa["spec"]["metrics"]:
                got[m["resource"]["name"] + "_target"] = \
                    m["resource"]["target"]["averageUtilization"]
            got["scale_up_window_s"] = hpa["spec"]["behavior"]["scaleUp"][
                "stabilizationWindowSeconds"]
            got["scale_down_window_s"] = hpa["spec"]["behavior"]["scaleDown"][
                "stabilizationWindowSeconds"]
            got["at_max"] = got["current"] >= got["max"]
            got["hpa"] = hpa["metadata"]["name"]
            got["model"] = "hpa"
            t.assertEqual({k: got[k] for k in sc}, sc, name)
    elif sc:
        a = sim.get(f"{ARC}/namespaces/{ns}/autoscalingrunnersets/{name}")[1]
        ers = sim.get(f"{ARC}/namespaces/{ns}/ephemeralrunnersets")[1]["items"]
        ers = next(e for e in ers if e["metadata"]["ownerReferences"][0]["name"] == name)
        got = {"model": "arc", "min": a["spec"].get("minRunners", 0),
               "max": a["spec"].get("maxRunners"), "current": a["status"]["currentRunners"],
               "desired": ers["spec"].get("replicas", 0),
               "pending": a["status"]["pendingEphemeralRunners"],
               "running": a["status"]["runningEphemeralRunners"],
               "failed": a["status"]["failedEphemeralRunners"]}
        got["at_max"] = got["current"] >= got["max"]
        t.assertEqual({k: got[k] for k in sc}, sc, name)
        if "runs_on" in fx:
            t.assertEqual([a["spec"]["runnerScaleSetName"]]
                          + a["spec"].get("runnerScaleSetLabels", []), fx["runs_on"])
        if "listener" in fx:
            lst = fx["listener"]
            st, obj = sim.get(f"{ARC}/namespaces/{lst['namespace']}/autoscalinglisteners/"
                              f"{lst['name']}")
            t.assertEqual((st, obj["spec"]["autoscalingRunnerSetName"]), (200, name))
        if "busy_runners" in fx:
            ers_list = sim.get(f"{ARC}/namespaces/{ns}/ephemeralrunners")[1]["items"]
            busy = [{"name": e["metadata"]["name"], **{k: e["status"][k] for k in (
                "jobId", "jobRepositoryName", "workflowRunId", "jobDisplayName")}}
                    for e in ers_list if e["metadata"]["labels"][
                        "actions.github.com/scale-set-name"] == name and e["status"].get("jobId")]
            t.assertEqual(busy, fx["busy_runners"], name)


if __name__ == "__main__":
    unittest.main()
