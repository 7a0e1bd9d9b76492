# SPDX-License-Identifier: Apache-2.0
"""What the fleet-size benchmarks share: percentiles, and one measurement per fleet size in a
private work directory, each row printed as a JSON line as soon as it is known."""

import json
import tempfile


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def measure_sizes(sizes, measure, prefix):
    """measure(pools, pods, workdir) for each (pools, pods); returns the rows."""
    rows = []
    for pools, pods in sizes:
        with tempfile.TemporaryDirectory(prefix=prefix) as workdir:
            row = measure(pools, pods, workdir)
            print(json.dumps(row), flush=True)
            rows.append(row)
    print()
    return rows
