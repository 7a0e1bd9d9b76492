# SPDX-License-Identifier: Apache-2.0
"""Which targets the fleet has and what each exposes: one pass over the store's pods (O(pods))
hands every running runner pod and listener pod to its exporters, every pod and HPA to
kube-state-metrics, and adds the build cache."""

from . import exporters
from . import metrics_model as model
from .fleet import owner_key
from .metric_set import MetricSet

CACHE_AGE_S = 30 * 86400  # bazel-remote-0 has been up this long at simulator start
NO_RUNNERS = {"busy": 0, "registered": 0, "desired": 0}


def running(pod) -> bool:
    """Whether the pod serves metrics: a crash-looping or image-pulling pod serves none."""
    # phase Running, not being deleted, every container running
    st = pod.get("status") or {}
    statuses = st.get("containerStatuses") or []
    return (st.get("phase") == "Running" and not pod["metadata"].get("deletionTimestamp") and bool(statuses)
            and all("running" in (cs.get("state") or {}) for cs in statuses))


def _arc_observed(store) -> dict:
    """Busy, registered and desired runners per scale set, in one pass (O(runners), not per listener)."""
    out = {}

    def entry(obj):
        md = obj["metadata"]
        labels = md.get("labels") or {}
        key = (labels.get("actions.github.com/scale-set-namespace", md["namespace"]),
               labels.get("actions.github.com/scale-set-name"))
        return out.setdefault(key, dict(NO_RUNNERS))
    for e in store.list("ephemeralrunnersets")[1]:
        entry(e.obj)["desired"] = e.obj["spec"].get("replicas", 0)
    for e in store.list("ephemeralrunners")[1]:
        counts, status = entry(e.obj), e.obj.get("status") or {}
        counts["registered"] += 1
        counts["busy"] += status.get("phase") == "Running" and bool(status.get("jobId"))
    return out


def collect(store, profiles: dict, version_of, start: float, live: bool) -> MetricSet:
    """Every series the fleet exposes; live reads ARC gauges from state, else from the model (history)."""
    ms = MetricSet(exporters.CATALOG)
    sets = {(e.obj["metadata"]["namespace"], e.obj["metadata"]["name"]): e.obj
            for e in store.list("autoscalingrunnersets")[1]}
    observed = _arc_observed(store) if live else {}
    for e in store.list("pods")[1]:
        pod = e.obj
        exporters.pod_requests(ms, pod)
        if not running(pod):
            continue
        labels = pod["metadata"].get("labels") or {}
        owner = owner_key(pod)
        if labels.get("app.kubernetes.io/component") == "runner-scale-set-listener":
            key = (labels.get("actions.github.com/scale-set-namespace"),
                   labels.get("actions.github.com/scale-set-name"))
            if key in sets:
                state = observed.get(key, NO_RUNNERS) if live else None
                exporters.arc_listener(ms, pod, sets[key], profiles.get(("arc", *key), model.DEFAULT), state)
            exporters.cadvisor(ms, pod, model.LISTENER)
        elif owner and owner[0] == "arc":
            exporters.cadvisor(ms, pod, profiles.get(owner, model.DEFAULT))
        elif owner and labels.get("app.kubernetes.io/name") == "gitlab-runner":
            p = profiles.get(owner, model.DEFAULT)
            exporters.gitlab_runner(ms, pod, owner[2], p, version_of(owner[2]))
            exporters.cadvisor(ms, pod, p)
    for e in store.list("horizontalpodautoscalers")[1]:
        exporters.hpa_replicas(ms, e.obj)
    exporters.bazel_remote(ms, start - CACHE_AGE_S)
    return ms
