# SPDX-License-Identifier: Apache-2.0
"""The resource types the simulator serves: group, version, kind, names, scope."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resource:
    plural: str
    group: str
    version: str
    kind: str
    singular: str
    namespaced: bool = True
    short_names: tuple = ()
    categories: tuple = ()
    subresources: tuple = ("status",)
    has_generation: bool = False
    verbs: tuple = ("get", "list", "watch")
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def group_version(self) -> str:
        return self.api_version


ARC = "actions.github.com"

RESOURCES = [
    Resource("namespaces", "", "v1", "Namespace", "namespace", namespaced=False,
             short_names=("ns",), subresources=("status", "finalize")),
    Resource("pods", "", "v1", "Pod", "pod", short_names=("po",), categories=("all",),
             subresources=("log", "status")),
    Resource("events", "", "v1", "Event", "event", short_names=("ev",), subresources=()),
    Resource("deployments", "apps", "v1", "Deployment", "deployment", short_names=("deploy",),
             categories=("all",), subresources=("scale", "status"), has_generation=True),
    Resource("horizontalpodautoscalers", "autoscaling", "v2", "HorizontalPodAutoscaler",
             "horizontalpodautoscaler", short_names=("hpa",), categories=("all",),
             has_generation=True),
    Resource("autoscalingrunnersets", ARC, "v1alpha1", "AutoscalingRunnerSet",
             "autoscalingrunnerset", has_generation=True),
    Resource("ephemeralrunnersets", ARC, "v1alpha1", "EphemeralRunnerSet",
             "ephemeralrunnerset", has_generation=True),
    Resource("ephemeralrunners", ARC, "v1alpha1", "EphemeralRunner",
             "ephemeralrunner", has_generation=True),
    Resource("autoscalinglisteners", ARC, "v1alpha1", "AutoscalingListener",
             "autoscalinglistener", has_generation=True),
]

BY_PLURAL = {r.plural: r for r in RESOURCES}
BY_KIND = {(r.api_version, r.kind): r for r in RESOURCES}


def groups():
    """Ordered {group: [version, ...]} for the non-core groups."""
    out = {}
    for r in RESOURCES:
        if r.group:
            out.setdefault(r.group, [])
            if r.version not in out[r.group]:
                out[r.group].append(r.version)
    return out


def in_group_version(group: str, version: str, hidden=()):
    return [r for r in RESOURCES
            if r.group == group and r.version == version and r.group not in hidden]


def lookup(group: str, version: str, plural: str, hidden=()):
    r = BY_PLURAL.get(plural)
    if r is None or r.group != group or r.version != version or r.group in hidden:
        return None
    return r


def for_object(obj: dict):
    return BY_KIND.get((obj.get("apiVersion", ""), obj.get("kind", "")))
