# SPDX-License-Identifier: Apache-2.0
"""runnerfleet-sim: a fleet simulator speaking the Kubernetes API wire format.

An independent implementation of the upstream APIs used by runnerfleet's tests,
benchmarks and demo. Python 3 standard library only; shares no code with the daemon.
"""

__version__ = "0.1.0"
