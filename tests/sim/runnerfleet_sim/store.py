# SPDX-License-Identifier: Apache-2.0
"""Versioned object store with a bounded per-resource watch event history.

One global resourceVersion counter (like etcd's revision). Every object keeps its
serialized JSON bytes, so list bodies are built by joining bytes. Writers notify a
condition variable that watch handlers block on.
"""

import bisect
import copy
import json
import secrets
import threading
import time
import uuid

from . import resources
from .status import already_exists, bad_request, not_found
from .util import dumps, merge_patch, rfc3339


class Entry:
    __slots__ = ("obj", "raw")

    def __init__(self, obj, raw):
        self.obj = obj
        self.raw = raw


class Event:
    __slots__ = ("rv", "type", "obj", "raw", "prev")

    def __init__(self, rv, type_, obj, raw, prev):
        self.rv = rv
        self.type = type_
        self.obj = obj
        self.raw = raw
        self.prev = prev


class History:
    """Events of one resource in RV order, addressed by absolute index."""

    def __init__(self, cap: int):
        self.cap = max(1, cap)
        self.events = []
        self.rvs = []
        self.base = 0

    @property
    def end(self) -> int:
        return self.base + len(self.events)

    def append(self, ev) -> int:
        """Append; returns the RV of the newest dropped event (0 if none dropped)."""
        self.events.append(ev)
        self.rvs.append(ev.rv)
        if len(self.events) > 2 * self.cap:
            return self.drop(len(self.events) - self.cap)
        return 0

    def drop(self, n: int) -> int:
        n = min(n, len(self.events))
        if n == 0:
            return 0
        last = self.rvs[n - 1]
        del self.events[:n]
        del self.rvs[:n]
        self.base += n
        return last

    def index_after(self, rv: int) -> int:
        return self.base + bisect.bisect_right(self.rvs, rv)

    def since(self, idx: int):
        return self.events[idx - self.base:]


class Store:
    def __init__(self, history_size: int = 2000, clock=time.time):
        self.cond = threading.Condition(threading.RLock())
        self.clock = clock
        self.rv = 0
        self.instance = secrets.token_hex(4)
        self.objs = {r.plural: {} for r in resources.RESOURCES}
        self.keys = {r.plural: [] for r in resources.RESOURCES}
        self.hist = {r.plural: History(history_size) for r in resources.RESOURCES}
        self.compacted = {r.plural: 0 for r in resources.RESOURCES}
        # Bumped to end every open watch with a 410 (the expire fault).
        self.expire_epoch = 0
        # Bumped to end every open watch abruptly (outage).
        self.kill_epoch = 0

    # ---- reads -------------------------------------------------------------

    def get(self, plural: str, namespace: str, name: str):
        with self.cond:
            return self.objs[plural].get((namespace or "", name))

    def get_copy(self, plural: str, namespace: str, name: str):
        e = self.get(plural, namespace, name)
        return json.loads(e.raw) if e else None

    def list(self, plural: str, namespace=None, after=None):
        """(rv, [Entry]) in key order; namespace None = all; after = exclusive key."""
        with self.cond:
            keys = self.keys[plural]
            if namespace is None:
                lo, hi = 0, len(keys)
            else:
                lo = bisect.bisect_left(keys, (namespace, ""))
                hi = bisect.bisect_left(keys, (namespace + "\x00", ""))
            if after is not None:
                lo = max(lo, bisect.bisect_right(keys, tuple(after)))
            table = self.objs[plural]
            return self.rv, [table[k] for k in keys[lo:hi]]

    def find(self, plural: str, namespace=None, pred=None):
        """Deep copies of objects matching pred, in key order."""
        _, entries = self.list(plural, namespace)
        return [json.loads(e.raw) for e in entries if pred is None or pred(e.obj)]

    # ---- writes ------------------------------------------------------------

    def _record(self, res, type_, key, obj, raw, prev):
        ev = Event(self.rv, type_, obj, raw, prev)
        dropped = self.hist[res.plural].append(ev)
        if dropped:
            self.compacted[res.plural] = max(self.compacted[res.plural], dropped)
        self.cond.notify_all()

    def create(self, obj: dict, uid=None) -> dict:
        res = resources.for_object(obj)
        if res is None:
            raise bad_request(f"no kind \"{obj.get('kind')}\" is registered for version "
                              f"\"{obj.get('apiVersion')}\"")
        obj = copy.deepcopy(obj)
        md = obj.setdefault("metadata", {})
        name = md.get("name")
        if not name:
            raise bad_request("metadata.name: Required value: name is required")
        ns = md.get("namespace", "") if res.namespaced else ""
        if res.namespaced and not ns:
            raise bad_request("metadata.namespace: Required value")
        with self.cond:
            key = (ns, name)
            if key in self.objs[res.plural]:
                raise already_exists(res.plural, name, res.group)
            self.rv += 1
            md.setdefault("uid", uid or str(uuid.uuid4()))
            md["resourceVersion"] = str(self.rv)
            if res.has_generation:
                md.setdefault("generation", 1)
            md.setdefault("creationTimestamp", rfc3339(self.clock()))
            raw = dumps(obj)
            mine = json.loads(raw)  # callers keep and may edit obj
            self.objs[res.plural][key] = Entry(mine, raw)
            bisect.insort(self.keys[res.plural], key)
            self._record(res, "ADDED", key, mine, raw, None)
            return obj

    def load(self, objs):
        """Bulk create at start-up: no per-object sorting, no history."""
        with self.cond:
            touched = set()
            for obj in objs:
                res = resources.for_object(obj)
                md = obj["metadata"]
                key = (md.get("namespace", "") if res.namespaced else "", md["name"])
                if key in self.objs[res.plural]:
                    raise already_exists(res.plural, md["name"], res.group)
                self.rv += 1
                md.setdefault("uid", str(uuid.uuid4()))
                md["resourceVersion"] = str(self.rv)
                if res.has_generation:
                    md.setdefault("generation", 1)
                md.setdefault("creationTimestamp", rfc3339(self.clock()))
                self.objs[res.plural][key] = Entry(obj, dumps(obj))
                self.keys[res.plural].append(key)
                touched.add(res.plural)
            for plural in touched:
                self.keys[plural].sort()
            self.compact()

    def replace(self, plural: str, namespace: str, name: str, obj: dict) -> dict:
        """Store obj as the new state; bumps resourceVersion (and generation on spec
        change). No-op when nothing changed."""
        res = resources.BY_PLURAL[plural]
        with self.cond:
            key = (namespace or "", name)
            old = self.objs[plural].get(key)
            if old is None:
                raise not_found(plural, name, res.group)
            md = obj.setdefault("metadata", {})
            omd = old.obj["metadata"]
            md["name"], md["uid"] = omd["name"], omd["uid"]
            md["creationTimestamp"] = omd.get("creationTimestamp")
            if res.namespaced:
                md["namespace"] = omd["namespace"]
            md["resourceVersion"] = omd["resourceVersion"]
            if res.has_generation:
                md["generation"] = omd.get("generation", 1)
            if dumps(obj) == old.raw:
                return obj
            self.rv += 1
            md["resourceVersion"] = str(self.rv)
            if res.has_generation and obj.get("spec") != old.obj.get("spec"):
                md["generation"] = omd.get("generation", 1) + 1
            raw = dumps(obj)
            mine = json.loads(raw)
            self.objs[plural][key] = Entry(mine, raw)
            self._record(res, "MODIFIED", key, mine, raw, old.obj)
            return obj

    def mutate(self, plural: str, namespace: str, name: str, fn) -> dict:
        """Apply fn to a deep copy of the object (fn edits it in place) and store it."""
        with self.cond:
            obj = self.get_copy(plural, namespace, name)
            if obj is None:
                raise not_found(plural, name, resources.BY_PLURAL[plural].group)
            fn(obj)
            return self.replace(plural, namespace, name, obj)

    def patch(self, plural: str, namespace: str, name: str, merge: dict) -> dict:
        with self.cond:
            obj = self.get_copy(plural, namespace, name)
            if obj is None:
                raise not_found(plural, name, resources.BY_PLURAL[plural].group)
            return self.replace(plural, namespace, name, merge_patch(obj, merge))

    def delete(self, plural: str, namespace: str, name: str) -> dict:
        res = resources.BY_PLURAL[plural]
        with self.cond:
            key = (namespace or "", name)
            old = self.objs[plural].pop(key, None)
            if old is None:
                raise not_found(plural, name, res.group)
            i = bisect.bisect_left(self.keys[plural], key)
            del self.keys[plural][i]
            self.rv += 1
            obj = json.loads(old.raw)
            obj["metadata"]["resourceVersion"] = str(self.rv)
            raw = dumps(obj)
            self._record(res, "DELETED", key, obj, raw, old.obj)
            return obj

    # ---- history -----------------------------------------------------------

    def compact(self, plural=None):
        """Forget the event history (of one or all resources): watches from an older
        RV get 410, continue tokens issued before become invalid."""
        with self.cond:
            for p in ([plural] if plural else list(self.hist)):
                h = self.hist[p]
                h.drop(len(h.events))
                self.compacted[p] = self.rv
            self.cond.notify_all()

    def expire_watches(self):
        with self.cond:
            self.compact()
            self.expire_epoch += 1
            self.cond.notify_all()

    def kill_watches(self):
        with self.cond:
            self.kill_epoch += 1
            self.cond.notify_all()

    def counts(self) -> dict:
        with self.cond:
            return {p: len(t) for p, t in self.objs.items()}
