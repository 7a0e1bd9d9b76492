# SPDX-License-Identifier: Apache-2.0
"""GET /metrics: the fleet's series in Prometheus text format 0.0.4, evaluated at request
time and cached for a second so a burst of scrapes costs one rendering."""

import threading
import time

from .metric_set import sample_lines

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def render(metric_set, t: float) -> bytes:
    """The text exposition of every family at time t."""
    out = []
    for f in metric_set:
        out.append(f"# HELP {f.name} {_help(f.help)}")
        out.append(f"# TYPE {f.name} {f.kind}")
        for s in f.series:
            out.extend(sample_lines(f, s, t))
    return ("\n".join(out) + "\n").encode()


class Endpoint:
    """The rendered text of the last scrape, reused for up to ttl_s seconds; counts scrapes."""

    def __init__(self, collect, stats, ttl_s=1.0):
        self.collect, self.stats, self.ttl_s = collect, stats, ttl_s
        self._lock = threading.Lock()
        self._body, self._at = b"", float("-inf")

    def scrape(self) -> bytes:
        """The body for one GET /metrics, counted in /_sim/stats."""
        self.stats.bump("metrics_scrapes")
        with self._lock:
            now = time.time()
            if now - self._at >= self.ttl_s:
                self._body, self._at = render(self.collect(), now), now
            return self._body
