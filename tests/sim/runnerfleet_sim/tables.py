# SPDX-License-Identifier: Apache-2.0
"""Server-side printing: meta.k8s.io Table rows like kube-apiserver's printers and
the CRD additionalPrinterColumns of ARC."""

import time

from .util import age_since, human_duration, parse_time

NAME_DESC = "Name must be unique within a namespace. Is required when creating resources, " \
            "although some resources may allow a client to request the generation of an " \
            "appropriate name automatically. Name is primarily intended for creation " \
            "idempotence and configuration definition. Cannot be updated. More info: " \
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
AGE_DESC = "CreationTimestamp is a timestamp representing the server time when this object " \
           "was created. It is not guaranteed to be set in happens-before order across " \
           "separate operations. Clients may not set this value. It is represented in " \
           "RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for " \
           "lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/" \
           "api-conventions.md#metadata"


def col(name, type_="string", priority=0, desc="", fmt=""):
    return {"name": name, "type": type_, "format": fmt, "description": desc,
            "priority": priority}


NAME_COL = col("Name", desc=NAME_DESC, fmt="name")
AGE_COL = col("Age", desc=AGE_DESC)


def _age(obj, now):
    return age_since(obj.get("metadata", {}).get("creationTimestamp"), now)


# ---- pods ------------------------------------------------------------------------

POD_COLS = [
    NAME_COL,
    col("Ready", desc="The aggregate readiness state of this pod for accepting traffic."),
    col("Status", desc="The aggregate status of the containers in this pod."),
    col("Restarts", desc="The number of times the containers in this pod have been "
                         "restarted and when the last container in this pod has restarted."),
    AGE_COL,
    col("IP", priority=1, desc="IP address allocated to the pod. Routable at least within "
                               "the cluster. Empty if not yet allocated."),
    col("Node", priority=1, desc="NodeName indicates in which node this pod is scheduled."),
]


def pod_status_reason(pod) -> str:
    """The STATUS column of `kubectl get pods` (printPod in kubernetes/pkg/printers)."""
    st = pod.get("status", {})
    reason = st.get("reason") or st.get("phase", "")
    initializing = False
    init_statuses = st.get("initContainerStatuses") or []
    n_init = len(pod.get("spec", {}).get("initContainers") or [])
    for i, c in enumerate(init_statuses):
        state = c.get("state", {})
        term, wait = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode", 0) == 0:
            continue
        if term:
            reason = "Init:" + (term.get("reason") or f"ExitCode:{term.get('exitCode', 0)}")
        elif wait and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{n_init}"
        initializing = True
        break
    if not initializing:
        has_running = False
        for c in reversed(st.get("containerStatuses") or []):
            state = c.get("state", {})
            wait, term = state.get("waiting"), state.get("terminated")
            if wait and wait.get("reason"):
                reason = wait["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = (f"Signal:{term['signal']}" if term.get("signal")
                          else f"ExitCode:{term.get('exitCode', 0)}")
            elif c.get("ready") and "running" in state:
                has_running = True
        if reason == "Completed" and has_running:
            ready = any(x.get("type") == "Ready" and x.get("status") == "True"
                        for x in st.get("conditions") or [])
            reason = "Running" if ready else "NotReady"
    if pod.get("metadata", {}).get("deletionTimestamp") and \
            st.get("phase") not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason


def _pod_row(pod, now):
    st = pod.get("status", {})
    statuses = st.get("containerStatuses") or []
    total = len(pod.get("spec", {}).get("containers") or [])
    ready = sum(1 for c in statuses if c.get("ready") and "running" in c.get("state", {}))
    restarts, last = 0, None
    for c in statuses + (st.get("initContainerStatuses") or []):
        restarts += int(c.get("restartCount", 0))
        fin = parse_time((c.get("lastState", {}).get("terminated") or {}).get("finishedAt"))
        if fin and (last is None or fin > last):
            last = fin
    restarts_s = f"{restarts} ({human_duration(now - last)} ago)" if restarts and last \
        else str(restarts)
    return [pod["metadata"]["name"], f"{ready}/{total}", pod_status_reason(pod), restarts_s,
            _age(pod, now), st.get("podIP") or "<none>",
            pod.get("spec", {}).get("nodeName") or "<none>"]


# ---- deployments, hpa, namespaces, events -------------------------------------------

DEPLOY_COLS = [
    NAME_COL,
    col("Ready", desc="Number of the pod with ready state"),
    col("Up-to-date", "integer", desc="Total number of non-terminated pods targeted by this "
                                      "deployment that have the desired template spec."),
    col("Available", "integer", desc="Total number of available pods (ready for at least "
                                     "minReadySeconds) targeted by this deployment."),
    AGE_COL,
    col("Containers", priority=1, desc="Names of each container in the template."),
    col("Images", priority=1, desc="Images referenced by each container in the template."),
    col("Selector", priority=1, desc="Label selector for pods. Existing ReplicaSets whose "
                                     "pods are selected by this will be the ones affected "
                                     "by this deployment."),
]


def _deploy_row(d, now):
    spec, st = d.get("spec", {}), d.get("status", {})
    ctrs = spec.get("template", {}).get("spec", {}).get("containers") or []
    sel = spec.get("selector", {}).get("matchLabels") or {}
    return [d["metadata"]["name"], f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            st.get("updatedReplicas", 0), st.get("availableReplicas", 0), _age(d, now),
            ",".join(c.get("name", "") for c in ctrs),
            ",".join(c.get("image", "") for c in ctrs),
            ",".join(f"{k}={v}" for k, v in sorted(sel.items()))]


HPA_COLS = [
    NAME_COL,
    col("Reference", desc="reference to the target object"),
    col("Targets", desc="the current and the target values of the metrics"),
    col("MinPods", desc="lower limit for the number of pods"),
    col("MaxPods", "integer", desc="upper limit for the number of pods"),
    col("Replicas", "integer", desc="current number of replicas of pods managed by this "
                                    "autoscaler"),
    AGE_COL,
]


def _metric_target(m):
    t = m.get("type")
    body = m.get({"Resource": "resource", "ContainerResource": "containerResource",
                  "Pods": "pods", "Object": "object", "External": "external"}.get(t, ""), {})
    target = body.get("target", {})
    if t in ("Resource", "ContainerResource"):
        name = body.get("name", "")
    else:
        name = body.get("metric", {}).get("name", "")
    if "averageUtilization" in target:
        return name, f"{target['averageUtilization']}%", "averageUtilization"
    if "averageValue" in target:
        return name, str(target["averageValue"]), "averageValue"
    return name, str(target.get("value", "<unset>")), "value"


def _hpa_targets(hpa):
    specs = hpa.get("spec", {}).get("metrics") or []
    currents = hpa.get("status", {}).get("currentMetrics") or []
    out = []
    for m in specs:
        name, target, field = _metric_target(m)
        cur = "<unknown>"
        for c in currents:
            if c.get("type") != m.get("type"):
                continue
            body = next((v for k, v in c.items() if k != "type"), {})
            cname = body.get("name") or body.get("metric", {}).get("name")
            if cname == name and field in body.get("current", {}):
                v = body["current"][field]
                cur = f"{v}%" if field == "averageUtilization" else str(v)
        out.append(f"{name}: {cur}/{target}")
    if not out:
        return "<none>"
    if len(out) > 2:
        return ", ".join(out[:2]) + f" + {len(out) - 2} more..."
    return ", ".join(out)


def _hpa_row(h, now):
    spec, st = h.get("spec", {}), h.get("status", {})
    ref = spec.get("scaleTargetRef", {})
    return [h["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}",
            _hpa_targets(h), str(spec.get("minReplicas", "<unset>")),
            spec.get("maxReplicas", 0), st.get("currentReplicas", 0), _age(h, now)]


NS_COLS = [NAME_COL, col("Status", desc="The status of the namespace"), AGE_COL]


def _ns_row(n, now):
    return [n["metadata"]["name"], n.get("status", {}).get("phase", ""), _age(n, now)]


EVENT_COLS = [
    col("Last Seen", desc="The time at which the most recent occurrence of this event "
                          "was recorded."),
    col("Type", desc="Type of this event (Normal, Warning), new types could be added in the "
                     "future"),
    col("Reason", desc="This should be a short, machine understandable string that gives "
                       "the reason for the transition into the object's current status."),
    col("Object", desc="The object that this event is about."),
    col("Subobject", priority=1, desc="If referring to a piece of an object instead of an "
                                      "entire object, this string should contain a valid "
                                      "JSON/Go field access statement."),
    col("Source", priority=1, desc="The component reporting this event. Should be a short "
                                   "machine understandable string."),
    col("Message", desc="A human-readable description of the status of this operation."),
    col("First Seen", priority=1, desc="The time at which the event was first recorded."),
    col("Count", priority=1, desc="The number of times this event has occurred."),
    col("Name", priority=1, desc=NAME_DESC, fmt="name"),
]


def _event_row(e, now):
    inv, src = e.get("involvedObject", {}), e.get("source", {})
    last = e.get("lastTimestamp") or e.get("eventTime")
    first = e.get("firstTimestamp") or e.get("eventTime")
    count = e.get("count") or 1
    last_s = age_since(last, now)
    if count > 1:
        last_s = f"{last_s} (x{count} over {age_since(first, now)})"
    source = src.get("component", "")
    if src.get("host"):
        source += ", " + src["host"]
    return [last_s, e.get("type", ""), e.get("reason", ""),
            f"{inv.get('kind', '').lower()}/{inv.get('name', '')}", inv.get("fieldPath", ""),
            source, e.get("message", "").strip(), age_since(first, now), str(count),
            e["metadata"]["name"]]


# ---- ARC custom resources (CRD additionalPrinterColumns) ---------------------------

def _crd(columns):
    """columns: (name, type, path-tuple). Missing values are null cells."""
    defs = [NAME_COL] + [col(n, t, desc="") if n != "Age" else col("Age", "date", desc="")
                         for n, t, _ in columns]

    def row(obj, now):
        cells = [obj["metadata"]["name"]]
        for name, type_, path in columns:
            v = obj
            for p in path:
                v = v.get(p) if isinstance(v, dict) else None
            if type_ == "date":
                v = age_since(v, now) if v else None
            cells.append(v)
        return cells
    return defs, row


ARS_COLS, _ars_row = _crd([
    ("Minimum Runners", "integer", ("spec", "minRunners")),
    ("Maximum Runners", "integer", ("spec", "maxRunners")),
    ("Current Runners", "integer", ("status", "currentRunners")),
    ("Phase", "string", ("status", "phase")),
    ("Pending Runners", "integer", ("status", "pendingEphemeralRunners")),
    ("Running Runners", "integer", ("status", "runningEphemeralRunners")),
    ("Finished Runners", "integer", ("status", "finishedEphemeralRunners")),
    ("Deleting Runners", "integer", ("status", "deletingEphemeralRunners")),
])
ERS_COLS, _ers_row = _crd([
    ("DesiredReplicas", "integer", ("spec", "replicas")),
    ("CurrentReplicas", "integer", ("status", "currentReplicas")),
    ("Pending Runners", "integer", ("status", "pendingEphemeralRunners")),
    ("Running Runners", "integer", ("status", "runningEphemeralRunners")),
    ("Finished Runners", "integer", ("status", "finishedEphemeralRunners")),
    ("Deleting Runners", "integer", ("status", "deletingEphemeralRunners")),
    ("Phase", "string", ("status", "phase")),
])
ER_COLS, _er_row = _crd([
    ("GitHub Config URL", "string", ("spec", "githubConfigUrl")),
    ("RunnerId", "number", ("status", "runnerId")),
    ("Phase", "string", ("status", "phase")),
    ("JobRepository", "string", ("status", "jobRepositoryName")),
    ("JobWorkflowRef", "string", ("status", "jobWorkflowRef")),
    ("WorkflowRunId", "number", ("status", "workflowRunId")),
    ("JobDisplayName", "string", ("status", "jobDisplayName")),
    ("JobId", "string", ("status", "jobId")),
    ("Message", "string", ("status", "message")),
    ("Age", "date", ("metadata", "creationTimestamp")),
])
LISTENER_COLS, _listener_row = _crd([
    ("GitHub Configure URL", "string", ("spec", "githubConfigUrl")),
    ("AutoscalingRunnerSet Namespace", "string", ("spec", "autoscalingRunnerSetNamespace")),
    ("AutoscalingRunnerSet Name", "string", ("spec", "autoscalingRunnerSetName")),
])

PRINTERS = {
    "pods": (POD_COLS, _pod_row),
    "deployments": (DEPLOY_COLS, _deploy_row),
    "horizontalpodautoscalers": (HPA_COLS, _hpa_row),
    "namespaces": (NS_COLS, _ns_row),
    "events": (EVENT_COLS, _event_row),
    "autoscalingrunnersets": (ARS_COLS, _ars_row),
    "ephemeralrunnersets": (ERS_COLS, _ers_row),
    "ephemeralrunners": (ER_COLS, _er_row),
    "autoscalinglisteners": (LISTENER_COLS, _listener_row),
}


def row(plural, obj, include="Metadata", now=None):
    _, fn = PRINTERS[plural]
    out = {"cells": fn(obj, now or time.time())}
    if include == "Object":
        out["object"] = obj
    elif include != "None":
        out["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                         "metadata": obj.get("metadata", {})}
    return out


def table(plural, objs, list_meta, version="v1", include="Metadata", headers=True):
    cols, _ = PRINTERS[plural]
    now = time.time()
    return {"kind": "Table", "apiVersion": f"meta.k8s.io/{version}", "metadata": list_meta,
            "columnDefinitions": cols if headers else None,
            "rows": [row(plural, o, include, now) for o in objs]}
