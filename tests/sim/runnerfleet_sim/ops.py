# SPDX-License-Identifier: Apache-2.0
"""The op language of timeline steps and POST /_sim/ops: low-level create/patch/delete
plus macros that move the fleet like the real controllers and kubelet would, emitting
the Events they emit."""

from . import fleet, podstate, resources
from .fleet import emit_event
from .status import ApiError
from .util import rfc3339


class OpError(Exception):
    def __init__(self, message, code=422):
        super().__init__(message)
        self.code = code


class Context:
    def __init__(self, store, factory, sim=None):
        self.store, self.factory, self.sim = store, factory, sim

    @property
    def now(self):
        return self.factory.now()


def _need(op, *keys):
    for k in keys:
        if op.get(k) in (None, ""):
            raise OpError(f"op {op.get('op')!r}: missing {k!r}")


def _plural(op):
    p = op.get("plural", "")
    if p not in resources.BY_PLURAL:
        raise OpError(f"op {op.get('op')!r}: unknown plural {p!r}")
    return p


# ---- target resolution --------------------------------------------------------------

def _find_one(ctx, plural, name, namespace=None):
    hits = ctx.store.find(plural, namespace, lambda o: o["metadata"]["name"] == name)
    if not hits:
        raise OpError(f"{plural} {name!r} not found"
                      + (f" in namespace {namespace!r}" if namespace else ""))
    return hits[0]


def _runner_pods(ctx, runner, namespace=None):
    deps = ctx.store.find("deployments", namespace, lambda o: o["metadata"]["name"] == runner)
    if deps:
        return fleet.deployment_pods(ctx.store, deps[0])
    sets = ctx.store.find("autoscalingrunnersets", namespace,
                          lambda o: o["metadata"]["name"] == runner)
    if sets:
        ns = sets[0]["metadata"]["namespace"]
        return ctx.store.find("pods", ns, lambda p: (p["metadata"].get("labels") or {}).get(
            "actions.github.com/scale-set-name") == runner and p["metadata"]["labels"].get(
            "app.kubernetes.io/component") == "runner")
    raise OpError(f"no Deployment or AutoscalingRunnerSet named {runner!r}")


def _target_pod(ctx, op, want):
    """op names a pod (namespace+name) or a runner; want(pod) picks among its pods."""
    if op.get("name"):
        pod = _find_one(ctx, "pods", op["name"], op.get("namespace"))
    else:
        _need(op, "runner")
        cands = [p for p in _runner_pods(ctx, op["runner"], op.get("namespace")) if want(p)]
        if not cands:
            raise OpError(f"op {op['op']!r}: runner {op['runner']!r} has no suitable pod")
        pod = cands[0]
    if op.get("container") and op["container"] not in \
            [c["name"] for c in pod["spec"]["containers"]]:
        raise OpError(f"container {op['container']!r} is not in pod "
                      f"{pod['metadata']['name']!r}")
    return pod


def _save_pod(ctx, pod, touched):
    md = pod["metadata"]
    saved = ctx.store.replace("pods", md["namespace"], md["name"], pod)
    touched.add(fleet.owner_key(saved))
    return saved


def _kubelet_event(ctx, pod, type_, reason, message, container=None):
    fp = f"spec.containers{{{container}}}" if container else None
    emit_event(ctx.store, ctx.factory, pod, type_, reason, message, "kubelet",
               pod["spec"].get("nodeName"), fp)


def _container(pod, op):
    return op.get("container") or pod["spec"]["containers"][0]["name"]


# ---- low level ----------------------------------------------------------------------

def op_create(ctx, op, touched):
    obj = op.get("object")
    if not isinstance(obj, dict):
        raise OpError("op 'create': missing 'object'")
    created = ctx.store.create(obj)
    touched.add(fleet.owner_key(created))


def op_patch(ctx, op, touched):
    _need(op, "name")
    if not isinstance(op.get("merge"), dict):
        raise OpError("op 'patch': 'merge' must be an object")
    obj = ctx.store.patch(_plural(op), op.get("namespace", ""), op["name"], op["merge"])
    touched.add(fleet.owner_key(obj))


def op_delete(ctx, op, touched):
    _need(op, "name")
    obj = ctx.store.delete(_plural(op), op.get("namespace", ""), op["name"])
    touched.add(fleet.owner_key(obj))


def op_event(ctx, op, touched):
    _need(op, "name", "reason")
    obj = _find_one(ctx, _plural(op), op["name"], op.get("namespace"))
    emit_event(ctx.store, ctx.factory, obj, op.get("type", "Normal"), op["reason"],
               op.get("message", ""), op.get("component", "runnerfleet-sim"),
               op.get("host"), op.get("field_path"))


# ---- pod macros ---------------------------------------------------------------------

def op_crashloop_pod(ctx, op, touched):
    pod = _target_pod(ctx, op, podstate.is_ready)
    c = _container(pod, op)
    podstate.crashloop(ctx.factory, pod, c, ctx.now, int(op.get("restarts", 1)))
    podstate.refresh(pod, ctx.now)
    pod = _save_pod(ctx, pod, touched)
    md = pod["metadata"]
    _kubelet_event(ctx, pod, "Warning", "BackOff",
                   f"Back-off restarting failed container {c} in pod "
                   f"{md['name']}_{md['namespace']}({md['uid']})", c)


def op_recover_pod(ctx, op, touched):
    pod = _target_pod(ctx, op, lambda p: not podstate.is_ready(p) and fleet.active(p))
    c = op.get("container")
    podstate.recover(ctx.factory, pod, c, ctx.now)
    podstate.refresh(pod, ctx.now)
    pod = _save_pod(ctx, pod, touched)
    for name in [c] if c else [x["name"] for x in pod["spec"]["containers"]]:
        _kubelet_event(ctx, pod, "Normal", "Started", f"Started container {name}", name)


def op_image_pull_backoff(ctx, op, touched):
    pod = _target_pod(ctx, op, podstate.is_ready)
    c = _container(pod, op)
    podstate.image_pull(ctx.factory, pod, c, ctx.now)
    podstate.refresh(pod, ctx.now)
    pod = _save_pod(ctx, pod, touched)
    image = next(x["image"] for x in pod["spec"]["containers"] if x["name"] == c)
    _kubelet_event(ctx, pod, "Normal", "BackOff", f'Back-off pulling image "{image}"', c)
    _kubelet_event(ctx, pod, "Warning", "Failed", "Error: ImagePullBackOff", c)


def op_oom_kill(ctx, op, touched):
    pod = _target_pod(ctx, op, lambda p: fleet.active(p))
    c = _container(pod, op)
    loop = bool(op.get("crashloop"))
    podstate.oom_kill(ctx.factory, pod, c, ctx.now, int(op.get("restarts", 1)), loop)
    podstate.refresh(pod, ctx.now)
    pod = _save_pod(ctx, pod, touched)
    md = pod["metadata"]
    if loop:
        _kubelet_event(ctx, pod, "Warning", "BackOff",
                       f"Back-off restarting failed container {c} in pod "
                       f"{md['name']}_{md['namespace']}({md['uid']})", c)
    else:
        _kubelet_event(ctx, pod, "Normal", "Pulled",
                       f'Container image "{pod["spec"]["containers"][0]["image"]}" '
                       f'already present on machine', c)


def op_evict_pod(ctx, op, touched):
    pod = _target_pod(ctx, op, lambda p: fleet.active(p))
    podstate.evict(ctx.factory, pod, ctx.now)
    pod = _save_pod(ctx, pod, touched)
    _kubelet_event(ctx, pod, "Warning", "Evicted", pod["status"]["message"].strip())


def _start_pod_events(ctx, pod):
    md = pod["metadata"]
    emit_event(ctx.store, ctx.factory, pod, "Normal", "Scheduled",
               f"Successfully assigned {md['namespace']}/{md['name']} to "
               f"{pod['spec'].get('nodeName')}", "default-scheduler")
    for c in pod["spec"]["containers"]:
        _kubelet_event(ctx, pod, "Normal", "Pulled",
                       f'Container image "{c["image"]}" already present on machine', c["name"])
        _kubelet_event(ctx, pod, "Normal", "Created", f"Created container {c['name']}",
                       c["name"])
        _kubelet_event(ctx, pod, "Normal", "Started", f"Started container {c['name']}",
                       c["name"])


def _start_pod(ctx, pod, state, touched):
    """Created pod (ContainerCreating) -> running and ready, as two updates."""
    md = pod["metadata"]
    if state == "running":
        podstate.running(ctx.factory, pod, None, ctx.now)
        podstate.refresh(pod, ctx.now)
        pod = _save_pod(ctx, pod, touched)
        _start_pod_events(ctx, pod)
    elif state != "pending":
        raise OpError(f"unsupported start state {state!r}")
    return ctx.store.get_copy("pods", md["namespace"], md["name"])


def _delete_pod(ctx, pod, touched):
    md = pod["metadata"]
    pod["metadata"]["deletionTimestamp"] = rfc3339(ctx.now + 30)
    pod["metadata"]["deletionGracePeriodSeconds"] = 30
    pod = _save_pod(ctx, pod, touched)
    for c in pod["spec"]["containers"]:
        _kubelet_event(ctx, pod, "Normal", "Killing", f"Stopping container {c['name']}",
                       c["name"])
    ctx.store.delete("pods", md["namespace"], md["name"])


# ---- HPA / Deployment ---------------------------------------------------------------

def op_scale_hpa(ctx, op, touched):
    _need(op, "replicas")
    if op.get("name"):
        hpa = _find_one(ctx, "horizontalpodautoscalers", op["name"], op.get("namespace"))
    else:
        _need(op, "runner")
        hits = ctx.store.find("horizontalpodautoscalers", op.get("namespace"), lambda h: h[
            "spec"].get("scaleTargetRef", {}).get("name") == op["runner"])
        if not hits:
            raise OpError(f"no HPA targets {op['runner']!r}")
        hpa = hits[0]
    ns, hname = hpa["metadata"]["namespace"], hpa["metadata"]["name"]
    ref = hpa["spec"]["scaleTargetRef"]
    deploy = _find_one(ctx, "deployments", ref["name"], ns)
    old = deploy["spec"].get("replicas", 1)
    lo, hi = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
    asked = int(op["replicas"])
    new = max(lo, min(hi, asked))
    now = rfc3339(ctx.now)
    up = new > old
    cpu_target = next((m["resource"]["target"].get("averageUtilization", 70)
                       for m in hpa["spec"].get("metrics", [])
                       if m.get("type") == "Resource" and m["resource"]["name"] == "cpu"), 70)
    cpu = int(op.get("cpu", cpu_target + 25 if up else max(cpu_target - 40, 5)))
    st = hpa["status"]
    st["desiredReplicas"] = new
    metrics = [m for m in st.get("currentMetrics") or []
               if m.get("resource", {}).get("name") != "cpu"]
    st["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": {
        "averageUtilization": cpu, "averageValue": f"{cpu // 2}m"}}}] + metrics
    limited = asked != new
    conds = {c["type"]: c for c in st.get("conditions", [])}
    for type_, status, reason, msg in (
            ("AbleToScale", "True", "SucceededRescale",
             f"the HPA controller was able to update the target scale to {new}"),
            ("ScalingActive", "True", "ValidMetricFound",
             "the HPA was able to successfully calculate a replica count from cpu resource "
             "utilization (percentage of request)"),
            ("ScalingLimited", "True" if limited else "False",
             ("TooManyReplicas" if asked > hi else "TooFewReplicas") if limited
             else "DesiredWithinRange",
             ("the desired replica count is more than the maximum replica count"
              if asked > hi else "the desired replica count is less than the minimum replica "
                                 "count") if limited
             else "the desired count is within the acceptable range")):
        prev = conds.get(type_, {})
        conds[type_] = {"type": type_, "status": status,
                        "lastTransitionTime": prev.get("lastTransitionTime", now)
                        if prev.get("status") == status else now,
                        "reason": reason, "message": msg}
    st["conditions"] = [conds[k] for k in ("AbleToScale", "ScalingActive", "ScalingLimited")]
    if new != old:
        st["lastScaleTime"] = now
    hpa = ctx.store.replace("horizontalpodautoscalers", ns, hname, hpa)
    if new == old:
        return
    why = "cpu resource utilization (percentage of request) above target" if up \
        else "All metrics below target"
    emit_event(ctx.store, ctx.factory, hpa, "Normal", "SuccessfulRescale",
               f"New size: {new}; reason: {why}", "horizontal-pod-autoscaler")
    scale_deployment(ctx, deploy, new, touched, op.get("pods_state", "running"))


def scale_deployment(ctx, deploy, new, touched, state="running"):
    ns, name = deploy["metadata"]["namespace"], deploy["metadata"]["name"]
    old = deploy["spec"].get("replicas", 1)
    deploy["spec"]["replicas"] = new
    deploy = ctx.store.replace("deployments", ns, name, deploy)
    touched.add(("deploy", ns, name))
    rs = f"{name}-{ctx.factory.replicaset(deploy)[0]}"
    emit_event(ctx.store, ctx.factory, deploy, "Normal", "ScalingReplicaSet",
               f"Scaled {'up' if new > old else 'down'} replica set {rs} from {old} to {new}",
               "deployment-controller")
    pods = [p for p in fleet.deployment_pods(ctx.store, deploy) if fleet.active(p)]
    if new > len(pods):
        for _ in range(new - len(pods)):
            pod = ctx.factory.deployment_pod(deploy, ctx.factory.deployment_pod_name(deploy),
                                             0, "container_creating")
            pod = ctx.store.create(pod)
            _start_pod(ctx, pod, state, touched)
    elif new < len(pods):
        # The ReplicaSet controller deletes not-ready pods first, then the newest.
        victims = [p for p in pods if not podstate.is_ready(p)]
        victims += sorted((p for p in pods if podstate.is_ready(p)),
                          key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)
        for pod in victims[:len(pods) - new]:
            _delete_pod(ctx, pod, touched)


def op_scale_deployment(ctx, op, touched):
    _need(op, "name", "replicas")
    deploy = _find_one(ctx, "deployments", op["name"], op.get("namespace"))
    scale_deployment(ctx, deploy, int(op["replicas"]), touched, op.get("pods_state", "running"))


# ---- ARC ------------------------------------------------------------------------------

def _scale_set(ctx, op):
    _need(op, "scale_set")
    ars = _find_one(ctx, "autoscalingrunnersets", op["scale_set"], op.get("namespace"))
    _, ers, runners = fleet.scale_set_parts(ctx.store, ars["metadata"]["namespace"],
                                            ars["metadata"]["name"])
    if ers is None:
        raise OpError(f"scale set {op['scale_set']!r} has no EphemeralRunnerSet")
    return ars, ers, runners


def _pick_runner(runners, op, want):
    if op.get("name"):
        hits = [r for r in runners if r["metadata"]["name"] == op["name"]]
    else:
        hits = [r for r in runners if want(r)]
    if not hits:
        raise OpError(f"op {op['op']!r}: no suitable ephemeral runner in "
                      f"{op['scale_set']!r}")
    return hits[0]


def _save_er(ctx, er, touched):
    md = er["metadata"]
    er = ctx.store.replace("ephemeralrunners", md["namespace"], md["name"], er)
    touched.add(fleet.owner_key(er))
    return er


def _set_replicas(ctx, ers, delta):
    md = ers["metadata"]
    ers = ctx.store.get_copy("ephemeralrunnersets", md["namespace"], md["name"])
    n = max(ers["spec"].get("replicas", 0) + delta, 0)
    if n:
        ers["spec"]["replicas"] = n
    else:
        ers["spec"].pop("replicas", None)
    ctx.store.replace("ephemeralrunnersets", md["namespace"], md["name"], ers)


JOB_FIELDS = {"jobRequestId", "jobId", "jobRepositoryName", "jobWorkflowRef",
              "workflowRunId", "jobDisplayName"}


def _job_status(job: dict) -> dict:
    bad = set(job) - JOB_FIELDS
    if bad:
        raise OpError(f"unknown job fields {sorted(bad)}; known: {sorted(JOB_FIELDS)}")
    out = dict(job)
    if "jobId" in out:
        out["jobId"] = str(out["jobId"])
    return out


def op_add_ephemeral_runner(ctx, op, touched):
    ars, ers, _ = _scale_set(ctx, op)
    phase = op.get("phase", "Running")
    if phase not in ("Pending", "Running"):
        raise OpError("add_ephemeral_runner: phase must be Pending or Running")
    count = int(op.get("count", 1))
    _set_replicas(ctx, ers, count)
    for _ in range(count):
        er = ctx.store.create(ctx.factory.ephemeral_runner(ers, 0))
        touched.add(fleet.owner_key(er))
        er["status"] = {"ready": False, "phase": "Pending"}
        er = _save_er(ctx, er, touched)
        pod = ctx.store.create(ctx.factory.runner_pod(er, 0, "container_creating"))
        if phase == "Running":
            _start_pod(ctx, pod, "running", touched)
            rid = ctx.factory.rng.randint(100, 99999)
            er["status"] = {"ready": True, "phase": "Running", "runnerId": rid,
                            "runnerName": er["metadata"]["name"]}
            if op.get("job"):
                er["status"].update(_job_status(op["job"]))
            _save_er(ctx, er, touched)


def op_assign_job(ctx, op, touched):
    _, _, runners = _scale_set(ctx, op)
    _need(op, "job")
    er = _pick_runner(runners, op, lambda r: r.get("status", {}).get("phase") == "Running"
                      and not r["status"].get("jobId"))
    er["status"].update(_job_status(op["job"]))
    _save_er(ctx, er, touched)


def _runner_pod(ctx, er):
    md = er["metadata"]
    return ctx.store.get_copy("pods", md["namespace"], md["name"])


def op_fail_ephemeral_runner(ctx, op, touched):
    _, _, runners = _scale_set(ctx, op)
    er = _pick_runner(runners, op, lambda r: r.get("status", {}).get("phase") == "Running")
    pod = _runner_pod(ctx, er)
    t = rfc3339(ctx.now)
    if pod:
        podstate.terminate(ctx.factory, pod, ctx.now, succeeded=False)
        podstate.refresh(pod, ctx.now)
        _save_pod(ctx, pod, touched)
    st = {"ready": False, "phase": "Failed", "reason": "TooManyPodFailures",
          "message": "Pod has failed to start more than 5 times: ",
          "failures": {pod["metadata"]["uid"] if pod else er["metadata"]["uid"]: t}}
    for k in ("runnerId", "runnerName"):
        if k in er.get("status", {}):
            st[k] = er["status"][k]
    er["status"] = st
    _save_er(ctx, er, touched)


def op_finish_ephemeral_runner(ctx, op, touched):
    _, ers, runners = _scale_set(ctx, op)
    busy = [r for r in runners if r.get("status", {}).get("jobId")]
    er = _pick_runner(busy or runners, op,
                      lambda r: r.get("status", {}).get("phase") == "Running")
    pod = _runner_pod(ctx, er)
    if pod:
        podstate.terminate(ctx.factory, pod, ctx.now, succeeded=True)
        podstate.refresh(pod, ctx.now)
        _save_pod(ctx, pod, touched)
    er["status"] = {"ready": False, "phase": "Succeeded",
                    **{k: v for k, v in er["status"].items() if k not in ("ready", "phase")}}
    er = _save_er(ctx, er, touched)
    if op.get("keep"):
        return
    md = er["metadata"]
    if pod:
        ctx.store.delete("pods", md["namespace"], md["name"])
    er["metadata"]["deletionTimestamp"] = rfc3339(ctx.now)
    er = _save_er(ctx, er, touched)
    ctx.store.delete("ephemeralrunners", md["namespace"], md["name"])
    _set_replicas(ctx, ers, -1)


def _listeners_of(ctx, ars):
    name = ars["metadata"]["name"]
    return ctx.store.find("autoscalinglisteners", None,
                          lambda o: o["spec"].get("autoscalingRunnerSetName") == name and
                          o["spec"].get("autoscalingRunnerSetNamespace") ==
                          ars["metadata"]["namespace"])


def op_remove_listener(ctx, op, touched):
    ars, _, _ = _scale_set(ctx, op)
    listeners = _listeners_of(ctx, ars)
    if not listeners:
        raise OpError(f"scale set {op['scale_set']!r} has no listener")
    for lst in listeners:
        md = lst["metadata"]
        if ctx.store.get("pods", md["namespace"], md["name"]):
            ctx.store.delete("pods", md["namespace"], md["name"])
        ctx.store.delete("autoscalinglisteners", md["namespace"], md["name"])


def op_restore_listener(ctx, op, touched):
    ars, ers, _ = _scale_set(ctx, op)
    if _listeners_of(ctx, ars):
        raise OpError(f"scale set {op['scale_set']!r} already has a listener")
    ns = op.get("listener_namespace", "arc-systems")
    lst = ctx.store.create(ctx.factory.listener(ars, ers, ns, 0))
    ctx.store.create(ctx.factory.listener_pod(lst, 0))


# ---- simulator switches -------------------------------------------------------------

def op_faults(ctx, op, touched):
    if ctx.sim is None:
        raise OpError("op 'faults' needs a running simulator")
    if op.get("clear"):
        ctx.sim.faults.clear()
    try:
        ctx.sim.faults.update(op.get("set") or {})
    except ValueError as e:
        raise OpError(str(e), 400)
    ctx.sim.restart_expiry()


def op_outage(ctx, op, touched):
    if ctx.sim is None:
        raise OpError("op 'outage' needs a running simulator")
    ctx.sim.set_outage(bool(op.get("down")))


OPS = {
    "create": op_create, "patch": op_patch, "delete": op_delete, "event": op_event,
    "crashloop_pod": op_crashloop_pod, "recover_pod": op_recover_pod,
    "image_pull_backoff": op_image_pull_backoff, "oom_kill": op_oom_kill,
    "evict_pod": op_evict_pod, "scale_hpa": op_scale_hpa,
    "scale_deployment": op_scale_deployment,
    "add_ephemeral_runner": op_add_ephemeral_runner, "assign_job": op_assign_job,
    "fail_ephemeral_runner": op_fail_ephemeral_runner,
    "finish_ephemeral_runner": op_finish_ephemeral_runner,
    "remove_listener": op_remove_listener, "restore_listener": op_restore_listener,
    "faults": op_faults, "outage": op_outage,
}


def apply(ctx, ops, reconcile=True):
    """Apply ops in order, atomically with respect to readers and watchers. Raises
    OpError (bad op) or ApiError (e.g. AlreadyExists); earlier ops stay applied."""
    if not isinstance(ops, list):
        raise OpError("'ops' must be a list", 400)
    touched = set()
    deferred = []
    with ctx.store.cond:
        try:
            for i, op in enumerate(ops):
                if not isinstance(op, dict) or op.get("op") not in OPS:
                    name = op.get("op") if isinstance(op, dict) else op
                    raise OpError(f"ops[{i}]: unknown op {name!r}; known: {', '.join(OPS)}")
                if op["op"] == "outage":
                    deferred.append(op)
                    continue
                try:
                    OPS[op["op"]](ctx, op, touched)
                except (OpError, ApiError) as e:
                    msg = e.message if isinstance(e, ApiError) else str(e)
                    raise OpError(f"ops[{i}] ({op['op']}): {msg}", e.code) from None
        finally:
            if reconcile:
                fleet.reconcile(ctx.store, ctx.factory, touched)
    # An outage closes sockets; do it outside the store lock.
    for op in deferred:
        op_outage(ctx, op, touched)
    return ctx.store.rv
