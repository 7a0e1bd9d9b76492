# SPDX-License-Identifier: Apache-2.0
"""The running simulator: wires store, scenario, listeners, faults and timers."""

import os
import shutil
import sys
import tempfile
import threading
import time

from . import backfill, metrics_fleet, metrics_model, ops, scenario, tls
from .builders import Factory
from .control import ControlHandler
from .exposition import Endpoint
from .faults import Faults
from .gitlab import GitLab, GitLabHandler
from .k8s_api import K8sHandler
from .server import Listener
from .stats import Stats
from .store import Store


class Sim:
    def __init__(self, args):
        self.args = args
        self.host = args.host
        self.tls = args.tls
        self.bookmark_interval_s = args.bookmark_interval_s
        self.watch_max_s = args.watch_max_s
        self.continue_ttl_s = args.continue_ttl_s
        self.start_time = time.time()
        self.store = Store(history_size=args.history_size)
        self.faults = Faults(seed=args.seed)
        self.stats = Stats()
        self.down = False
        self._outage_lock = threading.Lock()
        self._expiry_stop = threading.Event()
        self._expiry_thread = None
        self.own_state_dir = not args.state_dir
        self.state_dir = args.state_dir or tempfile.mkdtemp(prefix="runnerfleet-sim-")
        os.makedirs(self.state_dir, exist_ok=True)
        self.scenario = scenario.load_file(args.scenario)
        self.metric_profiles = metrics_model.profiles(self.scenario)
        self.factory = Factory(self.start_time, seed=args.seed or self.scenario.get("seed", 42),
                               nodes=self.scenario.get("nodes"), clock=time.time)
        self.ctx = ops.Context(self.store, self.factory, self)
        self.timeline = scenario.Timeline(self.scenario.get("timeline"), self.ctx)
        releases = scenario.populate(self.store, self.factory, self.scenario,
                                     args.scale_pools, args.scale_pods)
        self.gitlab = GitLab(self.scenario.get("gitlab", {}), releases, self.state_dir, self.start_time)
        self.metrics = Endpoint(lambda: self.metric_set(live=True), self.stats)
        self.metrics_history = None

    # ---- lifecycle -------------------------------------------------------------------

    def start(self):
        self.ca_file = os.path.join(self.state_dir, "ca.crt")
        cert, key = tls.generate_certs(self.state_dir, self.host)
        if self.args.token_file:
            self.token_file = os.path.abspath(self.args.token_file)
        else:
            self.token_file = tls.write_token(self.state_dir)
        self.token = tls.TokenFile(self.token_file)
        ctx = tls.server_context(cert, key) if self.tls else None
        self.listener = Listener(self.host, self.args.port, K8sHandler, self, ctx,
                                 self.args.verbose)
        self.listener.start()
        self.control = Listener(self.host, self.args.control_port, ControlHandler, self,
                                None, self.args.verbose)
        self.control.start()
        self.gitlab_listener = Listener(self.host, self.args.gitlab_port, GitLabHandler, self, ctx,
                                        self.args.verbose)
        self.gitlab_listener.start()
        scheme = "https" if self.tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.k8s_url = f"{scheme}://{host}:{self.listener.port}"
        self.control_url = f"http://{host}:{self.control.port}"
        self.gitlab_url = f"{scheme}://{host}:{self.gitlab_listener.port}"
        self.kubeconfig = tls.write_kubeconfig(
            self.state_dir, self.k8s_url, self.tls, self.ca_file, self.token.current(),
            self.args.namespace)
        self.restart_expiry()
        if self.args.metrics_history:
            self.write_metrics_history(self.args.metrics_history, self.args.metrics_history_days)
        if self.args.timeline == "auto":
            self.timeline.run_auto(self.start_time)

    def stop(self):
        self.timeline.stop()
        self._expiry_stop.set()
        for lst in (getattr(self, "listener", None), getattr(self, "control", None),
                    getattr(self, "gitlab_listener", None)):
            if lst:
                lst.stop()
        self.store.kill_watches()
        if self.own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def info(self) -> dict:
        return {"k8s_url": self.k8s_url, "tls": self.tls, "ca_file": self.ca_file,
                "token_file": self.token_file, "kubeconfig": self.kubeconfig,
                "state_dir": self.state_dir, "resource_version": str(self.store.rv),
                "timeline": [{"name": s["name"], "applied": s["applied"], "at_s": s["at_s"]}
                             for s in self.timeline.info()],
                "down": self.down, "control_url": self.control_url,
                "gitlab_url": self.gitlab_url, "gitlab_admin_token_file": self.gitlab.admin_token_file,
                "gitlab_user_token_file": self.gitlab.user_token_file,
                "metrics_url": self.control_url + "/metrics", "metrics_history": self.metrics_history}

    # ---- metrics ---------------------------------------------------------------------

    def metric_set(self, live: bool):
        """Every series the fleet exposes now; live: ARC gauges from state, else modelled."""
        return metrics_fleet.collect(self.store, self.metric_profiles, self.gitlab.version_of,
                                     self.start_time, live)

    def write_metrics_history(self, path: str, days: float):
        """Backfills the last `days` up to start_time, where the live scrape continues the counters."""
        t0 = time.monotonic()
        path = os.path.abspath(path)
        written = backfill.write(path, self.metric_set(live=False), self.start_time, days)
        self.metrics_history = path
        if self.args.verbose:
            print(f"runnerfleet-sim: metrics history {path}: {written['series']} series, "
                  f"{written['samples']} samples, {written['bytes']} bytes in "
                  f"{time.monotonic() - t0:.2f} s", file=sys.stderr)

    # ---- faults ----------------------------------------------------------------------

    def hidden_groups(self):
        return tuple(self.faults.get("hide_groups") or ())

    def replace_faults(self, values: dict):
        self.faults.update(values)  # validate first, so a bad body changes nothing
        self.faults.clear()
        self.faults.update(values)

    def restart_expiry(self):
        """(Re)start the timer of the expire_rv_every_s fault."""
        self._expiry_stop.set()
        if self._expiry_thread:
            self._expiry_thread.join(timeout=2)
        period = self.faults.get("expire_rv_every_s")
        self._expiry_stop = threading.Event()
        self._expiry_thread = None
        if not period:
            return
        stop = self._expiry_stop

        def loop():
            while not stop.wait(period):
                self.store.expire_watches()
        self._expiry_thread = threading.Thread(target=loop, daemon=True, name="expire-rv")
        self._expiry_thread.start()

    def set_outage(self, down: bool):
        with self._outage_lock:
            if down and not self.down:
                self.down = True
                self.listener.stop()
                self.store.kill_watches()
            elif not down and self.down:
                self.listener.start()
                self.down = False
