# SPDX-License-Identifier: Apache-2.0
"""The metrics model: deterministic closed-form functions of absolute unix time t (seconds).
The live /metrics endpoint and the backfilled history evaluate the same functions, so a
counter read at start-up by the history continues without a reset into the live scrape.

    rate r(t)   = jobs_per_hour/3600 * (1 + 0.5 sin(2 pi t/86400 + phase))
    C(t)        = floor(integral of r from `since` to t)          (closed form)
    cpu u(t)    = cpu_cores * (0.9 + 0.1 sin(2 pi t/86400 + phase)), counter = its integral
    memory(t)   = memory_mib * 2^20 * (1 + 0.1 sin(2 pi t/43200 + phase))
    histograms  = exponential durations of mean m: bucket(le) = floor(C (1 - exp(-le/m)))

Every value is monotonic in t where Prometheus expects a counter."""

import math
from dataclasses import dataclass, fields

from .scenario import ScenarioError
from .util import fnv32a

DAY_S = 86400.0
HALF_DAY_S = 43200.0
TAU = 2 * math.pi
CANCELED_RATIO = 0.01


@dataclass(frozen=True)
class Profile:
    """The rates of one GitLab release (per pod) or ARC scale set: the scenario's `metrics`."""
    jobs_per_hour: float = 30.0   # per pod (GitLab) or per scale set (ARC)
    failure_ratio: float = 0.01   # share of jobs that fail
    queue_mean_s: float = 8.0     # GitLab queue time, ARC startup time: exponential mean
    cpu_cores: float = 1.0        # per runner container
    memory_mib: float = 512.0     # per runner container
    job_seconds: float = 600.0    # job length (Little's law: jobs in progress = r * this)


DEFAULT = Profile()
LISTENER = Profile(cpu_cores=0.02, memory_mib=48.0)  # an ARC listener container
KEYS = tuple(f.name for f in fields(Profile))


def profile(spec, where: str) -> Profile:
    """A scenario entry's `metrics` as a Profile; a typo fails at start-up, not as silent defaults."""
    if spec is None:
        return DEFAULT
    if not isinstance(spec, dict):
        raise ScenarioError(f"{where}.metrics: must be an object")
    unknown = set(spec) - set(KEYS)
    if unknown:
        raise ScenarioError(f"{where}.metrics: unknown keys {sorted(unknown)}; known: {', '.join(KEYS)}")
    for key, value in spec.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ScenarioError(f"{where}.metrics.{key}: must be a number >= 0")
    if spec.get("failure_ratio", 0) + CANCELED_RATIO > 1:
        raise ScenarioError(f"{where}.metrics.failure_ratio: must be at most {1 - CANCELED_RATIO}")
    for key in ("queue_mean_s", "job_seconds"):
        if spec.get(key) == 0:
            raise ScenarioError(f"{where}.metrics.{key}: must be positive")
    return Profile(**{k: float(v) for k, v in spec.items()})


def profiles(doc: dict) -> dict:
    """Profiles keyed like fleet.owner_key, so a pod finds its release's or scale set's rates."""
    # Generated pools are absent and get DEFAULT.
    out = {}
    for kind, key in (("deploy", "gitlab_runners"), ("arc", "arc_scale_sets")):
        for spec in doc.get(key, []):
            out[(kind, spec.get("namespace"), spec.get("name"))] = profile(
                spec.get("metrics"), f"{key}[{spec.get('name', '?')}]")
    return out


def phase(key: str) -> float:
    """A fixed phase in [0, 2 pi) per pod or scale set, so fleets do not peak in unison."""
    return fnv32a(key) / 2 ** 32 * TAU


def _angle(t: float, period: float, ph: float) -> float:
    return (t % period) / period * TAU + ph  # reduce first: t is about 1.8e9


def rate(p: Profile, t: float, ph: float) -> float:
    """Jobs per second at t: a daily wave between 0.5 and 1.5 times the mean."""
    return p.jobs_per_hour / 3600 * (1 + 0.5 * math.sin(_angle(t, DAY_S, ph)))


def jobs(p: Profile, since: float, t: float, ph: float) -> int:
    """C(t): jobs finished between since and t, the closed-form integral of rate()."""
    if t <= since:
        return 0
    w = TAU / DAY_S
    area = (t - since) - 0.5 / w * (math.cos(_angle(t, DAY_S, ph)) - math.cos(_angle(since, DAY_S, ph)))
    return math.floor(p.jobs_per_hour / 3600 * area)


def in_progress(p: Profile, t: float, ph: float) -> int:
    """Jobs running at t by Little's law, for gauges of running jobs."""
    return round(rate(p, t, ph) * p.job_seconds)


def failed(count: int, ratio: float) -> int:
    """Failed jobs among count; monotonic in count."""
    return math.floor(ratio * count)


def results(count: int, failure_ratio: float) -> dict:
    """ARC job results among count jobs: each monotonic in count (no false resets), summing to count."""
    # failed first, then 1 % of the rest canceled: floor(0.01 * count) would let succeeded drop
    # by one whenever both tick at the same job.
    bad = failed(count, failure_ratio)
    canceled = math.floor(CANCELED_RATIO * (count - bad))
    return {"succeeded": count - bad - canceled, "failed": bad, "canceled": canceled}


def split(count: int, ratio: float):
    """(hits, misses) among count requests; both monotonic in count."""
    hits = math.floor(ratio * count)
    return hits, count - hits


def histogram(count: int, mean: float, bounds) -> tuple:
    """(cumulative bucket counts, count, sum) for count exponential durations of this mean."""
    return [math.floor(count * (1 - math.exp(-le / mean))) for le in bounds], count, count * mean


def cpu_seconds(cores: float, since: float, t: float, ph: float) -> float:
    """CPU time used between since and t at cores * (0.9 + 0.1 sin(day wave)): a counter. The
    wave is shallow so a runner's utilization against its requests stays in one SLO band."""
    if t <= since:
        return 0.0
    w = TAU / DAY_S
    return cores * (0.9 * (t - since) - 0.1 / w * (math.cos(_angle(t, DAY_S, ph)) - math.cos(_angle(since, DAY_S, ph))))


def memory_bytes(mib: float, t: float, ph: float) -> int:
    """Working set at t: memory_mib within +-10 % on a 12-hour wave."""
    return round(mib * 2 ** 20 * (1 + 0.1 * math.sin(_angle(t, HALF_DAY_S, ph))))
