"""Checking the shell's webhooks (Standard Webhooks signatures), for partner apps.

The shell signs each webhook with the app's secret (``whsec_…``, printed by
``machi apps webhook-secret SLUG``): ``webhook-signature`` is ``v1,`` followed by the base64
HMAC-SHA256 of ``"{webhook-id}.{webhook-timestamp}.{body}"``. A delivery is retried until the app
answers 2xx, so the same ``webhook-id`` may arrive more than once: handle it once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

TOLERANCE_SECONDS = 300


class WebhookError(Exception):
    """The webhook is not from the shell, or too old to trust."""


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> dict[str, Any]:
    """Check a webhook's signature and age; return its JSON payload, or raise
    :class:`WebhookError`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    message_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not message_id or not stamp.isdigit() or not signatures:
        raise WebhookError("missing webhook headers")
    if abs((now if now is not None else time.time()) - int(stamp)) > TOLERANCE_SECONDS:
        raise WebhookError("timestamp too old or in the future")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)  # type: ignore[no-any-return]
    raise WebhookError("signature does not match")
