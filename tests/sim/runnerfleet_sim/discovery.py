# SPDX-License-Identifier: Apache-2.0
"""API discovery: aggregated (apidiscovery.k8s.io/v2, v2beta1) and legacy documents."""

from . import resources

V2_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList"


def _kind_ref(r):
    # Captured from a real server: core resources report an empty group and version.
    if r.group:
        return {"group": r.group, "version": r.version, "kind": r.kind}
    return {"group": "", "version": "", "kind": r.kind}


def _sub_verbs(sub):
    return ["get"] if sub == "log" else ["get", "patch", "update"]


def _aggregated_resource(r):
    out = {"resource": r.plural, "responseKind": _kind_ref(r),
           "scope": "Namespaced" if r.namespaced else "Cluster",
           "singularResource": r.singular, "verbs": list(r.verbs)}
    if r.short_names:
        out["shortNames"] = list(r.short_names)
    if r.categories:
        out["categories"] = list(r.categories)
    subs = []
    for s in r.subresources:
        kind = {"group": "autoscaling", "version": "v1", "kind": "Scale"} if s == "scale" \
            else _kind_ref(r)
        subs.append({"subresource": s, "responseKind": kind, "verbs": _sub_verbs(s)})
    if subs:
        out["subresources"] = subs
    return out


def aggregated(core: bool, version: str = "v2", hidden=()) -> dict:
    items = []
    if core:
        items.append({"metadata": {"creationTimestamp": None}, "versions": [{
            "version": "v1",
            "resources": [_aggregated_resource(r)
                          for r in sorted(resources.in_group_version("", "v1"),
                                          key=lambda r: r.plural)],
            "freshness": "Current"}]})
    else:
        for group, versions in resources.groups().items():
            if group in hidden:
                continue
            items.append({"metadata": {"name": group, "creationTimestamp": None},
                          "versions": [{"version": v,
                                        "resources": [_aggregated_resource(r) for r in sorted(
                                            resources.in_group_version(group, v),
                                            key=lambda r: r.plural)],
                                        "freshness": "Current"} for v in versions]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}",
            "metadata": {}, "items": items}


def legacy_api(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def _group_doc(group, versions):
    vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": vs, "preferredVersion": vs[0]}


def legacy_apis(hidden=()) -> dict:
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group_doc(g, vs) for g, vs in resources.groups().items()
                       if g not in hidden]}


def legacy_group(group: str, hidden=()):
    versions = resources.groups().get(group)
    if not versions or group in hidden:
        return None
    return dict(kind="APIGroup", apiVersion="v1", **_group_doc(group, versions))


def legacy_resource_list(group: str, version: str, hidden=()):
    rs = resources.in_group_version(group, version, hidden)
    if not rs:
        return None
    out = []
    for r in rs:
        item = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                "kind": r.kind, "verbs": list(r.verbs)}
        if r.short_names:
            item["shortNames"] = list(r.short_names)
        if r.categories:
            item["categories"] = list(r.categories)
        out.append(item)
        for s in r.subresources:
            sub = {"name": f"{r.plural}/{s}", "singularName": "", "namespaced": r.namespaced,
                   "kind": r.kind, "verbs": _sub_verbs(s)}
            if s == "scale":
                sub.update(group="autoscaling", version="v1", kind="Scale")
            out.append(sub)
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": out}
