# SPDX-License-Identifier: Apache-2.0
"""metav1.Status error objects, shaped exactly like the apiserver's."""


class ApiError(Exception):
    """Raised anywhere in request handling; rendered as a Status by the handler."""

    def __init__(self, code: int, reason: str, message: str, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict:
        return status(self.code, self.reason, self.message, self.details)


def status(code: int, reason: str, message: str, details=None) -> dict:
    out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason}
    if details is not None:
        out["details"] = details
    out["code"] = code
    return out


def not_found(plural: str, name: str, group: str = "") -> ApiError:
    res = f"{plural}.{group}" if group else plural
    details = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return ApiError(404, "NotFound", f'{res} "{name}" not found', details)


def path_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(plural: str, group: str, verb: str, namespace, user: str) -> ApiError:
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    res = f"{plural}.{group}" if group else plural
    msg = (f'{res} is forbidden: User "{user}" cannot {verb} resource "{plural}" '
           f'in API group "{group}" {where}')
    details = {"kind": plural}
    if group:
        details["group"] = group
    return ApiError(403, "Forbidden", msg, details)


def already_exists(plural: str, name: str, group: str = "") -> ApiError:
    res = f"{plural}.{group}" if group else plural
    details = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return ApiError(409, "AlreadyExists", f'{res} "{name}" already exists', details)


def conflict(plural: str, name: str, why: str) -> ApiError:
    return ApiError(409, "Conflict",
                    f'Operation cannot be fulfilled on {plural} "{name}": {why}',
                    {"name": name, "kind": plural})


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


CONTINUE_EXPIRED = ("The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter, or use "
                    "the continue value from the response to get a consistent list.")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, "TooManyRequests",
                    "Too many requests, please try again later.",
                    {"retryAfterSeconds": retry_after},
                    headers={"Retry-After": str(retry_after)})


def internal(cause: str = "simulated fault") -> ApiError:
    return ApiError(500, "InternalError", f"Internal error occurred: {cause}",
                    {"causes": [{"message": cause}]})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed() -> ApiError:
    return ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource", {})


def too_old_rv(requested, oldest) -> dict:
    return status(410, "Expired", f"too old resource version: {requested} ({oldest})")
