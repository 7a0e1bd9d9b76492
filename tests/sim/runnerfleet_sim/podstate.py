# SPDX-License-Identifier: Apache-2.0
"""Pod status as the kubelet writes it: container states, restart counts, phase and
conditions, for the states a runner pod goes through."""

from .util import rfc3339

STATES = ("running", "crashloop", "image_pull_backoff", "err_image_pull", "pending",
          "container_creating", "unschedulable", "oom_killed", "succeeded", "failed",
          "evicted", "create_config_error")


def _ts(t):
    return rfc3339(t)


def _containers(pod):
    return pod["spec"].get("containers", [])


def _image_ref(image: str) -> str:
    first = image.split("/")[0]
    if "." in first or ":" in first or first == "localhost":
        return image
    return "docker.io/" + (image if "/" in image else "library/" + image)


def _status_of(pod, name):
    for cs in pod["status"].setdefault("containerStatuses", []):
        if cs["name"] == name:
            return cs
    return None


def _targets(pod, container):
    names = [c["name"] for c in _containers(pod)]
    return [container] if container in names else names[:1] if container else names


def init(f, pod, state, age_s, restarts=0, node=None):
    """Give a new pod created age_s ago a node and a status in the given state."""
    if state not in STATES:
        raise ValueError(f"unknown pod state {state!r}; one of {', '.join(STATES)}")
    created = f.now() - age_s
    st = {"phase": "Pending", "conditions": [], "qosClass": "Burstable"}
    pod["status"] = st
    if state == "unschedulable":
        st["conditions"] = [{
            "type": "PodScheduled", "status": "False", "lastProbeTime": None,
            "lastTransitionTime": _ts(created), "reason": "Unschedulable",
            "message": f"0/{len(f.nodes)} nodes are available: {len(f.nodes)} Insufficient "
                       f"cpu. preemption: 0/{len(f.nodes)} nodes are available: "
                       f"{len(f.nodes)} No preemption victims found for incoming pod."}]
        return pod
    node = node or f.node()
    pod["spec"]["nodeName"] = node
    ip = f.pod_ip()
    st.update({"hostIP": f.node_ip(node), "hostIPs": [{"ip": f.node_ip(node)}],
               "podIP": ip, "podIPs": [{"ip": ip}], "startTime": _ts(created + 1)})
    st["containerStatuses"] = [{
        "name": c["name"], "state": {"waiting": {"reason": "ContainerCreating"}},
        "lastState": {}, "ready": False, "restartCount": 0, "image": c["image"],
        "imageID": "", "started": False} for c in _containers(pod)]
    t = created + 3
    if state in ("pending", "container_creating"):
        pass
    elif state in ("image_pull_backoff", "err_image_pull"):
        image_pull(f, pod, None, t, state == "err_image_pull")
    elif state == "create_config_error":
        for cs in st["containerStatuses"]:
            cs["state"] = {"waiting": {"reason": "CreateContainerConfigError",
                                       "message": 'secret "runner-token" not found'}}
    else:
        running(f, pod, None, t)
        refresh(pod, t)
        if state == "crashloop":
            crashloop(f, pod, None, f.now() - 60, restarts or 5)
        elif state == "oom_killed":
            oom_kill(f, pod, None, f.now() - 120, restarts or 1)
        elif state in ("succeeded", "failed"):
            terminate(f, pod, f.now() - min(age_s, 30), state == "succeeded")
        elif state == "evicted":
            evict(f, pod, f.now() - min(age_s, 60))
        elif restarts:
            for cs in st["containerStatuses"]:
                cs["restartCount"] = restarts
                cs["lastState"] = {"terminated": {
                    "exitCode": 1, "reason": "Error", "startedAt": _ts(created + 5),
                    "finishedAt": _ts(t), "containerID": "containerd://" + f.hexid()}}
    refresh(pod, f.now() - 60 if state in ("crashloop", "oom_killed") else t)
    return pod


def running(f, pod, container, t):
    for name in _targets(pod, container):
        cs = _status_of(pod, name)
        spec = next(c for c in _containers(pod) if c["name"] == name)
        cs.update({"state": {"running": {"startedAt": _ts(t)}}, "ready": True,
                   "started": True, "image": _image_ref(spec["image"]),
                   "imageID": _image_ref(spec["image"]).rsplit(":", 1)[0] + "@sha256:"
                   + f.hexid(), "containerID": "containerd://" + f.hexid()})
    pod["status"]["phase"] = "Running"


def crashloop(f, pod, container, t, add_restarts=1):
    for name in _targets(pod, container):
        cs = _status_of(pod, name)
        cs["restartCount"] = cs.get("restartCount", 0) + add_restarts
        md = pod["metadata"]
        cs["lastState"] = {"terminated": {
            "exitCode": 1, "reason": "Error", "startedAt": _ts(t - 12),
            "finishedAt": _ts(t - 2), "containerID": cs.get("containerID")
            or "containerd://" + f.hexid()}}
        cs["state"] = {"waiting": {
            "reason": "CrashLoopBackOff",
            "message": f"back-off 5m0s restarting failed container={name} "
                       f"pod={md['name']}_{md['namespace']}({md['uid']})"}}
        cs["ready"], cs["started"] = False, False
    pod["status"]["phase"] = "Running"


def image_pull(f, pod, container, t, err=False):
    for name in _targets(pod, container):
        cs = _status_of(pod, name)
        image = next(c for c in _containers(pod) if c["name"] == name)["image"]
        cs["state"] = {"waiting": {
            "reason": "ErrImagePull" if err else "ImagePullBackOff",
            "message": (f'failed to pull and unpack image "{_image_ref(image)}": 429 Too '
                        f'Many Requests - Server message: toomanyrequests: You have reached '
                        f'your pull rate limit.') if err else
                       f'Back-off pulling image "{image}"'}}
        cs.update({"ready": False, "started": False, "imageID": "", "image": image})
        cs.pop("containerID", None)
    if not any("running" in c.get("state", {}) or c.get("restartCount")
               for c in pod["status"]["containerStatuses"]):
        pod["status"]["phase"] = "Pending"


def oom_kill(f, pod, container, t, add_restarts=1, then_crashloop=False):
    for name in _targets(pod, container):
        cs = _status_of(pod, name)
        cs["restartCount"] = cs.get("restartCount", 0) + add_restarts
        cs["lastState"] = {"terminated": {
            "exitCode": 137, "reason": "OOMKilled", "startedAt": _ts(t - 300),
            "finishedAt": _ts(t), "containerID": cs.get("containerID")
            or "containerd://" + f.hexid()}}
        if then_crashloop:
            md = pod["metadata"]
            cs["state"] = {"waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 2m40s restarting failed container={name} "
                           f"pod={md['name']}_{md['namespace']}({md['uid']})"}}
            cs["ready"], cs["started"] = False, False
        else:
            cs["state"] = {"running": {"startedAt": _ts(t + 1)}}
            cs["ready"], cs["started"] = True, True
            cs["containerID"] = "containerd://" + f.hexid()
    pod["status"]["phase"] = "Running"


def terminate(f, pod, t, succeeded: bool):
    for cs in pod["status"].get("containerStatuses", []):
        started = (cs.get("state", {}).get("running") or {}).get("startedAt") or _ts(t - 60)
        cs["state"] = {"terminated": {
            "exitCode": 0 if succeeded else 1, "reason": "Completed" if succeeded else "Error",
            "startedAt": started, "finishedAt": _ts(t),
            "containerID": cs.get("containerID") or "containerd://" + f.hexid()}}
        cs["ready"], cs["started"] = False, False
    pod["status"]["phase"] = "Succeeded" if succeeded else "Failed"


def evict(f, pod, t):
    terminate(f, pod, t, False)
    for cs in pod["status"].get("containerStatuses", []):
        cs["state"]["terminated"]["exitCode"] = 137
        cs["state"]["terminated"]["reason"] = "ContainerStatusUnknown"
    pod["status"].update({
        "phase": "Failed", "reason": "Evicted",
        "message": "The node was low on resource: memory. Threshold quantity: 100Mi, "
                   "available: 38Mi. Container runner was using 3912Mi, request is 1Gi, has "
                   "larger consumption of memory. "})
    pod["status"]["conditions"].append({
        "type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
        "lastTransitionTime": _ts(t), "reason": "TerminationByKubelet",
        "message": "The node was low on resource: memory. "})


def recover(f, pod, container, t):
    """Back to running and ready; restart count and last state stay."""
    running(f, pod, container, t)


def _set_cond(conds, type_, status, t, reason=None, message=None):
    for c in conds:
        if c["type"] == type_:
            if c["status"] != status:
                c["lastTransitionTime"] = _ts(t)
            c["status"] = status
            break
    else:
        c = {"type": type_, "status": status, "lastProbeTime": None,
             "lastTransitionTime": _ts(t)}
        conds.append(c)
    for k, v in (("reason", reason), ("message", message)):
        if v:
            c[k] = v
        else:
            c.pop(k, None)


ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
         "PodScheduled", "DisruptionTarget")


def refresh(pod, t):
    """Recompute the pod conditions from the container statuses."""
    st = pod["status"]
    conds = st.setdefault("conditions", [])
    if not pod["spec"].get("nodeName"):
        return
    statuses = st.get("containerStatuses", [])
    unready = [c["name"] for c in statuses if not c.get("ready")]
    phase = st.get("phase")
    terminal = phase in ("Succeeded", "Failed")
    _set_cond(conds, "PodReadyToStartContainers", "False" if terminal else "True", t)
    _set_cond(conds, "Initialized", "True", t)
    if terminal:
        reason = "PodCompleted" if phase == "Succeeded" else "PodFailed"
        _set_cond(conds, "Ready", "False", t, reason)
        _set_cond(conds, "ContainersReady", "False", t, reason)
    elif unready:
        msg = f"containers with unready status: [{' '.join(unready)}]"
        _set_cond(conds, "Ready", "False", t, "ContainersNotReady", msg)
        _set_cond(conds, "ContainersReady", "False", t, "ContainersNotReady", msg)
    else:
        _set_cond(conds, "Ready", "True", t)
        _set_cond(conds, "ContainersReady", "True", t)
    _set_cond(conds, "PodScheduled", "True", t)
    conds.sort(key=lambda c: ORDER.index(c["type"]) if c["type"] in ORDER else 99)


def is_ready(pod) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in pod.get("status", {}).get("conditions", []))


def problem(pod):
    """The first container waiting/terminated reason that makes this pod a problem."""
    st = pod.get("status", {})
    if st.get("reason"):
        return st["reason"]
    for cs in (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or []):
        w = cs.get("state", {}).get("waiting") or {}
        if w.get("reason") in ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull",
                               "CreateContainerConfigError"):
            return w["reason"]
    return None
