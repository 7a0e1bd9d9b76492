# SPDX-License-Identifier: Apache-2.0
"""Watch streams: chunked JSON lines, resourceVersion semantics, bookmarks, timeouts,
410 on a too-old RV, selector transitions, and the drop/expire faults."""

import json
import random
import socket
import time

from . import tables
from .status import bad_request, too_old_rv
from .util import dumps

BATCH = 256  # events per socket write when replaying state


def _chunk(line: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(line), line)


def _event(type_: str, raw: bytes) -> bytes:
    return b'{"type":"' + type_.encode() + b'","object":' + raw + b"}\n"


class _Writer:
    def __init__(self, handler, res, table_v, include):
        self.h, self.res = handler, res
        self.table_v, self.include = table_v, include
        self.headers_done = False

    def obj_bytes(self, obj, raw):
        if not self.table_v:
            return raw
        doc = tables.table(self.res.plural, [obj],
                           {"resourceVersion": obj["metadata"]["resourceVersion"]},
                           self.table_v, self.include, headers=not self.headers_done)
        self.headers_done = True
        return dumps(doc)

    def send(self, lines):
        for i in range(0, len(lines), BATCH):
            self.h.wfile.write(b"".join(_chunk(x) for x in lines[i:i + BATCH]))

    def bookmark(self, rv, initial_end=False):
        md = {"resourceVersion": str(rv)}
        if initial_end:
            md["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {"kind": self.res.kind, "apiVersion": self.res.api_version, "metadata": md}
        self.send([_event("BOOKMARK", dumps(obj))])

    def error(self, status: dict):
        self.send([_event("ERROR", dumps(status))])

    def end(self):
        self.h.wfile.write(b"0\r\n\r\n")


def convert(ev, sel):
    """(type, obj, raw) a watcher with this selection sees for a store event, or None."""
    new_ok = ev.type != "DELETED" and sel.matches(ev.obj)
    old_ok = ev.prev is not None and sel.matches(ev.prev)
    if ev.type == "DELETED":
        return ("DELETED", ev.obj, ev.raw) if old_ok else None
    if new_ok:
        return ("MODIFIED" if old_ok else "ADDED", ev.obj, ev.raw)
    if old_ok:
        # Stopped matching: like the apiserver, a DELETED with the previous state
        # stamped with this event's resourceVersion.
        prev = json.loads(dumps(ev.prev))
        prev["metadata"]["resourceVersion"] = str(ev.rv)
        return ("DELETED", prev, dumps(prev))
    return None


def _parse_rv(v):
    if v in (None, "", "0"):
        return None
    try:
        n = int(v)
        if n < 0:
            raise ValueError
        return n
    except ValueError:
        raise bad_request(f'resourceVersion: Invalid value: "{v}": strconv.ParseUint: '
                          f'parsing "{v}": invalid syntax')


def serve(h, res, sel, query, table_v, include):
    app = h.server.app
    store, faults, plural = app.store, app.faults, res.plural
    q = {k: v[0] for k, v in query.items() if v}
    rv = _parse_rv(q.get("resourceVersion"))
    try:
        timeout = int(q.get("timeoutSeconds") or 0)
    except ValueError:
        raise bad_request(f'invalid value for "timeoutSeconds": '
                          f'{q.get("timeoutSeconds")!r}')
    send_initial = q.get("sendInitialEvents") == "true" or rv is None
    bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
    now = time.monotonic()
    end_at = now + (timeout if timeout > 0 else app.watch_max_s * (1 + random.random()))
    drop_s = faults.get("drop_watch_every_s")
    drop_at = now + drop_s if drop_s else float("inf")
    interval = app.bookmark_interval_s
    next_bookmark = now + interval if bookmarks and interval > 0 else float("inf")

    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Cache-Control", "no-cache, private")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    h.status_sent = True
    app.stats.response(200)
    w = _Writer(h, res, table_v, include)

    if faults.expire_this_watch():
        app.stats.bump("watches_expired")
        w.error(too_old_rv(rv or store.rv, store.rv))
        w.end()
        return

    initial = []
    with store.cond:
        hist = store.hist[plural]
        if send_initial:
            last_rv, entries = store.list(plural, sel.namespace if res.namespaced else None)
            initial = [e for e in entries if sel.matches(e.obj)]
            idx = hist.end
        elif rv < store.compacted[plural]:
            app.stats.bump("watches_expired")
            status = too_old_rv(rv, store.compacted[plural] + 1)
            idx = None
        else:
            last_rv, idx = rv, hist.index_after(rv)
        expire_epoch, kill_epoch = store.expire_epoch, store.kill_epoch
    if idx is None:
        w.error(status)
        w.end()
        return

    app.stats.watch_open(plural, 1)
    try:
        if initial:
            w.send([_event("ADDED", w.obj_bytes(e.obj, e.raw)) for e in initial])
        if send_initial and bookmarks and q.get("sendInitialEvents") == "true":
            w.bookmark(last_rv, initial_end=True)
        while True:
            batch, action = None, None
            with store.cond:
                while True:
                    if h.server.closing or store.kill_epoch != kill_epoch:
                        action = "drop"
                        break
                    if store.expire_epoch != expire_epoch or idx < hist.base:
                        action = "expire"
                        break
                    if idx < hist.end:
                        batch = hist.since(idx)
                        idx = hist.end
                        break
                    now = time.monotonic()
                    if now >= drop_at:
                        action = "drop"
                        break
                    if now >= end_at:
                        action = "end"
                        break
                    if now >= next_bookmark:
                        action = "bookmark"
                        bookmark_rv = store.rv
                        break
                    store.cond.wait(min(drop_at, end_at, next_bookmark) - now)
                oldest = store.compacted[plural] + 1
            if batch:
                lines = []
                for ev in batch:
                    c = convert(ev, sel)
                    last_rv = ev.rv
                    if c:
                        lines.append(_event(c[0], w.obj_bytes(c[1], c[2])))
                if lines:
                    w.send(lines)
            elif action == "bookmark":
                w.bookmark(bookmark_rv)
                last_rv = bookmark_rv
                next_bookmark = time.monotonic() + interval
            elif action == "expire":
                app.stats.bump("watches_expired")
                w.error(too_old_rv(last_rv, oldest))
                w.end()
                return
            elif action == "end":
                w.end()
                return
            elif action == "drop":
                app.stats.bump("watches_dropped")
                h.close_connection = True
                try:
                    h.raw_sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
    except (OSError, ValueError):
        h.close_connection = True
    finally:
        app.stats.watch_open(plural, -1)
