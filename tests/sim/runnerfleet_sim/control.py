# SPDX-License-Identifier: Apache-2.0
"""The control API (plain HTTP, loopback, JSON): inspect the simulator's truth (Kubernetes
objects, GitLab registrations), apply timeline steps and ops, finish GitLab jobs, set faults,
start and end an outage, read request stats. Also serves the fleet's Prometheus metrics on
GET /metrics."""

import json
import sys
import time
import traceback
from urllib.parse import parse_qs, urlsplit

from . import gitlab_repo, ops, resources
from .exposition import CONTENT_TYPE
from .server import BaseHandler
from .status import ApiError


class ControlError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class ControlHandler(BaseHandler):

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _body(self):
        try:
            raw = self.read_body()
            return json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            raise ControlError(400, f"request body is not valid JSON: {e}")

    def _dispatch(self, method):
        try:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            parts = [p for p in url.path.split("/") if p]
            body = self._body() if method in ("POST", "PUT", "PATCH") else None
            if url.path == "/metrics" and method == "GET":
                return self.send_bytes(200, self.server.app.metrics.scrape(), CONTENT_TYPE)
            if parts[:1] != ["_sim"]:
                raise ControlError(404, f"unknown path {url.path}")
            code, out = self.route(method, parts[1:], query, body)
            self.send_json(code, out)
        except ControlError as e:
            self.send_json(e.code, {"error": str(e)})
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            self.send_json(500, {"error": f"internal: {e}"})

    def route(self, method, parts, query, body):
        sim = self.server.app
        head = parts[0] if parts else ""
        if head == "info" and method == "GET":
            return 200, sim.info()
        if head == "expect" and method == "GET":
            return 200, sim.scenario.get("expect", {})
        if head == "objects" and method == "GET":
            return self.objects(parts[1:], query)
        if head == "timeline":
            if method == "GET" and len(parts) == 1:
                return 200, {"timeline": sim.timeline.info()}
            if method == "POST" and len(parts) == 2:
                return self.timeline(parts[1])
        if head == "ops" and method == "POST":
            if not isinstance(body, dict) or not isinstance(body.get("ops"), list):
                raise ControlError(400, 'body must be {"ops": [...]}')
            try:
                rv = ops.apply(sim.ctx, body["ops"], body.get("reconcile", True))
            except ops.OpError as e:
                raise ControlError(e.code, str(e))
            return 200, {"applied": len(body["ops"]), "resource_version": str(rv)}
        if head == "faults":
            if method == "GET":
                return 200, sim.faults.snapshot()
            if method == "DELETE":
                sim.faults.clear()
                sim.restart_expiry()
                return 200, sim.faults.snapshot()
            if method in ("PUT", "PATCH"):
                if not isinstance(body, dict):
                    raise ControlError(400, "body must be a JSON object")
                try:
                    sim.faults.update(body) if method == "PATCH" else sim.replace_faults(body)
                except ValueError as e:
                    raise ControlError(400, str(e))
                sim.restart_expiry()
                return 200, sim.faults.snapshot()
        if head == "outage":
            if method == "GET":
                return 200, {"down": sim.down}
            if method in ("PUT", "POST"):
                if not isinstance(body, dict) or not isinstance(body.get("down"), bool):
                    raise ControlError(400, 'body must be {"down": true|false}')
                sim.set_outage(body["down"])
                return 200, {"down": sim.down}
        if head == "expire" and method == "POST":
            sim.store.expire_watches()
            return 200, {"resource_version": str(sim.store.rv)}
        if head == "gitlab" and parts[1:2] == ["repo"] and len(parts) <= 3:
            return self.gitlab_repo(method, parts[2:], body)
        if head == "gitlab" and len(parts) == 2:
            return self.gitlab(method, parts[1], body)
        if head == "stats":
            if method == "GET":
                return 200, sim.stats.snapshot()
            if method == "DELETE":
                sim.stats.reset()
                return 200, sim.stats.snapshot()
        raise ControlError(404 if method == "GET" else 405,
                           f"no route for {method} /_sim/{'/'.join(parts)}")

    def gitlab(self, method, what, body):
        gl = self.server.app.gitlab
        if what == "runners" and method == "GET":
            return 200, {"runners": gl.truth(time.time())}
        if what == "finish-jobs" and method == "POST":
            finished, running = gl.finish_jobs(self.registration(gl, body), time.time())
            return 200, {"finished": finished, "running": running}
        raise ControlError(404 if method == "GET" else 405, f"no route for {method} /_sim/gitlab/{what}")

    def gitlab_repo(self, method, rest, body):
        """The repository's truth (GET /_sim/gitlab/repo) and someone else's commit
        (POST /_sim/gitlab/repo/commit)."""
        repo = self.server.app.gitlab.repo
        if not rest and method == "GET":
            return 200, repo.truth()
        if rest == ["commit"] and method == "POST":
            try:
                return 200, gitlab_repo.control_commit(repo, body, time.time())
            except gitlab_repo.RepoError as e:
                raise ControlError(e.code, e.message)
        raise ControlError(404 if method == "GET" else 405, f"no route for {method} /_sim/gitlab/repo/{'/'.join(rest)}")

    def registration(self, gl, body):
        """The registration a body names: {"runner": description} or {"id": n}."""
        if not isinstance(body, dict) or len(body) != 1 or not (
                isinstance(body.get("runner"), str) or type(body.get("id")) is int):
            raise ControlError(400, 'body must be {"runner": "<description>"} or {"id": <registration id>}')
        if "id" in body:
            ids = [body["id"]] if body["id"] in gl.runners else []
        else:
            ids = gl.ids_described(body["runner"])
        if not ids:
            raise ControlError(404, f"no GitLab registration {json.dumps(body)}")
        if len(ids) > 1:
            raise ControlError(409, f"{len(ids)} registrations are described {body['runner']!r}; name one by id")
        return ids[0]

    def objects(self, parts, query):
        store = self.server.app.store
        if not parts or parts[0] not in resources.BY_PLURAL:
            raise ControlError(404, f"unknown resource; one of {sorted(resources.BY_PLURAL)}")
        plural = parts[0]
        if len(parts) == 1:
            return 200, {"items": store.find(plural, query.get("namespace"))}
        ns, name = (parts[1], parts[2]) if len(parts) == 3 else ("", parts[1])
        obj = store.get_copy(plural, ns, name)
        if obj is None:
            raise ControlError(404, f"{plural} {ns}/{name} not found")
        return 200, obj

    def timeline(self, name):
        sim = self.server.app
        try:
            applied = sim.timeline.apply(name)
        except KeyError:
            raise ControlError(404, f"unknown timeline step {name!r}")
        except LookupError as e:
            raise ControlError(409, str(e))
        except ops.OpError as e:
            raise ControlError(e.code, str(e))
        except ApiError as e:
            raise ControlError(e.code, e.message)
        return 200, {"applied": applied, "resource_version": str(sim.store.rv)}
