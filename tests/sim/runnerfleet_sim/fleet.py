# SPDX-License-Identifier: Apache-2.0
"""Keeps the fleet consistent the way the controllers would: Deployment status from
its pods, HPA currentReplicas from its target, ERS/ARS counters from the ephemeral
runners (ARC's counting rules). Also records core/v1 Events with aggregation."""

from . import podstate
from .util import parse_time, rfc3339


def owner_key(obj):
    """What an object belongs to: ('deploy'|'arc', namespace, name) or None."""
    kind = obj.get("kind")
    md = obj.get("metadata", {})
    ns = md.get("namespace", "")
    labels = md.get("labels") or {}
    if kind in ("AutoscalingRunnerSet",):
        return ("arc", ns, md["name"])
    if kind in ("EphemeralRunnerSet", "EphemeralRunner") or (
            kind == "Pod" and labels.get("app.kubernetes.io/component") == "runner"
            and "actions.github.com/scale-set-name" in labels):
        return ("arc", labels.get("actions.github.com/scale-set-namespace", ns),
                labels.get("actions.github.com/scale-set-name", ""))
    if kind == "Deployment":
        return ("deploy", ns, md["name"])
    if kind == "HorizontalPodAutoscaler":
        ref = obj.get("spec", {}).get("scaleTargetRef", {})
        return ("deploy", ns, ref.get("name", "")) if ref.get("kind") == "Deployment" else None
    if kind == "Pod":
        for ref in md.get("ownerReferences") or []:
            if ref.get("kind") == "ReplicaSet" and "-" in ref.get("name", ""):
                return ("deploy", ns, ref["name"].rsplit("-", 1)[0])
    return None


def _selector_match(sel: dict, labels: dict) -> bool:
    return all((labels or {}).get(k) == v for k, v in (sel or {}).items())


def active(pod) -> bool:
    return not pod["metadata"].get("deletionTimestamp") and \
        pod.get("status", {}).get("phase") not in ("Succeeded", "Failed")


def deployment_pods(store, deploy):
    sel = deploy["spec"].get("selector", {}).get("matchLabels", {})
    ns = deploy["metadata"]["namespace"]
    return store.find("pods", ns, lambda p: _selector_match(sel, p["metadata"].get("labels")))


def _cond(conds, type_, status, reason, message, t):
    old = next((c for c in conds if c["type"] == type_), None)
    trans = old["lastTransitionTime"] if old and old["status"] == status else t
    upd = old["lastUpdateTime"] if old and old["status"] == status and \
        old.get("reason") == reason else t
    return {"type": type_, "status": status, "lastUpdateTime": upd,
            "lastTransitionTime": trans, "reason": reason, "message": message}


def deployment_status(factory, d, pods) -> dict:
    """apps/v1 DeploymentStatus for a Deployment whose pods are given."""
    pods = [p for p in pods if active(p)]
    ready = sum(1 for p in pods if podstate.is_ready(p))
    want = d["spec"].get("replicas", 1)
    now = factory.now()
    t = rfc3339(now)
    rs = f"{d['metadata']['name']}-{factory.replicaset(d)[0]}"
    conds = d.get("status", {}).get("conditions", [])
    avail_ok = ready >= want - int(want * 0.25)
    available = _cond(conds, "Available", "True" if avail_ok else "False",
                      "MinimumReplicasAvailable" if avail_ok else "MinimumReplicasUnavailable",
                      "Deployment has minimum availability." if avail_ok
                      else "Deployment does not have minimum availability.", t)
    deadline = d["spec"].get("progressDeadlineSeconds", 600)
    stuck = any(p["status"].get("phase") == "Pending" and not podstate.is_ready(p) and
                now - (parse_time(p["metadata"].get("creationTimestamp")) or now) > deadline
                for p in pods)
    progressing = _cond(conds, "Progressing", "False" if stuck else "True",
                        "ProgressDeadlineExceeded" if stuck else "NewReplicaSetAvailable",
                        f'ReplicaSet "{rs}" has timed out progressing.' if stuck
                        else f'ReplicaSet "{rs}" has successfully progressed.', t)
    st = {"observedGeneration": d["metadata"].get("generation", 1), "replicas": len(pods),
          "updatedReplicas": len(pods), "readyReplicas": ready, "availableReplicas": ready,
          "unavailableReplicas": max(want - ready, 0),
          "conditions": [available, progressing]}
    # apps/v1 DeploymentStatus counters are omitempty: a real server drops zeros.
    return {k: v for k, v in st.items() if v != 0}


def set_hpa_current(hpa, deploy_status):
    cur = deploy_status.get("replicas", 0)
    if cur:
        hpa["status"]["currentReplicas"] = cur
    else:
        hpa["status"].pop("currentReplicas", None)


def reconcile_deployment(store, factory, ns, name):
    d = store.get_copy("deployments", ns, name)
    if d is None:
        return
    d["status"] = deployment_status(factory, d, deployment_pods(store, d))
    store.replace("deployments", ns, name, d)
    for hpa in store.find("horizontalpodautoscalers", ns,
                          lambda h: h["spec"].get("scaleTargetRef", {}).get("name") == name
                          and h["spec"].get("scaleTargetRef", {}).get("kind") == "Deployment"):
        set_hpa_current(hpa, d["status"])
        store.replace("horizontalpodautoscalers", ns, hpa["metadata"]["name"], hpa)


def scale_set_parts(store, ns, name):
    """(ars, ers or None, [ephemeral runners]) of a scale set; ars None if absent."""
    e = store.get("autoscalingrunnersets", ns, name)
    if e is None:
        return None, None, []
    ars = store.get_copy("autoscalingrunnersets", ns, name)
    sets = store.find("ephemeralrunnersets", ns, lambda o: any(
        r.get("uid") == ars["metadata"]["uid"] for r in o["metadata"].get("ownerReferences", [])))
    ers = sets[-1] if sets else None
    runners = []
    if ers:
        uid = ers["metadata"]["uid"]
        runners = store.find("ephemeralrunners", ns, lambda o: any(
            r.get("uid") == uid for r in o["metadata"].get("ownerReferences", [])))
    return ars, ers, runners


def count_runners(runners):
    """ephemeralrunnerset_controller.go: bucket by deletion, then by status.phase."""
    c = {"pending": 0, "running": 0, "failed": 0, "finished": 0, "deleting": 0, "outdated": 0}
    for er in runners:
        if er["metadata"].get("deletionTimestamp"):
            c["deleting"] += 1
            continue
        phase = er.get("status", {}).get("phase", "")
        c[{"Running": "running", "Succeeded": "finished", "Failed": "failed",
           "Outdated": "outdated"}.get(phase, "pending")] += 1
    c["current"] = c["pending"] + c["running"] + c["failed"]
    return c


def set_arc_status(ars, ers, runners):
    """ERS and ARS status from the ephemeral runners (ARS copies the ERS counters)."""
    c = count_runners(runners)
    if ers is not None:
        ers["status"] = {"currentReplicas": c["current"], "pendingEphemeralRunners": c["pending"],
                         "runningEphemeralRunners": c["running"],
                         "failedEphemeralRunners": c["failed"],
                         "phase": "Outdated" if c["outdated"] else "Running"}
    ars["status"] = {"currentRunners": c["current"],
                     "pendingEphemeralRunners": c["pending"],
                     "runningEphemeralRunners": c["running"],
                     "failedEphemeralRunners": c["failed"],
                     "phase": ars.get("status", {}).get("phase") or "Running"}


def reconcile_arc(store, ns, name):
    ars, ers, runners = scale_set_parts(store, ns, name)
    if ars is None:
        return
    set_arc_status(ars, ers, runners)
    if ers is not None:
        store.replace("ephemeralrunnersets", ns, ers["metadata"]["name"], ers)
    store.replace("autoscalingrunnersets", ns, name, ars)


def reconcile(store, factory, touched):
    for kind, ns, name in sorted(t for t in touched if t):
        if kind == "deploy":
            reconcile_deployment(store, factory, ns, name)
        else:
            reconcile_arc(store, ns, name)


def reconcile_all(store, factory):
    touched = {owner_key(d) for d in store.find("deployments")}
    touched |= {owner_key(a) for a in store.find("autoscalingrunnersets")}
    reconcile(store, factory, touched)


def emit_event(store, factory, involved, type_, reason, message, component, host=None,
               field_path=None):
    """Record an Event; a repeat (same object, reason, message) bumps count and
    lastTimestamp like the client-go event aggregator."""
    md = involved["metadata"]
    ns = md.get("namespace") or "default"
    same = store.find("events", ns, lambda e: e["involvedObject"].get("uid") == md["uid"]
                      and e.get("reason") == reason and e.get("message") == message)
    if same:
        ev = same[-1]
        ev["count"] = ev.get("count", 1) + 1
        ev["lastTimestamp"] = rfc3339(factory.now())
        return store.replace("events", ns, ev["metadata"]["name"], ev)
    return store.create(factory.event(involved, type_, reason, message, component, host,
                                      field_path))
