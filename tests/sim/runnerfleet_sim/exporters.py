# SPDX-License-Identifier: Apache-2.0
"""The simulated exporters: what gitlab-runner, an ARC listener, cAdvisor, kube-state-metrics
and bazel-remote expose for one target (wire-facts §1.7, §2.4), with the labels a Kubernetes
scrape with honor_labels gives: namespace, pod, job and instance of the exposing pod."""

from . import metrics_model as model
from .gitlab import REVISION
from .metrics_model import Profile
from .quantity import parse_quantity
from .util import fnv32a, parse_time

QUEUE_BOUNDS = (1, 3, 10, 30, 60, 120, 300, 900, 1800, 3600)
STARTUP_BOUNDS = (0.01, 0.05, 0.1, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 18, 20, 25, 30, 40, 50,
                  60, 70, 80, 90, 100, 110, 120, 150, 180, 210, 240, 300, 360, 420, 480, 540, 600,
                  900, 1200, 1800, 2400, 3000, 3600)
GHA_GAUGES = ("gha_assigned_jobs", "gha_running_jobs", "gha_registered_runners", "gha_busy_runners",
              "gha_idle_runners", "gha_min_runners", "gha_max_runners", "gha_desired_runners")
CATALOG = (
    ("gitlab_runner_jobs_total", "counter", "Total number of handled jobs", None),
    ("gitlab_runner_failed_jobs_total", "counter", "Total number of failed jobs", None),
    ("gitlab_runner_job_queue_duration_seconds", "histogram",
     "A histogram representing job queue duration.", QUEUE_BOUNDS),
    ("gitlab_runner_jobs", "gauge", "The current number of running builds.", None),
    ("gitlab_runner_limit", "gauge", "The maximum number of jobs that can be handled by this runner", None),
    ("gitlab_runner_concurrent", "gauge", "The current value of concurrent setting", None),
    ("gitlab_runner_version_info", "gauge",
     "A metric with a constant '1' value labeled by different build stats fields.", None),
    ("gha_assigned_jobs", "gauge", "Number of jobs assigned to this scale set.", None),
    ("gha_running_jobs", "gauge", "Number of jobs running (or about to be run).", None),
    ("gha_registered_runners", "gauge", "Number of runners registered by the scale set.", None),
    ("gha_busy_runners", "gauge", "Number of registered runners running a job.", None),
    ("gha_idle_runners", "gauge", "Number of registered runners not running a job.", None),
    ("gha_min_runners", "gauge", "Minimum number of runners.", None),
    ("gha_max_runners", "gauge", "Maximum number of runners.", None),
    ("gha_desired_runners", "gauge", "Number of runners desired by the scale set.", None),
    ("gha_started_jobs_total", "counter", "Total number of jobs started.", None),
    ("gha_completed_jobs_total", "counter", "Total number of jobs completed.", None),
    ("gha_job_startup_duration_seconds", "histogram",
     "Time spent waiting for workflow job to get started on the runner owned by the scale set (in seconds).",
     STARTUP_BOUNDS),
    ("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.", None),
    ("container_memory_working_set_bytes", "gauge", "Current working set in bytes.", None),
    ("kube_pod_container_resource_requests", "gauge",
     "The number of requested request resource by a container.", None),
    ("kube_horizontalpodautoscaler_spec_max_replicas", "gauge",
     "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.",
     None),
    ("kube_horizontalpodautoscaler_spec_min_replicas", "gauge",
     "Lower limit for the number of pods that can be set by the autoscaler, default 1.", None),
    ("kube_horizontalpodautoscaler_status_current_replicas", "gauge",
     "Current number of replicas of pods managed by this autoscaler.", None),
    ("bazel_remote_incoming_requests_total", "counter", "The number of incoming cache requests", None),
)

CONCURRENT = 20  # config.toml `concurrent` and each runner's `limit`
BUILD = {"branch": "main", "go_version": "go1.23.6", "built_at": "2025-04-17T10:23:41+0000", "os": "linux",
         "architecture": "amd64"}
# kube-prometheus scrapes kube-state-metrics with honorLabels: its series keep the namespace and
# pod of the object they describe, not of the exporter's pod.
KSM = {"job": "kube-state-metrics", "instance": "10.42.255.10:8080"}
BAZEL = {"namespace": "build-cache", "pod": "bazel-remote-0", "job": "bazel-remote",
         "instance": "10.42.255.11:8080"}
CACHE = (("AC", 1500, 0.87), ("CAS", 4500, 0.93))  # kind, requests per hour, hit ratio
ARC_JOB = {"repository": "flywheel", "job_name": "build", "event_name": "push"}


def const(v):
    """A value function for a number that does not change."""
    return lambda t: v


def created(obj) -> float:
    """When the object was created: its series start there."""
    return parse_time(obj["metadata"].get("creationTimestamp")) or 0.0


def target(pod, job, port) -> dict:
    """The target labels Prometheus' kubernetes_sd would give a scrape of this pod."""
    md = pod["metadata"]
    return {"namespace": md["namespace"], "pod": md["name"], "job": job,
            "instance": f"{pod['status'].get('podIP')}:{port}"}


def short_token(release: str) -> str:
    """The `runner` label: 8 characters of the runner token, fixed by the release name."""
    return "%08x" % fnv32a("runner-token/" + release)


def owner_labels(github_config_url: str) -> dict:
    """organization (or enterprise) as ARC takes it from githubConfigUrl."""
    parts = github_config_url.rstrip("/").split("/")[3:]
    if parts[:1] == ["enterprises"] and len(parts) > 1:
        return {"enterprise": parts[1]}
    return {"organization": parts[0]} if parts else {}


def gitlab_runner(ms, pod, release: str, p: Profile, version: str):
    """gitlab-runner's /metrics on :9252 for one manager pod of a release."""
    md = pod["metadata"]
    since = created(pod)
    ph = model.phase(f"{md['namespace']}/{md['name']}")
    tgt = target(pod, "gitlab-runner", 9252)
    runner = {"runner": short_token(release), "runner_name": release}
    manager = {**runner, "system_id": "s_" + md["name"].rsplit("-", 1)[-1]}

    def jobs(t):
        return model.jobs(p, since, t, ph)
    ms.add("gitlab_runner_jobs_total", {**manager, **tgt}, since, jobs)
    ms.add("gitlab_runner_failed_jobs_total", {**runner, "failure_reason": "script_failure", **tgt}, since,
           lambda t: model.failed(jobs(t), p.failure_ratio))
    ms.add("gitlab_runner_job_queue_duration_seconds", {**manager, "project_jobs_running": "1", **tgt}, since,
           lambda t: model.histogram(jobs(t), p.queue_mean_s, QUEUE_BOUNDS))
    ms.add("gitlab_runner_jobs", {**manager, "state": "running", "stage": "step_script",
                                  "executor_stage": "docker_run", **tgt}, since,
           lambda t: model.in_progress(p, t, ph))
    ms.add("gitlab_runner_limit", {**manager, **tgt}, since, const(CONCURRENT))
    ms.add("gitlab_runner_concurrent", tgt, since, const(CONCURRENT))
    ms.add("gitlab_runner_version_info", {"version": version, "revision": REVISION, **BUILD, **tgt}, since,
           const(1))


def _modelled_gauges(p: Profile, ph: float, lo: int, hi: int) -> dict:
    """The listener's gauges for the history, where there is no runner state to read."""
    # busy runners = running jobs by Little's law (at most max), registered = busy but at least
    # min, no queued jobs.
    def busy(t):
        return min(hi, model.in_progress(p, t, ph))

    def registered(t):
        return max(lo, busy(t))
    return {"gha_assigned_jobs": busy, "gha_running_jobs": busy, "gha_registered_runners": registered,
            "gha_busy_runners": busy, "gha_idle_runners": lambda t: registered(t) - busy(t),
            "gha_desired_runners": registered}


def _observed_gauges(observed: dict) -> dict:
    """The listener's gauges live, so they agree with the ephemeral runners the API serves."""
    # busy = running jobs = Running runners with a job, registered = every ephemeral runner,
    # desired = the EphemeralRunnerSet's replicas.
    busy, registered = observed["busy"], observed["registered"]
    return {"gha_assigned_jobs": const(busy), "gha_running_jobs": const(busy),
            "gha_registered_runners": const(registered), "gha_busy_runners": const(busy),
            "gha_idle_runners": const(registered - busy), "gha_desired_runners": const(observed["desired"])}


def arc_listener(ms, pod, ars, p: Profile, observed=None):
    """An ARC listener's /metrics on :8080; observed (live state) or None (history) feeds its gauges."""
    amd, spec = ars["metadata"], ars["spec"]
    since = created(pod)
    ph = model.phase(f"{amd['namespace']}/{amd['name']}")
    tgt = target(pod, "gha-rs-listener", 8080)
    owner = owner_labels(spec.get("githubConfigUrl", ""))
    lo, hi = spec.get("minRunners", 0), spec.get("maxRunners", 2147483647)  # the listener's defaults
    gauges = _observed_gauges(observed) if observed is not None else _modelled_gauges(p, ph, lo, hi)
    gauges.update(gha_min_runners=const(lo), gha_max_runners=const(hi))
    scale_set = {"name": amd["name"], "exported_namespace": amd["namespace"], **owner, **tgt}
    for name in GHA_GAUGES:
        ms.add(name, scale_set, since, gauges[name])

    def jobs(t):
        return model.jobs(p, since, t, ph)
    job = {**owner, **ARC_JOB}
    # A job starts job_seconds before it completes: started - completed = jobs in progress.
    ms.add("gha_started_jobs_total", {**job, **tgt}, since, lambda t: model.jobs(p, since, t + p.job_seconds, ph))
    for result in ("succeeded", "failed", "canceled"):
        ms.add("gha_completed_jobs_total", {**job, "job_result": result, **tgt}, since,
               lambda t, r=result: model.results(jobs(t), p.failure_ratio)[r])
    ms.add("gha_job_startup_duration_seconds", {**job, **tgt}, since,
           lambda t: model.histogram(jobs(t), p.queue_mean_s, STARTUP_BOUNDS))


def cadvisor(ms, pod, p: Profile):
    """The kubelet's cAdvisor series of a running pod: each running container, then the pod cgroup."""
    md = pod["metadata"]
    since = created(pod)
    base = {"namespace": md["namespace"], "pod": md["name"], "job": "kubelet",
            "instance": f"{pod['status'].get('hostIP')}:10250"}
    cpus, mems = [], []
    for cs in pod["status"].get("containerStatuses", []):
        if "running" not in cs.get("state", {}):
            continue
        ph = model.phase(f"{md['namespace']}/{md['name']}/{cs['name']}")
        cpus.append(lambda t, ph=ph: model.cpu_seconds(p.cpu_cores, since, t, ph))
        mems.append(lambda t, ph=ph: model.memory_bytes(p.memory_mib, t, ph))
        labels = {"container": cs["name"], "image": cs.get("image"), **base}
        ms.add("container_cpu_usage_seconds_total", labels, since, cpus[-1])
        ms.add("container_memory_working_set_bytes", labels, since, mems[-1])
    if cpus:
        ms.add("container_cpu_usage_seconds_total", base, since, lambda t: sum(f(t) for f in cpus))
        ms.add("container_memory_working_set_bytes", base, since, lambda t: sum(f(t) for f in mems))


def pod_requests(ms, pod):
    """kube-state-metrics' container requests of a pod in any phase, as KSM exports them."""
    md = pod["metadata"]
    since = created(pod)
    for c in pod["spec"].get("containers", []):
        requests = (c.get("resources") or {}).get("requests") or {}
        for resource, unit in (("cpu", "core"), ("memory", "byte")):
            if resource not in requests:
                continue
            try:
                value = parse_quantity(requests[resource])
            except ValueError:  # a raw op may store what an apiserver would refuse
                continue
            ms.add("kube_pod_container_resource_requests", {
                "namespace": md["namespace"], "pod": md["name"], "container": c["name"],
                "node": pod["spec"].get("nodeName"), "resource": resource, "unit": unit, **KSM},
                since, const(value))


def hpa_replicas(ms, hpa):
    """kube-state-metrics' HPA spec and status replica gauges."""
    md, spec = hpa["metadata"], hpa["spec"]
    since = created(hpa)
    labels = {"namespace": md["namespace"], "horizontalpodautoscaler": md["name"], **KSM}
    ms.add("kube_horizontalpodautoscaler_spec_max_replicas", labels, since, const(spec.get("maxReplicas", 0)))
    ms.add("kube_horizontalpodautoscaler_spec_min_replicas", labels, since, const(spec.get("minReplicas", 1)))
    ms.add("kube_horizontalpodautoscaler_status_current_replicas", labels, since,
           const((hpa.get("status") or {}).get("currentReplicas", 0)))


def bazel_remote(ms, since: float):
    """The build cache's request counters: GETs on AC and CAS, hits at 87 % and 93 %."""
    for kind, per_hour, ratio in CACHE:
        # Requests follow the same daily wave as jobs.
        p, ph = Profile(jobs_per_hour=per_hour), model.phase("bazel-remote/" + kind)

        def requests(t, p=p, ph=ph):
            return model.jobs(p, since, t, ph)
        for i, status in enumerate(("hit", "miss")):
            ms.add("bazel_remote_incoming_requests_total", {"kind": kind, "method": "GET", "status": status, **BAZEL},
                   since, lambda t, r=requests, ratio=ratio, i=i: model.split(r(t), ratio)[i])
