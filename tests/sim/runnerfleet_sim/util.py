# SPDX-License-Identifier: Apache-2.0
"""Small helpers: time formatting, compact JSON, Kubernetes-style name suffixes."""

import datetime
import functools
import json
import time

_UTC = datetime.timezone.utc

# k8s.io/apimachinery/pkg/util/rand: the alphabet of generated name suffixes.
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def dumps(obj) -> bytes:
    """Compact JSON, like the apiserver emits."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


@functools.lru_cache(maxsize=4096)
def _rfc3339(t: int) -> str:
    return datetime.datetime.fromtimestamp(t, _UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339(t: float) -> str:
    return _rfc3339(int(t))


def rfc3339_micro(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, _UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc3339_nano(t: float) -> str:
    dt = datetime.datetime.fromtimestamp(t, _UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}000Z"


def parse_time(s):
    """Parse an RFC 3339 timestamp to epoch seconds; None if absent or bad."""
    if not s or not isinstance(s, str):
        return None
    try:
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h" if rem == 0 else f"{hours}h{rem}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d" if rem == 0 else f"{hours // 24}d{rem}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def age_since(ts, now=None) -> str:
    t = parse_time(ts)
    if t is None:
        return "<unknown>"
    return human_duration((now or time.time()) - t)


def parse_duration(v) -> float:
    """'12d', '3h', '45m', '30s', '1d2h' or a number of seconds."""
    if isinstance(v, (int, float)):
        return float(v)
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    total, num = 0.0, ""
    for ch in str(v).strip():
        if ch.isdigit() or ch == ".":
            num += ch
        elif ch in units and num:
            total += float(num) * units[ch]
            num = ""
        else:
            raise ValueError(f"bad duration {v!r}")
    if num:
        total += float(num)
    return total


def fnv32a(data: str) -> int:
    h = 0x811C9DC5
    for b in data.encode():
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(s: str) -> str:
    """k8s.io/apimachinery/pkg/util/rand.SafeEncodeString."""
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in s)


def fnv_hash_string(s: str) -> str:
    """ARC's hash.FNVHashString: safe-encoded decimal FNV-32a."""
    return safe_encode(str(fnv32a(s)))


def rand_suffix(rng, n: int = 5) -> str:
    return "".join(rng.choices(ALPHANUMS, k=n))


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch; returns the new value (target is not modified)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out
