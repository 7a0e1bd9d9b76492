# SPDX-License-Identifier: Apache-2.0
"""Request counters, so tests can assert how much load a client puts upstream."""

import threading
from collections import Counter

GITLAB_ENDPOINTS = ("list", "details", "managers", "jobs", "put", "files", "commits", "branches",
                    "merge_requests", "other")


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.by_verb = Counter()
            self.by_resource = {}
            self.by_code = Counter()
            self.watches_started = 0
            self.watches_dropped = 0
            self.watches_expired = 0
            self.unauthorized = 0
            self.injected_errors = 0
            self.gitlab_requests = Counter()
            self.gitlab_codes = Counter()
            self.metrics_scrapes = 0
            self._active = getattr(self, "_active", Counter())

    def request(self, verb: str, plural=None):
        with self._lock:
            self.by_verb[verb] += 1
            if plural:
                self.by_resource.setdefault(plural, Counter())[verb] += 1

    def response(self, code: int):
        with self._lock:
            self.by_code[str(code)] += 1

    def bump(self, name: str):
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def gitlab_request(self, endpoint: str):
        with self._lock:
            self.gitlab_requests[endpoint] += 1

    def gitlab_response(self, code: int):
        with self._lock:
            self.gitlab_codes[str(code)] += 1

    def watch_open(self, plural: str, delta: int):
        with self._lock:
            self._active[plural] += delta
            if delta > 0:
                self.watches_started += 1

    def snapshot(self) -> dict:
        with self._lock:
            active = {k: v for k, v in self._active.items() if v}
            return {
                "requests": {v: self.by_verb.get(v, 0)
                             for v in ("list", "watch", "get", "log", "discovery")}
                | {k: v for k, v in self.by_verb.items()
                   if k not in ("list", "watch", "get", "log", "discovery")},
                "requests_by_resource": {p: dict(c) for p, c in self.by_resource.items()},
                "responses_by_code": dict(self.by_code),
                "active_watches": sum(active.values()),
                "active_watches_by_resource": active,
                "watches_started": self.watches_started,
                "watches_dropped": self.watches_dropped,
                "watches_expired": self.watches_expired,
                "unauthorized": self.unauthorized,
                "injected_errors": self.injected_errors,
                "gitlab": {"total": sum(self.gitlab_requests.values())}
                | {k: self.gitlab_requests[k] for k in GITLAB_ENDPOINTS}
                | {"status": dict(self.gitlab_codes)},
                "metrics": {"scrapes": self.metrics_scrapes},
            }
