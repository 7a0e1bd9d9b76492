# SPDX-License-Identifier: Apache-2.0
"""Kubernetes resource quantities ("500m", "1Gi", "2", "1.5", "1e3", "64k"), as kube-state-metrics
turns them into numbers."""

SUFFIXES = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
            "P": 1e15, "E": 1e18, "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40,
            "Pi": 2 ** 50, "Ei": 2 ** 60}


def parse_quantity(value) -> float:
    """Cores or bytes of a quantity, as KSM exports requests; ValueError for what k8s would refuse."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if suffix and text.endswith(suffix):
            number, scale = text[:-len(suffix)], SUFFIXES[suffix]
            break
    else:
        number, scale = text, 1
    try:
        return float(number) * scale
    except ValueError:
        raise ValueError(f"bad quantity {value!r}") from None
