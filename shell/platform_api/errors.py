"""Why a Platform API call was refused: a stable code, an HTTP status, a message for logs.

The routes answer ``{"error": {"code", "message"}}`` with the status; the in-process platform
raises ``machi_sdk.PlatformError(code, message)``. Codes are the SDK's where it has one.
"""

from __future__ import annotations


class Refused(Exception):
    """A call the shell will not do; ``code`` is short and stable, ``message`` for the partner."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


def unauthorized(message: str = "valid client credentials are needed") -> Refused:
    return Refused(401, "unauthorized", message)


def invalid_token(reason: str) -> Refused:
    return Refused(401, "invalid_token", f"the resident's launch token was refused ({reason})")


def not_granted() -> Refused:
    return Refused(403, "not_granted", "the resident has not allowed this app, or revoked it")


def scope_missing(scope: str) -> Refused:
    return Refused(403, "scope_missing", f"the resident has not granted {scope!r}")


def app_unavailable() -> Refused:
    return Refused(403, "app_unavailable", "this app is not hosted or approved now")


def invalid(message: str) -> Refused:
    return Refused(422, "invalid", message)


def quota_exceeded(limit: int) -> Refused:
    return Refused(
        429,
        "quota_exceeded",
        f"this app has sent this resident {limit} notifications today (Japan time), the most a day"
        " allows; nothing was sent",
    )


def not_staff(what: str = "write the audit log") -> Refused:
    return Refused(403, "forbidden", f"only a staff launch may {what}")


def unavailable(message: str) -> Refused:
    return Refused(503, "unavailable", message)
