# SPDX-License-Identifier: Apache-2.0
"""Synthetic container logs, deterministic per pod (content depends on the pod name)."""

import hashlib
import random
import time

from .status import ApiError, bad_request
from .util import parse_time, rfc3339_nano

LINES = 200

_GITLAB = [
    "Checking for jobs... received                       job={job} repo_url=https://gitlab.com/tinyland/{repo}.git runner={token}",
    "Job succeeded                                       duration_s={dur} job={job} project={proj} runner={token}",
    "Appending trace to coordinator...ok                 code=202 job={job} job-log=0-{size} job-status=running runner={token} sent-log=0-{size} status=202 Accepted update-interval=3s",
    "Submitting job to coordinator...ok                  bytesize={size} checksum=crc32:{crc} code=200 job={job} job-status=success runner={token} update-interval=0s",
    "Removed job from processing list                    builds=0 job={job} max_builds=4 project={proj} repo_url=https://gitlab.com/tinyland/{repo}.git time_in_queue_seconds={q}",
    "WARNING: Job failed: command terminated with non-zero exit code: 1  duration_s={dur} job={job} project={proj} runner={token}",
]
_GITHUB = [
    "[RUNNER {ts} INFO JobDispatcher] Job request {job} for plan {plan} job {jobid} received.",
    "[RUNNER {ts} INFO JobDispatcher] Pull OrchestrationId {plan}.build.__default from JWT claims",
    "[RUNNER {ts} INFO Terminal] WRITE LINE: {ts}: Running job: {name}",
    "[RUNNER {ts} INFO JobDispatcher] Job {jobid} completed with result: Succeeded",
    "[RUNNER {ts} INFO BrokerMessageListener] Connected to the broker, waiting for messages.",
    "[RUNNER {ts} INFO Runner] Listening for Jobs",
]
_LISTENER = [
    '{{"severity":"info","ts":"{ts}","logger":"listener-app.listener","message":"Processing message","messageId":{mid},"messageType":"RunnerScaleSetJobMessages"}}',
    '{{"severity":"info","ts":"{ts}","logger":"listener-app.worker.kubernetesworker","message":"Calculated target runner count","assigned job":{n},"decision":{n},"min":0,"max":10,"currentRunnerCount":{n}}}',
    '{{"severity":"info","ts":"{ts}","logger":"listener-app.listener","message":"Getting next message","lastMessageID":{mid}}}',
]


def _seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def _lines(pod: dict, container: str, previous: bool):
    md = pod["metadata"]
    labels = md.get("labels") or {}
    rng = random.Random(_seed(f"{md['namespace']}/{md['name']}/{container}/{previous}"))
    start = parse_time(md.get("creationTimestamp")) or 0
    if labels.get("app.kubernetes.io/component") == "runner-scale-set-listener":
        tmpl, kind = _LISTENER, "listener"
    elif "actions.github.com/scale-set-name" in labels:
        tmpl, kind = _GITHUB, "github"
    else:
        tmpl, kind = _GITLAB, "gitlab"
    token = f"{rng.getrandbits(32):08x}"[:8]
    out, t = [], start
    if kind == "gitlab":
        out.append((t, f"Runtime platform                                    arch=amd64 os=linux pid=7 revision=5e1b5e07 version=17.8.0"))
        out.append((t + 1, f"Starting multi-runner from /home/gitlab-runner/.gitlab-runner/config.toml...  builds=0 max_builds=4"))
        out.append((t + 1, f"Configuration loaded                                builds=0 max_builds=4"))
        out.append((t + 2, f"listen_address not defined, metrics & debug endpoints disabled  builds=0 max_builds=4"))
    elif kind == "github":
        out.append((t, "√ Connected to GitHub"))
        out.append((t + 1, "Current runner version: '2.321.0'"))
        out.append((t + 2, f"{rfc3339_nano(t + 2)}: Listening for Jobs"))
    while len(out) < LINES:
        t += rng.uniform(0.5, 40)
        job = rng.randint(7_000_000_000, 9_999_999_999)
        line = rng.choice(tmpl).format(
            job=job, jobid=f"{rng.getrandbits(64):016x}", repo=rng.choice(
                ["GloriousFlywheel", "attic-cache", "nix-config", "bazel-rules"]),
            token=token, dur=round(rng.uniform(5, 900), 2), proj=rng.randint(100, 9999),
            size=rng.randint(1000, 90000), crc=f"{rng.getrandbits(32):08x}",
            q=round(rng.uniform(0, 30), 3), ts=rfc3339_nano(t)[:-4] + "Z",
            plan=f"{rng.getrandbits(64):016x}", name=rng.choice(["build", "test", "lint"]),
            mid=rng.randint(1, 99999), n=rng.randint(0, 5))
        out.append((t, line))
    now = time.time()
    if out[-1][0] > now - 1 and out[-1][0] > start:
        k = max(now - 1 - start, 1) / (out[-1][0] - start)
        out = [(start + (ts - start) * k, line) for ts, line in out]
        t = out[-1][0]
    if previous:
        out.append((t + 0.5, "FATAL: Failed to load config: open /home/gitlab-runner/.gitlab-runner/config.toml: permission denied"
                    if kind == "gitlab" else "Runner listener exit with terminated error, stop the service, no retry needed."))
    return out


def pod_log(pod: dict, container, tail_lines=None, limit_bytes=None, timestamps=False,
            previous=False) -> bytes:
    md = pod["metadata"]
    name = md["name"]
    containers = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
    inits = [c["name"] for c in pod.get("spec", {}).get("initContainers", []) or []]
    if not container:
        if len(containers) != 1:
            raise bad_request(f"a container name must be specified for pod {name}, "
                              f"choose one of: [{' '.join(containers)}]"
                              + (f" or one of the init containers: [{' '.join(inits)}]"
                                 if inits else ""))
        container = containers[0]
    elif container not in containers + inits:
        raise bad_request(f"container {container} is not valid for pod {name}")
    statuses = pod.get("status", {}).get("containerStatuses") or []
    cs = next((c for c in statuses if c.get("name") == container), None)
    state = (cs or {}).get("state", {})
    waiting = state.get("waiting")
    if previous and not (cs or {}).get("lastState", {}).get("terminated"):
        raise bad_request(f'previous terminated container "{container}" in pod "{name}" '
                          f'not found')
    if not previous and (cs is None or (waiting and waiting.get("reason") != "CrashLoopBackOff"
                                        and not (cs or {}).get("lastState"))):
        reason = (waiting or {}).get("reason", "ContainerCreating")
        msg = {"ImagePullBackOff": "trying and failing to pull image",
               "ErrImagePull": "trying and failing to pull image"}.get(reason, reason)
        raise ApiError(400, "BadRequest",
                       f'container "{container}" in pod "{name}" is waiting to start: {msg}')
    lines = _lines(pod, container, previous or bool(waiting))
    if tail_lines is not None:
        lines = lines[-tail_lines:] if tail_lines > 0 else []
    text = "".join((rfc3339_nano(t) + " " if timestamps else "") + s + "\n" for t, s in lines)
    data = text.encode()
    if limit_bytes is not None:
        data = data[:limit_bytes]
    return data
