# SPDX-License-Identifier: Apache-2.0
"""Fault switches: injected errors, delays, watch drops, RV expiry. Thread-safe."""

import random
import threading

from .status import ApiError, expired, internal, too_many_requests

ERROR_CODES = (403, 409, 410, 429, 500, 503)

# name -> (type, default)
FIELDS = {
    "drop_watch_every_s": (float, 0.0),     # close each watch stream abruptly after N s
    "expire_rv_every_s": (float, 0.0),      # every N s: compact history, 410 open watches
    "expire_watch_fraction": (float, 0.0),  # this share of new watches get a 410 ERROR
    "error_every_n": (int, 0),              # every Nth API request fails
    "error_probability": (float, 0.0),      # or each request fails with this probability
    "error_code": (int, 500),               # 500 (InternalError) or 429 (TooManyRequests)
    "retry_after_s": (int, 1),              # Retry-After / details.retryAfterSeconds
    "error_verbs": (list, None),            # limit errors to these verbs (list/get/watch/log)
    "delay_ms": (int, 0),                   # delay every API response
    "forbid": (list, None),                 # plurals answered with 403 Forbidden
    "hide_groups": (list, None),            # API groups not installed (e.g. actions.github.com)
    "gitlab_429_every_n": (int, 0),         # GitLab: every Nth request is a 429 with Retry-After
    "gitlab_500_every_n": (int, 0),         # GitLab: every Nth request is a 500
    "gitlab_delay_ms": (int, 0),            # GitLab: delay every response (any length: outlast deadlines)
    "gitlab_hide_totals": (bool, False),    # GitLab: omit x-total, x-total-pages, rel="last" (as gitlab.com)
    "gitlab_fail": (list, None),            # GitLab: "METHOD class" pairs answered 500, e.g. "POST merge_requests"
}


class Faults:
    def __init__(self, seed=None):
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._counter = 0
        self._gitlab_counter = 0
        self.values = {k: d for k, (_, d) in FIELDS.items()}
        self.injected = 0

    def snapshot(self) -> dict:
        with self._lock:
            return dict(self.values)

    def get(self, name):
        with self._lock:
            return self.values[name]

    def update(self, changes: dict):
        """Validate then apply; raises ValueError naming the bad key."""
        clean = {}
        for k, v in (changes or {}).items():
            if k not in FIELDS:
                raise ValueError(f"unknown fault {k!r}; known: {', '.join(FIELDS)}")
            typ, default = FIELDS[k]
            if v is None:
                clean[k] = default
            elif typ is bool:
                if not isinstance(v, bool):
                    raise ValueError(f"{k}: expected true or false")
                clean[k] = v
            elif typ is list:
                if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                    raise ValueError(f"{k}: expected a list of strings")
                clean[k] = list(v)
            else:
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise ValueError(f"{k}: expected a number")
                if v < 0:
                    raise ValueError(f"{k}: must not be negative")
                clean[k] = typ(v)
        if "error_code" in clean and clean["error_code"] not in ERROR_CODES:
            raise ValueError(f"error_code: must be one of {', '.join(map(str, ERROR_CODES))}")
        for k in ("error_probability", "expire_watch_fraction"):
            if k in clean and clean[k] > 1:
                raise ValueError(f"{k}: must be between 0 and 1")
        with self._lock:
            self.values.update(clean)

    def clear(self):
        with self._lock:
            self.values = {k: d for k, (_, d) in FIELDS.items()}
            self._counter = 0
            self._gitlab_counter = 0

    def maybe_error(self, verb: str):
        """Return an ApiError to answer this request with, or None."""
        with self._lock:
            v = self.values
            if v["error_verbs"] is not None and verb not in v["error_verbs"]:
                return None
            if not v["error_every_n"] and not v["error_probability"]:
                return None
            self._counter += 1
            hit = (v["error_every_n"] and self._counter % v["error_every_n"] == 0) or \
                  (v["error_probability"] and self._rng.random() < v["error_probability"])
            if not hit:
                return None
            self.injected += 1
            code, retry = v["error_code"], v["retry_after_s"]
        if code == 429:
            return too_many_requests(retry)
        if code == 503:
            return ApiError(503, "ServiceUnavailable", "the server is currently unable to "
                            "handle the request", {"retryAfterSeconds": retry},
                            headers={"Retry-After": str(retry)})
        if code == 410:
            return expired("The provided continue parameter is too old to display a "
                           "consistent list result. (simulated fault)")
        if code == 409:
            return ApiError(409, "Conflict", "Operation cannot be fulfilled: the object has "
                            "been modified; please apply your changes to the latest version "
                            "and try again (simulated fault)", {})
        if code == 403:
            return ApiError(403, "Forbidden", "forbidden: simulated fault", {})
        return internal()

    def gitlab_fault(self):
        """429 or 500 when this GitLab request is one an every-N fault picks, else None. Requests
        are counted only while one is set, from the last clear, so tests can tell which fails."""
        with self._lock:
            rate, error = self.values["gitlab_429_every_n"], self.values["gitlab_500_every_n"]
            if not rate and not error:
                return None
            self._gitlab_counter += 1
            n = self._gitlab_counter
        if rate and n % rate == 0:
            return 429
        if error and n % error == 0:
            return 500
        return None

    def expire_this_watch(self) -> bool:
        with self._lock:
            p = self.values["expire_watch_fraction"]
            return p > 0 and self._rng.random() < p
