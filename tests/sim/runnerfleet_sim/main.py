# SPDX-License-Identifier: Apache-2.0
"""Command line: parse flags, start the simulator, print one JSON line, run until
SIGTERM/SIGINT."""

import argparse
import ipaddress
import json
import os
import signal
import sys
import threading

from .scenario import ScenarioError
from .status import ApiError

DEFAULT_SCENARIO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "scenarios", "default.json")


def _loopback(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{host!r} is not a loopback address; the simulator "
                                     "binds only loopback")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="runnerfleet-sim",
        description="Fleet simulator: serves the Kubernetes API (core, apps, autoscaling/v2, "
                    "ARC actions.github.com/v1alpha1) for a scripted runner fleet, with a "
                    "control API for timeline steps, ops and faults.")
    p.add_argument("--scenario", default=DEFAULT_SCENARIO,
                   help="scenario JSON file ('none' for an empty cluster); default: %(default)s")
    p.add_argument("--host", default="127.0.0.1", type=_loopback,
                   help="loopback address to bind (default %(default)s)")
    p.add_argument("--port", type=int, default=0, help="Kubernetes API port (0 = ephemeral)")
    p.add_argument("--control-port", type=int, default=0, help="control API port (0 = ephemeral)")
    p.add_argument("--gitlab-port", type=int, default=0, help="GitLab API port (0 = ephemeral)")
    p.add_argument("--tls", action="store_true",
                   help="serve HTTPS with a generated CA and require a bearer token")
    p.add_argument("--token-file", help="bearer token file (default: a random token written "
                                        "to STATE_DIR/token); re-read when it changes")
    p.add_argument("--state-dir", help="where kubeconfig.yaml, ca.crt, token go (default: a "
                                       "temporary directory removed at exit)")
    p.add_argument("--namespace", default="gitlab-runners",
                   help="namespace of the kubeconfig context (default %(default)s)")
    p.add_argument("--timeline", choices=("auto", "manual"), default="manual",
                   help="auto: apply timeline steps at their at_s offsets; manual: only via "
                        "the control API (default)")
    p.add_argument("--scale-pools", type=int, default=0, metavar="N",
                   help="also generate N runner pools (half GitLab, half ARC)")
    p.add_argument("--scale-pods", type=int, default=0, metavar="M",
                   help="with --scale-pools: M runner pods in total across the pools")
    p.add_argument("--seed", type=int, default=0, help="RNG seed (default: the scenario's)")
    p.add_argument("--bookmark-interval-s", type=float, default=2.0,
                   help="BOOKMARK period on watches that allow them (default %(default)s)")
    p.add_argument("--watch-max-s", type=float, default=1800.0,
                   help="watches without timeoutSeconds end after 1-2x this (default "
                        "%(default)s)")
    p.add_argument("--continue-ttl-s", type=float, default=300.0,
                   help="continue tokens expire after this many seconds (default %(default)s)")
    p.add_argument("--history-size", type=int, default=2000,
                   help="watch events kept per resource; older RVs get 410 (default "
                        "%(default)s)")
    f = p.add_argument_group("faults (also settable at runtime: PUT /_sim/faults)")
    f.add_argument("--drop-watch-every-s", type=float, default=0,
                   help="close every watch stream abruptly N s after it started")
    f.add_argument("--expire-rv-every-s", type=float, default=0,
                   help="every N s: forget the event history; open watches get a 410 ERROR")
    f.add_argument("--expire-watch-fraction", type=float, default=0,
                   help="answer this fraction (0..1) of new watches with a 410 ERROR event")
    f.add_argument("--error-every-n", type=int, default=0,
                   help="answer every Nth API request with --error-code")
    f.add_argument("--error-probability", type=float, default=0,
                   help="answer API requests with --error-code with this probability")
    f.add_argument("--error-code", type=int, default=500, choices=(403, 409, 410, 429, 500, 503),
                   help="status of injected errors (default %(default)s)")
    f.add_argument("--retry-after-s", type=int, default=1,
                   help="Retry-After of injected 429/503 (default %(default)s)")
    f.add_argument("--delay-ms", type=int, default=0, help="delay every API response")
    p.add_argument("--metrics-history", metavar="PATH",
                   help="write the metrics of the last days as OpenMetrics to PATH before the "
                        "start-up line (for promtool tsdb create-blocks-from openmetrics)")
    p.add_argument("--metrics-history-days", type=float, default=7.0, metavar="DAYS",
                   help="how far back --metrics-history goes (default %(default)s)")
    p.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = p.parse_args(argv)
    if bool(args.scale_pools) != bool(args.scale_pods) or args.scale_pools < 0 or \
            args.scale_pods < 0:
        p.error("--scale-pools and --scale-pods go together and must be positive")
    if args.metrics_history_days <= 0:
        p.error("--metrics-history-days must be positive")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from .sim import Sim  # after argument parsing, so --help is instant
    try:
        sim = Sim(args)
        sim.faults.update({
            "drop_watch_every_s": args.drop_watch_every_s,
            "expire_rv_every_s": args.expire_rv_every_s,
            "expire_watch_fraction": args.expire_watch_fraction,
            "error_every_n": args.error_every_n, "error_probability": args.error_probability,
            "error_code": args.error_code, "retry_after_s": args.retry_after_s,
            "delay_ms": args.delay_ms})
        sim.start()
    except (ScenarioError, ValueError, OSError, RuntimeError) as e:
        print(f"runnerfleet-sim: {e}", file=sys.stderr)
        return 2
    except ApiError as e:  # e.g. two scenario objects with the same name
        print(f"runnerfleet-sim: scenario: {e.message}", file=sys.stderr)
        return 2
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    sys.stdout.write(json.dumps(sim.info()) + "\n")
    sys.stdout.flush()
    while not done.wait(3600):
        pass
    sim.stop()
    return 0
