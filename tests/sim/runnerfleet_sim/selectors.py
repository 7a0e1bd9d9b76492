# SPDX-License-Identifier: Apache-2.0
"""Label and field selectors with the apiserver's grammar and matching rules."""

import re

from .status import bad_request

_WORD = re.compile(r"[A-Za-z0-9._/\-]+")
_OPS = ("==", "!=", "=", "!", "(", ")", ",", ">", "<")


def _lex(text: str):
    toks, i = [], 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
            continue
        for op in _OPS:
            if text.startswith(op, i):
                toks.append(("op", op))
                i += len(op)
                break
        else:
            m = _WORD.match(text, i)
            if not m:
                raise bad_request(f"unable to parse requirement: found '{c}', "
                                  "expected: identifier")
            toks.append(("id", m.group()))
            i = m.end()
    return toks


class LabelSelector:
    """Requirements (key, op, values); op in exists, !, =, !=, in, notin, gt, lt."""

    def __init__(self, text: str = ""):
        self.text = text or ""
        self.reqs = self._parse(_lex(self.text)) if self.text.strip() else []

    def __bool__(self):
        return bool(self.reqs)

    @staticmethod
    def _parse(toks):
        reqs, i = [], 0

        def peek():
            return toks[i] if i < len(toks) else ("end", "")

        def fail(msg):
            raise bad_request(f"unable to parse requirement: {msg}")

        while True:
            kind, val = peek()
            if kind == "op" and val == "!":
                i += 1
                kind, key = peek()
                if kind != "id":
                    fail(f"found '{key}', expected: identifier")
                i += 1
                reqs.append((key, "!", None))
            elif kind == "id":
                key = val
                i += 1
                kind, val = peek()
                if kind == "end" or (kind == "op" and val == ","):
                    reqs.append((key, "exists", None))
                elif kind == "op" and val in ("=", "==", "!="):
                    i += 1
                    k2, v2 = peek()
                    if k2 == "id":
                        i += 1
                        value = v2
                    elif k2 == "end" or v2 == ",":
                        value = ""
                    else:
                        fail(f"found '{v2}', expected: identifier")
                    reqs.append((key, "!=" if val == "!=" else "=", value))
                elif kind == "op" and val in (">", "<"):
                    i += 1
                    k2, v2 = peek()
                    if k2 != "id" or not v2.lstrip("-").isdigit():
                        fail(f"for 'Gt', 'Lt' operators, the value must be an integer")
                    i += 1
                    reqs.append((key, "gt" if val == ">" else "lt", int(v2)))
                elif kind == "id" and val in ("in", "notin"):
                    op = val
                    i += 1
                    if peek() != ("op", "("):
                        fail(f"found '{peek()[1]}', expected: '('")
                    i += 1
                    values = set()
                    while True:
                        k2, v2 = peek()
                        if k2 == "id":
                            values.add(v2)
                            i += 1
                            k2, v2 = peek()
                        if (k2, v2) == ("op", ","):
                            i += 1
                            continue
                        if (k2, v2) == ("op", ")"):
                            i += 1
                            break
                        fail(f"found '{v2}', expected: ',', ')' or identifier")
                    if not values:
                        fail("for 'in', 'notin' operators, values set can't be empty")
                    reqs.append((key, op, values))
                else:
                    fail(f"found '{val}', expected: in, notin, =, ==, !=, gt, lt")
            else:
                fail(f"found '{val}', expected: !, identifier, or 'end of string'")
            kind, val = peek()
            if kind == "end":
                return reqs
            if (kind, val) != ("op", ","):
                fail(f"found '{val}', expected: ',' or 'end of string'")
            i += 1

    def matches(self, labels) -> bool:
        labels = labels or {}
        for key, op, val in self.reqs:
            have = key in labels
            cur = labels.get(key)
            if op == "exists":
                ok = have
            elif op == "!":
                ok = not have
            elif op == "=":
                ok = have and cur == val
            elif op == "!=":
                ok = not have or cur != val
            elif op == "in":
                ok = have and cur in val
            elif op == "notin":
                ok = not have or cur not in val
            else:
                try:
                    n = int(cur) if have else None
                except ValueError:
                    n = None
                ok = n is not None and (n > val if op == "gt" else n < val)
            if not ok:
                return False
        return True


def _field_getters(plural: str):
    common = {
        "metadata.name": lambda o: o.get("metadata", {}).get("name", ""),
        "metadata.namespace": lambda o: o.get("metadata", {}).get("namespace", ""),
    }
    if plural == "pods":
        spec = lambda o, k, d="": str(o.get("spec", {}).get(k, d))
        status = lambda o, k: str(o.get("status", {}).get(k, ""))
        common.update({
            "spec.nodeName": lambda o: spec(o, "nodeName"),
            "spec.restartPolicy": lambda o: spec(o, "restartPolicy"),
            "spec.schedulerName": lambda o: spec(o, "schedulerName"),
            "spec.serviceAccountName": lambda o: spec(o, "serviceAccountName"),
            "spec.hostNetwork": lambda o: "true" if o.get("spec", {}).get("hostNetwork")
            else "false",
            "status.phase": lambda o: status(o, "phase"),
            "status.podIP": lambda o: status(o, "podIP"),
            "status.nominatedNodeName": lambda o: status(o, "nominatedNodeName"),
        })
    elif plural == "events":
        inv = lambda o, k: str(o.get("involvedObject", {}).get(k, ""))
        for k in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion",
                  "fieldPath"):
            common[f"involvedObject.{k}"] = (lambda kk: lambda o: inv(o, kk))(k)
        common.update({
            "reason": lambda o: str(o.get("reason", "")),
            "reportingComponent": lambda o: str(o.get("reportingComponent", "")),
            "source": lambda o: str(o.get("source", {}).get("component", "")),
            "type": lambda o: str(o.get("type", "")),
        })
    elif plural == "namespaces":
        common["status.phase"] = lambda o: str(o.get("status", {}).get("phase", ""))
    return common


def _split_unescaped(text: str, sep: str):
    parts, cur, i = [], "", 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur += text[i:i + 2]
            i += 2
            continue
        if c == sep:
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return parts


def _unescape(v: str) -> str:
    return re.sub(r"\\(.)", r"\1", v)


class FieldSelector:
    """Terms (field, op, value) with op in =, !=, ANDed; fields per resource type."""

    def __init__(self, plural: str, text: str = ""):
        self.text = text or ""
        self.terms = []
        if not self.text.strip():
            return
        getters = _field_getters(plural)
        for part in _split_unescaped(self.text, ","):
            part = part.strip()
            if not part:
                continue
            m = re.match(r"^([^=!]+?)\s*(==|!=|=)(.*)$", part)
            if not m:
                raise bad_request(f"invalid selector: '{self.text}'; can't understand "
                                  f"'{part}'")
            field, op, value = m.group(1).strip(), m.group(2), _unescape(m.group(3).strip())
            if field not in getters:
                raise bad_request(f"field label not supported: {field}")
            self.terms.append((getters[field], "!=" if op == "!=" else "=", value))

    def __bool__(self):
        return bool(self.terms)

    def matches(self, obj) -> bool:
        for get, op, value in self.terms:
            if (get(obj) == value) != (op == "="):
                return False
        return True


class Selection:
    """Namespace + label selector + field selector: what a list or watch may see."""

    def __init__(self, plural: str, namespace=None, label: str = "", field: str = ""):
        self.namespace = namespace
        self.label = LabelSelector(label)
        self.field = FieldSelector(plural, field)

    @property
    def filtered(self) -> bool:
        return bool(self.label) or bool(self.field)

    def matches(self, obj) -> bool:
        if obj is None:
            return False
        md = obj.get("metadata", {})
        if self.namespace is not None and md.get("namespace", "") != self.namespace:
            return False
        if self.label and not self.label.matches(md.get("labels")):
            return False
        if self.field and not self.field.matches(obj):
            return False
        return True
