# SPDX-License-Identifier: Apache-2.0
"""Realistic objects: gitlab-runner Helm releases (Deployment, HPA, pods), ARC scale
sets (AutoscalingRunnerSet, EphemeralRunnerSet, EphemeralRunners, runner pods,
AutoscalingListener + listener pod), namespaces and core/v1 Events.

All randomness comes from one seeded RNG, so a scenario always yields the same
names and uids."""

import hashlib
import json
import random
import uuid

from . import podstate
from .util import fnv_hash_string, rand_suffix, rfc3339

GITLAB_IMAGE = "gitlab/gitlab-runner:alpine-v17.8.0"
GITLAB_CHART = "gitlab-runner-0.78.0"
ARC_VERSION = "0.13.1"
ARC_RUNNER_IMAGE = "ghcr.io/actions/actions-runner:latest"
ARC_LISTENER_IMAGE = f"ghcr.io/actions/gha-runner-scale-set-controller:{ARC_VERSION}"
DEFAULT_TAGS = {"docker": ["docker", "linux"], "dind": ["dind", "docker", "privileged"],
                "nix": ["nix", "flakes", "linux"], "rocky8": ["rocky8", "rhel8"],
                "rocky9": ["rocky9", "rhel9"], "l40s": ["gpu", "l40s", "cuda"],
                "a100": ["gpu", "a100", "cuda"]}
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300}]


def owner_ref(obj, block=True):
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
            "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": block}


class Factory:
    def __init__(self, start: float, seed: int = 42, nodes=None, clock=None):
        self.start = start
        self.clock = clock
        self.rng = random.Random(seed)
        self.nodes = nodes or ["k8s-worker-a1", "k8s-worker-a2", "k8s-worker-b1",
                               "k8s-worker-b2", "k8s-gpu-c1"]
        self._ip = 10
        self._pools = {}
        self._issued = set()
        # The current ReplicaSet of each Deployment: (ns, name) -> (template hash, uid).
        # ReplicaSets are not served, but pods name and reference them.
        self.replicasets = {}

    # ---- primitives ----------------------------------------------------------------

    def now(self) -> float:
        return self.clock() if self.clock else self.start

    def ts(self, age_s: float = 0.0) -> str:
        return rfc3339(self.now() - age_s)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def suffix(self, n=5) -> str:
        return rand_suffix(self.rng, n)

    def reserve(self, name: str):
        """A name given explicitly (scenario); never generate it."""
        self._issued.add(name)

    def fresh(self, prefix: str, n=5) -> str:
        """prefix + a random suffix never handed out before (like generateName)."""
        while True:
            name = prefix + rand_suffix(self.rng, n)
            if name not in self._issued:
                self._issued.add(name)
                return name

    def hexid(self, n=64) -> str:
        return f"{self.rng.getrandbits(n * 4):0{n}x}"

    def node(self, gpu=False) -> str:
        pool = self._pools.get(gpu)
        if pool is None:
            pool = self._pools[gpu] = [n for n in self.nodes if ("gpu" in n) == gpu] \
                or self.nodes
        return pool[self.rng.getrandbits(16) % len(pool)]

    def pod_ip(self) -> str:
        self._ip += 1
        return f"10.42.{(self._ip // 250) % 250}.{self._ip % 250 + 2}"

    def node_ip(self, node: str) -> str:
        return f"192.168.10.{10 + self.nodes.index(node) if node in self.nodes else 99}"

    # ---- namespaces ----------------------------------------------------------------

    def namespace(self, name, labels=None, age_s=3e6):
        return {"kind": "Namespace", "apiVersion": "v1",
                "metadata": {"name": name, "uid": self.uid(),
                             "creationTimestamp": self.ts(age_s),
                             "labels": {"kubernetes.io/metadata.name": name, **(labels or {})}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}

    # ---- GitLab runner Helm release ----------------------------------------------------

    def gitlab_labels(self, name, rtype):
        return {"app.kubernetes.io/name": "gitlab-runner", "app.kubernetes.io/instance": name,
                "app.kubernetes.io/managed-by": "opentofu",
                "app.kubernetes.io/component": "runner-manager",
                "app.kubernetes.io/runner-type": rtype}

    def gitlab_container(self, name, rtype, tags):
        return {
            "name": name, "image": GITLAB_IMAGE, "imagePullPolicy": "IfNotPresent",
            "command": ["/usr/bin/dumb-init", "--", "/bin/bash", "/configmaps/entrypoint"],
            "env": [{"name": "CI_SERVER_URL", "value": "https://gitlab.com/"},
                    {"name": "RUNNER_EXECUTOR", "value": "kubernetes"},
                    {"name": "REGISTER_LOCKED", "value": "true"},
                    {"name": "RUNNER_TAG_LIST", "value": ",".join(tags)},
                    {"name": "KUBERNETES_NAMESPACE", "value": "gitlab-runners"}],
            "ports": [{"name": "metrics", "containerPort": 9252, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "50m", "memory": "128Mi"},
                          "limits": {"cpu": "200m", "memory": "256Mi"}},
            "livenessProbe": {"exec": {"command": ["/bin/bash", "/configmaps/check-live"]},
                              "initialDelaySeconds": 60, "timeoutSeconds": 3,
                              "periodSeconds": 10, "successThreshold": 1,
                              "failureThreshold": 3},
            "readinessProbe": {"exec": {"command": ["/usr/bin/pgrep", "gitlab.*runner"]},
                               "initialDelaySeconds": 10, "timeoutSeconds": 3,
                               "periodSeconds": 10, "successThreshold": 1,
                               "failureThreshold": 3},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"}

    def gitlab_deployment(self, name, ns, rtype, replicas, age_s, template_hash, tags=None):
        tags = tags or DEFAULT_TAGS.get(rtype, [rtype])
        pod_labels = {"app": name, "release": name, **self.gitlab_labels(name, rtype)}
        self.replicasets[(ns, name)] = (template_hash, self.uid())
        digest = hashlib.sha256(f"{name}/{rtype}".encode()).hexdigest()
        return {
            "kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {
                "name": name, "namespace": ns, "uid": self.uid(),
                "creationTimestamp": self.ts(age_s), "generation": 3,
                "labels": {"app": name, "chart": GITLAB_CHART, "heritage": "Helm",
                           "release": name, **self.gitlab_labels(name, rtype)},
                "annotations": {"deployment.kubernetes.io/revision": "3",
                                "meta.helm.sh/release-name": name,
                                "meta.helm.sh/release-namespace": ns}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"creationTimestamp": None, "labels": pod_labels,
                                 "annotations": {"checksum/configmap": digest,
                                                 "checksum/secrets": digest[::-1],
                                                 "prometheus.io/port": "9252",
                                                 "prometheus.io/scrape": "true"}},
                    "spec": {"containers": [self.gitlab_container(name, rtype, tags)],
                             "restartPolicy": "Always", "terminationGracePeriodSeconds": 3600,
                             "dnsPolicy": "ClusterFirst", "serviceAccountName": name,
                             "serviceAccount": name,
                             "securityContext": {"runAsUser": 100, "fsGroup": 65533},
                             "schedulerName": "default-scheduler"}},
                "strategy": {"type": "RollingUpdate",
                             "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
            "status": {"observedGeneration": 3},
        }

    def deployment_pod(self, deploy, name, age_s, state="running", restarts=0, node=None):
        """A pod of a Deployment's current ReplicaSet, in the given state
        (see podstate.STATES)."""
        dmd = deploy["metadata"]
        tmpl = deploy["spec"]["template"]
        pth, rs_uid = self.replicaset(deploy)
        rs_name = f"{dmd['name']}-{pth}"
        pod = {
            "kind": "Pod", "apiVersion": "v1",
            "metadata": {
                "name": name, "generateName": rs_name + "-", "namespace": dmd["namespace"],
                "uid": self.uid(), "creationTimestamp": self.ts(age_s),
                "labels": {**tmpl["metadata"]["labels"],
                           "pod-template-hash": pth},
                "annotations": dict(tmpl["metadata"].get("annotations", {})),
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                     "name": rs_name, "uid": rs_uid, "controller": True,
                                     "blockOwnerDeletion": True}]},
            "spec": {**tmpl["spec"], "tolerations": DEFAULT_TOLERATIONS, "priority": 0,
                     "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority"},
        }
        podstate.init(self, pod, state, age_s, restarts=restarts, node=node)
        return pod

    def replicaset(self, deploy):
        """(pod-template-hash, ReplicaSet uid) of the Deployment's current ReplicaSet."""
        md = deploy["metadata"]
        key = (md["namespace"], md["name"])
        if key not in self.replicasets:
            h = fnv_hash_string(str(deploy["spec"].get("template")))[:10]
            self.replicasets[key] = (h, self.uid())
        return self.replicasets[key]

    def deployment_pod_name(self, deploy) -> str:
        return self.fresh(f"{deploy['metadata']['name']}-{self.replicaset(deploy)[0]}-")

    def hpa(self, deploy, min_r, max_r, age_s, cpu_target=70, mem_target=80,
            cpu_current=None, mem_current=None, up_window=15, down_window=300):
        dmd = deploy["metadata"]
        name = dmd["name"]
        rtype = dmd["labels"].get("app.kubernetes.io/runner-type", "unknown")
        metrics = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu_target}}}]
        if mem_target:
            metrics.append({"type": "Resource", "resource": {
                "name": "memory",
                "target": {"type": "Utilization", "averageUtilization": mem_target}}})
        current = []
        if cpu_current is not None:
            current.append({"type": "Resource", "resource": {"name": "cpu", "current": {
                "averageUtilization": cpu_current, "averageValue": f"{cpu_current // 2}m"}}})
        if mem_current is not None and mem_target:
            current.append({"type": "Resource", "resource": {"name": "memory", "current": {
                "averageUtilization": mem_current,
                "averageValue": f"{int(128 * mem_current / 100)}Mi"}}})
        t = self.ts(age_s)
        return {
            "kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2",
            "metadata": {"name": f"{name}-hpa", "namespace": dmd["namespace"],
                         "uid": self.uid(), "creationTimestamp": t, "generation": 1,
                         "labels": self.gitlab_labels(name, rtype)},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                "minReplicas": min_r, "maxReplicas": max_r, "metrics": metrics,
                "behavior": {
                    "scaleUp": {"stabilizationWindowSeconds": up_window, "selectPolicy": "Max",
                                "policies": [{"type": "Percent", "value": 100,
                                              "periodSeconds": 30},
                                             {"type": "Pods", "value": 2, "periodSeconds": 30}]},
                    "scaleDown": {"stabilizationWindowSeconds": down_window,
                                  "selectPolicy": "Min",
                                  "policies": [{"type": "Percent", "value": 30,
                                                "periodSeconds": 60}]}}},
            "status": {
                "observedGeneration": 1, "lastScaleTime": self.ts(min(age_s, 86400 * 2)),
                "currentReplicas": deploy["spec"]["replicas"],
                "desiredReplicas": deploy["spec"]["replicas"],
                "currentMetrics": current,
                "conditions": [
                    {"type": "AbleToScale", "status": "True", "lastTransitionTime": t,
                     "reason": "ReadyForNewScale",
                     "message": "recommended size matches current size"},
                    {"type": "ScalingActive", "status": "True", "lastTransitionTime": t,
                     "reason": "ValidMetricFound",
                     "message": "the HPA was able to successfully calculate a replica count "
                                "from cpu resource utilization (percentage of request)"},
                    {"type": "ScalingLimited", "status": "False", "lastTransitionTime": t,
                     "reason": "DesiredWithinRange",
                     "message": "the desired count is within the acceptable range"}]},
        }

    # ---- ARC -----------------------------------------------------------------------

    @staticmethod
    def github_url_labels(url: str) -> dict:
        parts = url.rstrip("/").split("/")[3:]
        if parts[:1] == ["enterprises"] and len(parts) > 1:
            return {"actions.github.com/enterprise": parts[1]}
        out = {}
        if parts:
            out["actions.github.com/organization"] = parts[0]
        if len(parts) > 1:
            out["actions.github.com/repository"] = parts[1]
        return out

    def ars(self, name, ns, min_r, max_r, url, age_s, scale_set_id, labels=None,
            rtype=None, secret="github-app-secret", runner_group="default"):
        md_labels = {"app.kubernetes.io/component": "autoscaling-runner-set",
                     "app.kubernetes.io/instance": name, "app.kubernetes.io/managed-by": "Helm",
                     "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "gha-rs",
                     "app.kubernetes.io/version": ARC_VERSION,
                     "helm.sh/chart": f"gha-rs-{ARC_VERSION}",
                     "actions.github.com/scale-set-name": name,
                     "actions.github.com/scale-set-namespace": ns}
        if rtype:
            md_labels["app.kubernetes.io/runner-type"] = rtype
        values_hash = hashlib.sha256(f"{name}/{url}/{min_r}/{max_r}".encode()).hexdigest()[:63]
        spec = {"githubConfigUrl": url, "githubConfigSecret": secret,
                "runnerGroup": runner_group, "runnerScaleSetName": name}
        if labels:
            spec["runnerScaleSetLabels"] = list(labels)
        spec.update({
            "template": {"spec": {
                "containers": [{"name": "runner", "image": ARC_RUNNER_IMAGE,
                                "command": ["/home/runner/run.sh"],
                                "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                                              "limits": {"cpu": "4", "memory": "8Gi"}}}],
                "restartPolicy": "Never",
                "serviceAccountName": f"{name}-gha-rs-kube-mode"}},
            "maxRunners": max_r, "minRunners": min_r})
        return {
            "kind": "AutoscalingRunnerSet", "apiVersion": "actions.github.com/v1alpha1",
            "metadata": {
                "name": name, "namespace": ns, "uid": self.uid(),
                "creationTimestamp": self.ts(age_s), "generation": 1, "labels": md_labels,
                "annotations": {
                    "actions.github.com/cleanup-kubernetes-mode-role-binding-name":
                        f"{name}-gha-rs-kube-mode",
                    "actions.github.com/cleanup-kubernetes-mode-role-name":
                        f"{name}-gha-rs-kube-mode",
                    "actions.github.com/cleanup-kubernetes-mode-service-account-name":
                        f"{name}-gha-rs-kube-mode",
                    "actions.github.com/cleanup-manager-role-binding":
                        f"{name}-gha-rs-manager",
                    "actions.github.com/cleanup-manager-role-name": f"{name}-gha-rs-manager",
                    "actions.github.com/runner-group-name": "Default",
                    "actions.github.com/runner-scale-set-name": name,
                    "actions.github.com/values-hash": values_hash,
                    "meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": ns,
                    "runner-scale-set-id": str(scale_set_id)},
                "finalizers": ["autoscalingrunnerset.actions.github.com/finalizer"]},
            "spec": spec,
            "status": {"currentRunners": 0, "pendingEphemeralRunners": 0,
                       "runningEphemeralRunners": 0, "failedEphemeralRunners": 0,
                       "phase": "Running"},
        }

    def _arc_child_labels(self, ars, component):
        ars_md = ars["metadata"]
        labels = dict(ars_md["labels"])
        labels.update({"app.kubernetes.io/part-of": "gha-runner-scale-set",
                       "app.kubernetes.io/component": component,
                       "app.kubernetes.io/version": ARC_VERSION,
                       "actions.github.com/scale-set-name": ars_md["name"],
                       "actions.github.com/scale-set-namespace": ars_md["namespace"]})
        labels.update(self.github_url_labels(ars["spec"]["githubConfigUrl"]))
        return labels

    def ers(self, ars, replicas, age_s):
        amd, spec = ars["metadata"], ars["spec"]
        er_spec = {"githubConfigUrl": spec["githubConfigUrl"],
                   "githubConfigSecret": spec["githubConfigSecret"],
                   "runnerScaleSetId": int(amd["annotations"]["runner-scale-set-id"]),
                   "metadata": {"creationTimestamp": None}, "spec": spec["template"]["spec"]}
        integrity = fnv_hash_string(str(er_spec))
        out = {"replicas": replicas} if replicas else {}
        out.update({"patchID": 0, "ephemeralRunnerSpec": er_spec})
        return {
            "kind": "EphemeralRunnerSet", "apiVersion": "actions.github.com/v1alpha1",
            "metadata": {
                "name": self.fresh(f"{amd['name']}-"), "generateName": f"{amd['name']}-",
                "namespace": amd["namespace"], "uid": self.uid(),
                "creationTimestamp": self.ts(age_s), "generation": 1,
                "labels": self._arc_child_labels(ars, "runner-set"),
                "annotations": {
                    "actions.github.com/integrity-hash": integrity,
                    "actions.github.com/runner-group-name":
                        amd["annotations"]["actions.github.com/runner-group-name"],
                    "actions.github.com/runner-scale-set-name":
                        amd["annotations"]["actions.github.com/runner-scale-set-name"]},
                "finalizers": ["ephemeralrunnerset.actions.github.com/finalizer"],
                "ownerReferences": [owner_ref(ars)]},
            "spec": out,
            "status": {"currentReplicas": 0, "pendingEphemeralRunners": 0,
                       "runningEphemeralRunners": 0, "failedEphemeralRunners": 0,
                       "phase": "Running"},
        }

    def ephemeral_runner(self, ers, age_s):
        emd = ers["metadata"]
        labels = dict(emd["labels"])
        labels["app.kubernetes.io/component"] = "runner"
        ann = {k: v for k, v in emd["annotations"].items()
               if k != "actions.github.com/integrity-hash"}
        ann["actions.github.com/patch-id"] = str(ers["spec"].get("patchID", 0))
        return {
            "kind": "EphemeralRunner", "apiVersion": "actions.github.com/v1alpha1",
            "metadata": {
                "name": self.fresh(f"{emd['name']}-runner-"),
                "generateName": f"{emd['name']}-runner-", "namespace": emd["namespace"],
                "uid": self.uid(), "creationTimestamp": self.ts(age_s), "generation": 1,
                "labels": labels, "annotations": ann,
                "finalizers": ["ephemeralrunner.actions.github.com/finalizer",
                               "ephemeralrunner.actions.github.com/runner-registration-finalizer"],
                "ownerReferences": [owner_ref(ers)]},
            "spec": json_copy(ers["spec"]["ephemeralRunnerSpec"]),
            "status": {"ready": False},
        }

    def runner_pod(self, er, age_s, state="pending", node=None):
        md = er["metadata"]
        labels = dict(md["labels"])
        labels["actions-ephemeral-runner"] = "True"
        labels["pod-template-hash"] = fnv_hash_string(md["generateName"] + md["uid"][:8])
        spec = json_copy(er["spec"]["spec"])
        for c in spec["containers"]:
            if c["name"] == "runner":
                c["env"] = c.get("env", []) + [
                    {"name": "ACTIONS_RUNNER_INPUT_JITCONFIG", "valueFrom": {"secretKeyRef": {
                        "name": md["name"], "key": "jitToken"}}},
                    {"name": "GITHUB_ACTIONS_RUNNER_EXTRA_USER_AGENT",
                     "value": f"actions-runner-controller/{ARC_VERSION}"},
                    {"name": "ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE", "value": "1"}]
        spec.update({"tolerations": DEFAULT_TOLERATIONS, "priority": 0,
                     "enableServiceLinks": True, "schedulerName": "default-scheduler",
                     "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
                     "preemptionPolicy": "PreemptLowerPriority"})
        pod = {"kind": "Pod", "apiVersion": "v1",
               "metadata": {"name": md["name"], "namespace": md["namespace"],
                            "uid": self.uid(), "creationTimestamp": self.ts(age_s),
                            "labels": labels, "annotations": dict(md["annotations"]),
                            "ownerReferences": [owner_ref(er)]},
               "spec": spec}
        gpu = "gpu" in (md["labels"].get("app.kubernetes.io/runner-type", "") +
                        md["labels"].get("actions.github.com/scale-set-name", ""))
        podstate.init(self, pod, state, age_s, node=node or self.node(gpu=gpu))
        return pod

    def listener(self, ars, ers, ns, age_s):
        amd, spec = ars["metadata"], ars["spec"]
        suffix = fnv_hash_string(f"{amd['namespace']}@{spec.get('runnerGroup', '')}@"
                                 f"{spec['githubConfigUrl']}")[:8]
        name = f"{amd['name']}-{suffix}-listener"
        labels = {k: v for k, v in amd["labels"].items()}
        labels.update({"actions.github.com/scale-set-namespace": amd["namespace"],
                       "actions.github.com/scale-set-name": amd["name"],
                       "app.kubernetes.io/part-of": "gha-runner-scale-set",
                       "app.kubernetes.io/component": "runner-scale-set-listener",
                       "app.kubernetes.io/version": ARC_VERSION})
        labels.update(self.github_url_labels(spec["githubConfigUrl"]))
        lspec = {"githubConfigUrl": spec["githubConfigUrl"],
                 "githubConfigSecret": spec["githubConfigSecret"],
                 "runnerScaleSetId": int(amd["annotations"]["runner-scale-set-id"]),
                 "autoscalingRunnerSetNamespace": amd["namespace"],
                 "autoscalingRunnerSetName": amd["name"],
                 "ephemeralRunnerSetName": ers["metadata"]["name"],
                 "maxRunners": spec.get("maxRunners", 2147483647),
                 "minRunners": spec.get("minRunners", 0), "image": ARC_LISTENER_IMAGE}
        return {
            "kind": "AutoscalingListener", "apiVersion": "actions.github.com/v1alpha1",
            "metadata": {"name": name, "namespace": ns, "uid": self.uid(),
                         "creationTimestamp": self.ts(age_s), "generation": 1,
                         "labels": labels,
                         "annotations": {"actions.github.com/integrity-hash":
                                         fnv_hash_string(str(lspec))},
                         "finalizers": ["autoscalinglistener.actions.github.com/finalizer"]},
            "spec": lspec, "status": {},
        }

    def listener_pod(self, listener, age_s, state="running"):
        md = listener["metadata"]
        pod = {"kind": "Pod", "apiVersion": "v1",
               "metadata": {"name": md["name"], "namespace": md["namespace"], "uid": self.uid(),
                            "creationTimestamp": self.ts(age_s), "labels": dict(md["labels"]),
                            "annotations": {"actions.github.com/integrity-hash":
                                            fnv_hash_string(md["name"] + "pod")},
                            "ownerReferences": [owner_ref(listener)]},
               "spec": {"containers": [{
                   "name": "listener", "image": ARC_LISTENER_IMAGE, "command": ["/ghalistener"],
                   "env": [{"name": "LISTENER_CONFIG_PATH",
                            "value": "/etc/gha-listener/config.json"}],
                   "ports": [{"name": "metrics", "containerPort": 8080, "protocol": "TCP"}],
                   "volumeMounts": [{"name": "listener-config", "readOnly": True,
                                     "mountPath": "/etc/gha-listener"}],
                   "imagePullPolicy": "IfNotPresent"}],
                   "volumes": [{"name": "listener-config",
                                "secret": {"secretName": md["name"] + "-config",
                                           "defaultMode": 420}}],
                   "restartPolicy": "Never", "serviceAccountName": md["name"],
                   "serviceAccount": md["name"], "schedulerName": "default-scheduler",
                   "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
                   "tolerations": DEFAULT_TOLERATIONS, "priority": 0}}
        podstate.init(self, pod, state, age_s, node=self.node())
        return pod

    # ---- events --------------------------------------------------------------------

    def event(self, involved, type_, reason, message, component, host=None,
              field_path=None, count=1, first_age_s=0.0, last_age_s=0.0):
        md = involved["metadata"]
        t_last = self.now() - last_age_s
        ref = {"kind": involved["kind"], "namespace": md.get("namespace", ""),
               "name": md["name"], "uid": md["uid"], "apiVersion": involved["apiVersion"],
               "resourceVersion": md.get("resourceVersion", "")}
        if field_path:
            ref["fieldPath"] = field_path
        nanos = int(t_last * 1e9) + self.rng.randrange(1_000_000)
        source = {"component": component}
        if host:
            source["host"] = host
        return {"kind": "Event", "apiVersion": "v1",
                "metadata": {"name": f"{md['name']}.{nanos:x}",
                             "namespace": md.get("namespace") or "default",
                             "uid": self.uid(), "creationTimestamp": self.ts(first_age_s)},
                "involvedObject": ref, "reason": reason, "message": message,
                "source": source, "firstTimestamp": self.ts(first_age_s),
                "lastTimestamp": self.ts(last_age_s), "count": count, "type": type_,
                "eventTime": None, "reportingComponent": component,
                "reportingInstance": host or ""}


def json_copy(o):
    return json.loads(json.dumps(o))
