# SPDX-License-Identifier: Apache-2.0
"""The GitLab REST API subset runnerfleetd uses (/api/v4): runner registrations, their details,
managers and jobs, and PUT /runners/:id to pause and resume. Shapes follow GitLab's entities
(wire-facts §2.1-2.2): REST `status` computed as deprecated_rest_status (stale, never_contacted,
online/offline within 2 h, paused), offset pagination with x-* headers and Link, 401/403/404
bodies, admin-only /runners/all, 429 with Retry-After and RateLimit-* headers and 500 as faults.
Registrations come from the scenario's GitLab releases and the scale generator's (description =
release name), plus the registrations no release claims that real instances always have.

Jobs flow: a registration GitLab would hand work to (not paused, online, with pods) is kept at
its target concurrency; a job that ends is replaced by a new one starting at that moment. The
flow is evaluated lazily, under the lock, whenever a request looks at a registration's jobs."""

import json
import math
import os
import secrets
import threading
import time
from collections import deque
from urllib.parse import parse_qs, urlencode, urlsplit

from . import gitlab_repo
from .scenario import ScenarioError
from .server import BaseHandler
from .util import fnv32a, rfc3339

STALE_S = 7 * 86400
ONLINE_S = 2 * 3600
MAX_PER_PAGE = 100
RUNNER_FIELDS = ("id", "description", "ip_address", "active", "paused", "is_shared", "runner_type", "name",
                 "online", "status")
TYPES = ("instance_type", "group_type", "project_type")
STATUSES = ("online", "offline", "stale", "never_contacted", "active", "paused")
JOB_STATUSES = ("created", "waiting_for_resource", "preparing", "waiting_for_callback", "pending", "running",
                "success", "failed", "canceling", "canceled", "skipped", "manual", "scheduled")
CONFIG_KEYS = ("version", "unmatched", "job_seconds")
DEFAULT_UNMATCHED = [
    {"description": "legacy-shell-runner", "contacted_ago_s": 3 * 3600, "created_ago_s": 400 * 86400,
     "tags": ["shell"], "version": "16.11.0", "runner_type": "project_type"},
    {"description": "old-macos-runner", "contacted_ago_s": 10 * 86400, "created_ago_s": 200 * 86400,
     "tags": ["macos"], "version": "16.3.1", "runner_type": "group_type"},
    {"description": "new-gpu-runner", "contacted_ago_s": None, "created_ago_s": 3600,
     "tags": ["gpu"], "version": None, "runner_type": "instance_type"}]
FINISHED_KEPT = 50  # finished jobs listed per registration (status=success), newest first
QUEUED_S = 8        # how long a job waited for a runner before it started (created_at)
REVISION = "a1b2c3d4"  # the runners' git revision, also in gitlab_runner_version_info


def _fraction(job_id, salt):
    """A number in [0, 1) fixed by the job id, so durations are the same on every run."""
    return fnv32a(f"{salt}/{job_id}") / 2 ** 32


def _end(job):
    return job["started"] + job["duration"]


def job_seconds(cfg):
    """The scenario's mean job length; a bad `gitlab` section is a scenario error."""
    if not isinstance(cfg, dict):
        raise ScenarioError("gitlab: must be an object")
    unknown = set(cfg) - set(CONFIG_KEYS)
    if unknown:
        raise ScenarioError(f"gitlab: unknown keys {sorted(unknown)}; known: {', '.join(CONFIG_KEYS)}")
    value = cfg.get("job_seconds", 600)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ScenarioError("gitlab.job_seconds: must be a positive number of seconds")
    return float(value)


class GitLab:
    """Registrations, their jobs, and the two tokens (admin and a group owner)."""

    def __init__(self, cfg: dict, releases: list, state_dir: str, now: float):
        self.lock = threading.Lock()
        self.job_seconds = job_seconds(cfg)
        self.admin_token = secrets.token_urlsafe(24)
        self.user_token = secrets.token_urlsafe(24)
        self.admin_token_file = _write(state_dir, "gitlab-admin.token", self.admin_token)
        self.user_token_file = _write(state_dir, "gitlab-user.token", self.user_token)
        self.repo = gitlab_repo.Repo(now)  # project 12's repository and merge requests
        self.runners = {}
        self.next_job = 9000
        self.next_manager = 10000
        self.version = version = cfg.get("version", "17.11.1")
        for release in releases:
            pods = release.get("pods", [])
            online = any(p.get("state", "running") == "running" for p in pods)
            reg = release.get("registration", {})
            self._add(release["name"], reg.get("tags", [release.get("type", "docker"), "linux"]),
                      reg.get("version", version), now - (30 if online else 3 * 3600), now - 34 * 86400,
                      "group_type", pods, reg.get("running_jobs", 1 if online else 0), reg.get("paused", False), now,
                      polling=online)
        for extra in cfg.get("unmatched", DEFAULT_UNMATCHED):
            contacted = None if extra.get("contacted_ago_s") is None else now - extra["contacted_ago_s"]
            self._add(extra["description"], extra.get("tags", []), extra.get("version"), contacted,
                      now - extra["created_ago_s"], extra.get("runner_type", "group_type"), [], 0, False, now)

    def _add(self, description, tags, version, contacted, created, runner_type, pods, jobs, paused, now,
             polling=False):
        """One registration; its `jobs` running jobs are already under way (up to half done). A
        polling one has a live runner behind it: its contacted_at keeps up with the clock."""
        rid = 101 + len(self.runners)
        managers = [self._manager(pod.get("name")) for pod in pods] or (
            [self._manager("host" + str(rid))] if contacted else [])
        r = {"id": rid, "description": description, "tags": list(tags), "version": version,
             "contacted_at": contacted, "created_at": created, "runner_type": runner_type, "paused": paused,
             "managers": managers, "has_pods": bool(pods), "target": jobs, "jobs": [],
             "finished_jobs": deque(maxlen=FINISHED_KEPT), "maintenance_note": None, "polling": polling}
        for _ in range(jobs):
            job = self._start_job(r, now)
            job["started"] -= job["duration"] * _fraction(job["id"], "elapsed") / 2
        self.runners[rid] = r

    def _manager(self, pod):
        """A runner manager: one per pod (system_id from the pod's name suffix), or the host's."""
        self.next_manager += 1
        mid = self.next_manager
        suffix = pod.rsplit("-", 1)[-1] if pod else "%012x" % mid
        return {"id": mid, "system_id": "s_" + suffix}

    # ---- job flow (callers hold the lock) ----------------------------------------------

    def _start_job(self, r, started):
        self.next_job += 1
        jid = self.next_job
        job = {"id": jid, "started": started, "finished": None,
               "duration": self.job_seconds * (0.8 + 0.4 * _fraction(jid, "duration"))}
        r["jobs"].append(job)
        return job

    def _finish(self, r, job, at):
        r["jobs"].remove(job)
        job["finished"] = at
        r["finished_jobs"].appendleft(job)

    def _eligible(self, r, t):
        """Whether GitLab hands r work at time t: not paused, its runner polls (contacted within
        the online window) and it has pods to run the jobs."""
        contacted = self.contacted(r, t)
        return not r["paused"] and r["has_pods"] and contacted is not None and contacted > t - ONLINE_S

    def _top_up(self, r, t):
        if self._eligible(r, t):
            while len(r["jobs"]) < r["target"]:
                self._start_job(r, t)

    def advance(self, r, now):
        """Brings r's jobs up to `now`: each job that has ended is finished and replaced, from
        its end, if r was eligible then. `paused` is constant over the interval because every
        change of it advances first."""
        while r["jobs"]:
            job = min(r["jobs"], key=_end)
            end = _end(job)
            if end > now:
                break
            self._finish(r, job, end)
            self._top_up(r, end)
        self._top_up(r, now)

    def pause(self, rid, paused, now):
        """Sets paused; a paused runner takes no new jobs (running ones finish on their own), a
        resumed one is refilled at once."""
        with self.lock:
            r = self.runners[rid]
            self.advance(r, now)
            r["paused"] = paused
            self._top_up(r, now)

    def finish_jobs(self, rid, now):
        """Ends rid's running jobs now, a test's stand-in for waiting; returns the ids finished
        and the ids running after the refill (none if r takes no work)."""
        with self.lock:
            r = self.runners[rid]
            self.advance(r, now)
            finished = [j["id"] for j in r["jobs"]]
            for job in sorted(r["jobs"], key=_end):
                self._finish(r, job, now)
            self._top_up(r, now)
            return finished, [j["id"] for j in r["jobs"]]

    def set_note(self, r, note):
        with self.lock:
            r["maintenance_note"] = note

    def ids_described(self, description):
        return [r["id"] for r in self.runners.values() if r["description"] == description]

    def version_of(self, description):
        """The version a release's pods put in gitlab_runner_version_info, matching its registration."""
        return next((r["version"] for r in self.runners.values() if r["description"] == description
                     and r["version"]), self.version)

    def truth(self, now):
        """What the control API shows: every registration as the simulator holds it."""
        with self.lock:
            out = []
            for r in self.runners.values():
                self.advance(r, now)
                out.append({"id": r["id"], "description": r["description"], "runner_type": r["runner_type"],
                            "status": self.status(r, now), "paused": r["paused"],
                            "running_jobs": [j["id"] for j in r["jobs"]],
                            "maintenance_note": r["maintenance_note"]})
            return out

    # ---- entities --------------------------------------------------------------------

    @staticmethod
    def contacted(r, now):
        """When r's runner last asked for jobs: a polling runner asks every few seconds (GitLab
        serves contacted_at from its cache, so the API sees that), any other never again."""
        if r["polling"]:
            return max(r["contacted_at"], now - 1 - r["id"] % 4)
        return r["contacted_at"]

    def status(self, r, now):
        """GitLab's deprecated_rest_status, in its order."""
        contacted = self.contacted(r, now)
        if r["created_at"] <= now - STALE_S and (contacted is None or contacted <= now - STALE_S):
            return "stale"
        if contacted is None:
            return "never_contacted"
        if not r["paused"]:
            return "online" if contacted > now - ONLINE_S else "offline"
        return "paused"

    def entity(self, r, now):
        contacted = self.contacted(r, now)
        online = contacted is not None and contacted > now - ONLINE_S
        values = {"id": r["id"], "description": r["description"], "ip_address": None, "active": not r["paused"],
                  "paused": r["paused"], "is_shared": r["runner_type"] == "instance_type",
                  "runner_type": r["runner_type"], "name": "gitlab-runner", "online": online,
                  "status": self.status(r, now)}
        return {k: values[k] for k in RUNNER_FIELDS}

    def details(self, r, now):
        d = self.entity(r, now)
        d.update({"tag_list": r["tags"], "run_untagged": False, "locked": False, "maximum_timeout": 3600,
                  "access_level": "not_protected", "version": r["version"],
                  "revision": REVISION if r["version"] else None, "platform": "linux" if r["version"] else None,
                  "architecture": "amd64" if r["version"] else None,
                  "contacted_at": rfc3339(self.contacted(r, now)) if r["contacted_at"] else None,
                  "maintenance_note": r["maintenance_note"], "projects": [],
                  "groups": [{"id": 42, "name": "ci", "web_url": "https://gitlab.example/groups/ci"}]})
        return d

    def managers(self, r, now):
        with self.lock:
            self.advance(r, now)
            return [self.manager(r, m, now) for m in r["managers"]]

    def manager(self, r, m, now):
        contacted = self.contacted(r, now)
        return {"id": m["id"], "system_id": m["system_id"], "version": r["version"], "revision": REVISION,
                "platform": "linux", "architecture": "amd64", "created_at": rfc3339(r["created_at"]),
                "contacted_at": rfc3339(contacted) if contacted else None, "ip_address": "10.42.0.%d" % (m["id"] % 250),
                "status": self.status(r, now) if not r["paused"] else ("online" if contacted and contacted > now - ONLINE_S else "offline"),
                "job_execution_status": "active" if r["jobs"] else "idle"}

    def jobs(self, r, status, now):
        """GET /runners/:id/jobs: running and the last finished jobs, newest (highest id) first
        as GitLab orders them, or only those of one status."""
        with self.lock:
            self.advance(r, now)
            picked = {"running": r["jobs"], "success": r["finished_jobs"],
                      None: r["jobs"] + list(r["finished_jobs"])}.get(status, [])
            return [self.job(j, now) for j in sorted(picked, key=lambda j: -j["id"])]

    def job(self, j, now):
        status = "running" if j["finished"] is None else "success"
        return {"id": j["id"], "status": status, "stage": "build", "name": "build",
                "ref": "main", "tag": False, "coverage": None, "created_at": rfc3339(j["started"] - QUEUED_S),
                "started_at": rfc3339(j["started"]),
                "finished_at": rfc3339(j["finished"]) if j["finished"] is not None else None,
                "duration": round((j["finished"] or now) - j["started"], 3),
                "user": {"id": 7, "username": "ci-bot"}, "commit": {"id": "0" * 40, "short_id": "00000000"},
                "pipeline": {"id": j["id"] * 10, "sha": "0" * 40, "ref": "main", "status": status},
                "project": {"id": 12, "name": "flywheel", "path_with_namespace": "ci/flywheel"}}


def endpoint_class(method, parts):
    """Which request counter a GitLab request goes to, so a benchmark can tell what a client
    polls: list, details, managers, jobs, put, files, commits, branches, merge_requests, or other
    (anything else, errors included)."""
    if parts[:2] != ["api", "v4"]:
        return "other"
    parts = parts[2:]
    repo_class = gitlab_repo.endpoint_class(method, parts)
    if repo_class:
        return repo_class
    if method == "GET" and (parts in (["runners"], ["runners", "all"]) or
                            len(parts) == 3 and parts[0] in ("groups", "projects") and parts[2] == "runners"):
        return "list"
    if len(parts) < 2 or parts[0] != "runners" or parts[1] == "all":
        return "other"
    kinds = {("GET", ()): "details", ("GET", ("managers",)): "managers", ("GET", ("jobs",)): "jobs",
             ("PUT", ()): "put"}
    return kinds.get((method, tuple(parts[2:])), "other")


def _write(state_dir, name, token):
    path = os.path.join(state_dir, name)
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return path


class GitLabHandler(BaseHandler):
    """/api/v4 over HTTPS (or HTTP for the demo), sharing the simulator's certificate."""

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def fail(self, code, message, key="message"):
        self.send_json(code, {key: message})

    def send_bytes(self, code, body, ctype="application/json", headers=None):
        self.server.app.stats.gitlab_response(code)
        super().send_bytes(code, body, ctype, headers)

    def rate_limited(self):
        reset = int(time.time()) + 2
        return self.send_bytes(429, b"Retry later\n", "text/plain", {
            "Retry-After": "2", "RateLimit-Limit": "600", "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Observed": "601", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset),
            "RateLimit-ResetTime": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(reset))})

    def dispatch(self, method):
        app = self.server.app
        gl = app.gitlab
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        klass = endpoint_class(method, parts)
        app.stats.gitlab_request(klass)  # on arrival, as GitLab's limiter counts
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = b""
        try:
            body = self.read_body(1 << 20)
        except ValueError:
            return self.fail(413, "413 Request Entity Too Large")
        delay = app.faults.get("gitlab_delay_ms")
        if delay:
            time.sleep(delay / 1000)
        fault = app.faults.gitlab_fault()
        if f"{method} {klass}" in (app.faults.get("gitlab_fail") or ()):
            fault = 500
        if fault == 429:
            return self.rate_limited()
        if fault == 500:
            return self.fail(500, "500 Internal Server Error")
        token = self.headers.get("PRIVATE-TOKEN") or ""
        auth = self.headers.get("Authorization", "")
        if not token and auth.startswith("Bearer "):
            token = auth[len("Bearer "):]
        admin = secrets.compare_digest(token, gl.admin_token)
        if not admin and not secrets.compare_digest(token, gl.user_token):
            return self.fail(401, "401 Unauthorized")
        if parts[:2] != ["api", "v4"]:
            return self.fail(404, "404 Not Found", "error")
        parts = parts[2:]
        now = time.time()
        if method == "GET" and parts == ["runners", "all"]:
            if not admin:
                return self.fail(403, "403 Forbidden")
            return self.list_runners(gl, query, now, lambda r: True)
        if method == "GET" and parts == ["runners"]:
            return self.list_runners(gl, query, now, lambda r: r["runner_type"] != "instance_type")
        if method == "GET" and len(parts) == 3 and parts[0] in ("groups", "projects") and parts[2] == "runners":
            kind = "group_type" if parts[0] == "groups" else "project_type"
            return self.list_runners(gl, query, now, lambda r: r["runner_type"] == kind)
        if len(parts) >= 2 and parts[0] == "runners":
            try:
                rid = int(parts[1])
            except ValueError:
                return self.fail(404, "404 Runner Not Found")
            r = gl.runners.get(rid)
            if r is None or (not admin and r["runner_type"] == "instance_type"):
                return self.fail(404, "404 Runner Not Found")
            if method == "GET" and len(parts) == 2:
                return self.send_json(200, gl.details(r, now))
            if method == "GET" and parts[2:] == ["managers"]:
                return self.paged(query, gl.managers(r, now))
            if method == "GET" and parts[2:] == ["jobs"]:
                status = query.get("status")
                if status is not None and status not in JOB_STATUSES:
                    return self.fail(400, "status does not have a valid value", "error")
                return self.paged(query, gl.jobs(r, status, now))
            if method == "PUT" and len(parts) == 2:
                return self.update_runner(gl, r, body, now)
        if gitlab_repo.handle(self, method, parts, query, body, "admin" if admin else "user"):
            return
        return self.fail(404, "404 Not Found", "error")

    def update_runner(self, gl, r, body, now):
        ctype = self.headers.get("Content-Type", "")
        try:
            if ctype.startswith("application/json"):
                params = json.loads(body or b"{}")
            else:
                params = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        except (ValueError, UnicodeDecodeError):
            return self.fail(400, "400 Bad request - the body is not valid JSON")
        if not isinstance(params, dict):
            return self.fail(400, "400 Bad request - the body must be an object")
        known = {"description", "paused", "active", "tag_list", "run_untagged", "locked", "access_level",
                 "maximum_timeout", "maintenance_note"}
        given = known & set(params)
        if not given:
            return self.fail(400, "description, active, paused, tag_list, run_untagged, locked, access_level, "
                                  "maximum_timeout, maintenance_note are missing, at least one parameter must be provided",
                             "error")
        if "paused" in params and "active" in params:
            return self.fail(400, "paused, active are mutually exclusive", "error")
        for key in ("paused", "active"):
            if key in params:
                value = params[key]
                if isinstance(value, str):
                    value = {"true": True, "false": False}.get(value.lower())
                if not isinstance(value, bool):
                    return self.fail(400, f"{key} is invalid", "error")
                gl.pause(r["id"], value if key == "paused" else not value, now)
        if "maintenance_note" in params:
            note = params["maintenance_note"]
            if note is not None and (not isinstance(note, str) or len(note) > 1024):
                return self.fail(400, {"maintenance_note": ["is too long (maximum is 1024 characters)"]})
            gl.set_note(r, note)
        return self.send_json(200, gl.details(r, now))

    def list_runners(self, gl, query, now, visible):
        rtype, status, paused, tags = query.get("type"), query.get("status"), query.get("paused"), query.get("tag_list")
        if rtype is not None and rtype not in TYPES:
            return self.fail(400, "type does not have a valid value", "error")
        if status is not None and status not in STATUSES:
            return self.fail(400, "status does not have a valid value", "error")
        if paused is not None and paused not in ("true", "false"):
            return self.fail(400, "paused is invalid", "error")
        with gl.lock:
            rows = []
            for r in sorted(gl.runners.values(), key=lambda x: x["id"]):
                if not visible(r) or (rtype and r["runner_type"] != rtype):
                    continue
                st = gl.status(r, now)
                if status == "active" and r["paused"] or status == "paused" and not r["paused"]:
                    continue
                if status in ("online", "offline", "stale", "never_contacted") and st != status:
                    continue
                if paused is not None and r["paused"] != (paused == "true"):
                    continue
                if tags and not set(t.strip() for t in tags.split(",")) <= set(r["tags"]):
                    continue
                rows.append(gl.entity(r, now))
        return self.paged(query, rows)

    def paged(self, query, rows):
        try:
            page = int(query.get("page", "1") or "1")
            per_page = int(query.get("per_page", "20") or "20")
        except ValueError:
            return self.fail(400, "page is invalid", "error")
        if page < 1 or per_page < 1:
            return self.fail(400, "page is invalid", "error")
        per_page = min(per_page, MAX_PER_PAGE)
        pages = max(1, math.ceil(len(rows) / per_page))
        chunk = rows[(page - 1) * per_page: page * per_page]
        scheme = "https" if self.server.ssl_ctx is not None else "http"
        base = f"{scheme}://{self.headers.get('Host', 'localhost')}{urlsplit(self.path).path}"
        rest = {k: v for k, v in query.items() if k not in ("page", "per_page")}

        def link(p):
            return f"<{base}?{urlencode({**rest, 'page': p, 'per_page': per_page})}>"
        links = []
        if page > 1:
            links.append(link(page - 1) + '; rel="prev"')
        if page < pages:
            links.append(link(page + 1) + '; rel="next"')
        links.append(link(1) + '; rel="first"')
        headers = {"x-page": str(page), "x-per-page": str(per_page),
                   "x-next-page": str(page + 1) if page < pages else "",
                   "x-prev-page": str(page - 1) if page > 1 else ""}
        if not self.server.app.faults.get("gitlab_hide_totals"):
            headers.update({"x-total": str(len(rows)), "x-total-pages": str(pages)})
            links.append(link(pages) + '; rel="last"')
        headers["Link"] = ", ".join(links)
        return self.send_json(200, chunk, headers)
