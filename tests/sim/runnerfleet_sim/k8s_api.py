# SPDX-License-Identifier: Apache-2.0
"""The Kubernetes API HTTP handler: routing, auth, faults, get/list/log; watch is in
watch.py, discovery documents in discovery.py, tables in tables.py."""

import base64
import json
import sys
import time
import traceback
from urllib.parse import parse_qs, urlsplit

from . import discovery, resources, tables, watch
from .logs import pod_log
from .selectors import Selection
from .server import BaseHandler
from .status import (CONTINUE_EXPIRED, ApiError, bad_request, expired, forbidden, internal,
                     method_not_allowed, not_found, path_not_found, unauthorized)
from .util import dumps

VERSION = {"major": "1", "minor": "30", "gitVersion": "v1.30.0",
           "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
           "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.22.0", "compiler": "gc",
           "platform": "linux/amd64"}
GROUP = 256  # list items per socket write
PUBLIC = ("/version", "/healthz", "/livez", "/readyz")
USER = "system:serviceaccount:runnerfleet:runnerfleetd"


def parse_accept(header: str):
    """[(type, {param: value})] in the client's order."""
    out = []
    for part in (header or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        params = {}
        for b in bits[1:]:
            if "=" in b:
                k, v = b.split("=", 1)
                params[k.strip()] = v.strip()
        out.append((bits[0].lower(), params))
    return out


def negotiate(header: str, want_as: str, group: str, versions):
    """The version of the first acceptable 'as=<want_as>' media type, None if the
    client's first acceptable choice is plain JSON."""
    for mtype, p in parse_accept(header):
        if p.get("as"):
            if p["as"] == want_as and p.get("g") == group and p.get("v") in versions \
                    and mtype == "application/json":
                return p["v"]
            continue
        if mtype in ("application/json", "*/*", "application/*"):
            return None
    return None


class Route:
    def __init__(self, res, namespace, name, sub, watch_prefix):
        self.res, self.namespace, self.name, self.sub = res, namespace, name, sub
        self.watch_prefix = watch_prefix


def parse_resource_path(group, version, rest, hidden):
    """The path after /api/v1 or /apis/{g}/{v}. Returns a Route or raises 404."""
    watch_prefix = bool(rest) and rest[0] == "watch"
    if watch_prefix:
        rest = rest[1:]
    ns = None
    ns_sub = not group and len(rest) == 3 and rest[2] in ("status", "finalize")
    if len(rest) >= 3 and rest[0] == "namespaces" and not ns_sub:
        ns, rest = rest[1], rest[2:]
    if not rest or any(not p for p in rest):
        raise path_not_found()
    res = resources.lookup(group, version, rest[0], hidden)
    if res is None or len(rest) > 3:
        raise path_not_found()
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if sub is not None and sub not in res.subresources:
        raise path_not_found()
    if res.namespaced and name is not None and ns is None:
        raise path_not_found()
    return Route(res, ns, name, sub, watch_prefix)


def _q(query, key, default=None):
    v = query.get(key)
    return v[0] if v else default


def _int(query, key, default=None, minimum=None):
    v = _q(query, key)
    if v is None or v == "":
        return default
    try:
        n = int(v)
    except ValueError:
        raise bad_request(f'invalid value for "{key}": strconv.ParseInt: parsing "{v}": '
                          f'invalid syntax')
    if minimum is not None and n < minimum:
        n = minimum
    return n


class K8sHandler(BaseHandler):

    # ---- entry points --------------------------------------------------------------

    def do_GET(self):
        self._dispatch(read=True)

    def do_HEAD(self):
        self._dispatch(read=False)

    def do_POST(self):
        self._dispatch(read=False)

    do_PUT = do_DELETE = do_POST

    def do_PATCH(self):
        self._dispatch(read=False, patch=True)

    def _dispatch(self, read: bool, patch=False):
        app = self.server.app
        self.status_sent = False
        self.patch_body = None
        try:
            if patch:
                self.patch_body = self.read_body(1 << 20)
            elif not read:
                self.discard_body()
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            path = url.path.rstrip("/") or "/"
            if app.tls and path not in PUBLIC and \
                    not app.token.check(self.headers.get("Authorization")):
                app.stats.bump("unauthorized")
                raise unauthorized()
            self.route(path, query, read)
        except ApiError as e:
            self.send_status(e)
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True
        except Exception:  # never let a bad request take the server down
            traceback.print_exc(file=sys.stderr)
            self.send_status(internal("unexpected simulator error"))

    def send_status(self, e: ApiError):
        if self.status_sent:
            self.close_connection = True
            return
        self.server.app.stats.response(e.code)
        try:
            self.send_json(e.code, e.body(), headers=e.headers)
        except OSError:
            self.close_connection = True

    def reply(self, code, body: bytes, ctype="application/json", headers=None):
        self.server.app.stats.response(code)
        self.status_sent = True
        self.send_bytes(code, body, ctype, headers)

    # ---- routing -------------------------------------------------------------------

    def route(self, path, query, read):
        app = self.server.app
        hidden = app.hidden_groups()
        parts = path.strip("/").split("/")
        if "" in parts and path != "/":
            raise path_not_found()
        if path in PUBLIC:
            if not read:
                raise method_not_allowed()
            if path == "/version":
                return self.reply(200, dumps(VERSION))
            return self.reply(200, b"ok", "text/plain; charset=utf-8")
        if parts[0] == "api" and len(parts) <= 2 or parts[0] == "apis" and len(parts) <= 3:
            if not read:
                raise method_not_allowed()
            return self.discovery(parts, hidden)
        if parts[0] == "api" and parts[1] == "v1":
            gvr = ("", "v1", parts[2:])
        elif parts[0] == "apis" and len(parts) > 3:
            gvr = (parts[1], parts[2], parts[3:])
        else:
            raise path_not_found()
        if not resources.in_group_version(gvr[0], gvr[1], hidden):
            raise path_not_found()
        r = parse_resource_path(*gvr, hidden)
        if self.patch_body is not None and r.name is not None and r.sub is None and not r.watch_prefix:
            return self.merge_patch(r)
        if not read:
            raise method_not_allowed()
        self.resource_request(r, query)

    def merge_patch(self, r):
        """PATCH with application/merge-patch+json (RFC 7386), as the API server applies it to
        custom resources; other patch types are answered 415 as for a CRD."""
        app = self.server.app
        app.stats.request("patch", r.res.plural)
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype != "application/merge-patch+json":
            raise ApiError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media types include: "
                           "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml", {})
        err = app.faults.maybe_error("patch")
        if err is not None:
            app.stats.bump("injected_errors")
            raise err
        try:
            merge = json.loads(self.patch_body or b"null")
        except ValueError as e:
            raise bad_request(f"error decoding patch: {e}")
        if not isinstance(merge, dict):
            raise bad_request("the patch must be a JSON object")
        obj = app.store.patch(r.res.plural, r.namespace, r.name, merge)
        return self.reply(200, dumps(obj))

    def discovery(self, parts, hidden):
        app = self.server.app
        app.stats.request("discovery")
        accept = self.headers.get("Accept", "")
        if parts == ["api"] or parts == ["apis"]:
            v = negotiate(accept, "APIGroupDiscoveryList", "apidiscovery.k8s.io",
                          ("v2", "v2beta1"))
            if v:
                doc = discovery.aggregated(parts == ["api"], v, hidden)
                return self.reply(200, dumps(doc), discovery.V2_CONTENT_TYPE.format(v=v),
                                  {"Vary": "Accept"})
            doc = discovery.legacy_api(f"{app.host}:{app.listener.port}") \
                if parts == ["api"] else discovery.legacy_apis(hidden)
            return self.reply(200, dumps(doc), headers={"Vary": "Accept"})
        if parts == ["api", "v1"]:
            doc = discovery.legacy_resource_list("", "v1")
        elif parts[0] == "apis" and len(parts) == 2:
            doc = discovery.legacy_group(parts[1], hidden)
        elif parts[0] == "apis" and len(parts) == 3:
            doc = discovery.legacy_resource_list(parts[1], parts[2], hidden)
        else:
            doc = None
        if doc is None:
            raise path_not_found()
        return self.reply(200, dumps(doc))

    # ---- resources -----------------------------------------------------------------

    def resource_request(self, r, query):
        app = self.server.app
        res = r.res
        is_watch = r.watch_prefix or _q(query, "watch", "") in ("1", "true", "True")
        if r.sub == "log":
            verb = "log"
        elif r.name is not None and not is_watch:
            verb = "get"
        else:
            verb = "watch" if is_watch else "list"
        app.stats.request(verb, res.plural)
        delay = app.faults.get("delay_ms")
        if delay:
            time.sleep(delay / 1000.0)
        if res.plural in (app.faults.get("forbid") or ()):
            raise forbidden(res.plural, res.group, verb, r.namespace, USER)
        err = app.faults.maybe_error(verb)
        if err is not None:
            app.stats.bump("injected_errors")
            raise err
        if verb == "log":
            return self.log(r, query)
        if verb == "get":
            return self.get(r, query)
        label = _q(query, "labelSelector", "")
        field = _q(query, "fieldSelector", "")
        if r.name is not None:  # watch on a single object
            field = f"metadata.name={r.name}" + ("," + field if field else "")
        sel = Selection(res.plural, r.namespace, label, field)
        table_v = negotiate(self.headers.get("Accept", ""), "Table", "meta.k8s.io",
                            ("v1", "v1beta1"))
        include = _q(query, "includeObject", "Metadata")
        if verb == "watch":
            return watch.serve(self, res, sel, query, table_v, include)
        return self.list(res, sel, query, table_v, include)

    def get(self, r, query):
        app = self.server.app
        res = r.res
        entry = app.store.get(res.plural, r.namespace, r.name)
        if entry is None:
            raise not_found(res.plural, r.name, res.group)
        if r.sub == "scale":
            return self.reply(200, dumps(self.scale_of(entry.obj)))
        table_v = negotiate(self.headers.get("Accept", ""), "Table", "meta.k8s.io",
                            ("v1", "v1beta1"))
        if table_v:
            doc = tables.table(res.plural, [entry.obj],
                               {"resourceVersion": entry.obj["metadata"]["resourceVersion"]},
                               table_v, _q(query, "includeObject", "Metadata"))
            return self.reply(200, dumps(doc))
        return self.reply(200, entry.raw)

    @staticmethod
    def scale_of(d):
        md = d["metadata"]
        sel = d.get("spec", {}).get("selector", {}).get("matchLabels", {})
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                "creationTimestamp") if k in md},
                "spec": {"replicas": d.get("spec", {}).get("replicas", 1)},
                "status": {"replicas": d.get("status", {}).get("replicas", 0),
                           "selector": ",".join(f"{k}={v}" for k, v in sorted(sel.items()))}}

    def log(self, r, query):
        app = self.server.app
        entry = app.store.get("pods", r.namespace, r.name)
        if entry is None:
            raise not_found("pods", r.name)
        data = pod_log(entry.obj, _q(query, "container"),
                       tail_lines=_int(query, "tailLines", None, 0),
                       limit_bytes=_int(query, "limitBytes", None, 1),
                       timestamps=_q(query, "timestamps", "") in ("true", "1"),
                       previous=_q(query, "previous", "") in ("true", "1"))
        return self.reply(200, data, "text/plain")

    # ---- list ----------------------------------------------------------------------

    def _decode_continue(self, token, plural):
        store = self.server.app.store
        try:
            pad = "=" * (-len(token) % 4)
            doc = json.loads(base64.urlsafe_b64decode(token + pad))
            ok = doc["v"] == "meta.k8s.io/v1" and doc["i"] == store.instance
            rv, start = int(doc["rv"]), tuple(doc["start"])
            age = time.time() - float(doc["t"])
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok or rv < store.compacted[plural] or age > self.server.app.continue_ttl_s \
                or len(start) != 2:
            raise expired(CONTINUE_EXPIRED)
        return rv, start

    def _encode_continue(self, rv, key):
        doc = {"v": "meta.k8s.io/v1", "i": self.server.app.store.instance, "rv": rv,
               "start": list(key), "t": round(time.time(), 3)}
        return base64.urlsafe_b64encode(dumps(doc)).decode().rstrip("=")

    def list(self, res, sel, query, table_v, include):
        store = self.server.app.store
        limit = _int(query, "limit", 0, 0)
        token = _q(query, "continue", "")
        after, list_rv = None, None
        if token:
            list_rv, after = self._decode_continue(token, res.plural)
        ns = sel.namespace if res.namespaced else None
        rv, entries = store.list(res.plural, ns, after)
        if list_rv is None:
            list_rv = rv
        if sel.filtered:
            chosen, scanned = [], 0
            for e in entries:
                scanned += 1
                if sel.matches(e.obj):
                    chosen.append(e)
                    if limit and len(chosen) >= limit:
                        break
            more = scanned < len(entries)
            remaining = None
        else:
            chosen = entries[:limit] if limit else entries
            more = len(chosen) < len(entries)
            remaining = len(entries) - len(chosen)
        meta = {"resourceVersion": str(list_rv)}
        if more and chosen:
            last = chosen[-1].obj["metadata"]
            meta["continue"] = self._encode_continue(
                list_rv, (last.get("namespace", "") if res.namespaced else "", last["name"]))
            if remaining is not None:
                meta["remainingItemCount"] = remaining
        if table_v:
            doc = tables.table(res.plural, [e.obj for e in chosen], meta, table_v, include)
            return self.reply(200, dumps(doc))
        head = dumps({"kind": res.list_kind, "apiVersion": res.api_version, "metadata": meta})
        raws = [e.raw for e in chosen]
        prefix = head[:-1] + b',"items":['
        length = len(prefix) + sum(map(len, raws)) + max(len(raws) - 1, 0) + 2

        def parts():
            # Joining a 30 MB body at once is slow (fresh pages); ~1 MB pieces reuse
            # memory and stream.
            yield prefix
            for i in range(0, len(raws), GROUP):
                piece = b",".join(raws[i:i + GROUP])
                yield b"," + piece if i else piece
            yield b"]}"
        self.server.app.stats.response(200)
        self.status_sent = True
        self.send_parts(200, parts(), length)
