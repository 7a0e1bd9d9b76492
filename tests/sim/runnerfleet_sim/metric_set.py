# SPDX-License-Identifier: Apache-2.0
"""Metric families and their series, as value functions of time: what the exporters fill in
and what the text exposition and the OpenMetrics history render."""


class Family:
    """One metric name with its type and help. `name` is the sample name (counters end in
    _total, as in text format 0.0.4); histograms also carry their bucket bounds."""
    __slots__ = ("name", "kind", "help", "bounds", "les", "series")

    def __init__(self, name, kind, help_text, bounds=None):
        self.name, self.kind, self.help = name, kind, help_text
        self.bounds = tuple(bounds or ())
        self.les = [le_label(b) for b in self.bounds] + ["+Inf"]
        self.series = []


class Series:
    """One label set: `labels` is the rendered inside of {...}; `since` is when the series
    began (its counters start from 0 there); value(t) gives a number, or for a histogram
    (cumulative bucket counts, count, sum)."""
    __slots__ = ("labels", "since", "value")

    def __init__(self, labels, since, value):
        self.labels, self.since, self.value = labels, since, value


class MetricSet:
    """The families of one scrape, in catalog order."""

    def __init__(self, catalog):
        self.families = {name: Family(name, kind, text, bounds) for name, kind, text, bounds in catalog}

    def add(self, name, labels: dict, since: float, value):
        """Adds a series; labels with empty values are left out, as Prometheus drops them."""
        self.families[name].series.append(Series(render_labels(labels), since, value))

    def __iter__(self):
        return (f for f in self.families.values() if f.series)


def le_label(bound: float) -> str:
    """A bucket bound as client_golang writes it (1, 0.05, 3600), so history and scrape share series."""
    return "%g" % bound


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render_labels(labels: dict) -> str:
    """The inside of {...}: name="value" pairs, empty values dropped."""
    return ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items() if v not in (None, ""))


def format_value(v) -> str:
    """A sample value: integers as such, floats rounded to micro-units."""
    if isinstance(v, int):
        return str(v)
    return repr(round(v, 6))


def sample_lines(family: Family, series: Series, t: float, suffix: str = ""):
    """The lines of one series at t, for both formats; suffix is e.g. an OpenMetrics timestamp."""
    # A histogram gives its buckets, _count and _sum.
    value = series.value(t)
    if family.kind != "histogram":
        return [f"{family.name}{{{series.labels}}} {format_value(value)}{suffix}"]
    buckets, count, total = value
    name, sep = family.name, "," if series.labels else ""
    lines = [f'{name}_bucket{{{series.labels}{sep}le="{le}"}} {n}{suffix}'
             for le, n in zip(family.les, buckets + [count])]
    lines.append(f"{name}_count{{{series.labels}}} {count}{suffix}")
    lines.append(f"{name}_sum{{{series.labels}}} {format_value(float(total))}{suffix}")
    return lines
