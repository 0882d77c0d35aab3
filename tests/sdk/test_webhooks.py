"""A partner app refuses a webhook that the shell did not sign, or that was changed or replayed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

import pytest
from machi_sdk.webhooks import WebhookError, verify

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
NOW = 1_780_000_000


def signed(body: bytes, *, secret: str = SECRET, stamp: int = NOW, msg_id: str = "msg_1") -> dict:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


BODY = json.dumps({"type": "payment.succeeded", "data": {"amount": 500}}).encode()


def test_the_shells_own_webhook_is_accepted():
    assert verify(SECRET, signed(BODY), BODY, now=NOW)["data"]["amount"] == 500


@pytest.mark.parametrize(
    ("headers", "body", "why"),
    [
        (signed(BODY, secret="whsec_" + base64.b64encode(b"x" * 32).decode()), BODY, "forged"),
        (signed(BODY), BODY.replace(b"500", b"50000"), "amount changed on the way"),
        (signed(BODY, stamp=NOW - 3600), BODY, "replayed an hour later"),
        (signed(BODY, stamp=NOW + 3600), BODY, "from the future"),
        ({**signed(BODY), "webhook-id": "msg_2"}, BODY, "id swapped"),
        ({"webhook-id": "msg_1"}, BODY, "headers missing"),
        ({**signed(BODY), "webhook-signature": "v0," + "A" * 44}, BODY, "unknown scheme"),
    ],
)
def test_a_hostile_webhook_is_refused(headers, body, why):
    with pytest.raises(WebhookError):
        verify(SECRET, headers, body, now=NOW)
