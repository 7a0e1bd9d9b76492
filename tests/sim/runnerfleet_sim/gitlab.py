# SPDX-License-Identifier: Apache-2.0
"""The GitLab REST API subset runnerfleetd uses (/api/v4): runner registrations, their details,
managers and jobs, and PUT /runners/:id to pause and resume. Shapes follow GitLab's entities
(wire-facts §2.1-2.2): REST `status` computed as deprecated_rest_status (stale, never_contacted,
online/offline within 2 h, paused), offset pagination with x-* headers and Link, 401/403/404
bodies, admin-only /runners/all, 429 with Retry-After and RateLimit-* headers as a fault.
Registrations come from the scenario's GitLab releases (description = release name), plus the
registrations no release claims that real instances always have."""

import json
import math
import os
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from .server import BaseHandler
from .util import rfc3339

STALE_S = 7 * 86400
ONLINE_S = 2 * 3600
MAX_PER_PAGE = 100
RUNNER_FIELDS = ("id", "description", "ip_address", "active", "paused", "is_shared", "runner_type", "name",
                 "online", "status")
TYPES = ("instance_type", "group_type", "project_type")
STATUSES = ("online", "offline", "stale", "never_contacted", "active", "paused")


class GitLab:
    """Registrations, their jobs, and the two tokens (admin and a group owner)."""

    def __init__(self, scenario: dict, state_dir: str, now: float):
        self.lock = threading.Lock()
        self.requests = 0
        self.rate_limit_every_n = 0
        self.hide_totals = False
        self.admin_token = secrets.token_urlsafe(24)
        self.user_token = secrets.token_urlsafe(24)
        self.admin_token_file = _write(state_dir, "gitlab-admin.token", self.admin_token)
        self.user_token_file = _write(state_dir, "gitlab-user.token", self.user_token)
        self.runners = {}
        self.next_job = 9000
        cfg = scenario.get("gitlab", {})
        version = cfg.get("version", "17.11.1")
        next_id = 101
        for release in scenario.get("gitlab_runners", []):
            pods = [p["name"] for p in release.get("pods", [])]
            online = any(p.get("state", "running") == "running" for p in release.get("pods", []))
            reg = release.get("registration", {})
            self.runners[next_id] = self._runner(
                next_id, release["name"], reg.get("tags", [release.get("type", "docker"), "linux"]),
                reg.get("version", version), now - (30 if online else 3 * 3600), now - 34 * 86400, "group_type",
                pods, reg.get("running_jobs", 1 if online else 0), reg.get("paused", False))
            next_id += 1
        for extra in cfg.get("unmatched", [
                {"description": "legacy-shell-runner", "contacted_ago_s": 3 * 3600, "created_ago_s": 400 * 86400,
                 "tags": ["shell"], "version": "16.11.0", "runner_type": "project_type"},
                {"description": "old-macos-runner", "contacted_ago_s": 10 * 86400, "created_ago_s": 200 * 86400,
                 "tags": ["macos"], "version": "16.3.1", "runner_type": "group_type"},
                {"description": "new-gpu-runner", "contacted_ago_s": None, "created_ago_s": 3600,
                 "tags": ["gpu"], "version": None, "runner_type": "instance_type"}]):
            contacted = None if extra.get("contacted_ago_s") is None else now - extra["contacted_ago_s"]
            self.runners[next_id] = self._runner(next_id, extra["description"], extra.get("tags", []),
                                                 extra.get("version"), contacted, now - extra["created_ago_s"],
                                                 extra.get("runner_type", "group_type"), [], 0, False)
            next_id += 1

    def _runner(self, rid, description, tags, version, contacted, created, runner_type, pods, jobs, paused):
        managers = [{"id": rid * 100 + i, "system_id": "s_" + pod.rsplit("-", 1)[-1], "pod": pod} for i, pod in
                    enumerate(pods)] or ([{"id": rid * 100, "system_id": "s_host" + str(rid), "pod": None}]
                                         if contacted else [])
        running = []
        for _ in range(jobs):
            self.next_job += 1
            running.append(self.next_job)
        return {"id": rid, "description": description, "tags": list(tags), "version": version,
                "contacted_at": contacted, "created_at": created, "runner_type": runner_type, "paused": paused,
                "managers": managers, "running_jobs": running, "maintenance_note": None}

    # ---- entities --------------------------------------------------------------------

    def status(self, r, now):
        """GitLab's deprecated_rest_status, in its order."""
        if r["created_at"] <= now - STALE_S and (r["contacted_at"] is None or r["contacted_at"] <= now - STALE_S):
            return "stale"
        if r["contacted_at"] is None:
            return "never_contacted"
        if not r["paused"]:
            return "online" if r["contacted_at"] > now - ONLINE_S else "offline"
        return "paused"

    def entity(self, r, now):
        online = r["contacted_at"] is not None and r["contacted_at"] > now - ONLINE_S
        values = {"id": r["id"], "description": r["description"], "ip_address": None, "active": not r["paused"],
                  "paused": r["paused"], "is_shared": r["runner_type"] == "instance_type",
                  "runner_type": r["runner_type"], "name": "gitlab-runner", "online": online,
                  "status": self.status(r, now)}
        return {k: values[k] for k in RUNNER_FIELDS}

    def details(self, r, now):
        d = self.entity(r, now)
        d.update({"tag_list": r["tags"], "run_untagged": False, "locked": False, "maximum_timeout": 3600,
                  "access_level": "not_protected", "version": r["version"],
                  "revision": "a1b2c3d4" if r["version"] else None, "platform": "linux" if r["version"] else None,
                  "architecture": "amd64" if r["version"] else None,
                  "contacted_at": rfc3339(r["contacted_at"]) if r["contacted_at"] else None,
                  "maintenance_note": r["maintenance_note"], "projects": [],
                  "groups": [{"id": 42, "name": "ci", "web_url": "https://gitlab.example/groups/ci"}]})
        return d

    def manager(self, r, m, now):
        contacted = r["contacted_at"]
        return {"id": m["id"], "system_id": m["system_id"], "version": r["version"], "revision": "a1b2c3d4",
                "platform": "linux", "architecture": "amd64", "created_at": rfc3339(r["created_at"]),
                "contacted_at": rfc3339(contacted) if contacted else None, "ip_address": "10.42.0.%d" % (m["id"] % 250),
                "status": self.status(r, now) if not r["paused"] else ("online" if contacted and contacted > now - ONLINE_S else "offline"),
                "job_execution_status": "active" if r["running_jobs"] else "idle"}

    def job(self, r, job_id, now):
        return {"id": job_id, "status": "running", "stage": "build", "name": "build",
                "ref": "main", "tag": False, "coverage": None, "created_at": rfc3339(now - 300),
                "started_at": rfc3339(now - 240), "finished_at": None, "duration": 240.0,
                "user": {"id": 7, "username": "ci-bot"}, "commit": {"id": "0" * 40, "short_id": "00000000"},
                "pipeline": {"id": job_id * 10, "sha": "0" * 40, "ref": "main", "status": "running"},
                "project": {"id": 12, "name": "flywheel", "path_with_namespace": "ci/flywheel"}}

    def pause(self, rid, paused):
        """Sets paused; a paused runner takes no new jobs (running ones finish on their own)."""
        with self.lock:
            self.runners[rid]["paused"] = paused


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

    def do_PUT(self):
        self.dispatch("PUT")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def fail(self, code, message, key="message"):
        self.send_json(code, {key: message})

    def dispatch(self, method):
        app = self.server.app
        gl = app.gitlab
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = b""
        try:
            body = self.read_body(1 << 20)
        except ValueError:
            return self.fail(413, "413 Request Entity Too Large")
        delay = app.faults.get("gitlab_delay_ms")
        if delay:
            time.sleep(delay / 1000)
        with gl.lock:
            gl.requests += 1
            n = gl.requests
        every = app.faults.get("gitlab_429_every_n")
        if every and n % every == 0:
            reset = int(time.time()) + 2
            return self.send_bytes(429, b"Retry later\n", "text/plain", {
                "Retry-After": "2", "RateLimit-Limit": "600", "RateLimit-Name": "throttle_authenticated_api",
                "RateLimit-Observed": "601", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset),
                "RateLimit-ResetTime": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(reset))})
        token = self.headers.get("PRIVATE-TOKEN") or ""
        auth = self.headers.get("Authorization", "")
        if not token and auth.startswith("Bearer "):
            token = auth[len("Bearer "):]
        admin = secrets.compare_digest(token, gl.admin_token)
        if not admin and not secrets.compare_digest(token, gl.user_token):
            return self.fail(401, "401 Unauthorized")
        parts = [p for p in url.path.split("/") if p]
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
                return self.paged(query, [gl.manager(r, m, now) for m in r["managers"]])
            if method == "GET" and parts[2:] == ["jobs"]:
                status = query.get("status")
                jobs = [gl.job(r, j, now) for j in reversed(r["running_jobs"])] if status in (None, "running") else []
                return self.paged(query, jobs)
            if method == "PUT" and len(parts) == 2:
                return self.update_runner(gl, r, body, now)
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
                gl.pause(r["id"], value if key == "paused" else not value)
        if "maintenance_note" in params:
            note = params["maintenance_note"]
            if note is not None and (not isinstance(note, str) or len(note) > 1024):
                return self.fail(400, {"maintenance_note": ["is too long (maximum is 1024 characters)"]})
            r["maintenance_note"] = note
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
