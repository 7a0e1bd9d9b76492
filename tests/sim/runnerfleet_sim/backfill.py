# SPDX-License-Identifier: Apache-2.0
"""--metrics-history: the series exposed at start, sampled back over the last days, as
OpenMetrics for `promtool tsdb create-blocks-from openmetrics` (wire-facts §6.2): timestamps
in seconds, each series time-ordered, counters typed by their family name, `# EOF` last."""

import math
import os

from .metric_set import sample_lines

FINE_S = 6 * 3600  # the last 6 hours are sampled every FINE_STEP_S, older data every COARSE_STEP_S
FINE_STEP_S = 30
COARSE_STEP_S = 300


def grid(since: float, end: float) -> list:
    """Sample times from since to end: dense lately, sparse before, to keep the file small."""
    # since itself (a counter's 0), multiples of 300 s, of 30 s in the last 6 hours, and end
    # itself (where the live scrape takes over).
    since = min(since, end)
    fine = end - FINE_S
    times = [since]
    t = math.floor(since / COARSE_STEP_S + 1) * COARSE_STEP_S
    while t <= fine:
        times.append(t)
        t += COARSE_STEP_S
    t = max(math.floor(fine / FINE_STEP_S + 1), math.floor(since / FINE_STEP_S + 1)) * FINE_STEP_S
    while t < end:
        times.append(t)
        t += FINE_STEP_S
    if times[-1] < end:
        times.append(end)
    return times


def _stamp(t: float) -> str:
    return " %d" % t if t == int(t) else " %.3f" % t


def _family_name(f) -> str:
    """OpenMetrics names a counter family without _total."""
    return f.name[:-len("_total")] if f.kind == "counter" else f.name


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def write(path: str, metric_set, end: float, days: float) -> dict:
    """Backfills every series from max(its start, end - days) to end; returns series/samples/bytes."""
    # Written to PATH.tmp and renamed: the file appears complete or not at all.
    end = round(end, 3)
    first = end - days * 86400
    grids, series, samples = {}, 0, 0
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", buffering=1 << 20) as out:
        for f in metric_set:
            name = _family_name(f)
            out.write(f"# HELP {name} {_help(f.help)}\n# TYPE {name} {f.kind}\n")
            for s in f.series:
                since = round(max(s.since, first), 3)
                times = grids.get(since) or grids.setdefault(since, [(t, _stamp(t)) for t in grid(since, end)])
                lines = []
                for t, stamp in times:
                    lines.extend(sample_lines(f, s, t, stamp))
                out.write("\n".join(lines) + "\n")
                series += 1
                samples += len(lines)
        out.write("# EOF\n")
    os.replace(tmp, path)
    return {"series": series, "samples": samples, "bytes": os.path.getsize(path)}
