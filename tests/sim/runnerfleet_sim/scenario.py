# SPDX-License-Identifier: Apache-2.0
"""Scenario files: the compact declarative fleet description is expanded into full
objects; the scale generator builds large fleets; the timeline applies named steps."""

import json
import sys
import threading
import time

from . import fleet, ops, resources
from .util import parse_duration

KNOWN_KEYS = {"SPDX-License-Identifier", "description", "seed", "nodes", "namespaces", "gitlab_runners",
              "gitlab", "arc_scale_sets", "objects", "events", "timeline", "expect"}


class ScenarioError(Exception):
    pass


def load_file(path):
    if path in (None, "", "none"):
        return {"namespaces": [], "timeline": []}
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise ScenarioError(f"{path}: {e}")
    if not isinstance(doc, dict):
        raise ScenarioError(f"{path}: top level must be an object")
    unknown = set(doc) - KNOWN_KEYS
    if unknown:
        raise ScenarioError(f"{path}: unknown keys {sorted(unknown)}")
    return doc


def _age(spec, key="age", default="30d"):
    try:
        return parse_duration(spec.get(key, default))
    except ValueError as e:
        raise ScenarioError(f"{spec.get('name', '?')}.{key}: {e}")


def _need(spec, where, *keys):
    for k in keys:
        if k not in spec:
            raise ScenarioError(f"{where}: missing key {k!r}")


# ---- expansion ----------------------------------------------------------------------

def _problem_events(f, pod, age_s):
    """Ongoing kubelet events of a pod that is in trouble at scenario start."""
    out = []
    md, node = pod["metadata"], pod["spec"].get("nodeName")
    for cs in pod["status"].get("containerStatuses", []):
        reason = (cs.get("state", {}).get("waiting") or {}).get("reason")
        fp = f"spec.containers{{{cs['name']}}}"
        first = min(age_s, 7200)
        if reason == "CrashLoopBackOff":
            out.append(f.event(pod, "Warning", "BackOff",
                               f"Back-off restarting failed container {cs['name']} in pod "
                               f"{md['name']}_{md['namespace']}({md['uid']})", "kubelet", node,
                               fp, count=max(cs.get("restartCount", 1) * 4, 1),
                               first_age_s=first, last_age_s=25))
        elif reason in ("ImagePullBackOff", "ErrImagePull"):
            out.append(f.event(pod, "Normal", "BackOff", f'Back-off pulling image '
                               f'"{cs["image"]}"', "kubelet", node, fp, count=87,
                               first_age_s=first, last_age_s=12))
            out.append(f.event(pod, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet",
                               node, fp, count=87, first_age_s=first, last_age_s=12))
    return out


def _resources(r, where):
    """A container's resources from the scenario's compact [cpu_request, memory_request,
    cpu_limit, memory_limit] form."""
    if not (isinstance(r, list) and len(r) == 4 and all(isinstance(x, str) for x in r)):
        raise ScenarioError(f"{where}.resources: expected [cpu_request, memory_request, cpu_limit, memory_limit]")
    return {"requests": {"cpu": r[0], "memory": r[1]}, "limits": {"cpu": r[2], "memory": r[3]}}


def expand_gitlab(f, spec):
    where = f"gitlab_runners[{spec.get('name', '?')}]"
    _need(spec, where, "name", "namespace", "type", "pod_template_hash")
    pods_spec = spec.get("pods", [])
    replicas = spec.get("replicas", len(pods_spec))
    age = _age(spec)
    d = f.gitlab_deployment(spec["name"], spec["namespace"], spec["type"], replicas, age,
                            spec["pod_template_hash"], spec.get("tags"))
    if spec.get("resources"):
        d["spec"]["template"]["spec"]["containers"][0]["resources"] = _resources(spec["resources"], where)
    out = [d]
    for i, p in enumerate(pods_spec):
        name = p.get("name") or f.deployment_pod_name(d)
        f.reserve(name)
        page = _age(p, default="1d")
        pod = f.deployment_pod(d, name, page, p.get("state", "running"), p.get("restarts", 0))
        out.append(pod)
        out.extend(_problem_events(f, pod, page))
    d["status"] = fleet.deployment_status(f, d, [o for o in out if o["kind"] == "Pod"])
    if spec.get("hpa"):
        h = spec["hpa"]
        _need(h, where + ".hpa", "min", "max")
        hpa = f.hpa(d, h["min"], h["max"], age, h.get("cpu_target", 70),
                    h.get("memory_target", 80), h.get("cpu_current"),
                    h.get("memory_current"), h.get("scale_up_window", 15),
                    h.get("scale_down_window", 300))
        fleet.set_hpa_current(hpa, d["status"])
        out.append(hpa)
    return out


def expand_arc(f, spec):
    where = f"arc_scale_sets[{spec.get('name', '?')}]"
    _need(spec, where, "name", "namespace", "github_config_url", "min", "max")
    age = _age(spec)
    ars = f.ars(spec["name"], spec["namespace"], spec["min"], spec["max"],
                spec["github_config_url"], age, spec.get("scale_set_id", 1),
                spec.get("labels"), spec.get("type"))
    if spec.get("resources"):
        for c in ars["spec"]["template"]["spec"]["containers"]:
            if c["name"] == "runner":
                c["resources"] = _resources(spec["resources"], where)
    runners = spec.get("runners", [])
    ers = f.ers(ars, len(runners), age)
    if spec.get("ephemeral_runner_set_name"):
        ers["metadata"]["name"] = spec["ephemeral_runner_set_name"]
        f.reserve(ers["metadata"]["name"])
    out = [ars, ers]
    for r in runners:
        rage = _age(r, default="10m")
        er = f.ephemeral_runner(ers, rage)
        if r.get("name"):
            er["metadata"]["name"] = r["name"]
            f.reserve(r["name"])
        state = r.get("state", "running")
        pod_state = {"running": "running", "pending": "container_creating",
                     "failed": "failed", "succeeded": "succeeded"}.get(state)
        if pod_state is None:
            raise ScenarioError(f"{where}.runners: unknown state {state!r}")
        pod = f.runner_pod(er, rage, pod_state)
        status = {"ready": state == "running",
                  "phase": {"running": "Running", "pending": "Pending", "failed": "Failed",
                            "succeeded": "Succeeded"}[state]}
        if state != "pending":
            status.update(runnerId=r.get("runner_id", f.rng.randint(100, 99999)),
                          runnerName=er["metadata"]["name"])
        if state == "failed":
            status.update(reason="TooManyPodFailures",
                          message="Pod has failed to start more than 5 times: ")
        if r.get("job"):
            status.update(ops._job_status(r["job"]))
        er["status"] = status
        out += [er, pod]
    fleet.set_arc_status(ars, ers, [o for o in out if o["kind"] == "EphemeralRunner"])
    if spec.get("listener", True):
        lst = f.listener(ars, ers, spec.get("controller_namespace", "arc-systems"), age)
        out += [lst, f.listener_pod(lst, _age(spec, "listener_age", "3d"))]
    return out


def expand_event(f, spec, by_key):
    _need(spec, "events[]", "involved", "reason")
    inv = spec["involved"]
    key = (inv.get("plural"), inv.get("namespace", ""), inv.get("name"))
    obj = by_key.get(key)
    if obj is None:
        raise ScenarioError(f"events[]: involved object {key} is not in the scenario")
    return f.event(obj, spec.get("type", "Normal"), spec["reason"], spec.get("message", ""),
                   spec.get("component", "kubelet"), spec.get("host"), spec.get("field_path"),
                   spec.get("count", 1), _age(spec, "first_age", "0s"),
                   _age(spec, "last_age", "0s"))


def expand(f, doc):
    """All objects of a scenario document, in creation order."""
    objs = []
    for ns in doc.get("namespaces", []):
        if isinstance(ns, str):
            ns = {"name": ns}
        objs.append(f.namespace(ns["name"], ns.get("labels"), _age(ns, default="120d")))
    for spec in doc.get("gitlab_runners", []):
        objs += expand_gitlab(f, spec)
    for spec in doc.get("arc_scale_sets", []):
        objs += expand_arc(f, spec)
    objs += [json.loads(json.dumps(o)) for o in doc.get("objects", [])]
    by_key = {}
    for o in objs:
        r = resources.for_object(o)
        if r:
            by_key[(r.plural, o["metadata"].get("namespace", ""), o["metadata"]["name"])] = o
    for ev in doc.get("events", []):
        objs.append(expand_event(f, ev, by_key))
    return objs


# ---- scale generator ----------------------------------------------------------------

GITLAB_TYPES = ("docker", "dind", "nix", "rocky8", "rocky9")
ARC_TYPES = ("nix", "docker", "dind", "l40s")
PROBLEMS = ("crashloop", "image_pull_backoff", "unschedulable", "oom_killed")


def generate_scale(f, pools: int, pods: int, problem_every: int = 50):
    """pools runner pools, half GitLab releases (Deployment + HPA in gitlab-runners),
    half ARC scale sets (arc-runners, listeners in arc-systems), with `pods` runner
    pods in total; one pod in `problem_every` is in trouble. Returns the namespaces, the
    objects and the GitLab release specs (each gets a registration)."""
    objs, seen_ns, releases = [], set(), []
    n_gl = (pools + 1) // 2
    counter = 0
    for i in range(pools):
        share = pods // pools + (1 if i < pods % pools else 0)
        if i < n_gl:
            rtype = GITLAB_TYPES[i % len(GITLAB_TYPES)]
            ns = "gitlab-runners"
            states = []
            for _ in range(share):
                counter += 1
                states.append(PROBLEMS[(counter // problem_every) % len(PROBLEMS)]
                              if counter % problem_every == 0 else "running")
            spec = {"name": f"{rtype}-runner-{i:03d}", "namespace": ns, "type": rtype,
                    "age": "40d", "pod_template_hash": f.suffix(10),
                    "hpa": {"min": 1, "max": max(share * 2, 2), "cpu_current": 30 + i % 50},
                    "pods": [{"state": s, "age": f"{1 + (j % 20)}h",
                              "restarts": 6 if s == "crashloop" else 0}
                             for j, s in enumerate(states)]}
            objs += expand_gitlab(f, spec)
            releases.append(spec)
        else:
            rtype = ARC_TYPES[i % len(ARC_TYPES)]
            ns = "arc-runners"
            runners = []
            for j in range(share):
                counter += 1
                state = "running"
                if counter % problem_every == 0:
                    state = ("pending", "failed")[(counter // problem_every) % 2]
                runners.append({"state": state, "age": f"{1 + j % 50}m"})
            spec = {"name": f"gh-{rtype}-{i:03d}", "namespace": ns, "type": rtype,
                    "github_config_url": "https://github.com/tinyland-inc",
                    "min": 0, "max": max(share * 2, 2), "scale_set_id": 100 + i,
                    "labels": ["linux", "x64", rtype], "age": "20d", "runners": runners}
            objs += expand_arc(f, spec)
            seen_ns.add("arc-systems")
        seen_ns.add(ns)
    return [f.namespace(n) for n in sorted(seen_ns)], objs, releases


# ---- loading into the store ---------------------------------------------------------

def populate(store, f, doc, scale_pools=0, scale_pods=0):
    """Loads the scenario (and the generated pools) into the store; returns every GitLab
    release spec, the scenario's then the generated ones, for the GitLab registrations."""
    objs = expand(f, doc)
    releases = list(doc.get("gitlab_runners", []))
    have = {o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"}
    if scale_pools and scale_pods:
        nss, more, generated = generate_scale(f, scale_pools, scale_pods)
        objs = [n for n in nss if n["metadata"]["name"] not in have] + objs + more
        releases += generated
    store.load(objs)
    # Statuses of expanded runners are computed during expansion; raw objects may
    # belong to a runner, so reconcile their owners.
    fleet.reconcile(store, f, {fleet.owner_key(o) for o in doc.get("objects", [])})
    store.compact()
    return releases


# ---- timeline -----------------------------------------------------------------------

class Timeline:
    def __init__(self, steps, ctx):
        self.ctx = ctx
        self.steps = []
        names = set()
        for i, s in enumerate(steps or []):
            if not isinstance(s, dict) or not s.get("name") or not isinstance(
                    s.get("ops"), list):
                raise ScenarioError(f"timeline[{i}]: needs 'name' and a list 'ops'")
            if s["name"] in names or s["name"] == "next":
                raise ScenarioError(f"timeline[{i}]: duplicate or reserved name "
                                    f"{s['name']!r}")
            names.add(s["name"])
            self.steps.append({"name": s["name"], "at_s": float(s.get("at_s", 0)),
                               "description": s.get("description", ""), "ops": s["ops"],
                               "applied": False})
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def info(self):
        with self._lock:
            return [{"name": s["name"], "at_s": s["at_s"], "description": s["description"],
                     "applied": s["applied"]} for s in self.steps]

    def apply(self, name):
        """Apply the named step (or 'next'); returns its name. KeyError if unknown,
        LookupError if 'next' has nothing left."""
        with self._lock:
            if name == "next":
                step = next((s for s in self.steps if not s["applied"]), None)
                if step is None:
                    raise LookupError("every timeline step has been applied")
            else:
                step = next((s for s in self.steps if s["name"] == name), None)
                if step is None:
                    raise KeyError(name)
            ops.apply(self.ctx, step["ops"])
            step["applied"] = True
            return step["name"]

    def run_auto(self, start):
        def loop():
            for s in sorted(self.steps, key=lambda s: s["at_s"]):
                if self._stop.wait(max(0.0, start + s["at_s"] - time.time())):
                    return
                if not s["applied"]:
                    try:
                        self.apply(s["name"])
                    except Exception as e:  # keep going; report on stderr
                        print(f"runnerfleet-sim: timeline step {s['name']}: {e}",
                              file=sys.stderr)
        threading.Thread(target=loop, daemon=True, name="timeline").start()

    def stop(self):
        self._stop.set()
