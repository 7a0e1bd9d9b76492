# SPDX-License-Identifier: Apache-2.0
"""Shared plumbing for the integration tests: start the simulator and the real daemon on
unique sockets and ports, talk HTTP over the Unix socket, run the CLI, validate answers
against schemas/api. Every process started here is stopped by the test's cleanup."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

SOURCE_DIR = os.environ.get("RUNNERFLEET_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("RUNNERFLEET_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
DAEMON = os.environ.get("RUNNERFLEETD", os.path.join(BUILD_DIR, "daemon", "runnerfleetd"))
CLI = os.environ.get("RUNNERFLEET_CLI", os.path.join(BUILD_DIR, "daemon", "cli", "runnerfleet"))
SIM = os.path.join(SOURCE_DIR, "tests", "sim", "runnerfleet-sim")
SCHEMAS = os.path.join(SOURCE_DIR, "schemas", "api")
NAMESPACES = ["gitlab-runners", "arc-runners", "arc-systems"]


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a Unix stream socket."""

    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.socket_path)
        self.sock = s


class Sim:
    """The fleet simulator as a subprocess, with its control API."""

    def __init__(self, workdir, tls=True, extra_args=()):
        self.state_dir = os.path.join(workdir, "sim")
        self.log_path = os.path.join(workdir, "sim.log")
        args = [sys.executable, SIM, "--port", "0", "--control-port", "0", "--state-dir", self.state_dir,
                "--timeline", "manual", *extra_args]
        if tls:
            args.append("--tls")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("simulator did not start: " + open(self.log_path).read())
        self.info = json.loads(line)
        self.control_url = self.info["control_url"]
        self.kubeconfig = self.info["kubeconfig"]

    def control(self, method, path, body=None):
        host_port = self.control_url.split("//", 1)[1].rstrip("/")
        conn = http.client.HTTPConnection(host_port, timeout=30)
        data = json.dumps(body) if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        text = resp.read().decode()
        conn.close()
        if resp.status >= 300:
            raise AssertionError(f"simulator control {method} {path} -> {resp.status}: {text}")
        return json.loads(text) if text else None

    def step(self, name):
        return self.control("POST", f"/_sim/timeline/{name}")

    def faults(self, **settings):
        return self.control("PUT", "/_sim/faults", settings)

    def clear_faults(self):
        return self.control("DELETE", "/_sim/faults")

    def outage(self, down):
        return self.control("PUT", "/_sim/outage", {"down": down})

    def objects(self, plural, namespace=None):
        path = f"/_sim/objects/{plural}" + (f"?namespace={namespace}" if namespace else "")
        return self.control("GET", path)["items"]

    def stats(self):
        return self.control("GET", "/_sim/stats")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """Debian's real Prometheus on loopback, scraping the simulator's /metrics every 5 s, with
    the simulator's history (if it wrote one) backfilled by promtool before it starts."""

    def __init__(self, workdir, sim, scrape_interval="5s"):
        self.dir = os.path.join(workdir, "prometheus")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data, exist_ok=True)
        self.log_path = os.path.join(workdir, "prometheus.log")
        self.log = open(self.log_path, "w")
        history = sim.info.get("metrics_history")
        if history:
            subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", history, self.data],
                           check=True, stdout=self.log, stderr=self.log)
        target = sim.info["metrics_url"].split("//", 1)[1].split("/", 1)[0]
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"global:\n  scrape_interval: {scrape_interval}\n  evaluation_interval: {scrape_interval}\n"
                    f"scrape_configs:\n  - job_name: runnerfleet-sim\n    honor_labels: true\n"
                    f"    metrics_path: /metrics\n    static_configs:\n      - targets: ['{target}']\n")
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._launch()

    def _launch(self):
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={self.config}", f"--storage.tsdb.path={self.data}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-lifecycle",
             "--storage.tsdb.retention.time=30d"], stdout=self.log, stderr=self.log)
        wait_until(self.ready, 60, interval=0.2, what="Prometheus to be ready")

    def ready(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/-/ready")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def query(self, expr):
        """An instant query straight to Prometheus (for waiting on scrapes, not for assertions)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("POST", "/api/v1/query", body=urllib.parse.urlencode({"query": expr}),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        doc = json.loads(conn.getresponse().read())
        conn.close()
        return doc["data"]["result"]

    def wait_scraped(self, timeout=30):
        """Until Prometheus has scraped the simulator live at least once (up == 1); scraped_at
        is then a time at or after its first scrape."""
        def scraped():
            try:
                return any(r["value"][1] == "1" for r in self.query('up{job="runnerfleet-sim"}'))
            except (OSError, KeyError, ValueError):
                return False
        wait_until(scraped, timeout, interval=0.5, what="Prometheus's first scrape of the simulator")
        self.scraped_at = time.time()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def start_again(self):
        """After stop(): the same data and port (recovery tests)."""
        self.log = open(self.log_path, "a")
        self._launch()


class Daemon:
    """runnerfleetd on a unique socket with a generated config."""

    def __init__(self, workdir, clusters, access=None, thresholds=None, extra=None, wait=True, name="daemon"):
        self.workdir = workdir
        self.socket = os.path.join(workdir, f"{name}.sock")
        self.config_path = os.path.join(workdir, f"{name}.yaml")
        self.log_path = os.path.join(workdir, f"{name}.log")
        config = {"state_dir": os.path.join(workdir, f"{name}-state"), "log": {"level": "debug"},
                  "access": access if access is not None else {"default_role": "operator"},
                  "clusters": clusters}
        if thresholds:
            config["thresholds"] = thresholds
        config.update(extra or {})
        with open(self.config_path, "w") as f:
            json.dump(config, f)  # JSON is YAML
        self.start(wait)

    def start(self, wait=True):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([DAEMON, "--config", self.config_path, "--socket", self.socket],
                                     stdout=self.log, stderr=self.log)
        if wait:
            wait_until(self.answers, 20, what="runnerfleetd to answer on " + self.socket)

    def answers(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"runnerfleetd exited with {self.proc.returncode}: {self.log_text()}")
        try:
            return self.get("/v1/health")[0] == 200
        except OSError:
            return False

    def request(self, method, target, headers=None, body=None, timeout=10):
        conn = UnixHTTPConnection(self.socket, timeout=timeout)
        try:
            conn.request(method, target, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            ctype = resp.getheader("Content-Type", "")
            data = json.loads(raw) if ctype.startswith("application/json") else raw.decode()
            return resp.status, data
        finally:
            conn.close()

    def get(self, target, headers=None):
        return self.request("GET", target, headers=headers)

    def data(self, target, headers=None):
        """GET that must succeed; returns the envelope's data."""
        status, body = self.get(target, headers)
        if status != 200:
            raise AssertionError(f"GET {target} -> {status}: {body}")
        return body["data"]

    def synced(self):
        status, body = self.get("/v1/health")
        return status == 200 and body["data"]["status"] == "ok" and all(
            s["state"] in ("ok", "not_configured") for s in body["data"]["sources"])

    def wait_synced(self, timeout=20):
        wait_until(self.synced, timeout, what="all sources ok")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"runnerfleetd did not stop within {timeout}s after signal {sig}")
        self.log.close()
        return self.proc.returncode

    def log_text(self):
        try:
            return open(self.log_path).read()
        except OSError:
            return ""


def run_cli(socket_path, *args, env=None, timeout=30):
    """Runs the runnerfleet CLI against a daemon socket."""
    full_env = dict(os.environ, NO_COLOR="1")
    full_env.update(env or {})
    return subprocess.run([CLI, "--socket", socket_path, *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env)


class SchemaValidator:
    """Validates API data against schemas/api with a real JSON Schema (2020-12) validator."""

    def __init__(self):
        import jsonschema
        self.jsonschema = jsonschema
        self.store = {}
        for name in os.listdir(SCHEMAS):
            with open(os.path.join(SCHEMAS, name)) as f:
                schema = json.load(f)
            self.store[name] = schema
        for schema in self.store.values():
            jsonschema.Draft202012Validator.check_schema(schema)

    def validate(self, instance, schema_name):
        schema = self.store[schema_name]
        resolver = self.jsonschema.RefResolver(base_uri=schema_name, referrer=schema, store=self.store)
        validator = self.jsonschema.Draft202012Validator(
            schema, resolver=resolver, format_checker=self.jsonschema.Draft202012Validator.FORMAT_CHECKER)
        validator.validate(instance)


class FleetTestCase(unittest.TestCase):
    """A test with a private work dir; sims and daemons started through it are always stopped."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="rf-it-", dir=os.environ.get("RUNNERFLEET_TEST_TMP"))

    def start_sim(self, tls=True, extra_args=()):
        sim = Sim(self.workdir, tls=tls, extra_args=extra_args)
        self.addCleanup(sim.stop)
        return sim

    def start_daemon(self, sim, access=None, thresholds=None, extra=None, namespaces=NAMESPACES, wait=True,
                     name="daemon"):
        clusters = [{"name": "sim", "kubeconfig": sim.kubeconfig, "namespaces": namespaces}]
        daemon = Daemon(self.workdir, clusters, access=access, thresholds=thresholds, extra=extra, wait=wait,
                        name=name)
        self.addCleanup(self._stop_daemon, daemon)
        return daemon

    def start_gitlab_daemon(self, sim, token="admin", arc_pause_mode=None, gitlab=None, **kw):
        """A daemon reading the simulator's GitLab API too (instance scope with the admin token by
        default), polling fast so tests see changes within seconds."""
        config = {"url": sim.info["gitlab_url"], "token_file": sim.info[f"gitlab_{token}_token_file"],
                  "poll_interval": "5s", "max_requests_per_minute": 600}
        if sim.info.get("ca_file"):
            config["ca_file"] = sim.info["ca_file"]
        config.update(gitlab or {})
        extra = dict(kw.pop("extra", None) or {}, gitlab=config)
        if arc_pause_mode:
            extra["arc"] = {"pause_mode": arc_pause_mode}
        return self.start_daemon(sim, extra=extra, **kw)

    def start_gitops_daemon(self, sim, gitops=None, gitlab=None, **kw):
        """A daemon reading the simulator's GitLab too and the tfvars of its project ci/flywheel
        (gitlab-runners/dev and arc-runners/dev, which match the default scenario), polling the
        branch every 5 s."""
        config = {"project": "ci/flywheel", "branch": "main", "poll_interval": "5s",
                  "files": [{"path": "tofu/stacks/gitlab-runners/dev.tfvars"},
                            {"path": "tofu/stacks/arc-runners/dev.tfvars"}]}
        config.update(gitops or {})
        extra = dict(kw.pop("extra", None) or {}, gitops=config)
        return self.start_gitlab_daemon(sim, gitlab=gitlab, extra=extra, **kw)

    def start_synced_fleet(self):
        """The simulator over HTTPS and a daemon that has listed all of it: sets self.sim, self.daemon."""
        self.sim = self.start_sim(tls=True)
        self.daemon = self.start_daemon(self.sim)
        self.daemon.wait_synced()

    def _stop_daemon(self, daemon):
        code = daemon.stop()
        if code not in (0, -signal.SIGKILL, -signal.SIGTERM):
            print(daemon.log_text(), file=sys.stderr)

    def cli_json(self, daemon, *args):
        result = run_cli(daemon.socket, "--json", *args)
        self.assertEqual(result.returncode, 0, f"runnerfleet {' '.join(args)} failed: {result.stderr}")
        return json.loads(result.stdout)


class SSEReader:
    """Reads GET /v1/events/stream in a background thread; frames are (time, fields dict)."""

    def __init__(self, socket_path, last_event_id=None, query=""):
        import threading
        self.frames = []
        self.lock = threading.Lock()
        self.conn = UnixHTTPConnection(socket_path, timeout=60)
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        self.conn.request("GET", "/v1/events/stream" + query, headers=headers)
        self.sock = self.conn.sock  # getresponse() detaches it from the connection
        self.response = self.conn.getresponse()
        if self.response.status != 200:
            raise AssertionError(f"event stream -> {self.response.status}: {self.response.read()!r}")
        self.content_type = self.response.getheader("Content-Type")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        buffer = ""
        try:
            while True:
                chunk = self.response.read1(65536)
                if not chunk:
                    return
                buffer += chunk.decode()
                while "\n\n" in buffer:
                    frame, buffer = buffer.split("\n\n", 1)
                    fields = {}
                    for line in frame.split("\n"):
                        if line.startswith(":") or ":" not in line:
                            continue
                        key, value = line.split(":", 1)
                        fields[key] = value[1:] if value.startswith(" ") else value
                    if fields:
                        with self.lock:
                            self.frames.append((time.monotonic(), fields))
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            return

    def events(self):
        """Parsed fleet events received so far: (arrival time, event dict)."""
        with self.lock:
            return [(t, json.loads(f["data"])) for t, f in self.frames if "id" in f and "data" in f]

    def wait_for(self, predicate, timeout, what="event"):
        """The first event matching predicate, with its arrival time."""
        def find():
            for t, e in self.events():
                if predicate(e):
                    return (t, e)
            return None
        return wait_until(find, timeout, what=what)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(5)
        try:
            self.response.close()
        except (OSError, ValueError, http.client.HTTPException):
            pass  # the stream was cut mid-chunk on purpose
        self.conn.close()
