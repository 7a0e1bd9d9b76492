# SPDX-License-Identifier: Apache-2.0
"""GitLab repository endpoints runnerfleetd uses to propose config changes as merge requests
(wire-facts §2.3), backed by a small in-memory git-like repository: project 12 `ci/flywheel`
whose `main` holds the runner stacks' tfvars.

Model: blobs (id = git's blob sha1), commits (id = sha1 of their content, parent links, author,
message, created_at, and a tree mapping each path to (blob id, last commit that changed it)),
branches (name -> head commit) and merge requests. Everything is under one lock, so a commit's
actions apply all or none and a concurrent change is either before or after a client's commit."""

import base64
import difflib
import hashlib
import json
import threading
import time
from urllib.parse import parse_qs, unquote

from .util import rfc3339

PROJECT_ID = 12
PROJECT_PATH = "ci/flywheel"
WEB = "https://gitlab.example/" + PROJECT_PATH
DEFAULT_BRANCH = "main"
ACTIONS = ("create", "update", "move", "delete", "chmod")
MR_STATES = ("opened", "closed", "locked", "merged", "all")
USERS = {"admin": {"id": 1, "username": "root", "name": "Administrator", "email": "admin@gitlab.example"},
         "user": {"id": 7, "username": "ci-bot", "name": "CI Bot", "email": "ci-bot@gitlab.example"},
         "operator": {"id": 9, "username": "jane", "name": "Jane Operator", "email": "jane@gitlab.example"}}

GITLAB_DEV = '''\
# GitLab runners, dev cluster. Keys: tofu/stacks/gitlab-runners/variables.tf.
# Edited by hand and by runnerfleetd merge requests: keep the `=` aligned.

cluster_context  = "dev-cluster"
k8s_config_path  = ""
gitlab_url       = "https://gitlab.example"
namespace        = "gitlab-runners"
create_namespace = true

# Runner tokens come from CI/CD variables (TF_VAR_*_runner_token), never from this file.
nix_runner_name    = "nix-runner"
docker_runner_name = "docker-runner"
dind_runner_name   = "dind-runner"

deploy_docker_runner = true
deploy_dind_runner   = true

use_legacy_exec_strategy = true
spread_to_nodes          = true

# Manager pods (shared by every runner)
manager_cpu_request    = "50m"
manager_memory_request = "128Mi"
manager_cpu_limit      = "200m"
manager_memory_limit   = "256Mi"

# nix-runner (always deployed)
nix_concurrent_jobs    = 6
nix_job_cpu_request    = "500m"
nix_job_memory_request = "1Gi"
nix_job_cpu_limit      = "4"
nix_job_memory_limit   = "8Gi"
nix_hpa_enabled        = true
nix_hpa_min_replicas   = 1
nix_hpa_max_replicas   = 5
attic_server           = "https://attic.dev.example"
attic_cache            = "main"

# docker-runner
docker_concurrent_jobs    = 12
docker_job_cpu_request    = "100m"
docker_job_memory_request = "256Mi"
docker_job_cpu_limit      = "2"
docker_job_memory_limit   = "4Gi"
docker_hpa_enabled        = true
docker_hpa_min_replicas   = 2
docker_hpa_max_replicas   = 10

# dind-runner
dind_concurrent_jobs    = 6
dind_job_cpu_request    = "500m"
dind_job_memory_request = "1Gi"
dind_job_cpu_limit      = "4"
dind_job_memory_limit   = "8Gi"
dind_hpa_enabled        = true
dind_hpa_min_replicas   = 1
dind_hpa_max_replicas   = 4

# rocky9-runner is deployed outside this stack: the stack has no rocky8/rocky9 keys.

enable_runner_cleanup = false
kubectl_image         = "bitnami/kubectl:latest"
'''

GITLAB_PROD = '''\
# GitLab runners, prod cluster. Keys: tofu/stacks/gitlab-runners/variables.tf.

cluster_context  = "prod-cluster"
gitlab_url       = "https://gitlab.example"
namespace        = "gitlab-runners"
create_namespace = false

deploy_docker_runner = true
deploy_dind_runner   = true

use_legacy_exec_strategy = true
spread_to_nodes          = true
job_priority_class_name  = "ci-jobs"

manager_cpu_request    = "100m"
manager_memory_request = "256Mi"
manager_cpu_limit      = "500m"
manager_memory_limit   = "512Mi"

nix_concurrent_jobs  = 8
nix_hpa_enabled      = true
nix_hpa_min_replicas = 2
nix_hpa_max_replicas = 8
# Heredoc kept from the first version of this file: the value ends in a newline.
attic_server = <<-EOT
  https://attic.prod.example
  EOT
attic_cache  = "prod"

docker_concurrent_jobs  = 16
docker_hpa_enabled      = true
docker_hpa_min_replicas = 3
docker_hpa_max_replicas = 12

dind_concurrent_jobs  = 6
dind_hpa_enabled      = true
dind_hpa_min_replicas = 1
dind_hpa_max_replicas = 6

enable_runner_cleanup = true
'''

ARC_DEV = '''\
# GitHub Actions runner scale sets (ARC), dev cluster. Keys: tofu/stacks/arc-runners/variables.tf.

cluster_context          = "dev-cluster"
github_config_url        = "https://github.com/tinyland-inc"
github_config_secret     = "github-app-secret"
controller_namespace     = "arc-systems"
runner_namespace         = "arc-runners"
controller_chart_version = "0.13.1"

nix_runner_name      = "gh-nix"
docker_runner_name   = "gh-docker"
deploy_docker_runner = true
deploy_dind_runner   = false

# gh-nix (always deployed)
nix_min_runners    = 0
nix_max_runners    = 10
nix_cpu_request    = "500m"
nix_memory_request = "1Gi"
nix_cpu_limit      = "4"
nix_memory_limit   = "8Gi"

# gh-docker
docker_min_runners    = 1
docker_max_runners    = 5
docker_cpu_request    = "100m"
docker_memory_request = "256Mi"
docker_cpu_limit      = "2"
docker_memory_limit   = "4Gi"

attic_cache = "main"

# Extra scale sets: each key is the Helm release name, all in runner_namespace.
extra_runner_sets = {
  "gh-l40s" = {
    github_config_url = "https://github.com/tinyland-inc"
    runner_label      = "tinyland-l40s"
    runner_type       = "docker"
    min_runners       = 0
    max_runners       = 2 # two L40S nodes
    cpu_request       = "2"
    memory_request    = "8Gi"
    cpu_limit         = "8"
    memory_limit      = "32Gi"
  }
}
'''

SEED = [  # (age_s, author, message, {path: content})
    (30 * 86400, "admin", "Add gitlab-runners stack tfvars",
     {"tofu/stacks/gitlab-runners/dev.tfvars": GITLAB_DEV, "tofu/stacks/gitlab-runners/prod.tfvars": GITLAB_PROD}),
    (21 * 86400, "admin", "Add arc-runners dev tfvars", {"tofu/stacks/arc-runners/dev.tfvars": ARC_DEV}),
]


class RepoError(Exception):
    """A request GitLab refuses: code, and the body's value under key."""

    def __init__(self, code, message, key="message"):
        super().__init__(message)
        self.code, self.message, self.key = code, message, key


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Repo:
    def __init__(self, now: float):
        self.lock = threading.Lock()
        self.blobs = {}
        self.commits = {}
        self.branches = {}
        self.mrs = {}  # iid -> MR
        self.protected = {DEFAULT_BRANCH}
        parent = None
        for age, who, message, files in SEED:
            tree = dict(self.commits[parent]["tree"]) if parent else {}
            actions = [{"action": "create", "file_path": p, "content": c} for p, c in files.items()]
            parent = self._commit(parent, tree, actions, who, message, now - age)
        self.branches[DEFAULT_BRANCH] = parent

    # ---- model (callers hold the lock) -----------------------------------------------

    def _commit(self, parent, tree, actions, who, message, at, author=None):
        """Applies actions to tree (already a copy) and stores the commit; the id is the sha1
        of everything that makes it, and each changed path records it as its last commit."""
        changed = {}
        for a in actions:
            if a["action"] == "delete":
                changed[a["file_path"]] = None
            elif a["action"] == "move":
                changed[a["previous_path"]] = None
                changed[a["file_path"]] = a["data"] if a.get("data") is not None else self.blobs[tree[a["previous_path"]][0]]
            else:
                changed[a["file_path"]] = a.get("data", a.get("content", "").encode())
        user = author or {"name": USERS[who]["name"], "email": USERS[who]["email"]}
        digest = hashlib.sha1(json.dumps([parent, sorted(tree.items()), sorted(
            (p, blob_sha(d) if d is not None else None) for p, d in changed.items()), user, message, at]).encode())
        cid = digest.hexdigest()
        for path, data in changed.items():
            if data is None:
                tree.pop(path, None)
            else:
                bid = blob_sha(data)
                self.blobs[bid] = data
                tree[path] = (bid, cid)
        self.commits[cid] = {"id": cid, "parent_ids": [parent] if parent else [], "tree": tree,
                             "author_name": user["name"], "author_email": user["email"], "message": message,
                             "created_at": at, "changed": sorted(changed)}
        return cid

    def resolve(self, ref):
        """A branch name, or a full or (>= 7 hex) abbreviated commit id; None if unknown."""
        if ref in self.branches:
            return self.branches[ref]
        if ref in self.commits:
            return ref
        if len(ref) >= 7 and all(c in "0123456789abcdef" for c in ref):
            found = [c for c in self.commits if c.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def ancestors(self, cid):
        seen, todo = [], [cid]
        while todo:
            c = todo.pop(0)
            if c and c not in seen:
                seen.append(c)
                todo.extend(self.commits[c]["parent_ids"])
        return seen

    def merge_base(self, a, b):
        other = set(self.ancestors(b))
        return next((c for c in self.ancestors(a) if c in other), None)

    # ---- entities --------------------------------------------------------------------

    def commit_entity(self, cid, detail=False):
        c = self.commits[cid]
        at = rfc3339(c["created_at"])
        out = {"id": cid, "short_id": cid[:8], "created_at": at, "parent_ids": c["parent_ids"],
               "title": c["message"].split("\n", 1)[0], "message": c["message"],
               "author_name": c["author_name"], "author_email": c["author_email"], "authored_date": at,
               "committer_name": c["author_name"], "committer_email": c["author_email"], "committed_date": at,
               "trailers": {}, "extended_trailers": {}, "web_url": f"{WEB}/-/commit/{cid}"}
        if detail:
            add = dele = 0
            parent = self.commits[c["parent_ids"][0]]["tree"] if c["parent_ids"] else {}
            for path in c["changed"]:
                a, b = self._text(parent.get(path)), self._text(c["tree"].get(path))
                for line in difflib.unified_diff(a, b, n=0):
                    if line[:1] == "+" and not line.startswith("+++"):
                        add += 1
                    elif line[:1] == "-" and not line.startswith("---"):
                        dele += 1
            out.update({"stats": {"additions": add, "deletions": dele, "total": add + dele}, "status": None,
                        "project_id": PROJECT_ID, "last_pipeline": None})
        return out

    def _text(self, entry):
        return self.blobs[entry[0]].decode("utf-8", "replace").splitlines(True) if entry else []

    def branch_entity(self, name):
        head = self.branches[name]
        default = self.branches[DEFAULT_BRANCH] if DEFAULT_BRANCH in self.branches else None
        return {"name": name, "commit": self.commit_entity(head),
                "merged": name != DEFAULT_BRANCH and default is not None and head in self.ancestors(default),
                "protected": name in self.protected, "developers_can_push": False,
                "developers_can_merge": False, "can_push": True, "default": name == DEFAULT_BRANCH,
                "web_url": f"{WEB}/-/tree/{name}"}

    def file_entity(self, path, ref):
        cid = self.resolve(ref)
        if cid is None:
            raise RepoError(404, "404 Commit Not Found")
        entry = self.commits[cid]["tree"].get(path)
        if entry is None:
            raise RepoError(404, "404 File Not Found")
        data = self.blobs[entry[0]]
        return {"file_name": path.rsplit("/", 1)[-1], "file_path": path, "size": len(data), "encoding": "base64",
                "content": base64.b64encode(data).decode(), "content_sha256": hashlib.sha256(data).hexdigest(),
                "ref": ref, "blob_id": entry[0], "commit_id": cid, "last_commit_id": entry[1],
                "execute_filemode": False}, data

    def mr_entity(self, mr):
        source = self.branches.get(mr["source_branch"])
        sha = source or mr["sha"]
        author = USERS[mr["author"]]
        iid = mr["iid"]
        return {"id": mr["id"], "iid": iid, "project_id": PROJECT_ID, "title": mr["title"],
                "description": mr["description"], "state": mr["state"], "created_at": rfc3339(mr["created_at"]),
                "updated_at": rfc3339(mr["created_at"]), "merged_by": None, "merge_user": None, "merged_at": None,
                "closed_by": None, "closed_at": None, "target_branch": mr["target_branch"],
                "source_branch": mr["source_branch"], "user_notes_count": 0, "upvotes": 0, "downvotes": 0,
                "author": {"id": author["id"], "username": author["username"], "name": author["name"],
                           "state": "active", "web_url": "https://gitlab.example/" + author["username"]},
                "assignees": [], "assignee": None, "reviewers": [], "source_project_id": PROJECT_ID,
                "target_project_id": PROJECT_ID, "labels": mr["labels"], "draft": False,
                "work_in_progress": False, "milestone": None, "merge_when_pipeline_succeeds": False,
                "merge_status": "can_be_merged" if source else "cannot_be_merged",
                "detailed_merge_status": "mergeable" if source else "broken_status",
                "sha": sha, "merge_commit_sha": None, "squash_commit_sha": None, "discussion_locked": None,
                "should_remove_source_branch": None, "force_remove_source_branch": mr["remove_source_branch"],
                "reference": f"!{iid}", "references": {"short": f"!{iid}", "relative": f"!{iid}",
                                                       "full": f"{PROJECT_PATH}!{iid}"},
                "web_url": f"{WEB}/-/merge_requests/{iid}", "squash": mr["squash"],
                "has_conflicts": False, "blocking_discussions_resolved": True}

    def diffs(self, mr):
        """The MR's changes: target...source, from their merge base to the source head (GitLab's
        three-dot diff), one entry per changed path; a delete plus an add of the same blob is a
        rename. Also returns the diff_refs."""
        head = self.branches.get(mr["source_branch"], mr["sha"])
        start = self.branches.get(mr["target_branch"], head)
        base = self.merge_base(head, start) or head
        old, new = self.commits[base]["tree"], self.commits[head]["tree"]
        gone = [p for p in old if p not in new]
        added = [p for p in new if p not in old]
        renames = {}
        for p in added:
            src = next((g for g in gone if old[g][0] == new[p][0] and g not in renames.values()), None)
            if src:
                renames[p] = src
        out = []
        for path in sorted(set(old) | set(new)):
            if path in renames.values():
                continue
            a_path = renames.get(path, path)
            a, b = old.get(a_path), new.get(path)
            if a and b and a[0] == b[0] and a_path == path:
                continue
            lines = list(difflib.unified_diff(self._text(a), self._text(b), n=3))[2:]
            diff = "".join(l if l.endswith("\n") else l + "\n\\ No newline at end of file\n" for l in lines)
            out.append({"diff": diff, "new_path": path, "old_path": a_path, "a_mode": "100644" if a else "0",
                        "b_mode": "100644" if b else "0", "new_file": a is None, "renamed_file": a_path != path,
                        "deleted_file": b is None, "generated_file": False})
        return out, {"base_sha": base, "head_sha": head, "start_sha": start}

    def truth(self):
        with self.lock:
            return {"project": {"id": PROJECT_ID, "path_with_namespace": PROJECT_PATH},
                    "default_branch": DEFAULT_BRANCH,
                    "branches": {n: c for n, c in sorted(self.branches.items())},
                    "files": {n: {p: {"blob_id": e[0], "last_commit_id": e[1], "size": len(self.blobs[e[0]]),
                                      "content_sha256": hashlib.sha256(self.blobs[e[0]]).hexdigest()}
                                  for p, e in sorted(self.commits[c]["tree"].items())}
                              for n, c in sorted(self.branches.items())},
                    "merge_requests": [{"iid": m["iid"], "state": m["state"], "source_branch": m["source_branch"],
                                        "target_branch": m["target_branch"], "title": m["title"],
                                        "sha": self.branches.get(m["source_branch"], m["sha"])}
                                       for m in self.mrs.values()],
                    "commits": len(self.commits)}

    # ---- operations ------------------------------------------------------------------

    def commit(self, params, who, now, author=None):
        """POST /repository/commits: validates every action against the start tree first, so
        one bad action changes nothing. Returns the new commit id."""
        if not isinstance(params, dict):
            raise RepoError(400, "branch is missing, commit_message is missing, actions is missing", "error")
        missing = [k for k in ("branch", "commit_message", "actions") if params.get(k) in (None, "")]
        if missing:
            raise RepoError(400, ", ".join(k + " is missing" for k in missing), "error")
        actions = params["actions"]
        if not isinstance(actions, list):
            raise RepoError(400, "actions is invalid", "error")
        if not actions:
            raise RepoError(400, "actions is empty", "error")
        if params.get("start_branch") and params.get("start_sha"):
            raise RepoError(400, "start_branch, start_sha are mutually exclusive", "error")
        for i, a in enumerate(actions):
            if not isinstance(a, dict):
                raise RepoError(400, f"actions[{i}] is invalid", "error")
            for key in ("action", "file_path"):
                if not a.get(key):
                    raise RepoError(400, f"actions[{i}][{key}] is missing", "error")
            if a["action"] not in ACTIONS:
                raise RepoError(400, f"actions[{i}][action] does not have a valid value", "error")
            if a["action"] == "update" and a.get("content") is None:
                raise RepoError(400, f"actions[{i}][content] is missing", "error")
            if a["action"] == "move" and not a.get("previous_path"):
                raise RepoError(400, f"actions[{i}][previous_path] is missing", "error")
            if a["action"] == "chmod":
                raise RepoError(400, "chmod is not supported by the simulator's repository", "error")
            if a.get("encoding", "text") not in ("text", "base64"):
                raise RepoError(400, f"actions[{i}][encoding] does not have a valid value", "error")
        branch = params["branch"]
        with self.lock:
            start = params.get("start_sha") or params.get("start_branch") or branch
            exists = branch in self.branches
            if exists and start != branch and not params.get("force"):
                if params.get("start_sha") or start in self.branches:
                    raise RepoError(400, f"A branch called '{branch}' already exists. Switch to that branch "
                                         "in order to make changes")
            parent = self.resolve(start) if (params.get("start_sha") or start in self.branches) else None
            if parent is None:
                if params.get("start_sha"):
                    raise RepoError(400, f"Cannot find start_sha '{start}'")
                if start == branch:
                    raise RepoError(400, "You can only create or edit files when you are on a branch")
                raise RepoError(400, f"Failed to create commit: Invalid start branch '{start}'")
            tree = dict(self.commits[parent]["tree"])
            staged = dict(tree)
            prepared = []
            for a in actions:
                path, act = a["file_path"], a["action"]
                data = None
                if a.get("content") is not None:
                    if a.get("encoding") == "base64":
                        try:
                            data = base64.b64decode(a["content"], validate=True)
                        except ValueError:
                            raise RepoError(400, "Invalid base64")
                    else:
                        data = str(a["content"]).encode()
                check = a.get("previous_path") if act == "move" else path
                if act in ("update", "move", "delete") and check not in staged:
                    raise RepoError(400, "A file with this name doesn't exist")
                if act in ("create", "move") and path in staged:
                    raise RepoError(400, "A file with this name already exists")
                if act in ("update", "move", "delete") and a.get("last_commit_id") and \
                        tree.get(check, (None, None))[1] != a["last_commit_id"]:
                    raise RepoError(400, f"The file has changed since you started editing it: {check}")
                if act == "create" and data is None:
                    data = b""
                if act == "delete":
                    staged.pop(path)
                elif act == "move":
                    staged[path] = staged.pop(check)
                else:
                    staged[path] = (None, None)
                prepared.append({"action": act, "file_path": path, "previous_path": a.get("previous_path"),
                                 "data": data})
            cid = self._commit(parent, tree, prepared, who, params["commit_message"], now, author or (
                {"name": params["author_name"], "email": params.get("author_email", "")}
                if params.get("author_name") else None))
            self.branches[branch] = cid
            return cid

    def delete_branch(self, name):
        with self.lock:
            if name not in self.branches:
                raise RepoError(404, "404 Branch Not Found")
            if name == DEFAULT_BRANCH:
                raise RepoError(405, "The default branch of a project cannot be deleted.")
            del self.branches[name]

    def create_mr(self, params, who, now):
        if not isinstance(params, dict):
            params = {}
        missing = [k for k in ("source_branch", "target_branch", "title") if params.get(k) in (None, "")]
        if missing:
            raise RepoError(400, ", ".join(k + " is missing" for k in missing), "error")
        src, dst = params["source_branch"], params["target_branch"]
        with self.lock:
            if src == dst:
                raise RepoError(422, ["You can't use same project/branch for source and target"])
            for label, name in (("Source", src), ("Target", dst)):
                if name not in self.branches:
                    raise RepoError(422, [f'{label} branch "{name}" does not exist'])
            clash = next((m for m in self.mrs.values() if m["state"] == "opened" and m["source_branch"] == src
                          and m["target_branch"] == dst), None)
            if clash:
                raise RepoError(409, [f"Another open merge request already exists for this source branch: "
                                      f"!{clash['iid']}"])
            iid = len(self.mrs) + 1
            labels = params.get("labels") or []
            if isinstance(labels, str):
                labels = [x.strip() for x in labels.split(",") if x.strip()]
            mr = {"id": 5000 + iid, "iid": iid, "title": params["title"], "description": params.get("description"),
                  "state": "opened", "source_branch": src, "target_branch": dst, "author": who,
                  "created_at": now, "sha": self.branches[src], "labels": labels,
                  "remove_source_branch": _flag(params.get("remove_source_branch")),
                  "squash": bool(_flag(params.get("squash")))}
            self.mrs[iid] = mr
            return self.mr_entity(mr)


def _flag(value):
    if isinstance(value, str):
        return {"true": True, "false": False, "1": True, "0": False}.get(value.lower())
    return value if isinstance(value, bool) else None


def endpoint_class(method, parts):
    """The stats class of a /projects/:id/... repository or MR request, or None."""
    if len(parts) < 3 or parts[0] != "projects":
        return None
    if parts[2] == "merge_requests":
        return "merge_requests"
    if parts[2] == "repository" and len(parts) >= 4 and parts[3] in ("files", "commits", "branches"):
        return parts[3]
    return None


def handle(handler, method, parts, query, body, user):
    """Serves /projects/:id/repository/... and /projects/:id/merge_requests...; returns False if
    the path is not one of them (the caller then answers 404)."""
    if len(parts) < 3 or parts[0] != "projects" or parts[2] not in ("repository", "merge_requests"):
        return False
    repo = handler.server.app.gitlab.repo
    now = time.time()
    try:
        if unquote(parts[1]) not in (str(PROJECT_ID), PROJECT_PATH):
            raise RepoError(404, "404 Project Not Found")
        rest = [unquote(p) for p in parts[2:]]
        if rest[0] == "repository":
            _repository(handler, repo, method, rest[1:], query, body, user, now)
        else:
            _merge_requests(handler, repo, method, rest[1:], query, body, user, now)
    except RepoError as e:
        handler.fail(e.code, e.message, e.key)
    return True


def _params(handler, body):
    ctype = handler.headers.get("Content-Type", "")
    try:
        if ctype.startswith("application/json"):
            return json.loads(body or b"{}")
        return {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    except (ValueError, UnicodeDecodeError):
        raise RepoError(400, "400 Bad request - the body is not valid JSON")


def _repository(handler, repo, method, rest, query, body, user, now):
    if rest[:1] == ["files"] and len(rest) in (2, 3) and (len(rest) == 2 or rest[2] == "raw"):
        path = rest[1]
        raw = len(rest) == 3
        if method not in ("GET", "HEAD"):
            raise RepoError(405, "405 Method Not Allowed")
        ref = query.get("ref")
        if not ref:
            if not raw:
                raise RepoError(400, "ref is missing", "error")
            ref = DEFAULT_BRANCH
        with repo.lock:
            entity, data = repo.file_entity(path, ref)
        if raw:
            headers = {"X-Gitlab-Blob-Id": entity["blob_id"], "X-Gitlab-Commit-Id": entity["commit_id"],
                       "X-Gitlab-Last-Commit-Id": entity["last_commit_id"]}
            return handler.send_bytes(200, data, "text/plain; charset=utf-8", headers)
        if method == "HEAD":
            headers = {"X-Gitlab-" + k.replace("_", "-").title(): str(v)
                       for k, v in entity.items() if k != "content"}
            return handler.send_bytes(200, b"", "application/json", headers)
        return handler.send_json(200, entity)
    if rest[:1] == ["branches"] and len(rest) == 2:
        with repo.lock:
            if method == "GET":
                if rest[1] not in repo.branches:
                    raise RepoError(404, "404 Branch Not Found")
                return handler.send_json(200, repo.branch_entity(rest[1]))
        if method == "DELETE":
            repo.delete_branch(rest[1])
            return handler.send_bytes(204, b"")
    if rest == ["commits"] and method == "POST":
        if not handler.headers.get("Content-Type", "").startswith("application/json"):
            raise RepoError(400, "actions is missing", "error")
        cid = repo.commit(_params(handler, body), user, now)
        with repo.lock:
            return handler.send_json(201, repo.commit_entity(cid, detail=True))
    if rest[:1] == ["commits"] and len(rest) == 2 and method == "GET":
        with repo.lock:
            cid = repo.resolve(rest[1])
            if cid is None:
                raise RepoError(404, "404 Commit Not Found")
            return handler.send_json(200, repo.commit_entity(cid, detail=True))
    raise RepoError(404, "404 Not Found", "error")


def _merge_requests(handler, repo, method, rest, query, body, user, now):
    if not rest and method == "POST":
        return handler.send_json(201, repo.create_mr(_params(handler, body), user, now))
    if not rest and method == "GET":
        state = query.get("state", "all")
        if state not in MR_STATES:
            raise RepoError(400, "state does not have a valid value", "error")
        with repo.lock:
            rows = [repo.mr_entity(m) for m in sorted(repo.mrs.values(), key=lambda m: -m["iid"])
                    if (state == "all" or m["state"] == state)
                    and query.get("source_branch") in (None, m["source_branch"])
                    and query.get("target_branch") in (None, m["target_branch"])]
        return handler.paged(query, rows)
    if rest and method == "GET" and len(rest) <= 2:
        try:
            iid = int(rest[0])
        except ValueError:
            raise RepoError(404, "404 Not found")
        with repo.lock:
            mr = repo.mrs.get(iid)
            if mr is None:
                raise RepoError(404, "404 Not found")
            if len(rest) == 1:
                return handler.send_json(200, repo.mr_entity(mr))
            if rest[1] == "changes":
                out = repo.mr_entity(mr)
                changes, refs = repo.diffs(mr)
                out.update({"changes": changes, "changes_count": str(len(changes)), "diff_refs": refs,
                            "overflow": False})
                return handler.send_json(200, out)
            if rest[1] != "diffs":
                raise RepoError(404, "404 Not Found", "error")
            rows, _ = repo.diffs(mr)
        return handler.paged(query, rows)
    raise RepoError(404, "404 Not Found", "error")


def control_commit(repo, body, now):
    """POST /_sim/gitlab/repo/commit: someone else's change to a branch (create, update, or with
    content null delete), so a client's last_commit_id goes stale."""
    if not isinstance(body, dict) or not isinstance(body.get("file_path"), str) or not (
            body.get("content") is None or isinstance(body.get("content"), str)):
        raise RepoError(400, 'body must be {"file_path": "...", "content": "..." | null, "branch": "main"}')
    branch = body.get("branch", DEFAULT_BRANCH)
    with repo.lock:
        if branch not in repo.branches:
            raise RepoError(404, f"no branch {branch!r}")
        exists = body["file_path"] in repo.commits[repo.branches[branch]]["tree"]
    if body["content"] is None:
        action = {"action": "delete", "file_path": body["file_path"]}
    else:
        action = {"action": "update" if exists else "create", "file_path": body["file_path"],
                  "content": body["content"]}
    cid = repo.commit({"branch": branch, "commit_message": body.get("message") or f"Update {body['file_path']}",
                       "actions": [action]}, "operator", now)
    return {"commit": cid, "branch": branch, "file_path": body["file_path"]}
